// Package store moves image data to and from storage backends. Each
// backend is a Driver (the filesystem driver lives in store/filesystem);
// a Registry holds the configured backends and implements domain.Stores.
// Hashing, size caps and image status are the domain's business: drivers
// only move bytes. Every driver passes the conformance suite in
// store/storetest.
package store

import (
	"context"
	"io"

	"github.com/go-glance/glance/domain"
)

// Driver stores the data of images in one backend. It has the method set
// of domain.Store, so a Driver is a domain.Store; this interface is where
// the contract drivers must keep is spelled out. All errors are
// *domain.Error values of the kinds named below (or the context's error
// when ctx ends), so the HTTP layer can map them.
type Driver interface {
	// Put writes data for image id and returns where it now is: the URL
	// to record as the image's location, the number of bytes written and
	// the metadata to record with the location (never nil; {"store": id}
	// in a multi-store backend). size is a hint, -1 if unknown; the data
	// ends where data returns io.EOF. Put reads data to its end or to the
	// first error.
	//
	// Errors: Conflict if data for id exists already; TooLarge if the
	// backend is full; Unavailable if it refuses writes; ctx.Err() if ctx
	// ends first; an error returned by data is returned as it is. On any
	// error no data is left behind: a later Put of id can succeed.
	Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error)

	// Get returns length bytes of the data at url starting at offset, or
	// all bytes from offset when length is -1. The caller must Close the
	// reader. The reader may yield fewer bytes if the data is shorter.
	//
	// Errors: NotFound if there is no data at url or url is not this
	// backend's; Invalid if url is malformed or offset or length is
	// negative (other than length -1); RangeNotSatisfiable if offset is
	// past the end of the data; Unavailable if the backend refuses.
	Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error)

	// Delete removes the data at url.
	//
	// Errors: NotFound if there is none (or url is not this backend's);
	// Invalid if url is malformed; Unavailable if the backend refuses.
	Delete(ctx context.Context, url string) error

	// Stat returns the size in bytes of the data at url.
	//
	// Errors: as Delete.
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
// whose location never reached the database answers Conflict to every
// later Put of that id, and no location would ever delete it. The
// domain calls Discard for an image it knows has no location and no
// upload running: at the start of the process owning the database, for
// images a crash left saving; when an upload it has just begun meets
// Conflict; when it deletes an image that has no location.
type Discarder interface {
	// Discard removes the data stored for image id under the name Put
	// gives it, so that a later Put of id can succeed. It need not
	// remove what a Put still running writes under other names.
	//
	// Errors: nil if there is no such data; Invalid for an id Put would
	// refuse; Unavailable if the backend refuses.
	Discard(ctx context.Context, id string) error
}

var (
	_ domain.Store         = Driver(nil)
	_ domain.DataDiscarder = Discarder(nil)
)
