// Package storetest is the conformance suite every store driver passes:
// a driver's test calls Run with a constructor of fresh, empty drivers.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// Option adjusts the suite to what a driver can show.
type Option func(*suite)

// Leftovers lets the suite check that failed Puts leave nothing behind:
// list returns whatever the driver d holds in its backend (files,
// objects, temporary names included), and must be empty for a driver
// that only saw failed Puts.
func Leftovers(list func(t *testing.T, d store.Driver) []string) Option {
	return func(s *suite) { s.leftovers = list }
}

type suite struct {
	newDriver func(t *testing.T) store.Driver
	leftovers func(t *testing.T, d store.Driver) []string
}

// Run runs the conformance suite against drivers newDriver returns; each
// must be empty and independent of the others.
func Run(t *testing.T, newDriver func(t *testing.T) store.Driver, opts ...Option) {
	s := &suite{newDriver: newDriver}
	for _, o := range opts {
		o(s)
	}
	t.Run("RoundTrip", s.roundTrip)
	t.Run("PlainReader", s.plainReader)
	t.Run("UnknownSize", s.unknownSize)
	t.Run("Ranges", s.ranges)
	t.Run("Delete", s.delete)
	t.Run("Duplicate", s.duplicate)
	t.Run("FailingReader", s.failingReader)
	t.Run("CanceledBefore", s.canceledBefore)
	t.Run("CanceledDuring", s.canceledDuring)
	t.Run("Concurrent", s.concurrent)
	t.Run("Discard", s.discard)
}

