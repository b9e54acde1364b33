package keystonetest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// Proxy is a transparent reverse proxy in front of the real Keystone: it
// counts what a client asks and can be told to stall or fail, which the
// real Keystone cannot be made to do on cue. The URLs in Keystone's
// answers (the catalog included) are rewritten to the proxy's, so a
// client that finds its identity endpoint in the catalog stays behind
// the proxy.
type Proxy struct {
	URL string // base URL, like keystonetest.URL

	mu     sync.Mutex
	counts map[string]int
	fault  func(w http.ResponseWriter, r *http.Request) bool
	stop   chan struct{}
}

// StartProxy starts a Proxy that runs until the test ends.
func StartProxy(tb testing.TB) *Proxy {
	tb.Helper()
	target, err := url.Parse(URL)
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{counts: map[string]int{}, stop: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		body = bytes.ReplaceAll(body, []byte(URL), []byte(p.URL))
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[r.Method+" "+r.URL.Path]++
		fault := p.fault
		p.mu.Unlock()
		if fault != nil && fault(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	p.URL = srv.URL
	tb.Cleanup(srv.Close)
	tb.Cleanup(func() { close(p.stop) }) // runs first: frees stalled handlers
	return p
}

// Count is how many requests with method and path (e.g. "GET",
// "/v3/auth/tokens") reached the proxy.
func (p *Proxy) Count(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[method+" "+path]
}

// Validations is how many token validations (GET /v3/auth/tokens)
// reached the proxy.
func (p *Proxy) Validations() int { return p.Count(http.MethodGet, "/v3/auth/tokens") }

// Stall makes requests to path hang without an answer until the client
// gives up or the test ends; "" stalls every request.
func (p *Proxy) Stall(path string) {
	p.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if path != "" && r.URL.Path != path {
			return false
		}
		select {
		case <-r.Context().Done():
		case <-p.stop:
		}
		panic(http.ErrAbortHandler) // drop the connection, answer nothing
	})
}

// Fail makes requests to path answer status without reaching Keystone.
func (p *Proxy) Fail(path string, status int) {
	p.setFault(func(w http.ResponseWriter, r *http.Request) bool {
		if path != "" && r.URL.Path != path {
			return false
		}
		http.Error(w, `{"error": {"code": `+strconv.Itoa(status)+`, "message": "injected"}}`, status)
		return true
	})
}

// Heal lets every request through again.
func (p *Proxy) Heal() { p.setFault(nil) }

func (p *Proxy) setFault(f func(http.ResponseWriter, *http.Request) bool) {
	p.mu.Lock()
	p.fault = f
	p.mu.Unlock()
}

// SilentURL is the URL of a listener that accepts connections and never
// answers, as a hung Keystone would; it closes when the test ends.
func SilentURL(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// ClosedURL is the URL of a loopback port nothing listens on.
func ClosedURL(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// LockImagePort holds, until the test ends, the machine-wide lock on
// ImagePort, the catalog's image endpoint: test packages run in
// parallel processes, and only one server at a time can have the port.
func LockImagePort(tb testing.TB) {
	tb.Helper()
	path := filepath.Join(os.TempDir(), "go-glance-image-port-"+strconv.Itoa(ImagePort)+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		tb.Fatalf("opening %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		tb.Fatalf("locking %s: %v", path, err)
	}
	tb.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
