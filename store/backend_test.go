package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/filesystem"
	"github.com/go-glance/glance/store/memory"
	"github.com/go-glance/glance/store/storetest"
)

// failing answers every call with err.
type failing struct{ err error }

func (f failing) Put(context.Context, string, io.Reader, int64) (domain.StoredData, error) {
	return domain.StoredData{}, f.err
}
func (f failing) Get(context.Context, string, int64, int64) (io.ReadCloser, error) { return nil, f.err }
func (f failing) Delete(context.Context, string) error                             { return f.err }
func (f failing) Stat(context.Context, string) (int64, error)                      { return 0, f.err }

func TestBackendErrors(t *testing.T) {
	id := storetest.NewID()
	cases := []struct {
		err     error
		kind    domain.Kind
		put     string // message of a failed Put
		get     string // message of a failed Get
		getKind domain.Kind
	}{
		{store.ErrNotFound, domain.KindNotFound, "Image data not found.", "Image data not found.", domain.KindNotFound},
		{store.ErrExists, domain.KindConflict, "Unable to upload duplicate image data for image " + id + ": Image " + id + " already exists", "", domain.KindInternal},
		{store.ErrFull, domain.KindTooLarge, "Image storage media is full: There is not enough disk space on the image storage media.", "", domain.KindTooLarge},
		{store.ErrForbidden, domain.KindUnavailable, "Insufficient permissions on image storage media: Permission to write image storage media denied.", "Insufficient permissions on image storage media.", domain.KindUnavailable},
		{store.ErrUnavailable, domain.KindUnavailable, "The image storage backend is unavailable.", "The image storage backend is unavailable.", domain.KindUnavailable},
		{store.ErrInvalid, domain.KindInvalid, `Invalid image id "` + id + `" for store fast.`, "The Store URI was malformed.", domain.KindInvalid},
		{store.ErrRangeNotSatisfiable, domain.KindInternal, "", "Offset 5 is past the end of the image data.", domain.KindRangeNotSatisfiable},
		{errors.New("disk on fire"), domain.KindInternal, "Failed to write image data to store fast.", "Failed to access image data in store fast.", domain.KindInternal},
	}
	for _, c := range cases {
		b := store.NewBackend("fast", failing{fmt.Errorf("at /srv/x: %w", c.err)})
		_, err := b.Put(t.Context(), id, bytes.NewReader(nil), 0)
		if !domain.IsKind(err, c.kind) || (c.put != "" && domain.ErrorMessage(err) != c.put) {
			t.Errorf("Put failing with %v: kind %d, message %q", c.err, domain.ErrorKind(err), domain.ErrorMessage(err))
		}
		if !strings.Contains(err.Error(), `store "fast"`) || !errors.Is(err, c.err) {
			t.Errorf("Put failing with %v: %v does not name the backend or keep the cause", c.err, err)
		}
		_, err = b.Get(t.Context(), "x://y", 5, -1)
		if !domain.IsKind(err, c.getKind) || (c.get != "" && domain.ErrorMessage(err) != c.get) {
			t.Errorf("Get failing with %v: kind %d, message %q", c.err, domain.ErrorKind(err), domain.ErrorMessage(err))
		}
		if strings.Contains(domain.ErrorMessage(err), "/srv/x") {
			t.Errorf("Get failing with %v shows the driver's detail: %q", c.err, domain.ErrorMessage(err))
		}
		if got := b.Stats().Errors.Load(); got != 2 {
			t.Errorf("Errors counted %d after two failures", got)
		}
	}
}

func TestBackendRoundTripCounts(t *testing.T) {
	mem := memory.New(memory.Options{})
	b := store.NewBackend("mem", mem)
	data := storetest.Data(1 << 20)
	got, err := b.Put(t.Context(), storetest.NewID(), bytes.NewReader(data), -1)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Get(t.Context(), got.URL, 10, 1000)
	if err != nil {
		t.Fatal(err)
	}
	back, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(back, data[10:1010]) {
		t.Fatalf("range read back: %d bytes, %v", len(back), err)
	}
	if w, rd := b.Stats().BytesWritten.Load(), b.Stats().BytesRead.Load(); w != int64(len(data)) || rd != 1000 {
		t.Fatalf("counted %d written, %d read; want %d and 1000", w, rd, len(data))
	}
	if _, err := b.Get(t.Context(), got.URL, -1, 10); !domain.IsKind(err, domain.KindInvalid) {
		t.Fatalf("negative offset: %v", err)
	}
}

