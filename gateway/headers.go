package gateway

import (
	"net/http"
	"strconv"
)

// Glance's eventlet server refuses, while it reads the header lines (each
// counted with its CRLF, the closing blank line included): a line of
// max_header_line bytes or more, more than maxHeaderTotal bytes in all,
// and (Python's http.client) more than maxHeaderLines lines.
const (
	maxHeaderTotal = 65536
	maxHeaderLines = 256
	// maxRequestLine is eventlet's limit on the request line.
	maxRequestLine = 8192
)

// MaxHeaderBytes is what http.Server must read (its MaxHeaderBytes) for
// every header Glance accepts to reach the gateway, which then refuses
// what Glance refuses with Glance's answers. Past it the server answers
// 431 itself, where Glance says 400 Headers Too Large.
const MaxHeaderBytes = maxHeaderTotal + maxRequestLine

// Glance's answers, written by eventlet before any application code runs
// (no request id), and the connection closed.
const (
	lineTooLong     = "HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n"
	headersTooLarge = "HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n"
	tooManyHeaders  = "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n" +
		"        <title>Error response</title>\n    </head>\n    <body>\n        <h1>Error response</h1>\n" +
		"        <p>Error code: 431</p>\n        <p>Message: Too many headers.</p>\n" +
		"        <p>Error code explanation: 431 - got more than 256 headers.</p>\n    </body>\n</html>\n"
)

// refuseHeaders answers as Glance does for header lines over its limits
// and reports whether it did. Go has parsed the lines already, so each is
// measured as "Name: value\r\n"; when several limits are crossed, a long
// line wins over the total, the total over the count.
func (s *Server) refuseHeaders(w http.ResponseWriter, r *http.Request) bool {
	total, lines, longLine := 2, 1, false // the blank line
	add := func(name, value string) {
		n := len(name) + len(": ") + len(value) + len("\r\n")
		longLine = longLine || (s.cfg.MaxHeaderLine > 0 && n >= s.cfg.MaxHeaderLine)
		total += n
		lines++
	}
	if r.Host != "" {
		add("Host", r.Host)
	}
	for _, te := range r.TransferEncoding {
		add("Transfer-Encoding", te)
	}
	for name, values := range r.Header {
		for _, v := range values {
			add(name, v)
		}
	}
	switch {
	case longLine:
		writeRaw(w, lineTooLong)
	case total > maxHeaderTotal:
		writeRaw(w, headersTooLarge)
	case lines > maxHeaderLines:
		writeRaw(w, "HTTP/1.1 431 Too many headers\r\nConnection: close\r\nContent-Type: text/html;charset=utf-8\r\n"+
			"Content-Length: "+strconv.Itoa(len(tooManyHeaders))+"\r\n\r\n"+tooManyHeaders)
	default:
		return false
	}
	return true
}

// writeRaw writes a whole response on the connection and closes it, for
// answers whose status line net/http cannot write (HTTP/1.0, a reason
// phrase of Glance's own).
func writeRaw(w http.ResponseWriter, resp string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	defer conn.Close()
	_, _ = buf.WriteString(resp)
	_ = buf.Flush()
}
