package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"
)

const fakeServerEnv = "GLANCE_LOAD_TEST_SERVER"

// TestMain doubles as the server process of the startup test: with
// fakeServerEnv set, the test binary serves the fake API there until
// SIGTERM.
func TestMain(m *testing.M) {
	if addr := os.Getenv(fakeServerEnv); addr != "" {
		serveFake(addr)
		return
	}
	os.Exit(m.Run())
}

func serveFake(addr string) {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	time.Sleep(50 * time.Millisecond) // a server that takes a moment to start
	l, err := net.Listen("tcp", addr)
	if err != nil {
		os.Exit(3)
	}
	srv := &http.Server{Handler: newFakeGlance().handler()}
	go srv.Serve(l)
	<-stop
	srv.Close()
	os.Exit(0)
}

type toolRun struct {
	code           int
	results        []Result
	stdout, stderr string
}

// runTool runs the command against fake with args and reads its -json report.
func runTool(t *testing.T, fake *fakeGlance, args ...string) toolRun {
	t.Helper()
	if fake != nil {
		srv := httptest.NewServer(fake.handler())
		t.Cleanup(srv.Close)
		// One pass over the hash buffer keeps the hash floor quick; a test
		// may pass its own -hash-bytes, which comes later and wins.
		args = append([]string{"-url", srv.URL, "-hash-bytes", "16MiB"}, args...)
	}
	path := filepath.Join(t.TempDir(), "report.json")
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"-json", path}, args...), &out, &errb)
	r := toolRun{code: code, stdout: out.String(), stderr: errb.String()}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &r.results); err != nil {
			t.Fatalf("report: %v\n%s", err, b)
		}
	}
	t.Logf("glance-load %q: exit %d\n%s%s", args, code, r.stdout, r.stderr)
	return r
}

// only returns the single row of a one-phase run.
func (r toolRun) only(t *testing.T) Result {
	t.Helper()
	if len(r.results) != 1 {
		t.Fatalf("report has %d rows, want 1", len(r.results))
	}
	return r.results[0]
}