// TestBackendSourceError: a client's failure comes back as it is, so
// the layers above can tell it from the backend's.
func TestBackendSourceError(t *testing.T) {
	mem := memory.New(memory.Options{})
	b := store.NewBackend("mem", mem)
	boom := errors.New("client went away")
	for _, src := range []io.Reader{
		io.MultiReader(bytes.NewReader(storetest.Data(1000)), iotestErr{boom}),
		&writerTo{data: storetest.Data(1000), err: boom},
	} {
		_, err := b.Put(t.Context(), storetest.NewID(), src, -1)
		if err != boom {
			t.Fatalf("Put from %T failing with %v: %v", src, boom, err)
		}
	}
	if left := mem.Contents(); len(left) > 0 {
		t.Fatalf("failed Puts left %v", left)
	}
	if got := b.Stats().BytesWritten.Load(); got != 0 {
		t.Fatalf("failed Puts counted %d bytes written", got)
	}
	// A driver that loses the data's error in its own still lets the
	// caller see the data's.
	lossy := store.NewBackend("lossy", lossyDriver{mem})
	src := io.MultiReader(bytes.NewReader(storetest.Data(1000)), iotestErr{boom})
	if _, err := lossy.Put(t.Context(), storetest.NewID(), src, -1); err != boom {
		t.Fatalf("Put through a driver that rewords errors: %v, want %v", err, boom)
	}
}

// lossyDriver replaces the errors of Put with its own.
type lossyDriver struct{ store.Driver }

func (l lossyDriver) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	got, err := l.Driver.Put(ctx, id, data, size)
	if err != nil {
		return got, errors.New("upload aborted")
	}
	return got, nil
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

// writerTo hands its data over through WriteTo, as the domain's
// digester does, and then fails with err (nil: succeeds).
type writerTo struct {
	data []byte
	err  error
}

func (w *writerTo) Read([]byte) (int, error) { panic("WriteTo must be used") }

func (w *writerTo) WriteTo(dst io.Writer) (int64, error) {
	n, err := dst.Write(w.data)
	if err != nil {
		return int64(n), err
	}
	return int64(n), w.err
}

// TestBackendKeepsWriterTo: the digester's WriteTo reaches the driver.
func TestBackendKeepsWriterTo(t *testing.T) {
	mem := memory.New(memory.Options{})
	b := store.NewBackend("mem", mem)
	data := storetest.Data(1000)
	got, err := b.Put(t.Context(), storetest.NewID(), &writerTo{data: data}, -1)
	if err != nil || got.Size != 1000 {
		t.Fatalf("Put through WriteTo: %+v, %v", got, err)
	}
}

// cancelOnReturn cancels the Put's context as the driver's Put
// returns: the caller has gone just as the data was stored.
type cancelOnReturn struct {
	store.Driver
	cancel context.CancelFunc
}

func (c cancelOnReturn) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	defer c.cancel()
	return c.Driver.Put(ctx, id, data, size)
}

func TestBackendCanceledAfterStoring(t *testing.T) {
	mem := memory.New(memory.Options{})
	ctx, cancel := context.WithCancel(t.Context())
	b := store.NewBackend("mem", cancelOnReturn{mem, cancel})
	_, err := b.Put(ctx, storetest.NewID(), bytes.NewReader(storetest.Data(100)), 100)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put whose caller left: %v, want context.Canceled", err)
	}
	if left := mem.Contents(); len(left) > 0 {
		t.Fatalf("left %v", left)
	}
}

func TestBackendCanceledDuring(t *testing.T) {
	mem := memory.New(memory.Options{})
	b := store.NewBackend("mem", mem)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := io.MultiReader(bytes.NewReader(storetest.Data(1<<20)), readFunc(func([]byte) (int, error) {
		cancel()
		return 1, nil
	}), bytes.NewReader(storetest.Data(1<<20)))
	if _, err := b.Put(ctx, storetest.NewID(), src, -1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put canceled midway: %v", err)
	}
	if left := mem.Contents(); len(left) > 0 {
		t.Fatalf("left %v", left)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }

// shortCounting stores the data but reports one byte more.
type shortCounting struct{ store.Driver }

func (s shortCounting) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	got, err := s.Driver.Put(ctx, id, data, size)
	got.Size++
	return got, err
}

