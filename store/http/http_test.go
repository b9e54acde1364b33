package http

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/store"
)

func newServer(t *testing.T, data []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/image":
			http.ServeContent(w, r, "image", time.Time{}, bytes.NewReader(data))
		case "/moved":
			http.Redirect(w, r, "/image", http.StatusFound)
		case "/down":
			http.Error(w, "down", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func read(t *testing.T, d store.Driver, url string, offset, length int64) string {
	t.Helper()
	rc, err := d.Get(t.Context(), url, offset, length)
	if err != nil {
		t.Fatalf("Get %s %d+%d: %v", url, offset, length, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReadsWebServerData(t *testing.T) {
	srv := newServer(t, []byte("0123456789"))
	d, err := store.Open("http", "web", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := d.Stat(t.Context(), srv.URL+"/image"); err != nil || n != 10 {
		t.Errorf("Stat: %d, %v; want 10", n, err)
	}
	for _, c := range []struct {
		url            string
		offset, length int64
		want           string
	}{
		{srv.URL + "/image", 0, -1, "0123456789"},
		{srv.URL + "/image", 3, 4, "3456"},
		{srv.URL + "/image", 7, -1, "789"},
		{srv.URL + "/image", 10, -1, ""},
		{srv.URL + "/moved", 0, 2, "01"},
	} {
		if got := read(t, d, c.url, c.offset, c.length); got != c.want {
			t.Errorf("Get %s %d+%d = %q, want %q", c.url, c.offset, c.length, got, c.want)
		}
	}
	if !d.(store.Owner).Owns(srv.URL+"/image") || d.(store.Owner).Owns("file:///image") {
		t.Error("Owns: want http URLs only")
	}
}

func TestFailures(t *testing.T) {
	srv := newServer(t, []byte("data"))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/image"
	ln.Close()
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		url  string
		want error
	}{
		{srv.URL + "/missing", store.ErrNotFound},
		{srv.URL + "/down", store.ErrUnavailable},
		{closed, store.ErrUnavailable},
		{"ftp://host/image", store.ErrNotFound},
	} {
		if _, err := d.Get(t.Context(), c.url, 0, -1); !errors.Is(err, c.want) {
			t.Errorf("Get %s: %v, want %v", c.url, err, c.want)
		}
	}
	if _, err := d.Get(t.Context(), srv.URL+"/image", 5, -1); !errors.Is(err, store.ErrRangeNotSatisfiable) {
		t.Errorf("Get past the end: %v", err)
	}
	if _, err := d.Put(t.Context(), "id", strings.NewReader("x"), 1); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("Put: %v, want ErrForbidden (read-only)", err)
	}
	if err := d.Delete(t.Context(), srv.URL+"/image"); err != nil {
		t.Errorf("Delete: %v, want the web server's data left alone", err)
	}
	if got := read(t, d, srv.URL+"/image", 0, -1); got != "data" {
		t.Errorf("after Delete the server serves %q", got)
	}
}

func TestOpenOptions(t *testing.T) {
	if _, err := Open("", store.Options{"http_proxy_information": "http:http://proxy:3128, https:https://proxy:3129"}); err != nil {
		t.Errorf("proxies: %v", err)
	}
	for name, opts := range map[string]store.Options{
		"proxy":    {"http_proxy_information": "proxy"},
		"insecure": {"https_insecure": "perhaps"},
		"ca file":  {"https_ca_certificates_file": "/nonexistent/ca.pem"},
	} {
		if _, err := Open("", opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
