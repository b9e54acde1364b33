// Package storetest is the conformance suite every store driver passes:
// a driver's test calls Run with a constructor of fresh, empty drivers
// and a way to list what the driver holds in its backend. After every
// case the suite deletes the data the case kept and checks that the
// backend holds nothing: no partial upload, temporary name or segment
// that no image points to.
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// Option adjusts the suite to a driver.
type Option func(*suite)

// Leftovers lets the suite see what the driver d holds in its backend
// (files, objects, temporary names, segments, multipart uploads):
// list returns it, empty when d holds nothing. Run requires it.
func Leftovers(list func(t *testing.T, d store.Driver) []string) Option {
	return func(s *suite) { s.leftovers = list }
}

// PartSize tells the suite that the driver stores data of more than n
// bytes in parts (S3 multipart uploads, Swift segments): the suite then
// stores data of unknown and of known size across that threshold.
func PartSize(n int) Option {
	return func(s *suite) { s.partSize = n }
}

type suite struct {
	newDriver func(t *testing.T) store.Driver
	leftovers func(t *testing.T, d store.Driver) []string
	partSize  int
}

// Run runs the conformance suite against drivers newDriver returns; each
// must be empty and independent of the others. It needs the Leftovers
// option.
func Run(t *testing.T, newDriver func(t *testing.T) store.Driver, opts ...Option) {
	s := &suite{newDriver: newDriver}
	for _, o := range opts {
		o(s)
	}
	if s.leftovers == nil {
		t.Fatal("storetest: Run needs the Leftovers option to check what drivers leave behind")
	}
	for _, c := range []struct {
		name string
		run  func(*testing.T, *kept)
	}{
		{"RoundTrip", s.roundTrip},
		{"PlainReader", s.plainReader},
		{"UnknownSize", s.unknownSize},
		{"Parts", s.parts},
		{"WrongSizeHint", s.wrongSizeHint},
		{"Ranges", s.ranges},
		{"RangeEdges", s.rangeEdges},
		{"Delete", s.delete},
		{"Missing", s.missing},
		{"ForeignURLs", s.foreignURLs},
		{"Duplicate", s.duplicate},
		{"RacingPuts", s.racingPuts},
		{"FailingReader", s.failingReader},
		{"CanceledBefore", s.canceledBefore},
		{"CanceledDuring", s.canceledDuring},
		{"CanceledGet", s.canceledGet},
		{"Concurrent", s.concurrent},
		{"Discard", s.discard},
	} {
		t.Run(c.name, func(t *testing.T) {
			k := &kept{d: s.newDriver(t)}
			c.run(t, k)
			if t.Failed() {
				return
			}
			for _, url := range k.urls {
				if err := k.d.Delete(context.WithoutCancel(t.Context()), url); err != nil {
					t.Fatalf("Delete(%s) after the case: %v", url, err)
				}
			}
			if left := s.leftovers(t, k.d); len(left) > 0 {
				t.Fatalf("data left behind that no location points to: %v", left)
			}
		})
	}
}

// kept is a case's driver and the URLs of data the case stored and did
// not delete, which the suite deletes after it.
type kept struct {
	d    store.Driver
	mu   sync.Mutex
	urls []string
}

func (k *kept) keep(url string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.urls = append(k.urls, url)
}

