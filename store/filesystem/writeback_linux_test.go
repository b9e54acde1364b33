package filesystem

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// residentBytes is how much of the file at path is in the page cache.
func residentBytes(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	m, err := unix.Mmap(int(f.Fd()), 0, int(info.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	page := os.Getpagesize()
	vec := make([]byte, (len(m)+page-1)/page)
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	var n int64
	for _, v := range vec {
		if v&1 != 0 {
			n += int64(page)
		}
	}
	return n
}

// An upload does not fill the page cache with the image: what is on
// disk is evicted as the upload streams, so a large upload leaves the
// machine's cache (other images, the database) alone and every page it
// writes is one it just freed. Only the last few chunks stay.
func TestPutEvictsWhatIsOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "images")
	var fs unix.Statfs_t
	if err := unix.Statfs(filepath.Dir(dir), &fs); err == nil && fs.Type == unix.TMPFS_MAGIC {
		t.Skip("the temporary directory is on tmpfs, whose pages cannot be evicted")
	}
	s := newStore(t, Options{Datadir: dir})
	const size = 128 << 20
	if _, err := s.Put(context.Background(), "img", io.LimitReader(endlessBytes{}, size), size); err != nil {
		t.Fatal(err)
	}
	got := residentBytes(t, filepath.Join(dir, "img"))
	if limit := int64(dropLag + 2*writebackChunk); got > limit {
		t.Errorf("%d MiB of a %d MiB upload stay in the page cache, want at most %d MiB", got>>20, size>>20, limit>>20)
	}
}

// An image smaller than the eviction lag stays cached whole, so a small
// image uploaded and then booted at once is served from memory.
func TestPutKeepsSmallImagesCached(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "images")
	s := newStore(t, Options{Datadir: dir})
	const size = 16 << 20
	if _, err := s.Put(context.Background(), "small", io.LimitReader(endlessBytes{}, size), size); err != nil {
		t.Fatal(err)
	}
	if got := residentBytes(t, filepath.Join(dir, "small")); got != size {
		t.Errorf("%d of %d bytes of a small upload stay in the page cache, want all", got, size)
	}
}

// endlessBytes is a source of non-zero data.
type endlessBytes struct{}

func (endlessBytes) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(i*31 + 7)
	}
	return len(p), nil
}
