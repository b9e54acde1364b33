package gateway_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/gateway"
	"github.com/go-glance/glance/schemas"
)

// panicking is an image service whose every call panics: a bug no real
// part produces on demand.
type panicking struct{ domain.ImageService }

func (panicking) Get(context.Context, string) (*domain.Image, error) {
	panic("index out of range in a handler")
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// withRequestID adds the request id of the caller in the context to
// each record, as the service's oslo-style handler does.
type withRequestID struct{ slog.Handler }

func (h withRequestID) Handle(ctx context.Context, r slog.Record) error {
	r.AddAttrs(slog.String("request_id", domain.CallerFrom(ctx).RequestID))
	return h.Handler.Handle(ctx, r)
}

// A panic in a handler is a 500 the client can read, carrying the request
// id the log names beside the panic, and the server keeps serving.
func TestPanicIsLogged500(t *testing.T) {
	sch, err := schemas.New(schemas.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	srv := httptest.NewServer(gateway.New(gateway.Config{
		Auth: gateway.AuthNone, MaxRequestIDLength: 64, Schemas: sch,
		Logger: slog.New(withRequestID{slog.NewTextHandler(&log, nil)}),
	}, panicking{}, nil))
	defer srv.Close()

	for range 2 {
		resp, err := http.Get(srv.URL + "/v2/images/0b6c5a2e-6d43-4c8e-9b1f-6a5d3c2e1f00")
		if err != nil {
			t.Fatalf("the connection did not survive the panic: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status %d, want 500", resp.StatusCode)
		}
		// The client reads Glance's generic 500, not the panic's text.
		if !strings.Contains(string(body), "500 Internal Server Error") || strings.Contains(string(body), "index out of range") {
			t.Errorf("500 body:\n%s", body)
		}
		id := resp.Header.Get("X-Openstack-Request-Id")
		if !strings.HasPrefix(id, "req-") {
			t.Fatalf("request id %q", id)
		}
		var logged bool
		for _, line := range strings.Split(log.String(), "\n") {
			if strings.Contains(line, "index out of range in a handler") && strings.Contains(line, id) {
				logged = true
			}
		}
		if !logged {
			t.Errorf("no log line names the panic and request %s:\n%s", id, log.String())
		}
	}
}
