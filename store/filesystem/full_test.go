package filesystem

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-glance/glance/test/require"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/storetest"
)

// stalled is an upload body that announced its size and then sends
// nothing until released.
type stalled struct {
	once             sync.Once
	reading, release chan struct{}
}

func (s *stalled) Read([]byte) (int, error) {
	s.once.Do(func() { close(s.reading) })
	<-s.release
	return 0, io.ErrUnexpectedEOF
}

// TestStalledUploadReservesNothing: on a 64 MiB store, an upload that
// declares 48 MiB and sends nothing must not make a 32 MiB upload fail
// for want of space.
func TestStalledUploadReservesNothing(t *testing.T) {
	s := newStore(t, Options{Datadir: filepath.Join(require.SmallFS(t, "64m"), "images")})
	body := &stalled{reading: make(chan struct{}), release: make(chan struct{})}
	first := make(chan error, 1)
	go func() {
		_, err := s.Put(t.Context(), storetest.NewID(), body, 48<<20)
		first <- err
	}()
	t.Cleanup(func() { close(body.release); <-first }) // before the unmount
	<-body.reading

	data := storetest.Data(32 << 20)
	got, err := s.Put(t.Context(), storetest.NewID(), bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("an upload beside a stalled one: %v", err)
	}
	if !bytes.Equal(storetest.MustGet(t, s, got.URL, 0, -1), data) {
		t.Fatal("data read back differs")
	}
}

// TestDeclaredSizeTooLarge: a declared size beyond the free space fails
// at once, before any data is read, and leaves nothing behind.
func TestDeclaredSizeTooLarge(t *testing.T) {
	s := newStore(t, Options{Datadir: filepath.Join(require.SmallFS(t, "64m"), "images")})
	src := &countingReader{}
	_, err := s.Put(t.Context(), storetest.NewID(), src, 65<<20)
	if !errors.Is(err, store.ErrFull) {
		t.Fatalf("Put of 65 MiB on a 64 MiB store: %v, want TooLarge", err)
	}
	if src.n != 0 {
		t.Fatalf("read %d bytes before refusing", src.n)
	}
	if names := files(t, s); len(names) != 0 {
		t.Fatalf("datadir holds %v", names)
	}
}
