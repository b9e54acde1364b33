package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/go-glance/glance/domain"
)

// Backend is one configured store: its id (a key of enabled_backends,
// or "file" in single-store mode) and its driver, used through the one
// wrapper every driver goes through. It implements domain.Store: it
// maps the driver's sentinel errors to domain kinds with Glance's
// messages (the backend id goes into the logged cause), makes a Put or
// Get whose ctx ends stop at the next block and leave nothing behind,
// and counts bytes and errors. It is safe for concurrent use.
type Backend struct {
	id     string
	driver Driver
	stats  Stats
}

var _ domain.Store = (*Backend)(nil)

// NewBackend returns the backend id served by d.
func NewBackend(id string, d Driver) *Backend { return &Backend{id: id, driver: d} }

// ID is the backend's id.
func (b *Backend) ID() string { return b.id }

// Driver is the driver the backend wraps, for its optional interfaces.
func (b *Backend) Driver() Driver { return b.driver }

// Stats counts a backend's traffic and failures, for metrics.
type Stats struct {
	BytesWritten atomic.Int64 // by successful Puts
	BytesRead    atomic.Int64 // handed out by Gets
	Errors       atomic.Int64 // failed calls, cancellations and callers' mistakes included
}

// Stats are the backend's counters since it was made.
func (b *Backend) Stats() *Stats { return &b.stats }

// cleanupTimeout bounds the removal of data stored by a Put whose
// caller went away meanwhile.
const cleanupTimeout = time.Minute

// Put stores data through the driver. Errors are the domain's: Conflict
// if data for id exists, TooLarge if the backend is full, Unavailable if
// it refuses, Invalid for an id it cannot name, Internal for any other
// failure; ctx.Err() once ctx ends; data's own error as it is.
func (b *Backend) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	if err := ctx.Err(); err != nil {
		return domain.StoredData{}, b.fail(err)
	}
	src := guardSource(ctx, data)
	got, err := b.driver.Put(ctx, id, src.reader(), size)
	switch {
	case err != nil && src.err != nil:
		// The data failed first; whatever the driver made of it, the
		// caller must see the data's own error (a client that left, a
		// size cap) to answer it.
		return domain.StoredData{}, b.fail(src.err)
	case err != nil && ctx.Err() != nil:
		return domain.StoredData{}, b.fail(ctx.Err())
	case err != nil:
		return domain.StoredData{}, b.fail(b.domainError(err, "write", id))
	case ctx.Err() != nil:
		b.remove(ctx, got.URL)
		return domain.StoredData{}, b.fail(ctx.Err())
	case got.Size != src.n:
		b.remove(ctx, got.URL)
		err := fmt.Errorf("store %q: driver reported %d bytes stored of %d read", b.id, got.Size, src.n)
		return domain.StoredData{}, b.fail(domain.Wrap(err, "Failed to write image data to the store."))
	}
	b.stats.BytesWritten.Add(got.Size)
	return got, nil
}

// remove deletes what a Put stored for a caller that has gone.
func (b *Backend) remove(ctx context.Context, url string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	b.driver.Delete(ctx, url)
}

// Get opens a range of the data at url. A reader the driver returns is
// closed when ctx ends, so a blocked Read ends too, except an *os.File,
// which is handed out as it is so that downloads keep sendfile: its
// bytes are counted when opened. Errors: Invalid for a negative range
// or a malformed url; NotFound; RangeNotSatisfiable if offset is past
// the end; Unavailable; Internal.
func (b *Backend) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 || length < -1 {
		return nil, b.fail(domain.Errorf(domain.KindInvalid, "Invalid range: offset %d, length %d.", offset, length))
	}
	if err := ctx.Err(); err != nil {
		return nil, b.fail(err)
	}
	rc, err := b.driver.Get(ctx, url, offset, length)
	if err != nil {
		if ctx.Err() != nil {
			return nil, b.fail(ctx.Err())
		}
		return nil, b.fail(b.domainError(err, "read", url, offset))
	}
	if f, ok := rc.(*os.File); ok {
		b.countFile(f, length)
		return f, nil
	}
	return newGuardedReader(ctx, rc, &b.stats), nil
}

// countFile counts the bytes a file handed out for sendfile will yield.
func (b *Backend) countFile(f *os.File, length int64) {
	info, err := f.Stat()
	pos, perr := f.Seek(0, io.SeekCurrent)
	if err != nil || perr != nil {
		return
	}
	n := max(info.Size()-pos, 0)
	if length >= 0 {
		n = min(n, length)
	}
	b.stats.BytesRead.Add(n)
}

// Delete removes the data at url. Errors: NotFound; Invalid for a
// malformed url; Unavailable; Internal.
func (b *Backend) Delete(ctx context.Context, url string) error {
	if err := ctx.Err(); err != nil {
		return b.fail(err)
	}
	if err := b.driver.Delete(ctx, url); err != nil {
		return b.fail(b.domainError(err, "delete", url))
	}
	return nil
}

// InUse returns Conflict while something outside this service uses
// the data at url (see store.InUseChecker), nil otherwise or when the
// driver cannot tell; other errors are the domain's, as Delete's.
func (b *Backend) InUse(ctx context.Context, url string) error {
	c, ok := b.driver.(InUseChecker)
	if !ok {
		return nil
	}
	if err := c.InUse(ctx, url); err != nil {
		return b.domainError(err, "delete", url)
	}
	return nil
}

// Stat returns the size of the data at url. Errors: as Delete.
func (b *Backend) Stat(ctx context.Context, url string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, b.fail(err)
	}
	n, err := b.driver.Stat(ctx, url)
	if err != nil {
		return 0, b.fail(b.domainError(err, "read", url))
	}
	return n, nil
}

// discard calls the driver's Discard. Errors: Invalid for an id the
// driver refuses; Unavailable; Internal.
func (b *Backend) discard(ctx context.Context, d Discarder, id string) error {
	if err := ctx.Err(); err != nil {
		return b.fail(err)
	}
	if err := d.Discard(ctx, id); err != nil {
		return b.fail(b.domainError(err, "delete", id))
	}
	return nil
}

// discardingBackend is a Backend whose driver is a Discarder, so that
// the domain finds domain.DataDiscarder exactly when the driver has it.
type discardingBackend struct {
	*Backend
	d Discarder
}

var _ domain.DataDiscarder = discardingBackend{}

func (b discardingBackend) Discard(ctx context.Context, id string) error {
	return b.discard(ctx, b.d, id)
}

// store is b as the domain sees it.
func (b *Backend) store() domain.Store {
	if d, ok := b.driver.(Discarder); ok {
		return discardingBackend{b, d}
	}
	return b
}

func (b *Backend) fail(err error) error {
	b.stats.Errors.Add(1)
	return err
}
