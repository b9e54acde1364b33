package http_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	stdhttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
	httpstore "github.com/go-glance/glance/store/http"
)

// data is what the test server serves at /image.
var data = func() []byte {
	b := make([]byte, 100_000)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

// server serves data at /image (honouring Range through ServeContent)
// and records the Range headers it saw.
type server struct {
	*httptest.Server
	mu     sync.Mutex
	ranges []string
}

func newServer(t *testing.T, extra func(mux *stdhttp.ServeMux)) *server {
	t.Helper()
	s := &server{}
	mux := stdhttp.NewServeMux()
	mux.HandleFunc("/image", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		s.mu.Lock()
		s.ranges = append(s.ranges, r.Header.Get("Range"))
		s.mu.Unlock()
		stdhttp.ServeContent(w, r, "image", time.Time{}, bytes.NewReader(data))
	})
	// /norange ignores Range: some servers send the whole file.
	mux.HandleFunc("/norange", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(data)))
		w.Write(data)
	})
	mux.HandleFunc("/broken", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		w.WriteHeader(stdhttp.StatusInternalServerError)
	})
	mux.HandleFunc("/redirect", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		stdhttp.Redirect(w, r, "/image", stdhttp.StatusFound)
	})
	mux.HandleFunc("/temporary", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		stdhttp.Redirect(w, r, "/image", stdhttp.StatusTemporaryRedirect)
	})
	mux.HandleFunc("/loop", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		stdhttp.Redirect(w, r, "/loop", stdhttp.StatusMovedPermanently)
	})
	if extra != nil {
		extra(mux)
	}
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *server) lastRange() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ranges[len(s.ranges)-1]
}

// loopbackDriver may reach 127.0.0.1 only, where the test servers are.
func loopbackDriver(t *testing.T) *httpstore.Driver {
	t.Helper()
	d, err := httpstore.New(httpstore.Options{AllowedNetworks: []string{"127.0.0.1/32"}})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func get(t *testing.T, d *httpstore.Driver, url string, offset, length int64) []byte {
	t.Helper()
	rc, err := d.Get(context.Background(), url, offset, length)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestServesRemoteDataWithRanges(t *testing.T) {
	srv := newServer(t, nil)
	d := loopbackDriver(t)
	ctx := context.Background()
	url := srv.URL + "/image"

	size, err := d.Stat(ctx, url)
	if err != nil || size != int64(len(data)) {
		t.Fatalf("Stat: %d, %v; want %d", size, err, len(data))
	}
	if got := get(t, d, url, 0, -1); !bytes.Equal(got, data) {
		t.Fatalf("whole download differs: %d bytes", len(got))
	}
	if srv.lastRange() != "" {
		t.Errorf("whole download sent Range %q", srv.lastRange())
	}
	got := get(t, d, url, 1000, 500)
	if !bytes.Equal(got, data[1000:1500]) {
		t.Fatalf("range differs: %d bytes", len(got))
	}
	if srv.lastRange() != "bytes=1000-1499" {
		t.Errorf("Range sent %q, want bytes=1000-1499", srv.lastRange())
	}
	if got := get(t, d, url, 99_990, -1); !bytes.Equal(got, data[99_990:]) {
		t.Fatalf("tail differs: %q", got)
	}
	// A server that ignores Range still yields just the bytes asked for.
	if got := get(t, d, srv.URL+"/norange", 70_000, 10); !bytes.Equal(got, data[70_000:70_010]) {
		t.Fatalf("range of a server ignoring Range differs: %v", got)
	}
	if _, err := d.Get(ctx, url, 200_000, -1); !errors.Is(err, store.ErrRangeNotSatisfiable) {
		t.Errorf("offset past the end: %v, want ErrRangeNotSatisfiable", err)
	}
	// 301 and 302 are followed, as glance_store follows them.
	if got := get(t, d, srv.URL+"/redirect", 0, -1); !bytes.Equal(got, data) {
		t.Fatal("redirected download differs")
	}
}

func TestRemoteFailures(t *testing.T) {
	srv := newServer(t, nil)
	d := loopbackDriver(t)
	ctx := context.Background()
	for _, c := range []struct {
		path string
		want error
	}{
		{"/missing", store.ErrNotFound},
		{"/broken", store.ErrUnavailable},
		{"/loop", store.ErrInvalid},      // more than 5 redirects
		{"/temporary", store.ErrInvalid}, // a redirect glance_store does not follow
	} {
		if _, err := d.Stat(ctx, srv.URL+c.path); !errors.Is(err, c.want) {
			t.Errorf("Stat %s: %v, want %v", c.path, err, c.want)
		}
		if _, err := d.Get(ctx, srv.URL+c.path, 0, -1); !errors.Is(err, c.want) {
			t.Errorf("Get %s: %v, want %v", c.path, err, c.want)
		}
	}
	// A server that is gone is unavailable.
	gone := httptest.NewServer(stdhttp.NotFoundHandler())
	gone.Close()
	if _, err := d.Get(ctx, gone.URL+"/image", 0, -1); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("closed server: %v, want ErrUnavailable", err)
	}
	for _, bad := range []string{"ftp://host/x", "http:///x", "http://host:port/x", "not a url"} {
		if _, err := d.Stat(ctx, bad); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Stat %q: %v, want ErrInvalid", bad, err)
		}
	}
}

