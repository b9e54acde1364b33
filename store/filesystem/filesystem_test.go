package filesystem

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/storetest"
)

func newStore(t testing.TB, o Options) *Store {
	t.Helper()
	if o.Datadir == "" {
		o.Datadir = filepath.Join(t.TempDir(), "images")
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files lists every name in the store's datadir.
func files(t *testing.T, d store.Driver) []string {
	t.Helper()
	entries, err := os.ReadDir(d.(*Store).Datadir())
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Driver { return newStore(t, Options{}) }, storetest.Leftovers(files))
}

func TestLayout(t *testing.T) {
	s := newStore(t, Options{})
	id := storetest.NewID()
	got := storetest.MustPut(t, s, id, []byte("data"))
	path := filepath.Join(s.Datadir(), id)
	if got.URL != "file://"+path {
		t.Fatalf("URL %s, want file://%s", got.URL, path)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "data" {
		t.Fatalf("file holds %q, %v", b, err)
	}
	if len(got.Metadata) != 0 {
		t.Fatalf("single-store metadata %v, want empty", got.Metadata)
	}
	if names := files(t, s); !slices.Equal(names, []string{id}) {
		t.Fatalf("datadir holds %v, want only %s", names, id)
	}
	multi := newStore(t, Options{BackendID: "fast"})
	if got := storetest.MustPut(t, multi, id, nil); got.Metadata["store"] != "fast" {
		t.Fatalf("multi-store metadata %v", got.Metadata)
	}
}

// TestGlanceURLs reads locations as Glance writes them: datadir as
// configured, possibly with a trailing slash, and the filesystem scheme.
func TestGlanceURLs(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, Options{Datadir: dir + "/"})
	id := storetest.NewID()
	if err := os.WriteFile(filepath.Join(dir, id), []byte("glance"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, url := range []string{"file://" + dir + "/" + id, "file://" + dir + "//" + id, "filesystem://" + dir + "/" + id} {
		if !s.Owns(url) {
			t.Errorf("Owns(%s) = false", url)
		}
		if got := storetest.MustGet(t, s, url, 0, -1); string(got) != "glance" {
			t.Errorf("Get(%s) = %q", url, got)
		}
	}
}

func TestPathEscapes(t *testing.T) {
	s := newStore(t, Options{})
	storetest.MustPut(t, s, storetest.NewID(), []byte("x"))
	outside := filepath.Join(filepath.Dir(s.Datadir()), "secret")
	if err := os.WriteFile(outside, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.Datadir(), tempPrefix+"abc-12345678")
	if err := os.WriteFile(tmp, []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(s.Datadir(), storetest.NewID())
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}
	urls := []string{
		"file:///etc/passwd",
		"file://" + outside,
		"file://" + s.Datadir() + "/../secret",
		"file://" + s.Datadir() + "/x/../../secret",
		"file://" + s.Datadir(),
		"file://" + s.Datadir() + "/",
		"file://" + tmp,
		"file://" + link,
		"file://etc/passwd",
		"file://",
		"http://example.com" + outside,
		"swift://" + outside,
		"file://" + s.Datadir() + "/id?x=1",
		"file://" + s.Datadir() + "/id\x00",
	}
	for _, url := range urls {
		if _, err := s.Get(t.Context(), url, 0, -1); !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Get(%q): %v, want NotFound or Invalid", url, err)
		}
		if _, err := s.Stat(t.Context(), url); err == nil {
			t.Errorf("Stat(%q) succeeded", url)
		}
		if err := s.Delete(t.Context(), url); err == nil {
			t.Errorf("Delete(%q) succeeded", url)
		}
	}
	for _, p := range []string{outside, tmp, link} {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestBadIDs(t *testing.T) {
	s := newStore(t, Options{})
	for _, id := range []string{"", ".", "..", "../x", "a/b", ".hidden", "x\x00"} {
		_, err := s.Put(t.Context(), id, bytes.NewReader([]byte("x")), 1)
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Put(%q): %v, want Invalid", id, err)
		}
		if err := s.Discard(t.Context(), id); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("Discard(%q): %v, want Invalid", id, err)
		}
	}
	if names := files(t, s); len(names) != 0 {
		t.Fatalf("datadir holds %v", names)
	}
}

func TestGetReturnsFile(t *testing.T) {
	s := newStore(t, Options{})
	data := storetest.Data(1000)
	url := storetest.MustPut(t, s, storetest.NewID(), data).URL
	for _, c := range []struct{ offset, length int64 }{{0, -1}, {10, -1}, {10, 990}, {10, 5000}} {
		r, err := s.Get(t.Context(), url, c.offset, c.length)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := r.(*os.File); !ok {
			t.Errorf("Get(%d, %d) returned %T, want *os.File", c.offset, c.length, r)
		}
		r.Close()
	}
	r, err := s.Get(t.Context(), url, 10, 20)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil || !bytes.Equal(buf.Bytes(), data[10:30]) {
		t.Fatalf("range read %d bytes, %v", buf.Len(), err)
	}
}

func TestGetBadRanges(t *testing.T) {
	s := newStore(t, Options{})
	url := storetest.MustPut(t, s, storetest.NewID(), storetest.Data(100)).URL
	if _, err := s.Get(t.Context(), url, 101, -1); !errors.Is(err, store.ErrRangeNotSatisfiable) {
		t.Errorf("offset past end: %v", err)
	}
	if _, err := s.Get(t.Context(), url, -1, 10); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("negative offset: %v", err)
	}
	if _, err := s.Get(t.Context(), url, 0, -2); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("length -2: %v", err)
	}
	if got := storetest.MustGet(t, s, url, 100, -1); len(got) != 0 {
		t.Errorf("offset at end read %d bytes", len(got))
	}
}

