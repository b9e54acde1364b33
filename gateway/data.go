package gateway

import (
	"fmt"
	"math"
	"mime"
	"net/http"
	"regexp"
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
	body := &progressReader{r: r.Body, rc: http.NewResponseController(c.Response()), timeout: s.cfg.ClientSocketTimeout}
	up := domain.Upload{Data: body, Size: size}
	if s.cfg.MultiStore {
		up.Store = r.Header.Get("X-Image-Meta-Store")
	}
	_, err := s.images.Upload(ctx(c), c.Param("id"), up)
	if err == nil {
		return noContent(c)
	}
	// The upload failed because the client did: it hears nothing more.
	switch clientFault(body.err) {
	case "stalled":
		s.log.WarnContext(ctx(c), fmt.Sprintf("Upload of image %s stalled: no data for %s after %d bytes; closing the connection",
			c.Param("id"), s.cfg.ClientSocketTimeout, body.n))
	case "left":
		s.log.InfoContext(ctx(c), fmt.Sprintf("Upload of image %s ended: the client left after %d bytes", c.Param("id"), body.n))
	default:
		return err
	}
	dropConnection(c)
	return nil
}

func (s *Server) downloadImage(c echo.Context) error {
	r := c.Request()
	br, rangeErr := requestedRange(r.Header)
	// Glance finds the image, checks access and status, and only then
	// reads the header: an unknown image is 404 whatever the range.
	d, err := s.images.Download(ctx(c), c.Param("id"), br)
	if err != nil {
		return err
	}
	resp := c.Response()
	if rangeErr != nil && d.Body != nil {
		d.Body.Close()
		return rangeErr
	}
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
	// Copy to the raw writer so that a file body goes out with sendfile.
	n, err := copyChunked(resp.Writer, d.Body, d.Length, s.cfg.ClientSocketTimeout)
	resp.Size += n
	// The status line is out: all that is left to do is say why the
	// body stopped short.
	switch clientFault(err) {
	case "stalled":
		s.log.WarnContext(ctx(c), fmt.Sprintf("Download of image %s stalled: the client read nothing for %s after %d of %d bytes; closing the connection",
			d.Image.ID, s.cfg.ClientSocketTimeout, n, d.Length))
	case "left":
		s.log.InfoContext(ctx(c), fmt.Sprintf("Download of image %s ended: the client left after %d of %d bytes", d.Image.ID, n, d.Length))
	default:
		if err != nil {
			s.log.ErrorContext(ctx(c), fmt.Sprintf("Download of image %s failed after %d of %d bytes: %v", d.Image.ID, n, d.Length, err))
		}
	}
	return nil
}

// requestedRange parses a single byte range from Range, or from the
// legacy Content-Range request header Glance also honours. A header that
// is present counts even when empty; repeats are joined with commas as a
// WSGI server joins them. Several ranges are a 400; an unparseable one a
// 416.
func requestedRange(h http.Header) (*domain.ByteRange, error) {
	if vs := h.Values("Range"); len(vs) > 0 {
		return parseRange(strings.Join(vs, ","))
	}
	if vs := h.Values("Content-Range"); len(vs) > 0 {
		return parseContentRange(strings.Join(vs, ","))
	}
	return nil, nil
}

// rangeSpec is WebOb's Range grammar. It matches a prefix: WebOb ignores
// whatever follows the range.
var rangeSpec = regexp.MustCompile(`^[bB][yY][tT][eE][sS] *= *([0-9]*) *- *([0-9]*)`)

// parseRange reads Range as WebOb's Range.parse does. "bytes=-0" is
// WebOb's start 0: the whole image.
func parseRange(v string) (*domain.ByteRange, error) {
	if strings.Contains(v, ",") {
		return nil, newHTTPError(http.StatusBadRequest, "Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.")
	}
	m := rangeSpec.FindStringSubmatch(v)
	if m == nil || m[1] == "" && m[2] == "" {
		return nil, rangeError("Range")
	}
	first, last := m[1], m[2]
	if first == "" {
		if n := digits(last); n > 0 {
			return &domain.ByteRange{Suffix: n}, nil
		}
		return &domain.ByteRange{First: 0, Last: -1}, nil
	}
	br := &domain.ByteRange{First: digits(first), Last: -1}
	if last != "" {
		if cmpDigits(first, last) > 0 {
			return nil, rangeError("Range")
		}
		br.Last = digits(last)
	}
	return br, nil
}

// contentRangeSpec is WebOb's ContentRange grammar, also a prefix match.
var contentRangeSpec = regexp.MustCompile(`^bytes (?:([0-9]+)-([0-9]+)|\*)/(?:([0-9]+)|\*)`)

// parseContentRange reads "bytes first-last/total" sent as a request, as
// WebOb's ContentRange.parse does: first <= last, and last < total when
// total is given. "bytes */..." parses there but Glance cannot serve it.
func parseContentRange(v string) (*domain.ByteRange, error) {
	m := contentRangeSpec.FindStringSubmatch(v)
	if m == nil || m[1] == "" {
		return nil, rangeError("Content-Range")
	}
	first, last, total := m[1], m[2], m[3]
	if cmpDigits(first, last) > 0 || total != "" && cmpDigits(last, total) >= 0 {
		return nil, rangeError("Content-Range")
	}
	return &domain.ByteRange{First: digits(first), Last: digits(last)}, nil
}

// digits is the value of a run of ASCII digits, saturated at MaxInt64:
// Python's ints do not overflow, and no image is that large.
func digits(s string) int64 {
	var n int64
	for i := 0; i < len(s); i++ {
		d := int64(s[i] - '0')
		if n > (math.MaxInt64-d)/10 {
			return math.MaxInt64
		}
		n = n*10 + d
	}
	return n
}

// cmpDigits compares two runs of ASCII digits by value, at any length.
func cmpDigits(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	return strings.Compare(a, b)
}

// rangeError is Glance's 416 for a header that does not parse.
func rangeError(header string) error {
	return &httpError{code: http.StatusRequestedRangeNotSatisfiable, explanation: explanations[416], detail: "Invalid " + header + " header."}
}