// NewID returns a random image id shaped as a UUID.
func NewID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Data returns n random bytes.
func Data(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// MustPut stores data for id and checks what Put reports.
func MustPut(t testing.TB, d store.Driver, id string, data []byte) domain.StoredData {
	t.Helper()
	got, err := d.Put(t.Context(), id, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Put(%s, %d bytes): %v", id, len(data), err)
	}
	if got.URL == "" || got.Size != int64(len(data)) || got.Metadata == nil {
		t.Fatalf("Put(%s, %d bytes) = %+v; want a URL, the size and metadata", id, len(data), got)
	}
	return got
}

// MustGet reads the range of the data at url to its end.
func MustGet(t testing.TB, d store.Driver, url string, offset, length int64) []byte {
	t.Helper()
	r, err := d.Get(t.Context(), url, offset, length)
	if err != nil {
		t.Fatalf("Get(%s, %d, %d): %v", url, offset, length, err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading Get(%s, %d, %d): %v", url, offset, length, err)
	}
	return got
}

// wantKind fails t unless err is a domain error of kind k.
func wantKind(t *testing.T, what string, err error, k domain.Kind) {
	t.Helper()
	if !domain.IsKind(err, k) {
		t.Fatalf("%s: error %v (kind %d), want kind %d", what, err, domain.ErrorKind(err), k)
	}
}

// checkEmpty fails t if the driver holds anything, when the suite can see.
func (s *suite) checkEmpty(t *testing.T, d store.Driver) {
	t.Helper()
	if s.leftovers == nil {
		return
	}
	if left := s.leftovers(t, d); len(left) > 0 {
		t.Fatalf("data left behind: %v", left)
	}
}

// checkFree checks that id can still be stored, that is, a failed Put
// left no data that would make the next one a Conflict.
func checkFree(t *testing.T, d store.Driver, id string) {
	t.Helper()
	data := Data(100)
	got := MustPut(t, d, id, data)
	if !bytes.Equal(MustGet(t, d, got.URL, 0, -1), data) {
		t.Fatal("data read back differs")
	}
	if err := d.Delete(t.Context(), got.URL); err != nil {
		t.Fatal(err)
	}
}

// onlyReader hides every method but Read, as a request body would.
type onlyReader struct{ io.Reader }

// sizes cover empty data, one byte and both sides of common buffer sizes.
var sizes = []int{0, 1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 5<<20 + 3}

func (s *suite) roundTrip(t *testing.T) {
	d := s.newDriver(t)
	for _, n := range sizes {
		data := Data(n)
		got := MustPut(t, d, NewID(), data)
		if back := MustGet(t, d, got.URL, 0, -1); !bytes.Equal(back, data) {
			t.Fatalf("%d bytes: read back %d bytes that differ", n, len(back))
		}
		if size, err := d.Stat(t.Context(), got.URL); err != nil || size != int64(n) {
			t.Fatalf("Stat = %d, %v; want %d", size, err, n)
		}
	}
}

// plainReader stores from a reader that is not an io.WriterTo.
func (s *suite) plainReader(t *testing.T) {
	d := s.newDriver(t)
	data := Data(3<<20 + 17)
	got, err := d.Put(t.Context(), NewID(), onlyReader{bytes.NewReader(data)}, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(MustGet(t, d, got.URL, 0, -1), data) {
		t.Fatal("data read back differs")
	}
}

// unknownSize stores with a size hint of -1, as a chunked upload.
func (s *suite) unknownSize(t *testing.T) {
	d := s.newDriver(t)
	data := Data(2<<20 + 5)
	got, err := d.Put(t.Context(), NewID(), onlyReader{bytes.NewReader(data)}, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != int64(len(data)) || !bytes.Equal(MustGet(t, d, got.URL, 0, -1), data) {
		t.Fatalf("Size %d and data read back; want %d bytes", got.Size, len(data))
	}
}

func (s *suite) ranges(t *testing.T) {
	d := s.newDriver(t)
	const n = 1<<20 + 100
	data := Data(n)
	url := MustPut(t, d, NewID(), data).URL
	cases := []struct {
		name           string
		offset, length int64
		want           []byte
	}{
		{"start", 0, 10, data[:10]},
		{"middle", 1000, 65536, data[1000 : 1000+65536]},
		{"end", n - 10, 10, data[n-10:]},
		{"past end", n - 10, 100, data[n-10:]},
		{"rest", 5000, -1, data[5000:]},
		{"last byte", n - 1, -1, data[n-1:]},
		{"all", 0, n, data},
		{"one byte", 7, 1, data[7:8]},
	}
	for _, c := range cases {
		if got := MustGet(t, d, url, c.offset, c.length); !bytes.Equal(got, c.want) {
			t.Errorf("%s: Get(%d, %d) read %d bytes, want %d", c.name, c.offset, c.length, len(got), len(c.want))
		}
	}
}

func (s *suite) delete(t *testing.T) {
	d := s.newDriver(t)
	url := MustPut(t, d, NewID(), Data(1000)).URL
	if err := d.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	_, err := d.Get(t.Context(), url, 0, -1)
	wantKind(t, "Get after Delete", err, domain.KindNotFound)
	_, err = d.Stat(t.Context(), url)
	wantKind(t, "Stat after Delete", err, domain.KindNotFound)
	wantKind(t, "second Delete", d.Delete(t.Context(), url), domain.KindNotFound)
	s.checkEmpty(t, d)
}

func (s *suite) duplicate(t *testing.T) {
	d := s.newDriver(t)
	id, data := NewID(), Data(1000)
	url := MustPut(t, d, id, data).URL
	_, err := d.Put(t.Context(), id, bytes.NewReader(Data(10)), 10)
	wantKind(t, "second Put", err, domain.KindConflict)
	if !bytes.Equal(MustGet(t, d, url, 0, -1), data) {
		t.Fatal("the first data was changed by the refused Put")
	}
}

// failAfter yields n bytes and then fails, as a dropped connection.
type failAfter struct {
	n   int
	err error
}

func (r *failAfter) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

func (s *suite) failingReader(t *testing.T) {
	d := s.newDriver(t)
	id := NewID()
	boom := fmt.Errorf("connection reset")
	_, err := d.Put(t.Context(), id, &failAfter{n: 3 << 20, err: boom}, 8<<20)
	if err == nil {
		t.Fatal("Put succeeded with a failing reader")
	}
	s.checkEmpty(t, d)
	checkFree(t, d, id)
}

func (s *suite) canceledBefore(t *testing.T) {
	d := s.newDriver(t)
	id := NewID()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := d.Put(ctx, id, bytes.NewReader(Data(1000)), 1000); err == nil {
		t.Fatal("Put succeeded with a canceled context")
	}
	s.checkEmpty(t, d)
	checkFree(t, d, id)
}

// cancelAfter cancels the upload's context once n bytes were read, then
// keeps yielding data, as a client whose request was abandoned.
type cancelAfter struct {
	n, left int
	cancel  context.CancelFunc
}

func (r *cancelAfter) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.left)
	r.left -= k
	if r.n -= k; r.n <= 0 {
		r.cancel()
	}
	return k, nil
}

func (s *suite) canceledDuring(t *testing.T) {
	d := s.newDriver(t)
	id := NewID()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	_, err := d.Put(ctx, id, &cancelAfter{n: 1 << 20, left: 16 << 20, cancel: cancel}, -1)
	if err == nil {
		t.Fatal("Put succeeded although its context was canceled midway")
	}
	s.checkEmpty(t, d)
	checkFree(t, d, id)
}

func (s *suite) concurrent(t *testing.T) {
	d := s.newDriver(t)
	const n = 8
	ids, data, urls, errs := make([]string, n), make([][]byte, n), make([]string, n), make(chan error, n)
	for i := range n {
		ids[i], data[i] = NewID(), Data(1<<20+i)
		go func() {
			got, err := d.Put(t.Context(), ids[i], bytes.NewReader(data[i]), -1)
			urls[i] = got.URL
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		if !bytes.Equal(MustGet(t, d, urls[i], 0, -1), data[i]) {
			t.Fatalf("data of %s differs", ids[i])
		}
	}
}

// discard checks the optional Discarder: data stored for an id goes,
// whatever its URL, so that id can be stored again; discarding what is
// not there is no error, and other ids keep their data.
func (s *suite) discard(t *testing.T) {
	d := s.newDriver(t)
	dd, ok := d.(store.Discarder)
	if !ok {
		t.Skip("the driver does not implement store.Discarder")
	}
	id, other := NewID(), NewID()
	url := MustPut(t, d, id, Data(1000)).URL
	kept := MustPut(t, d, other, Data(10))
	if err := dd.Discard(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	_, err := d.Get(t.Context(), url, 0, -1)
	wantKind(t, "Get after Discard", err, domain.KindNotFound)
	if err := dd.Discard(t.Context(), id); err != nil {
		t.Fatalf("Discard of nothing: %v", err)
	}
	checkFree(t, d, id)
	if size, err := d.Stat(t.Context(), kept.URL); err != nil || size != 10 {
		t.Fatalf("another image's data after Discard: %d bytes, %v", size, err)
	}
	if err := d.Delete(t.Context(), kept.URL); err != nil {
		t.Fatal(err)
	}
	s.checkEmpty(t, d)
}