func TestBackendChecksReportedSize(t *testing.T) {
	mem := memory.New(memory.Options{})
	b := store.NewBackend("mem", shortCounting{mem})
	_, err := b.Put(t.Context(), storetest.NewID(), bytes.NewReader(storetest.Data(100)), 100)
	if !domain.IsKind(err, domain.KindInternal) {
		t.Fatalf("Put whose driver miscounts: %v, want Internal", err)
	}
	if left := mem.Contents(); len(left) > 0 {
		t.Fatalf("left %v", left)
	}
}

// blocking is a driver whose readers block until closed, as a stalled
// network backend.
type blocking struct{ store.Driver }

type blockedReader struct{ closed chan struct{} }

func (r blockedReader) Read([]byte) (int, error) {
	<-r.closed
	return 0, os.ErrClosed
}

func (r blockedReader) Close() error {
	close(r.closed)
	return nil
}

func (blocking) Get(context.Context, string, int64, int64) (io.ReadCloser, error) {
	return blockedReader{make(chan struct{})}, nil
}

// TestBackendCanceledGet: canceling a download ends a Read that the
// backend blocks.
func TestBackendCanceledGet(t *testing.T) {
	b := store.NewBackend("slow", blocking{memory.New(memory.Options{})})
	ctx, cancel := context.WithCancel(t.Context())
	r, err := b.Get(ctx, "memory://x/y", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 10))
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("blocked Read after cancel: %v, want context.Canceled", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// TestBackendHandsOutFiles: a file goes out as it is, for sendfile.
func TestBackendHandsOutFiles(t *testing.T) {
	fs, err := filesystem.New(filesystem.Options{Datadir: filepath.Join(t.TempDir(), "images")})
	if err != nil {
		t.Fatal(err)
	}
	b := store.NewBackend("file", fs)
	got, err := b.Put(t.Context(), storetest.NewID(), bytes.NewReader(storetest.Data(1000)), 1000)
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Get(t.Context(), got.URL, 100, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.(*os.File); !ok {
		t.Fatalf("Get returned %T, want *os.File", r)
	}
	if n := b.Stats().BytesRead.Load(); n != 900 {
		t.Fatalf("counted %d bytes read, want 900", n)
	}
}

// TestRegistryDiscarder: the domain finds domain.DataDiscarder exactly
// when the driver can discard.
func TestRegistryDiscarder(t *testing.T) {
	mem := memory.New(memory.Options{})
	r := mustRegistry(t, []*store.Backend{store.NewBackend("mem", mem), store.NewBackend("plain", plainDriver{})}, "mem", true)
	s, _ := r.Store("mem")
	d, ok := s.(domain.DataDiscarder)
	if !ok {
		t.Fatal("the memory backend is no DataDiscarder")
	}
	id := storetest.NewID()
	if _, err := s.Put(t.Context(), id, bytes.NewReader([]byte("x")), 1); err != nil {
		t.Fatal(err)
	}
	if err := d.Discard(t.Context(), id); err != nil || len(mem.Contents()) > 0 {
		t.Fatalf("Discard: %v, left %v", err, mem.Contents())
	}
	plain, err := r.Store("plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.(domain.DataDiscarder); ok {
		t.Fatal("a backend whose driver cannot discard is a DataDiscarder")
	}
}

// TestBackendInUse: data a backend keeps because something outside the
// service uses it is a conflict with glance_store's message, which
// Glance answers with 409.
func TestBackendInUse(t *testing.T) {
	b := store.NewBackend("ceph", failing{fmt.Errorf("snapshot has clones: %w", store.ErrInUse)})
	err := b.Delete(t.Context(), "rbd://fsid/images/x/snap")
	if !domain.IsKind(err, domain.KindConflict) ||
		domain.ErrorMessage(err) != "The image cannot be deleted because it is in use through the backend store outside of Glance." {
		t.Fatalf("Delete of data in use: kind %d, message %q", domain.ErrorKind(err), domain.ErrorMessage(err))
	}
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("Delete of data in use: %v does not keep the cause", err)
	}
}
