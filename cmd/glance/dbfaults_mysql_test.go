package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/go-glance/glance/dal/daltest"
)

// silentProxy forwards TCP connections to a real server until frozen;
// frozen, it keeps every connection open and passes nothing on, as a
// server that hangs or a network that drops packets does.
type silentProxy struct {
	ln       net.Listener
	upstream string
	mu       sync.Mutex
	thawed   chan struct{} // closed while traffic flows
	conns    []net.Conn
}

func mustStartProxy(t *testing.T, upstream string) *silentProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &silentProxy{ln: ln, upstream: upstream, thawed: make(chan struct{})}
	close(p.thawed)
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

func (p *silentProxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.upstream)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		go p.pipe(server, client)
		go p.pipe(client, server)
	}
}

func (p *silentProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			gate := p.thawed
			p.mu.Unlock()
			<-gate
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *silentProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.thawed = make(chan struct{})
}

func (p *silentProxy) thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.thawed)
}

// On MariaDB a row locked by another transaction makes a write answer
// 503 after pool_timeout (not InnoDB's 50 s and a 500), and a server
// that stops answering makes requests answer 503 instead of hanging;
// both recover when the fault ends.
func TestMariaDBFaultsAnswer503(t *testing.T) {
	direct := daltest.NewMariaDBURL(t)
	backend := daltest.Open(t, direct)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	proxy := mustStartProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	s := mustStartFaultServer(t, t.TempDir(), u.String(), "")
	img := s.create(t, createBody)
	patch := `[{"op": "add", "path": "/k", "value": "v"}]`

	t.Run("row locked", func(t *testing.T) {
		ctx := context.Background()
		tx, err := backend.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SELECT id FROM images WHERE id = ? FOR UPDATE", img.ID); err != nil {
			t.Fatal(err)
		}
		resp, body := s.do(t, "PATCH", "/v2/images/"+img.ID, patchType, patch)
		mustUnavailable(t, "patch a locked row", resp, body)
		if got := s.get(t, img.ID); got.ID != img.ID {
			t.Fatalf("read beside the lock: %+v", got)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		resp, body = s.do(t, "PATCH", "/v2/images/"+img.ID, patchType, patch)
		mustStatus(t, "patch after the lock", resp, body, http.StatusOK)
	})

	t.Run("server silent", func(t *testing.T) {
		proxy.freeze()
		resp, body := s.do(t, "POST", "/v2/images", jsonType, createBody)
		mustUnavailable(t, "create", resp, body)
		resp, body = s.do(t, "GET", "/v2/images/"+img.ID, nil, "")
		mustUnavailable(t, "show", resp, body)
		proxy.thaw()
		if got := s.get(t, img.ID); got.ID != img.ID {
			t.Fatalf("read after the server answers again: %+v", got)
		}
	})
}
