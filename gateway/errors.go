package gateway

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[domain.Kind]int{
	domain.KindInternal:            http.StatusInternalServerError,
	domain.KindInvalid:             http.StatusBadRequest,
	domain.KindUnauthorized:        http.StatusUnauthorized,
	domain.KindForbidden:           http.StatusForbidden,
	domain.KindNotFound:            http.StatusNotFound,
	domain.KindConflict:            http.StatusConflict,
	domain.KindGone:                http.StatusGone,
	domain.KindTooLarge:            http.StatusRequestEntityTooLarge,
	domain.KindUnsupportedMedia:    http.StatusUnsupportedMediaType,
	domain.KindRangeNotSatisfiable: http.StatusRequestedRangeNotSatisfiable,
	domain.KindUnavailable:         http.StatusServiceUnavailable,
}

// titles are WebOb's status titles where they differ from Go's.
var titles = map[int]string{
	http.StatusRequestEntityTooLarge:        "Request Entity Too Large",
	http.StatusRequestedRangeNotSatisfiable: "Request Range Not Satisfiable",
}

// explanations are WebOb's generic texts, shown before a detail message
// or alone when there is no message.
var explanations = map[int]string{
	400: "The server could not comply with the request since it is either malformed or otherwise incorrect.",
	401: "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.",
	403: "Access was denied to this resource.",
	404: "The resource could not be found.",
	405: "The method is not allowed for this resource.",
	409: "There was a conflict when trying to complete your request.",
	410: "This resource is no longer available.  No forwarding address is given.",
	413: "The request is larger than the server is willing or able to process.",
	415: "The request media type is not supported by this server.",
	416: "The Range requested is not available.",
	431: "The request header fields are too large.",
	500: "The server has either erred or is incapable of performing the requested operation.",
	501: "The server has not implemented the requested operation.",
	503: "The server is currently unavailable. Please try again at a later time.",
}

func title(code int) string {
	if t, ok := titles[code]; ok {
		return t
	}
	return http.StatusText(code)
}

// httpError is an error rendered as WebOb renders Glance's errors. body,
// when set, replaces the explanation/detail template (405 and 415 use
// their own).
type httpError struct {
	code        int
	explanation string
	detail      string
	body        string
	header      http.Header
}

func (e *httpError) Error() string { return e.explanation + e.detail + e.body }

func newHTTPError(code int, explanation string) *httpError {
	return &httpError{code: code, explanation: explanation}
}

func unsupportedMedia(ctype string) *httpError {
	if ctype == "" {
		ctype = "None"
	}
	return &httpError{code: 415, body: "The request media type " + escapeHTML(ctype) + " is not supported by this server.\n<br /><br />"}
}

// toHTTPError converts any error to what the client sees. Internal errors
// keep their cause out of the response; the caller logs it.
func toHTTPError(err error) *httpError {
	var he *httpError
	if errors.As(err, &he) {
		return he
	}
	var ee *echo.HTTPError
	if errors.As(err, &ee) {
		switch ee.Code {
		case http.StatusNotFound:
			return newHTTPError(404, explanations[404])
		case http.StatusMethodNotAllowed:
			return &httpError{code: 405, body: "The method is not allowed for this resource. <br /><br />"}
		case http.StatusRequestEntityTooLarge:
			return newHTTPError(413, explanations[413])
		}
		return newHTTPError(ee.Code, explanations[ee.Code])
	}
	var ve *schemas.ValidationError
	if errors.As(err, &ve) {
		return newHTTPError(400, ve.Message)
	}
	var de *domain.Error
	if errors.As(err, &de) {
		code, ok := statusOf[de.Kind]
		if !ok || de.Kind == domain.KindInternal {
			return newHTTPError(500, explanations[500])
		}
		if code == 415 {
			return &httpError{code: 415, body: escapeHTML(de.Message) + "<br /><br />"}
		}
		if de.Detail || de.Message == "" {
			return &httpError{code: code, explanation: explanations[code], detail: de.Message}
		}
		return newHTTPError(code, de.Message)
	}
	return newHTTPError(500, explanations[500])
}