func TestUpload(t *testing.T) {
	const size = 300<<10 + 7
	for _, tc := range []struct {
		name  string
		args  []string
		phase string
	}{
		{"plain", nil, "upload size=307207B n=5 c=2"},
		{"chunked", []string{"-chunked"}, "upload size=307207B n=5 c=2 chunked"},
		{"verify md5", []string{"-verify", "md5"}, "upload size=307207B n=5 c=2 verify=md5"},
		{"verify all", []string{"-verify", "all", "-chunked"}, "upload size=307207B n=5 c=2 chunked verify=all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeGlance()
			r := runTool(t, fake, append([]string{"-mode", "upload", "-size", strconv.Itoa(size), "-n", "5", "-c", "2"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d", r.code)
			}
			res := r.only(t)
			if res.Mode != "upload" || res.Phase != tc.phase || res.OK != 5 || res.Err != 0 || res.Bytes != 5*size || res.VerifyFail != 0 {
				t.Errorf("got %+v", res)
			}
			if res.MBs <= 0 || res.ReqS <= 0 || res.WallS <= 0 || res.P50ms <= 0 || res.P99ms < res.P50ms {
				t.Errorf("rates and latencies not filled: %+v", res)
			}
			if got := fake.count("upload"); got != 5 {
				t.Errorf("server saw %d uploads, want 5", got)
			}
			chunked := slices.Contains(tc.args, "-chunked")
			if got := fake.count("upload.chunked"); (got == 5) != chunked || (got == 0) == chunked {
				t.Errorf("server saw %d chunked uploads (chunked=%v)", got, chunked)
			}
			if fake.len() != 0 || fake.count("delete") != 5 {
				t.Errorf("cleanup: %d images left, %d deletes", fake.len(), fake.count("delete"))
			}
		})
	}
}

func TestUploadCountsFailures(t *testing.T) {
	fake := newFakeGlance()
	fake.failPutEvery = 2
	r := runTool(t, fake, "-mode", "upload", "-size", "1KiB", "-n", "6", "-c", "1")
	if r.code != 0 {
		t.Fatalf("exit %d: failed requests alone must not fail the command", r.code)
	}
	if res := r.only(t); res.OK != 3 || res.Err != 3 || res.Bytes != 3*1024 {
		t.Errorf("got ok %v err %v bytes %v, want 3, 3, 3072", res.OK, res.Err, res.Bytes)
	}
	if fake.len() != 0 {
		t.Errorf("%d images left after cleanup", fake.len())
	}
}

func TestUploadVerifyCatchesWrongChecksum(t *testing.T) {
	fake := newFakeGlance()
	fake.badChecksum = true
	r := runTool(t, fake, "-mode", "upload", "-size", "10KiB", "-n", "3", "-c", "3", "-verify", "md5")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if res := r.only(t); res.OK != 3 || res.VerifyFail != 3 {
		t.Errorf("got ok %v verify_fail %v, want 3, 3", res.OK, res.VerifyFail)
	}
}

func TestCleanupRetriesFailedDeletes(t *testing.T) {
	fake := newFakeGlance()
	fake.failDeleteEvery = 3
	r := runTool(t, fake, "-mode", "upload", "-size", "1KiB", "-n", "4", "-c", "2")
	if r.code != 0 || fake.len() != 0 {
		t.Errorf("exit %d, %d images left; want 0 and none", r.code, fake.len())
	}
}

func TestInterruptStillCleansUp(t *testing.T) {
	fake := newFakeGlance()
	srv := httptest.NewServer(fake.handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var out, errb bytes.Buffer
	start := time.Now()
	code := run(ctx, []string{"-url", srv.URL, "-mode", "meta", "-c", "2", "-d", "1m"}, &out, &errb)
	if code != 1 || time.Since(start) > 10*time.Second {
		t.Errorf("exit %d after %v; want 1, promptly\n%s%s", code, time.Since(start), out.String(), errb.String())
	}
	if fake.count("create") != 1 || fake.len() != 0 {
		t.Errorf("%d created, %d left", fake.count("create"), fake.len())
	}
}

func TestTokenAndHeaders(t *testing.T) {
	fake := newFakeGlance()
	fake.token = "s3cret"
	r := runTool(t, fake, "-mode", "download", "-size", "1KiB", "-n", "2", "-token", "s3cret", "-H", "X-Roles: admin", "-verify", "all")
	if r.code != 0 || r.only(t).OK != 2 || fake.count("unauthorized") != 0 || fake.len() != 0 {
		t.Errorf("exit %d, %d unauthorized requests, %d images left", r.code, fake.count("unauthorized"), fake.len())
	}
}

func TestKeep(t *testing.T) {
	fake := newFakeGlance()
	r := runTool(t, fake, "-mode", "upload", "-size", "1KiB", "-n", "2", "-keep")
	if r.code != 0 || fake.len() != 2 || fake.count("delete") != 0 {
		t.Errorf("exit %d, %d images kept, %d deletes; want 0, 2, 0", r.code, fake.len(), fake.count("delete"))
	}
}

func TestDownload(t *testing.T) {
	const size = 1<<20 + 5
	for _, verify := range []string{"none", "md5", "all"} {
		t.Run(verify, func(t *testing.T) {
			fake := newFakeGlance()
			r := runTool(t, fake, "-mode", "download", "-size", strconv.Itoa(size), "-n", "4", "-c", "2", "-verify", verify)
			if r.code != 0 {
				t.Fatalf("exit %d", r.code)
			}
			res := r.only(t)
			if res.Mode != "download" || res.OK != 4 || res.Err != 0 || res.Bytes != 4*size || res.VerifyFail != 0 || res.MBs <= 0 {
				t.Errorf("got %+v", res)
			}
			if fake.count("upload") != 4 || fake.count("download") != 4 {
				t.Errorf("server saw %d uploads and %d downloads, want 4 and 4", fake.count("upload"), fake.count("download"))
			}
			if fake.len() != 0 {
				t.Errorf("%d images left after cleanup", fake.len())
			}
		})
	}
}

// Each pass downloads every image once more, in a phase of its own.
func TestDownloadPasses(t *testing.T) {
	fake := newFakeGlance()
	r := runTool(t, fake, "-mode", "download", "-size", "8KiB", "-n", "3", "-c", "2", "-passes", "2", "-verify", "all")
	if r.code != 0 || len(r.results) != 2 {
		t.Fatalf("exit %d, %d phases, want 0 and 2", r.code, len(r.results))
	}
	for i, res := range r.results {
		want := fmt.Sprintf("download size=8KiB n=3 c=2 verify=all pass=%d", i+1)
		if res.Phase != want || res.OK != 3 || res.VerifyFail != 0 {
			t.Errorf("phase %d: got %+v, want %q with 3 ok", i+1, res, want)
		}
	}
	if fake.count("upload") != 3 || fake.count("download") != 6 {
		t.Errorf("server saw %d uploads and %d downloads, want 3 and 6", fake.count("upload"), fake.count("download"))
	}
	if r := runTool(t, fake, "-mode", "download", "-passes", "0"); r.code != 2 {
		t.Errorf("-passes 0: exit %d, want 2", r.code)
	}
}

func TestDownloadVerifyCatchesCorruption(t *testing.T) {
	fake := newFakeGlance()
	fake.corrupt = true
	r := runTool(t, fake, "-mode", "download", "-size", "64KiB", "-n", "3", "-c", "2", "-verify", "all")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	if res := r.only(t); res.OK != 3 || res.VerifyFail != 3 {
		t.Errorf("got ok %v verify_fail %v, want 3, 3", res.OK, res.VerifyFail)
	}
	// Without -verify nothing is hashed, so nothing is caught.
	r = runTool(t, fake, "-mode", "download", "-size", "64KiB", "-n", "3", "-c", "2")
	if r.code != 0 || r.only(t).VerifyFail != 0 {
		t.Errorf("exit %d, verify_fail %v without -verify", r.code, r.only(t).VerifyFail)
	}
}

func TestDownloadSkipsFailedSetup(t *testing.T) {
	fake := newFakeGlance()
	fake.failPutEvery = 4
	r := runTool(t, fake, "-mode", "download", "-size", "4KiB", "-n", "8", "-c", "2")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	if res := r.only(t); res.Phase != "download size=4KiB n=6 c=2" || res.OK != 6 || res.Err != 0 {
		t.Errorf("got %+v", res)
	}
}

func TestMeta(t *testing.T) {
	for _, tc := range []struct {
		patch      string
		gets, pats bool
	}{{"0", true, false}, {"1", false, true}, {"0.5", true, true}} {
		t.Run("patch="+tc.patch, func(t *testing.T) {
			fake := newFakeGlance()
			r := runTool(t, fake, "-mode", "meta", "-c", "3", "-d", "300ms", "-patch", tc.patch, "-images", "2")
			if r.code != 0 {
				t.Fatalf("exit %d", r.code)
			}
			res := r.only(t)
			gets, pats := fake.count("get"), fake.count("patch")
			if res.Err != 0 || res.OK == 0 || int(res.OK) != gets+pats {
				t.Errorf("ok %v err %v; server saw %d GETs and %d PATCHes", res.OK, res.Err, gets, pats)
			}
			if (gets > 0) != tc.gets || (pats > 0) != tc.pats {
				t.Errorf("server saw %d GETs and %d PATCHes with -patch %s", gets, pats, tc.patch)
			}
			if res.ReqS <= 0 || res.WallS < 0.3 || res.P99ms < res.P50ms {
				t.Errorf("got %+v", res)
			}
			if fake.count("create") != 2 || fake.len() != 0 {
				t.Errorf("%d images created, %d left", fake.count("create"), fake.len())
			}
		})
	}
}

func TestList(t *testing.T) {
	fake := newFakeGlance()
	r := runTool(t, fake, "-mode", "list", "-n", "30", "-c", "3", "-d", "300ms", "-page", "7")
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	if len(r.results) != 3 {
		t.Fatalf("%d rows, want 3", len(r.results))
	}
	create, big, pages := r.results[0], r.results[1], r.results[2]
	if create.Phase != "list.create n=30 c=3" || create.OK != 30 || create.Err != 0 || fake.count("create") != 30 {
		t.Errorf("create: %+v", create)
	}
	if big.Phase != "list.limit1000 n=30 c=3" || big.OK == 0 || big.Err != 0 || int(big.OK) != fake.count("list1000") {
		t.Errorf("limit1000: %+v; server saw %d", big, fake.count("list1000"))
	}
	// 30 images in pages of 7: 5 requests per listing.
	if pages.Phase != "list.paginate n=30 page=7" || pages.Err != 0 || int(pages.OK) != fake.count("list7") ||
		pages.Items != 30 || pages.Listings < 1 || int(pages.OK) < 5*int(pages.Listings) {
		t.Errorf("paginate: %+v; server saw %d", pages, fake.count("list7"))
	}
	if fake.len() != 0 {
		t.Errorf("%d images left after cleanup", fake.len())
	}
}

func TestRepeatPrintsMedians(t *testing.T) {
	r := runTool(t, newFakeGlance(), "-mode", "upload", "-size", "1KiB", "-n", "2", "-repeat", "3")
	if r.code != 0 || len(r.results) != 4 {
		t.Fatalf("exit %d, %d rows; want 0 and 3 runs + 1 median", r.code, len(r.results))
	}
	for i, res := range r.results[:3] {
		if res.Run != i+1 || res.Median {
			t.Errorf("row %d: %+v", i, res)
		}
	}
	if m := r.results[3]; !m.Median || m.Run != 0 || m.OK != 2 || m.Phase != r.results[0].Phase {
		t.Errorf("median row: %+v", m)
	}
}

func TestServerWatch(t *testing.T) {
	// The fake runs in this process, so this process is the server.
	r := runTool(t, newFakeGlance(), "-mode", "download", "-size", "8MiB", "-n", "4", "-c", "2", "-pid", strconv.Itoa(os.Getpid()))
	res := r.only(t)
	if r.code != 0 || res.RSSPeakMiB <= 0 || res.PSSPeakMiB <= 0 || res.ServerCPU < 0 {
		t.Errorf("exit %d, %+v", r.code, res)
	}
}

func TestRSS(t *testing.T) {
	r := runTool(t, nil, "-mode", "rss", "-pid", strconv.Itoa(os.Getpid()))
	res := r.only(t)
	if r.code != 0 || res.OK != 1 || res.RSSPeakMiB <= 0 || res.PSSPeakMiB <= 0 || res.Procs < 1 {
		t.Errorf("exit %d, %+v", r.code, res)
	}
}

func TestStartup(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(fakeServerEnv, addr)
	r := runTool(t, nil, "-mode", "startup", "-url", "http://"+addr, "-settle", "100ms", "-wait", "20s", "--", exe)
	res := r.only(t)
	if r.code != 0 || res.Mode != "startup" || res.OK != 1 || res.WallS < 0.05 || res.P50ms != res.WallS*1000 && res.P50ms <= 0 ||
		res.RSSPeakMiB <= 0 || res.Procs < 1 {
		t.Errorf("exit %d, %+v", r.code, res)
	}
	if _, err := http.Get("http://" + addr + "/"); err == nil {
		t.Error("the server still answers after the startup run")
	}
}

func TestStartupRefusesABusyEndpoint(t *testing.T) {
	srv := httptest.NewServer(newFakeGlance().handler())
	defer srv.Close()
	r := runTool(t, nil, "-mode", "startup", "-url", srv.URL, "-server-log", filepath.Join(t.TempDir(), "log"), "--", "true")
	if r.code != 1 || len(r.results) != 0 {
		t.Errorf("exit %d, %d rows; want 1 and none", r.code, len(r.results))
	}
}

func TestStartupFailsWhenServerExits(t *testing.T) {
	log := filepath.Join(t.TempDir(), "server.log")
	r := runTool(t, nil, "-mode", "startup", "-url", "http://127.0.0.1:1", "-wait", "10s", "-server-log", log, "--", "false")
	if r.code != 1 || len(r.results) != 0 {
		t.Errorf("exit %d, %d rows; want 1 and none", r.code, len(r.results))
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-mode", "nope"},
		{"-mode", "rss"},
		{"-mode", "startup"},
		{"-mode", "meta", "-patch", "2"},
		{"-mode", "upload", "-size", "lots"},
		{"-mode", "upload", "extra"},
		{"-mode", "upload", "-url", "localhost"},
	} {
		if r := runTool(t, nil, args...); r.code != 2 {
			t.Errorf("%q: exit %d, want 2", args, r.code)
		}
	}
}
