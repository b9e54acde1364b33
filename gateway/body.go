package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// maxJSONBody bounds JSON request bodies; image data never goes through
// this path.
const maxJSONBody = 4 << 20

// smallValues is how many JSON values a member of a body may hold to be
// decoded whole before its count is checked against a quota. Anything a
// quota allows is far below it; beyond it values are counted and
// checked in place, so the work a body costs stays linear in its size.
const smallValues = 4096

// readBody reads a JSON request body. Returns 400 with Glance's message
// for an empty body, 413 past the size limit.
func readBody(c echo.Context) ([]byte, error) {
	r := c.Request()
	raw, err := readAll(http.MaxBytesReader(c.Response(), r.Body, maxJSONBody), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, newHTTPError(http.StatusRequestEntityTooLarge, explanations[413])
		}
		return nil, newHTTPError(http.StatusBadRequest, "Error reading the request body.")
	}
	if len(raw) == 0 {
		return nil, newHTTPError(http.StatusBadRequest, "Body expected in request.")
	}
	return raw, nil
}

// scanJSON checks that a body is one JSON value in valid UTF-8 without
// decoding it, passing the members or elements of its top level to
// visit (see schemas.ScanEach). Returns Glance's 400 otherwise: its
// decoder refuses invalid UTF-8 as malformed JSON too.
func scanJSON(raw []byte, visit func(key string, value []byte, values int)) (schemas.Shape, error) {
	shape, err := schemas.ScanEach(raw, visit)
	if err != nil {
		return shape, newHTTPError(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	return shape, nil
}

// readAll reads r into one buffer sized by the declared length (within
// the limit), so that a large body is not copied over and over as the
// buffer grows.
func readAll(r io.Reader, declared int64) ([]byte, error) {
	if declared <= 0 || declared > maxJSONBody {
		return io.ReadAll(r)
	}
	buf := bytes.NewBuffer(make([]byte, 0, declared+bytes.MinRead))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// writeJSON sends a JSON body already encoded.
func writeJSON(c echo.Context, code int, body []byte) error {
	return c.Blob(code, "application/json", body)
}

// noContent answers 204 the way Glance's WSGI stack does for actions.
func noContent(c echo.Context) error {
	c.Response().Header().Set(echo.HeaderContentType, "text/html; charset=UTF-8")
	c.Response().WriteHeader(http.StatusNoContent)
	return nil
}
