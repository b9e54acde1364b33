package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// faultServer is a server on a database the test can lock, delete or
// replace, with its log in a file the test reads.
type faultServer struct {
	api
	dir, dbPath, datadir, logPath string
}

// mustStartFaultServer runs the API with [database] connection and the
// datadir given (empty: SQLite and images/ in dir) and pool_timeout = 1.
func mustStartFaultServer(t *testing.T, dir, connection, datadir string) faultServer {
	t.Helper()
	s := faultServer{dir: dir, dbPath: filepath.Join(dir, "glance.sqlite"), datadir: datadir,
		logPath: filepath.Join(dir, "glance-api.log")}
	if connection == "" {
		connection = "sqlite:///" + s.dbPath
	}
	if s.datadir == "" {
		s.datadir = filepath.Join(dir, "images")
	}
	conf := "[DEFAULT]\nbind_host = 127.0.0.1\nbind_port = 0\nlog_file = " + s.logPath +
		"\n[database]\nconnection = " + connection + "\npool_timeout = 1\n" +
		"[glance_store]\nfilesystem_store_datadir = " + s.datadir + "\n"
	path := filepath.Join(dir, "glance-api.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s.base = MustRun(t, dir, "api", "--config-file", path)
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(s.logPath)
			t.Logf("log file:\n%s", b)
		}
	})
	return s
}

// logLines returns the lines of the server's log at level that contain
// every one of words.
func (s faultServer) logLines(t *testing.T, level string, words ...string) []string {
	t.Helper()
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
next:
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, " "+level+" ") {
			continue
		}
		for _, w := range words {
			if !strings.Contains(l, w) {
				continue next
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// answer is one response with its body read.
type answer struct {
	resp *http.Response
	body []byte
}

// concurrently sends n copies of a request at once and delivers their
// answers when all have come, failing t on a transport error.
func (s faultServer) concurrently(t *testing.T, n int, method, path string, header map[string]string, body string) <-chan []answer {
	t.Helper()
	answers := make([]answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			for k, v := range header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			answers[i], errs[i] = answer{resp, b}, err
		})
	}
	out := make(chan []answer, 1)
	go func() {
		wg.Wait()
		// Connections the client dialed and never used would hold the
		// server's shutdown for 5 s.
		http.DefaultClient.CloseIdleConnections()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s %s #%d: %v", method, path, i, err)
				answers[i] = answer{resp: &http.Response{}}
			}
		}
		out <- answers
	}()
	return out
}

const createBody = `{"name": "fault", "disk_format": "raw", "container_format": "bare"}`

// mustUnavailable checks the answer is Glance's 503 page.
func mustUnavailable(t *testing.T, what string, resp *http.Response, body []byte) {
	t.Helper()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("%s: %d %s, want 503", what, resp.StatusCode, body)
	}
	if !strings.Contains(string(body), "503 Service Unavailable") ||
		!strings.Contains(string(body), "The server is currently unavailable. Please try again at a later time.") {
		t.Errorf("%s: body is not Glance's 503 page: %s", what, body)
	}
}

