package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects the server log for failing tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// MustStartServer runs the API, as glance-api runs it, on a random port
// with SQLite and a filesystem store in a temp dir. extra is appended to
// the config file. It returns the base URL.
func MustStartServer(tb testing.TB, extra string) string {
	tb.Helper()
	base, _ := MustStartServerIn(tb, extra)
	return base
}

// MustStartServerIn is MustStartServer that also returns the temp dir,
// which holds the database (glance.sqlite) and the datadir (images).
func MustStartServerIn(tb testing.TB, extra string) (base, dir string) {
	tb.Helper()
	dir = tb.TempDir()
	return MustRun(tb, dir, "api", "--config-file", mustWriteConfig(tb, dir, extra, "", "")), dir
}

// mustWriteConfig writes dir/glance-api.conf for a server on a random
// port, with extra in [DEFAULT], the database at connection (SQLite in
// dir/glance.sqlite when empty) and the datadir (dir/images when
// empty), and returns its path.
func mustWriteConfig(tb testing.TB, dir, extra, connection, datadir string) string {
	tb.Helper()
	if connection == "" {
		connection = "sqlite:///" + filepath.Join(dir, "glance.sqlite")
	}
	if datadir == "" {
		datadir = filepath.Join(dir, "images")
	}
	conf := "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\n" + extra +
		"\n[database]\nconnection = " + connection +
		"\n[glance_store]\nfilesystem_store_datadir = " + datadir + "\n"
	path := filepath.Join(dir, "glance-api.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// mustPolicyFile writes policy (YAML) to a file and returns the config
// lines, with their section, that make the server read it.
func mustPolicyFile(tb testing.TB, policy string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(policy+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return "\n[oslo_policy]\npolicy_file = " + path + "\n[DEFAULT]\n"
}

// MustRun runs the command with args until the test ends and returns the
// base URL of the server it starts.
func MustRun(tb testing.TB, dir string, args ...string) string {
	tb.Helper()
	base, _ := MustRunLogged(tb, dir, args...)
	return base
}

// MustRunLogged is MustRun that also returns the server's log.
func MustRunLogged(tb testing.TB, dir string, args ...string) (string, *syncBuffer) {
	tb.Helper()
	log := &syncBuffer{}
	ready := make(chan net.Addr, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cmd := newRootCommand(io.Discard, log, ready)
	cmd.SetArgs(args)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		tb.Fatalf("server did not start: %v\n%s", err, log.String())
	case <-time.After(30 * time.Second):
		tb.Fatalf("server did not start in time\n%s", log.String())
	}
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("server stopped with error: %v", err)
		}
		if tb.Failed() {
			tb.Logf("server log:\n%s", log.String())
		}
	})
	return "http://" + addr.String(), log
}

// request is one HTTP exchange of a test.
type request struct {
	method, path string
	header       map[string]string
	body         string
}

func (r request) do(tb testing.TB, base string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
	if err != nil {
		tb.Fatal(err)
	}
	if r.body == "" {
		req.Body = nil
		req.ContentLength = 0
	}
	// As curl and python-requests send it (Glance's answers in
	// testdata were captured with it); tests that need another Accept,
	// or none, set it.
	req.Header.Set("Accept", "*/*")
	for k, v := range r.header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, b
}
