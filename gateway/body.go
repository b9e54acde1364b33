package gateway

import (
	"errors"
	"io"
	"net/http"

	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// maxJSONBody bounds JSON request bodies; image data never goes through
// this path.
const maxJSONBody = 4 << 20

// readJSON decodes the request body (numbers as json.Number). Returns 400
// with Glance's messages for an empty or malformed body.
func readJSON(c echo.Context) (any, []byte, error) {
	r := c.Request()
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxJSONBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, nil, newHTTPError(http.StatusRequestEntityTooLarge, explanations[413])
		}
		return nil, nil, newHTTPError(http.StatusBadRequest, "Error reading the request body.")
	}
	if len(raw) == 0 {
		return nil, nil, newHTTPError(http.StatusBadRequest, "Body expected in request.")
	}
	v, err := schemas.DecodeBody(raw)
	if err != nil {
		return nil, nil, newHTTPError(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	return v, raw, nil
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
