package gateway

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
)

// droppedKey marks a request whose connection was closed without a
// response, for the access log.
const droppedKey = "glance.dropped"

// downloadChunk is how much of a download goes out between renewals of
// the write deadline, so a client must take at least this much per
// timeout (1.2 KB/s at the default 900 s; eventlet's limit is per send
// of 64 KiB). Each chunk of a file goes out with sendfile, and 1 MiB
// chunks measured no dearer than 4 MiB ones or a single copy.
const downloadChunk = 1 << 20

// progressReader is an upload's body. Before each read it renews the
// connection's read deadline, so that a client that sends nothing for
// timeout (0: no limit) is cut off however long its upload; it counts
// the bytes and keeps the first error, for the log.
type progressReader struct {
	r       io.Reader
	rc      *http.ResponseController
	timeout time.Duration
	n       int64
	err     error
}

func (p *progressReader) Read(b []byte) (int, error) {
	if p.timeout > 0 {
		p.rc.SetReadDeadline(time.Now().Add(p.timeout))
	}
	n, err := p.r.Read(b)
	p.n += int64(n)
	switch {
	case err == io.EOF && p.timeout > 0:
		// The server now watches the idle connection for the client
		// leaving; it must not time out while the upload is stored.
		p.rc.SetReadDeadline(time.Time{})
	case err != nil && err != io.EOF && p.err == nil:
		p.err = err
	}
	return n, err
}

// copyChunked writes length bytes of body to w, renewing w's write
// deadline before each chunk so that a client that reads nothing for
// timeout (0: no limit) is cut off. Chunks of an *os.File go out with
// sendfile. It returns the bytes written.
func copyChunked(w http.ResponseWriter, body io.Reader, length int64, timeout time.Duration) (int64, error) {
	rc := http.NewResponseController(w)
	var n int64
	for n < length {
		if timeout > 0 {
			rc.SetWriteDeadline(time.Now().Add(timeout))
		}
		k, err := io.CopyN(w, body, min(downloadChunk, length-n))
		n += k
		if err != nil {
			return n, err
		}
	}
	if timeout > 0 {
		// Later responses on this connection get their own time.
		rc.SetWriteDeadline(time.Time{})
	}
	return n, nil
}

// clientFault tells how a transfer's connection failed: "stalled" when
// the client moved no data within the timeout, "left" when it closed
// or reset the connection, "" when err is no such failure.
func clientFault(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "stalled"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return "left"
	}
	for _, errno := range []syscall.Errno{syscall.ECONNRESET, syscall.EPIPE, syscall.ECONNABORTED, syscall.ETIMEDOUT} {
		if errors.Is(err, errno) {
			return "left"
		}
	}
	return ""
}

// dropConnection closes the client's connection without a response: a
// client that left cannot read one, and one that stalled has had its
// time. The access log records that no status was sent.
func dropConnection(c echo.Context) {
	c.Set(droppedKey, true)
	if conn, _, err := http.NewResponseController(c.Response()).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler) // not HTTP/1: let net/http abort the stream
}
