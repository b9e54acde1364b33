package store

import (
	"context"
	"net"
	"net/http"
	"time"
)

// NetTimeout is the default bound of each network wait of the drivers
// that speak HTTP: connecting, a response's headers, and any read or
// write on a connection that makes no progress. A backend silent for
// that long counts as unavailable.
const NetTimeout = 30 * time.Second

// BoundedTransport returns an HTTP transport for a driver whose every
// wait is bounded by timeout: the dial, the TLS handshake, the wait for
// a response's headers, and each read or write of a connection (so a
// server that stalls mid-body fails the request too, which
// http.Transport alone would wait on forever).
func BoundedTransport(timeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &deadlineConn{Conn: c, timeout: timeout}, nil
	}
	t.TLSHandshakeTimeout = timeout
	t.ResponseHeaderTimeout = timeout
	t.ExpectContinueTimeout = min(timeout, time.Second)
	t.IdleConnTimeout = 90 * time.Second
	// Image data is moved as stored: a transparently gunzipped body
	// would not match its size or ranges.
	t.DisableCompression = true
	t.MaxIdleConnsPerHost = 16
	return t
}

// deadlineConn fails a read or write when the connection makes no
// progress either way for timeout. A write pushes the read deadline on
// as well: the transport reads for the response while the request body
// is still going out. An idle pooled connection's pending read fails
// too and the transport drops it, which is harmless.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetDeadline(time.Now().Add(c.timeout))
	n, err := c.Conn.Write(p)
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return n, err
}