// While another connection holds SQLite's write lock, writers answer 503
// after [database] pool_timeout instead of queueing behind each other for
// SQLite's busy timeout; reads go on under WAL; writes work again once
// the lock is released.
func TestLockedSQLiteAnswers503(t *testing.T) {
	s := mustStartFaultServer(t, t.TempDir(), "", "")
	img := s.create(t, createBody)

	lock, err := sql.Open("sqlite3", s.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	ctx := context.Background()
	holder, err := lock.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			if _, err := holder.ExecContext(ctx, "ROLLBACK"); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer release()

	creates := s.concurrently(t, 4, "POST", "/v2/images", jsonType, createBody)
	resp, body := s.do(t, "PUT", "/v2/images/"+img.ID+"/tags/locked", nil, "")
	mustUnavailable(t, "add tag", resp, body)
	for i, a := range <-creates {
		mustUnavailable(t, "create "+strconv.Itoa(i), a.resp, a.body)
	}
	if got := s.get(t, img.ID); got.ID != img.ID {
		t.Fatalf("read under the lock: %+v", got)
	}

	release()
	resp, body = s.do(t, "POST", "/v2/images", jsonType, createBody)
	mustStatus(t, "create after the lock", resp, body, http.StatusCreated)
}

// A database file deleted or replaced under the running server is
// noticed: writes answer 503 rather than going into a file nobody will
// open again, the health check fails, and one ERROR line says why.
func TestSQLiteFileGoneAnswers503(t *testing.T) {
	for _, c := range []struct {
		name string
		do   func(t *testing.T, path string)
	}{
		{"deleted", func(t *testing.T, path string) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced", func(t *testing.T, path string) {
			other := filepath.Join(filepath.Dir(path), "other.sqlite")
			db, err := sql.Open("sqlite3", other)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("CREATE TABLE images (id VARCHAR(36) PRIMARY KEY)"); err != nil {
				t.Fatal(err)
			}
			db.Close()
			if err := os.Rename(other, path); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := mustStartFaultServer(t, t.TempDir(), "", "")
			img := s.create(t, createBody)
			resp, body := request{method: "GET", path: "/healthcheck"}.do(t, s.base)
			mustStatus(t, "healthcheck before", resp, body, http.StatusOK)

			c.do(t, s.dbPath)

			for range 3 {
				resp, body = s.do(t, "POST", "/v2/images", jsonType, createBody)
				mustUnavailable(t, "create", resp, body)
			}
			resp, body = s.do(t, "PATCH", "/v2/images/"+img.ID, patchType, `[{"op": "add", "path": "/k", "value": "v"}]`)
			mustUnavailable(t, "patch", resp, body)
			resp, body = request{method: "GET", path: "/healthcheck"}.do(t, s.base)
			if resp.StatusCode != http.StatusServiceUnavailable || strings.TrimSpace(string(body)) == "" {
				t.Errorf("healthcheck: %d %q, want 503 with a reason", resp.StatusCode, body)
			}
			resp, _ = request{method: "HEAD", path: "/healthcheck"}.do(t, s.base)
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("HEAD healthcheck: %d, want 503", resp.StatusCode)
			}
			// Reads go on from the file the server has open; a connection
			// opened now must neither 500 nor create an empty database.
			for _, a := range <-s.concurrently(t, 16, "GET", "/v2/images/"+img.ID, nil, "") {
				if a.resp.StatusCode != http.StatusOK && a.resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("show: %d %s", a.resp.StatusCode, a.body)
				}
			}
			if _, err := os.Stat(s.dbPath); c.name == "deleted" && !os.IsNotExist(err) {
				t.Errorf("a database file was created again at %s: %v", s.dbPath, err)
			}
			if lines := s.logLines(t, "ERROR"); len(lines) != 1 || !strings.Contains(lines[0], s.dbPath) {
				t.Errorf("want one ERROR line naming %s, got %q", s.dbPath, lines)
			}
		})
	}
}

// A server started on an empty new database beside a datadir that holds
// image files says so: usually [database] connection names the wrong
// file. A normal first start and a restart say nothing of the kind.
func TestEmptyCatalogueBesideImageData(t *testing.T) {
	t.Run("image data, new database", func(t *testing.T) {
		dir := t.TempDir()
		datadir := filepath.Join(dir, "images")
		if err := os.MkdirAll(datadir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(datadir, "0f2bb8a4-5e38-4c5e-9a3a-4a1c7a8f4c11"), []byte("an image"), 0o600); err != nil {
			t.Fatal(err)
		}
		s := mustStartFaultServer(t, dir, "sqlite:///"+filepath.Join(dir, "mistyped.sqlite"), datadir)
		if lines := s.logLines(t, "ERROR", filepath.Join(dir, "mistyped.sqlite"), datadir); len(lines) != 1 {
			t.Errorf("want one ERROR line naming the database and the datadir, got %q", s.logLines(t, "ERROR"))
		}
	})
	t.Run("first start and restart", func(t *testing.T) {
		dir := t.TempDir()
		t.Run("first", func(t *testing.T) {
			s := mustStartFaultServer(t, dir, "", "")
			img := s.create(t, createBody)
			s.upload(t, img.ID, []byte("image data"))
		})
		s := mustStartFaultServer(t, dir, "", "")
		if lines := s.logLines(t, "ERROR"); len(lines) != 0 {
			t.Errorf("ERROR lines on a normal start: %q", lines)
		}
	})
}