func TestFilePerm(t *testing.T) {
	s := newStore(t, Options{FilePerm: 0o640})
	id := storetest.NewID()
	storetest.MustPut(t, s, id, []byte("x"))
	info, err := os.Stat(filepath.Join(s.Datadir(), id))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o640 {
		t.Fatalf("mode %o, want 640", info.Mode().Perm())
	}
	if _, err := New(Options{Datadir: t.TempDir(), FilePerm: 0o040}); err == nil {
		t.Fatal("New accepted a mode the owner cannot read")
	}
	if _, err := New(Options{}); err == nil {
		t.Fatal("New accepted an empty datadir")
	}
}

func TestRemoveTemp(t *testing.T) {
	s := newStore(t, Options{})
	if removed, err := s.RemoveTemp(t.Context(), 0); err != nil || len(removed) != 0 {
		t.Fatalf("missing datadir: %v, %v", removed, err)
	}
	id := storetest.NewID()
	storetest.MustPut(t, s, id, []byte("kept"))
	stale := filepath.Join(s.Datadir(), tempPrefix+id+"-AAAAAAAA")
	fresh := filepath.Join(s.Datadir(), tempPrefix+id+"-BBBBBBBB")
	other := filepath.Join(s.Datadir(), ".other")
	for _, p := range []string{stale, fresh, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	removed, err := s.RemoveTemp(t.Context(), time.Hour)
	if err != nil || !slices.Equal(removed, []string{stale}) {
		t.Fatalf("RemoveTemp(1h) = %v, %v; want [%s]", removed, err, stale)
	}
	removed, err = s.RemoveTemp(t.Context(), 0)
	if err != nil || !slices.Equal(removed, []string{fresh}) {
		t.Fatalf("RemoveTemp(0) = %v, %v; want [%s]", removed, err, fresh)
	}
	names := files(t, s)
	slices.Sort(names)
	if want := []string{".other", id}; !slices.Equal(names, want) {
		t.Fatalf("datadir holds %v, want %v", names, want)
	}
}

// TestDiscardRemovesCutOffUploads: Discard removes an image's file and
// the temporary files its uploads left, whatever their age (a server
// killed mid-upload leaves one that no later start removes for an
// hour), and nothing of another image, even one whose id starts with
// this one's.
func TestDiscardRemovesCutOffUploads(t *testing.T) {
	s := newStore(t, Options{})
	id := storetest.NewID()
	storetest.MustPut(t, s, id, []byte("left"))
	longer := id + "-2"
	for _, name := range []string{tempPrefix + id + "-AAAAAAAA", tempPrefix + longer + "-BBBBBBBB", longer} {
		if err := os.WriteFile(filepath.Join(s.Datadir(), name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Discard(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	names := files(t, s)
	slices.Sort(names)
	if want := []string{tempPrefix + longer + "-BBBBBBBB", longer}; !slices.Equal(names, want) {
		t.Fatalf("datadir holds %v after Discard(%s), want %v", names, id, want)
	}
}

// readOnlyDatadirEnv names the datadir a re-executed test binary checks
// as an unprivileged user.
const readOnlyDatadirEnv = "GLANCE_TEST_READONLY_DATADIR"

// nobody is the unprivileged uid and gid the check runs as under root.
const nobody = 65534

// TestReadOnlyDatadir checks refused writes are Unavailable and leave
// nothing. Root ignores directory permissions, so under root (as in CI)
// the test binary runs this test again as nobody.
func TestReadOnlyDatadir(t *testing.T) {
	if dir := os.Getenv(readOnlyDatadirEnv); dir != "" {
		checkReadOnly(t, dir)
		return
	}
	if os.Geteuid() != 0 {
		checkReadOnly(t, mustReadOnlyDir(t))
		return
	}
	// The child needs a copy of the test binary, a working directory and
	// a datadir it can reach: go test keeps its own under 0700 dirs.
	shared, err := os.MkdirTemp("", "glance-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	if err := os.Chmod(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(shared, "filesystem.test")
	mustCopyExecutable(t, os.Args[0], bin)
	dir := filepath.Join(shared, "images")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run", "^TestReadOnlyDatadir$", "-test.v", "-test.count=1")
	cmd.Dir = shared
	cmd.Env = append(os.Environ(), readOnlyDatadirEnv+"="+dir, "TMPDIR="+shared, "HOME="+shared)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the check as uid %d failed: %v\n%s", nobody, err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestReadOnlyDatadir")) {
		t.Fatalf("the check as uid %d did not run:\n%s", nobody, out)
	}
}

// checkReadOnly puts into the read-only datadir dir.
func checkReadOnly(t *testing.T, dir string) {
	s := newStore(t, Options{Datadir: dir})
	_, err := s.Put(t.Context(), storetest.NewID(), bytes.NewReader([]byte("x")), 1)
	if !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("Put into a read-only datadir as uid %d: %v, want Unavailable", os.Geteuid(), err)
	}
	if names := files(t, s); len(names) != 0 {
		t.Fatalf("the refused Put left %v", names)
	}
}

// mustReadOnlyDir returns a fresh datadir its owner may not write.
func mustReadOnlyDir(t *testing.T) string {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	return dir
}

func mustCopyExecutable(t *testing.T, from, to string) {
	raw, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, raw, 0o755); err != nil {
		t.Fatal(err)
	}
}

// TestWriteErrorKinds checks the mapping of the errors a disk gives,
// which a test cannot provoke cheaply.
func TestWriteErrorKinds(t *testing.T) {
	for errno, want := range map[error]error{
		syscall.ENOSPC: store.ErrFull,
		syscall.EDQUOT: store.ErrFull,
		syscall.EFBIG:  store.ErrFull,
		syscall.EACCES: store.ErrForbidden,
		syscall.EROFS:  store.ErrForbidden,
		syscall.EIO:    syscall.EIO,
	} {
		err := writeError(&os.PathError{Op: "write", Path: "/x", Err: errno})
		if !errors.Is(err, want) {
			t.Errorf("%v: %v, want %v", errno, err, want)
		}
		if errno == syscall.EIO && (errors.Is(err, store.ErrFull) || errors.Is(err, store.ErrForbidden)) {
			t.Errorf("%v: %v, want a failure of the disk", errno, err)
		}
	}
}

// TestSizeBeyondDisk checks a size hint larger than the disk fails the
// upload before any data is read (TestDeclaredSizeTooLarge checks the
// same at the edge of a small filesystem).
func TestSizeBeyondDisk(t *testing.T) {
	s := newStore(t, Options{})
	src := &countingReader{}
	_, err := s.Put(t.Context(), storetest.NewID(), src, 1<<62)
	if !errors.Is(err, store.ErrFull) {
		t.Fatalf("Put announcing %d bytes: %v, want TooLarge", int64(1<<62), err)
	}
	if src.n != 0 {
		t.Fatalf("read %d bytes before refusing", src.n)
	}
	if names := files(t, s); len(names) != 0 {
		t.Fatalf("datadir holds %v", names)
	}
}

type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	r.n += len(p)
	return len(p), nil
}

// TestRacingPuts checks that of several Puts of one id exactly one wins
// and the others get Conflict, whoever checks first.
func TestRacingPuts(t *testing.T) {
	s := newStore(t, Options{})
	id := storetest.NewID()
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := s.Put(t.Context(), id, bytes.NewReader(storetest.Data(1<<20+i)), -1)
			errs <- err
		}()
	}
	won := 0
	for range n {
		err := <-errs
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrExists):
			t.Errorf("losing Put: %v, want Conflict", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d Puts succeeded, want 1", won)
	}
	if names := files(t, s); !slices.Equal(names, []string{id}) {
		t.Fatalf("datadir holds %v, want only %s", names, id)
	}
}
