package store_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-glance/glance/store"
)

// TestBoundedTransport: a server that accepts and never answers, and one
// that stops in the middle of a body, fail the request instead of
// holding it forever.
func TestBoundedTransport(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	held := make(chan net.Conn, 16) // accepted, never answered
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held <- c
		}
	}()
	release := make(chan struct{})
	stalling := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write(make([]byte, 10))
		w.(http.Flusher).Flush()
		<-release
	}))
	defer stalling.Close()
	defer close(release)

	client := &http.Client{Transport: store.BoundedTransport(200 * time.Millisecond)}
	if _, err := client.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("GET from a server that never answers succeeded")
	}
	for len(held) > 0 {
		(<-held).Close()
	}
	resp, err := client.Get(stalling.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if n, err := io.Copy(io.Discard, resp.Body); err == nil || n != 10 {
		t.Errorf("body of a server that stalled: %d bytes, %v; want the 10 sent and an error", n, err)
	}
}
