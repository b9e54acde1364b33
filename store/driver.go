// Package store moves image data to and from storage backends. Each
// backend is a Driver (the filesystem driver lives in store/filesystem,
// an in-memory one in store/memory), used through a Backend that maps
// the driver's sentinel errors to domain errors, honours cancellation
// and counts bytes and errors. A Registry holds the configured Backends
// and implements domain.Stores; Open builds drivers by type name from
// their config sections. Hashing, size caps and image status are the
// domain's business: drivers only move bytes. Every driver passes the
// conformance suite in store/storetest.
package store

import (
	"context"
	"io"
	"time"

	"github.com/go-glance/glance/domain"
)

// Driver stores the data of images in one backend. Errors are the
// sentinels of errors.go, wrapped as the driver likes, the context's
// error when ctx ends, or anything else for a failure of the backend.
type Driver interface {
	// Put writes data for image id and returns where it now is: the URL
	// to record as the image's location, the number of bytes written and
	// the metadata to record with the location (never nil; {"store": id}
	// in a multi-store backend). size is a hint, -1 if unknown, and may
	// be wrong either way: Put stores exactly the bytes data yields up to
	// io.EOF and reports their number (the domain checks sizes). Put
	// reads data to its end or to the first error.
	//
	// Errors: ErrExists if data for id exists already (of two Puts of
	// one id, exactly one wins); ErrInvalid for an id the backend cannot
	// name; ErrFull if the backend has no room; ErrForbidden or
	// ErrUnavailable if it refuses writes; ctx.Err() once ctx ends; an
	// error returned by data, as it is. On any error no data is left
	// behind: a later Put of id can succeed.
	Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error)

	// Get returns length bytes of the data at url starting at offset, or
	// all bytes from offset when length is -1. The caller must Close the
	// reader, which may be called while a Read is blocked and must then
	// end it. The reader yields fewer bytes if the data is shorter; an
	// offset equal to the size yields none.
	//
	// Errors: ErrNotFound if there is no data at url or url is not this
	// backend's; ErrInvalid if url is malformed or offset or length is
	// negative (other than length -1); ErrRangeNotSatisfiable if offset
	// is past the end of the data; ErrForbidden or ErrUnavailable if the
	// backend refuses.
	Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error)

	// Delete removes the data at url.
	//
	// Errors: ErrNotFound if there is none (or url is not this
	// backend's); ErrInvalid if url is malformed; ErrInUse if something
	// outside this service uses the data, which then stays; ErrForbidden
	// or ErrUnavailable if the backend refuses.
	Delete(ctx context.Context, url string) error

	// Stat returns the size in bytes of the data at url.
	//
	// Errors: as Delete, but ErrInUse.
	Stat(ctx context.Context, url string) (int64, error)
}

// Owner is implemented by drivers that can tell their own location URLs
// from others. The Registry uses it to find the backend of a location
// recorded without a "store" key (single-store Glance writes none).
type Owner interface {
	// Owns reports whether url names data this driver would serve.
	Owns(url string) bool
}

// Discarder is implemented by drivers that can remove the data of an
// image by its id, whatever state a crash left it in: data Put stored
// whose location never reached the database answers ErrExists to every
// later Put of that id, and no location would ever delete it. The
// domain calls Discard for an image it knows has no location: at the
// start of the process owning the database, for images a crash left
// saving; when an upload it has just begun meets Conflict; when it
// deletes an image that has no location, even one still saving, whose
// upload may be running on another server or have died with it.
type Discarder interface {
	// Discard removes the data stored for image id under the name Put
	// gives it, so that a later Put of id can succeed, and what a Put of
	// id that was cut off left under other names where the driver can
	// find it by the id. A Put of id still running may then fail.
	//
	// Errors: nil if there is no such data; ErrInvalid for an id Put
	// would refuse; ErrInUse if something outside this service uses the
	// data; ErrForbidden or ErrUnavailable if the backend refuses.
	Discard(ctx context.Context, id string) error
}

// TempRemover is implemented by drivers that write uploads under
// temporary names a crash can leave behind (files, incomplete multipart
// uploads, segments). The process calls it at start.
type TempRemover interface {
	// RemoveTemp removes what uploads last written more than olderThan
	// ago left, and returns what it removed (paths, object names).
	RemoveTemp(ctx context.Context, olderThan time.Duration) ([]string, error)
}

// Describer is implemented by drivers that show properties in
// /v2/info/stores/detail (data_dir, chunk_size, pool, bucket...).
type Describer interface {
	// Describe returns the properties in the order they are shown.
	Describe() []Property
}

// Property is one entry of a store's properties in /v2/info/stores/detail.
type Property struct {
	Key   string
	Value any
}

// Copier is implemented by drivers that can store a copy of data they
// hold without moving it through this service: a server-side copy, or
// an RBD clone.
type Copier interface {
	// Copy stores the data at url again for image id, as Put would.
	//
	// Errors: as Get for url, as Put for id.
	Copy(ctx context.Context, url, id string) (domain.StoredData, error)
}

// DirectURLer is implemented by drivers whose data a client can read
// from the backend itself (Nova and Cinder cloning from RBD, say).
type DirectURLer interface {
	// DirectURL returns a URL of the data at url for such a client.
	//
	// Errors: as Stat.
	DirectURL(ctx context.Context, url string) (string, error)
}

// Caveats is implemented by drivers that read options they do not act
// on; the server logs each caveat as a WARNING at start, so that no
// option is silently ignored.
type Caveats interface {
	// Caveats names each option set in the driver's section that has no
	// effect, and why.
	Caveats() []string
}

// InUseChecker is implemented by drivers whose data something outside
// this service can depend on (volumes cloned from an RBD snapshot). The
// domain asks before it deletes an image, so that such an image stays,
// as in Glance, rather than being deleted with its data left behind.
type InUseChecker interface {
	// InUse returns ErrInUse while the data at url cannot be deleted,
	// and nil otherwise, also when there is no data at url.
	//
	// Errors: ErrInUse; ErrInvalid for a malformed url; ErrUnavailable
	// if the backend cannot tell.
	InUse(ctx context.Context, url string) error
}