func TestRefusesInternalAddressesUnlessAllowed(t *testing.T) {
	srv := newServer(t, nil)
	ctx := context.Background()
	strict, err := httpstore.New(httpstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// By address and by a name that resolves to loopback: the check is
	// on the address dialled, after resolution.
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	for _, url := range []string{srv.URL + "/image", "http://localhost" + port + "/image"} {
		if _, err := strict.Stat(ctx, url); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("Stat %s: %v, want ErrForbidden", url, err)
		}
		if _, err := strict.Get(ctx, url, 0, -1); !errors.Is(err, store.ErrForbidden) {
			t.Errorf("Get %s: %v, want ErrForbidden", url, err)
		}
	}
	srv.mu.Lock()
	seen := len(srv.ranges)
	srv.mu.Unlock()
	if seen != 0 {
		t.Errorf("the server was reached %d times", seen)
	}

	// A redirect from an allowed server to a refused address is refused:
	// every connection is checked, not just the first.
	other, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	inner := httptest.NewUnstartedServer(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
		w.Write(data)
	}))
	inner.Listener.Close()
	inner.Listener = other
	inner.Start()
	defer inner.Close()
	hop := newServer(t, func(mux *stdhttp.ServeMux) {
		mux.HandleFunc("/away", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
			stdhttp.Redirect(w, r, inner.URL+"/secret", stdhttp.StatusFound)
		})
	})
	d := loopbackDriver(t)
	if _, err := d.Get(ctx, hop.URL+"/away", 0, -1); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("redirect to 127.0.0.2: %v, want ErrForbidden", err)
	}
	if _, err := d.Stat(ctx, inner.URL+"/secret"); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("127.0.0.2 directly: %v, want ErrForbidden", err)
	}
}

func TestIsReadOnly(t *testing.T) {
	d := loopbackDriver(t)
	ctx := context.Background()
	if _, err := d.Put(ctx, "id", strings.NewReader("x"), 1); !errors.Is(err, store.ErrReadOnly) {
		t.Fatalf("Put: %v, want ErrReadOnly", err)
	}
	// Through the Backend, a client sees Glance's 410 for the upload.
	_, err := store.NewBackend("web", d).Put(ctx, "id", strings.NewReader("x"), 1)
	if !domain.IsKind(err, domain.KindGone) || domain.ErrorMessage(err) != "Error in store configuration. Adding images to store is disabled." {
		t.Fatalf("Backend.Put: %v", err)
	}
	// Deleting a location leaves the remote data alone and succeeds.
	if err := d.Delete(ctx, "http://192.0.2.1/image"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for url, want := range map[string]bool{"http://h/x": true, "HTTPS://h/x": true, "s3://h/x": false, "file:///x": false} {
		if d.Owns(url) != want {
			t.Errorf("Owns(%s) = %v", url, !want)
		}
	}
}

func TestStalledServerIsCutOff(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newServer(t, func(mux *stdhttp.ServeMux) {
		mux.HandleFunc("/stall", func(w stdhttp.ResponseWriter, r *stdhttp.Request) {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("partial"))
			w.(stdhttp.Flusher).Flush()
			<-release
		})
	})
	d, err := httpstore.New(httpstore.Options{AllowedNetworks: []string{"127.0.0.1"}, ReadIdleTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := d.Get(context.Background(), srv.URL+"/stall", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("stalled read: %v, want ErrUnavailable", err)
	}
}

func TestOpenOptions(t *testing.T) {
	if _, err := store.Open("http", "web", store.Options{"http_allowed_networks": "10.0.0.0/8, 127.0.0.1, fd00::/8"}); err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string]store.Options{
		"bad network":   {"http_allowed_networks": "10.0.0.0/99"},
		"proxy":         {"http_proxy_information": "http:10.0.0.1:3128"},
		"bad boolean":   {"https_insecure": "maybe"},
		"missing CA":    {"https_ca_certificates_file": "/nonexistent/ca.pem"},
		"not a network": {"http_allowed_networks": "intranet"},
	} {
		if _, err := store.Open("http", "web", opts); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