// put is MustPut, keeping the URL for deletion after the case.
func (k *kept) put(t *testing.T, id string, data []byte) string {
	t.Helper()
	url := MustPut(t, k.d, id, data).URL
	k.keep(url)
	return url
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

// MustPut stores data for id, with its size as the hint, and checks
// what Put reports.
func MustPut(t testing.TB, d store.Driver, id string, data []byte) domain.StoredData {
	t.Helper()
	return mustPutFrom(t, d, id, bytes.NewReader(data), int64(len(data)), len(data))
}

func mustPutFrom(t testing.TB, d store.Driver, id string, r io.Reader, hint int64, n int) domain.StoredData {
	t.Helper()
	got, err := d.Put(t.Context(), id, r, hint)
	if err != nil {
		t.Fatalf("Put(%s, %d bytes, hint %d): %v", id, n, hint, err)
	}
	if got.URL == "" || got.Size != int64(n) || got.Metadata == nil {
		t.Fatalf("Put(%s, %d bytes, hint %d) = %+v; want a URL, the size and metadata", id, n, hint, got)
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

// wantErr fails t unless err is (or wraps) one of the sentinels.
func wantErr(t *testing.T, what string, err error, sentinels ...error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %v, want %v", what, err, sentinels)
}

// checkFree checks that id can still be stored, that is, a failed Put
// left no data that would make the next one fail with ErrExists.
func checkFree(t *testing.T, k *kept, id string) {
	t.Helper()
	data := Data(100)
	if !bytes.Equal(MustGet(t, k.d, k.put(t, id, data), 0, -1), data) {
		t.Fatal("data read back differs")
	}
}

// onlyReader hides every method but Read, as a request body would.
type onlyReader struct{ io.Reader }

// sizes cover empty data, one byte and both sides of common buffer sizes.
var sizes = []int{0, 1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 5<<20 + 3}

func (s *suite) roundTrip(t *testing.T, k *kept) {
	for _, n := range sizes {
		data := Data(n)
		url := k.put(t, NewID(), data)
		if back := MustGet(t, k.d, url, 0, -1); !bytes.Equal(back, data) {
			t.Fatalf("%d bytes: read back %d bytes that differ", n, len(back))
		}
		if size, err := k.d.Stat(t.Context(), url); err != nil || size != int64(n) {
			t.Fatalf("Stat = %d, %v; want %d", size, err, n)
		}
	}
}

// plainReader stores from a reader that is not an io.WriterTo.
func (s *suite) plainReader(t *testing.T, k *kept) {
	data := Data(3<<20 + 17)
	url := mustPutFrom(t, k.d, NewID(), onlyReader{bytes.NewReader(data)}, int64(len(data)), len(data)).URL
	k.keep(url)
	if !bytes.Equal(MustGet(t, k.d, url, 0, -1), data) {
		t.Fatal("data read back differs")
	}
}

// unknownSize stores with a size hint of -1, as a chunked upload.
func (s *suite) unknownSize(t *testing.T, k *kept) {
	data := Data(2<<20 + 5)
	url := mustPutFrom(t, k.d, NewID(), onlyReader{bytes.NewReader(data)}, -1, len(data)).URL
	k.keep(url)
	if !bytes.Equal(MustGet(t, k.d, url, 0, -1), data) {
		t.Fatal("data read back differs")
	}
}

// parts stores data around the driver's part size, of unknown and
// known size, and reads ranges that straddle a part boundary.
func (s *suite) parts(t *testing.T, k *kept) {
	if s.partSize == 0 {
		t.Skip("the driver stores no data in parts (no PartSize option)")
	}
	p := s.partSize
	for _, n := range []int{p, p + 1, 2*p + 1} {
		for _, hint := range []int64{-1, int64(n)} {
			data := Data(n)
			url := mustPutFrom(t, k.d, NewID(), onlyReader{bytes.NewReader(data)}, hint, n).URL
			k.keep(url)
			if !bytes.Equal(MustGet(t, k.d, url, 0, -1), data) {
				t.Fatalf("%d bytes, hint %d: data read back differs", n, hint)
			}
			if got := MustGet(t, k.d, url, int64(p-3), 6); !bytes.Equal(got, data[p-3:min(p+3, n)]) {
				t.Fatalf("%d bytes, hint %d: the range across the first part's end differs", n, hint)
			}
		}
	}
}

// wrongSizeHint: the hint is only a hint. Put stores exactly the bytes
// given and reports their number; the domain compares it with the size
// the client announced.
func (s *suite) wrongSizeHint(t *testing.T, k *kept) {
	for _, hint := range []int64{0, 10, 5000, 1 << 20} {
		data := Data(1000)
		url := mustPutFrom(t, k.d, NewID(), onlyReader{bytes.NewReader(data)}, hint, len(data)).URL
		k.keep(url)
		if !bytes.Equal(MustGet(t, k.d, url, 0, -1), data) {
			t.Fatalf("hint %d: data read back differs", hint)
		}
	}
}

func (s *suite) ranges(t *testing.T, k *kept) {
	const n = 1<<20 + 100
	data := Data(n)
	url := k.put(t, NewID(), data)
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
		{"none", 7, 0, nil},
	}
	for _, c := range cases {
		if got := MustGet(t, k.d, url, c.offset, c.length); !bytes.Equal(got, c.want) {
			t.Errorf("%s: Get(%d, %d) read %d bytes, want %d", c.name, c.offset, c.length, len(got), len(c.want))
		}
	}
}

// rangeEdges: an offset at the end yields nothing, past it is refused,
// as are negative ranges.
func (s *suite) rangeEdges(t *testing.T, k *kept) {
	url := k.put(t, NewID(), Data(100))
	for _, length := range []int64{-1, 0, 10} {
		if got := MustGet(t, k.d, url, 100, length); len(got) != 0 {
			t.Fatalf("Get(100, %d) of 100 bytes read %d bytes", length, len(got))
		}
	}
	for _, offset := range []int64{101, 1 << 40} {
		_, err := k.d.Get(t.Context(), url, offset, -1)
		wantErr(t, fmt.Sprintf("Get(%d, -1) of 100 bytes", offset), err, store.ErrRangeNotSatisfiable)
	}
	empty := k.put(t, NewID(), nil)
	if got := MustGet(t, k.d, empty, 0, -1); len(got) != 0 {
		t.Fatalf("Get of empty data read %d bytes", len(got))
	}
	_, err := k.d.Get(t.Context(), empty, 1, -1)
	wantErr(t, "Get(1, -1) of empty data", err, store.ErrRangeNotSatisfiable)
	for _, r := range [][2]int64{{-1, 10}, {0, -2}} {
		_, err := k.d.Get(t.Context(), url, r[0], r[1])
		wantErr(t, fmt.Sprintf("Get(%d, %d)", r[0], r[1]), err, store.ErrInvalid)
	}
}

func (s *suite) delete(t *testing.T, k *kept) {
	url := MustPut(t, k.d, NewID(), Data(1000)).URL
	if err := k.d.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	_, err := k.d.Get(t.Context(), url, 0, -1)
	wantErr(t, "Get after Delete", err, store.ErrNotFound)
	_, err = k.d.Stat(t.Context(), url)
	wantErr(t, "Stat after Delete", err, store.ErrNotFound)
	wantErr(t, "second Delete", k.d.Delete(t.Context(), url), store.ErrNotFound)
}

// missing: the URL of an id never stored, shaped as the driver's own.
func (s *suite) missing(t *testing.T, k *kept) {
	id := NewID()
	url := MustPut(t, k.d, id, Data(10)).URL
	if err := k.d.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	_, err := k.d.Stat(t.Context(), url)
	wantErr(t, "Stat of missing data", err, store.ErrNotFound)
	wantErr(t, "Delete of missing data", k.d.Delete(t.Context(), url), store.ErrNotFound)
	_, err = k.d.Get(t.Context(), url, 0, -1)
	wantErr(t, "Get of missing data", err, store.ErrNotFound)
}

// foreignURLs: URLs of other backends, or none at all, are NotFound or
// Invalid, never another driver's error or a success.
func (s *suite) foreignURLs(t *testing.T, k *kept) {
	k.put(t, NewID(), Data(10)) // something a bad URL must not reach
	for _, url := range []string{
		"", "nonsense", "://", "file://", "file:///etc/passwd", "http://example.com/images/x",
		"swift://user:key@auth.example.com/v1/glance/" + NewID(), "s3://key:secret@s3.example.com/glance/" + NewID(),
		"rbd://fsid/images/" + NewID() + "/snap", "memory://" + NewID(), "\x00",
	} {
		_, err := k.d.Get(t.Context(), url, 0, -1)
		wantErr(t, fmt.Sprintf("Get(%q)", url), err, store.ErrNotFound, store.ErrInvalid)
		_, err = k.d.Stat(t.Context(), url)
		wantErr(t, fmt.Sprintf("Stat(%q)", url), err, store.ErrNotFound, store.ErrInvalid)
		wantErr(t, fmt.Sprintf("Delete(%q)", url), k.d.Delete(t.Context(), url), store.ErrNotFound, store.ErrInvalid)
	}
}

func (s *suite) duplicate(t *testing.T, k *kept) {
	id, data := NewID(), Data(1000)
	url := k.put(t, id, data)
	_, err := k.d.Put(t.Context(), id, bytes.NewReader(Data(10)), 10)
	wantErr(t, "second Put", err, store.ErrExists)
	if !bytes.Equal(MustGet(t, k.d, url, 0, -1), data) {
		t.Fatal("the first data was changed by the refused Put")
	}
}

// racingPuts: of several Puts of one id at once exactly one wins, the
// others get ErrExists and leave nothing.
func (s *suite) racingPuts(t *testing.T, k *kept) {
	id := NewID()
	const n = 6
	type result struct {
		got  domain.StoredData
		data []byte
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			data := Data(256<<10 + i)
			got, err := k.d.Put(t.Context(), id, onlyReader{bytes.NewReader(data)}, -1)
			results <- result{got, data, err}
		}()
	}
	var won []result
	for range n {
		r := <-results
		switch {
		case r.err == nil:
			won = append(won, r)
			k.keep(r.got.URL)
		case !errors.Is(r.err, store.ErrExists):
			t.Errorf("losing Put: %v, want ErrExists", r.err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d Puts of one id succeeded, want 1", len(won))
	}
	if !bytes.Equal(MustGet(t, k.d, won[0].got.URL, 0, -1), won[0].data) {
		t.Fatal("the winner's data read back differs")
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

// failingReader: the data's error comes back as it is, for the caller
// to tell a client's failure from the backend's.
func (s *suite) failingReader(t *testing.T, k *kept) {
	id := NewID()
	boom := errors.New("connection reset")
	for _, hint := range []int64{8 << 20, -1} {
		_, err := k.d.Put(t.Context(), id, &failAfter{n: 3 << 20, err: boom}, hint)
		if !errors.Is(err, boom) {
			t.Fatalf("Put with a failing reader, hint %d: %v, want the reader's error", hint, err)
		}
		if left := s.leftovers(t, k.d); len(left) > 0 {
			t.Fatalf("the failed Put left %v", left)
		}
	}
	checkFree(t, k, id)
}

func (s *suite) canceledBefore(t *testing.T, k *kept) {
	id := NewID()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := k.d.Put(ctx, id, bytes.NewReader(Data(1000)), 1000); err == nil {
		t.Fatal("Put succeeded with a canceled context")
	}
	if left := s.leftovers(t, k.d); len(left) > 0 {
		t.Fatalf("the canceled Put left %v", left)
	}
	checkFree(t, k, id)
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

func (s *suite) canceledDuring(t *testing.T, k *kept) {
	id := NewID()
	for _, hint := range []int64{-1, 16 << 20} {
		ctx, cancel := context.WithCancel(t.Context())
		_, err := k.d.Put(ctx, id, &cancelAfter{n: 1 << 20, left: 16 << 20, cancel: cancel}, hint)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Put whose context was canceled midway, hint %d: %v, want context.Canceled", hint, err)
		}
		if left := s.leftovers(t, k.d); len(left) > 0 {
			t.Fatalf("the canceled Put left %v", left)
		}
	}
	checkFree(t, k, id)
}

// canceledGet: a download abandoned half-way is closed and lets go of
// everything it held: Close returns, no goroutine of the driver's stays
// behind, and the data is intact for others.
func (s *suite) canceledGet(t *testing.T, k *kept) {
	data := Data(4 << 20)
	url := k.put(t, NewID(), data)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(t.Context())
	r, err := k.d.Get(ctx, url, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	half := make([]byte, len(data)/2)
	if _, err := io.ReadFull(r, half); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(half, data[:len(half)]) {
		t.Fatal("the first half read differs")
	}
	cancel()
	if _, err := io.Copy(io.Discard, r); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("reading after cancellation: %v, want the rest, nothing or context.Canceled", err)
	}
	if err := r.Close(); err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Close after cancellation: %v", err)
	}
	waitGoroutines(t, before)
	if !bytes.Equal(MustGet(t, k.d, url, 0, -1), data) {
		t.Fatal("data read back after a canceled Get differs")
	}
}

// waitGoroutines waits for the goroutines to come back down to n: a
// goroutine a driver started for a reader may take a moment to see it
// closed, but it must end. The bound only keeps a leak from hanging the
// suite; it is no measure of speed.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	for range 600 {
		if runtime.NumGoroutine() <= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%d goroutines 30 s after the reader was closed, %d before it was opened", runtime.NumGoroutine(), n)
}

func (s *suite) concurrent(t *testing.T, k *kept) {
	const n = 8
	ids, data, urls, errs := make([]string, n), make([][]byte, n), make([]string, n), make(chan error, n)
	for i := range n {
		ids[i], data[i] = NewID(), Data(1<<20+i)
		go func() {
			got, err := k.d.Put(t.Context(), ids[i], bytes.NewReader(data[i]), -1)
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
		k.keep(urls[i])
		if !bytes.Equal(MustGet(t, k.d, urls[i], 0, -1), data[i]) {
			t.Fatalf("data of %s differs", ids[i])
		}
	}
}

// discard checks the optional Discarder: data stored for an id goes,
// whatever its URL, so that id can be stored again; discarding what is
// not there is no error, and other ids keep their data.
func (s *suite) discard(t *testing.T, k *kept) {
	dd, ok := k.d.(store.Discarder)
	if !ok {
		t.Skip("the driver does not implement store.Discarder")
	}
	id, other := NewID(), NewID()
	url := MustPut(t, k.d, id, Data(1000)).URL
	kept := k.put(t, other, Data(10))
	if err := dd.Discard(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	_, err := k.d.Get(t.Context(), url, 0, -1)
	wantErr(t, "Get after Discard", err, store.ErrNotFound)
	if err := dd.Discard(t.Context(), id); err != nil {
		t.Fatalf("Discard of nothing: %v", err)
	}
	checkFree(t, k, id)
	if size, err := k.d.Stat(t.Context(), kept); err != nil || size != 10 {
		t.Fatalf("another image's data after Discard: %d bytes, %v", size, err)
	}
}
