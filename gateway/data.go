package gateway

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-glance/glance/domain"
	"github.com/labstack/echo/v4"
)

func (s *Server) uploadImage(c echo.Context) error {
	r := c.Request()
	ctype := r.Header.Get(echo.HeaderContentType)
	if mt, _, _ := mime.ParseMediaType(ctype); mt != "application/octet-stream" {
		return unsupportedMedia(ctype)
	}
	size := int64(-1)
	if h := r.Header.Get("X-Openstack-Image-Size"); h != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(h), 10, 64)
		if err != nil || n < 0 {
			return newHTTPError(http.StatusBadRequest, "x-openstack-image-size must be a non-negative integer, got "+h)
		}
		size = n
	} else if r.ContentLength >= 0 {
		size = r.ContentLength
	}
	up := domain.Upload{Data: r.Body, Size: size}
	if s.cfg.MultiStore {
		up.Store = r.Header.Get("X-Image-Meta-Store")
	}
	if err := s.images.Upload(ctx(c), c.Param("id"), up); err != nil {
		return err
	}
	return noContent(c)
}

func (s *Server) downloadImage(c echo.Context) error {
	r := c.Request()
	br, err := requestedRange(r.Header)
	if err != nil {
		return err
	}
	d, err := s.images.Download(ctx(c), c.Param("id"), br)
	if err != nil {
		return err
	}
	resp := c.Response()
	if d.Body == nil {
		resp.WriteHeader(http.StatusNoContent)
		return nil
	}
	defer d.Body.Close()
	h := resp.Header()
	h.Set(echo.HeaderContentType, "application/octet-stream")
	if d.Image.Checksum != nil {
		h.Set("Content-Md5", *d.Image.Checksum)
	}
	h.Set(echo.HeaderContentLength, strconv.FormatInt(d.Length, 10))
	code := http.StatusOK
	if d.Partial {
		code = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(d.Offset, 10)+"-"+
			strconv.FormatInt(d.Offset+d.Length-1, 10)+"/"+strconv.FormatInt(d.Total, 10))
	}
	resp.WriteHeader(code)
	// Copy to the raw writer through a LimitedReader so that a file body
	// goes out with sendfile.
	n, err := io.Copy(resp.Writer, &io.LimitedReader{R: d.Body, N: d.Length})
	resp.Size += n
	if err != nil {
		s.log.WarnContext(ctx(c), "Download of image "+d.Image.ID+" interrupted: "+err.Error())
	}
	return nil
}

// requestedRange parses a single byte range from Range, or from the
// legacy Content-Range request header Glance also honours. Several ranges
// are a 400; an unparseable one a 416.
func requestedRange(h http.Header) (*domain.ByteRange, error) {
	if v := h.Get("Range"); v != "" {
		return parseRange(v)
	}
	if v := h.Get("Content-Range"); v != "" {
		return parseContentRange(v)
	}
	return nil, nil
}

func parseRange(v string) (*domain.ByteRange, error) {
	unit, spec, ok := strings.Cut(strings.TrimSpace(v), "=")
	if !ok || strings.TrimSpace(unit) != "bytes" {
		return nil, rangeError()
	}
	if strings.Contains(spec, ",") {
		return nil, newHTTPError(http.StatusBadRequest, "Multiple ranges are not supported.")
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, rangeError()
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 {
			return nil, rangeError()
		}
		return &domain.ByteRange{Suffix: n}, nil
	}
	f, err := strconv.ParseInt(first, 10, 64)
	if err != nil || f < 0 {
		return nil, rangeError()
	}
	br := &domain.ByteRange{First: f, Last: -1}
	if last != "" {
		l, err := strconv.ParseInt(last, 10, 64)
		if err != nil || l < f {
			return nil, rangeError()
		}
		br.Last = l
	}
	return br, nil
}

// parseContentRange reads "bytes first-last/total" sent as a request.
func parseContentRange(v string) (*domain.ByteRange, error) {
	unit, spec, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || unit != "bytes" {
		return nil, rangeError()
	}
	span, _, _ := strings.Cut(spec, "/")
	first, last, ok := strings.Cut(span, "-")
	if !ok {
		return nil, rangeError()
	}
	f, err1 := strconv.ParseInt(first, 10, 64)
	l, err2 := strconv.ParseInt(last, 10, 64)
	if err1 != nil || err2 != nil || f < 0 || l < f {
		return nil, rangeError()
	}
	return &domain.ByteRange{First: f, Last: l}, nil
}

func rangeError() error {
	return &httpError{code: http.StatusRequestedRangeNotSatisfiable, explanation: explanations[416]}
}