// writeError renders e in the form the request's Accept header prefers:
// WebOb's HTML page (the default, which glanceclient and the openstack
// CLI parse), a flat JSON object, or plain text.
func writeError(c echo.Context, e *httpError) {
	resp := c.Response()
	if resp.Committed {
		return
	}
	for k, v := range e.header {
		resp.Header()[k] = v
	}
	status := itoa(e.code) + " " + title(e.code)
	var ctype, body string
	switch negotiateErrorType(c.Request().Header.Get("Accept")) {
	case "text/html":
		ctype = "text/html; charset=UTF-8"
		body = "<html>\n <head>\n  <title>" + status + "</title>\n </head>\n <body>\n  <h1>" + status + "</h1>\n  " +
			e.htmlBody() + "\n\n </body>\n</html>"
	case "application/json":
		ctype = "application/json"
		body = string(schemas.Encode(schemas.Object{
			{Key: "message", Value: e.textBody()},
			{Key: "code", Value: status},
			{Key: "title", Value: title(e.code)},
		}))
	default:
		ctype = "text/plain; charset=UTF-8"
		body = status + "\n\n" + stripTags(e.textBody())
	}
	resp.Header().Set(echo.HeaderContentType, ctype)
	resp.WriteHeader(e.code)
	if c.Request().Method != http.MethodHead {
		_, _ = resp.Write([]byte(body))
	}
}

func (e *httpError) htmlBody() string {
	if e.body != "" {
		return e.body
	}
	return escapeHTML(e.explanation) + "<br /><br />\n" + escapeHTML(e.detail) + "\n"
}

func (e *httpError) textBody() string {
	if e.body != "" {
		return unescapeHTML(e.body)
	}
	return e.explanation + "<br /><br />\n" + e.detail + "\n\n"
}

// stripTags turns an error body into WebOb's plain text: newlines become
// spaces, each <br> a newline, and other tags and comment marks vanish.
func stripTags(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "\r", "")
	s = strings.ReplaceAll(s, "<!--", "")
	s = strings.ReplaceAll(s, "-->", "")
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '<')
		if open < 0 {
			break
		}
		end := strings.IndexByte(s[open:], '>')
		if end < 0 {
			break
		}
		b.WriteString(s[:open])
		if tag := strings.ToLower(s[open : open+end]); strings.HasPrefix(tag, "<br") {
			b.WriteByte('\n')
		}
		s = s[open+end+1:]
	}
	b.WriteString(s)
	return b.String()
}

// negotiateErrorType picks text/html or application/json by q-value as
// WebOb does (html wins ties), or "" for neither: plain text, which is
// also WebOb's answer to a request without an Accept header.
func negotiateErrorType(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return ""
	}
	best, bestQ := "", 0.0
	for _, offer := range []string{"text/html", "application/json"} {
		q := acceptQ(accept, offer)
		if q > bestQ {
			best, bestQ = offer, q
		}
	}
	return best
}

// acceptQ returns the q-value accept gives to offer, using the most
// specific matching range.
func acceptQ(accept, offer string) float64 {
	otype, _, _ := strings.Cut(offer, "/")
	q, spec := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		params := strings.Split(part, ";")
		mr := strings.ToLower(strings.TrimSpace(params[0]))
		s := -1
		switch {
		case mr == offer:
			s = 2
		case mr == otype+"/*":
			s = 1
		case mr == "*/*" || mr == "*":
			s = 0
		}
		if s < spec || s < 0 {
			continue
		}
		v := 1.0
		for _, p := range params[1:] {
			k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.TrimSpace(k) == "q" {
				v = parseQ(val)
			}
		}
		q, spec = v, s
	}
	return q
}

func parseQ(s string) float64 {
	s = strings.TrimSpace(s)
	v, frac, seen := 0.0, 0.1, false
	for _, r := range s {
		switch {
		case r == '.':
			seen = true
		case r >= '0' && r <= '9' && !seen:
			v = v*10 + float64(r-'0')
		case r >= '0' && r <= '9':
			v += frac * float64(r-'0')
			frac /= 10
		default:
			return 0
		}
	}
	return v
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// escapeHTML escapes as Python's html.escape, which WebOb uses: the
// same five characters as Go's, but with Python's entity spellings.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;")

func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

var htmlUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#x27;", "'")

func unescapeHTML(s string) string { return htmlUnescaper.Replace(s) }
