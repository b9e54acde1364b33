package domain

import (
	"context"
	"io"
	"time"
)

// ImageRepo stores images with their tags, properties and locations.
// Implementations live in package dal.
type ImageRepo interface {
	// Create inserts img with its tags, properties and locations.
	// Returns Conflict if an image with that id ever existed (deleted ids
	// are never reused).
	Create(ctx context.Context, img *Image) error
	// Get returns the non-deleted image id if v may see it, else NotFound.
	Get(ctx context.Context, id string, v Viewer) (*Image, error)
	// List returns the images q selects, in q's order, at most q.Limit.
	List(ctx context.Context, q ImageQuery) ([]*Image, error)
	// Update loads image id (visible to v), locking it against other
	// updates, calls change on it and stores what change altered, setting
	// updated_at to now; it returns the image as stored without reading
	// it back. The write is a compare-and-swap on the status that was
	// loaded: if another request moved the status meanwhile, Update
	// returns Conflict and stores nothing. If change fails, nothing is
	// stored and its error returned. Returns NotFound if the image is
	// absent or not visible.
	Update(ctx context.Context, id string, v Viewer, now time.Time, change func(*Image) error) (*Image, error)
	// UpdateLoaded is Update for an image the caller loaded earlier: it
	// calls change on a copy of loaded and stores only what change
	// altered, compare-and-swap on loaded's status, without loading
	// anything. Changes made to other attributes since loaded was read
	// are kept, so change must depend on nothing but the status (e.g. a
	// status move). Returns NotFound if the image is gone, Conflict if
	// its status moved.
	UpdateLoaded(ctx context.Context, loaded *Image, now time.Time, change func(*Image) error) (*Image, error)
	// Delete soft-deletes the image and its tags, properties and members,
	// sets its status to status and marks its locations deleted, all
	// compare-and-swap on the image's current status expected. Returns
	// NotFound or Conflict.
	Delete(ctx context.Context, id string, expected, status Status, now time.Time) error
}

// ImageQuery is one page of a listing, resolved for the repository.
type ImageQuery struct {
	Viewer Viewer
	Filter ImageFilter
	Sort   []SortKey
	Limit  int
	// After, when set, is the marker: only rows after it in Sort order.
	After *Image
}

// Store moves the bytes of images for one backend. Drivers in package
// store implement it; hashing, size caps and status live above it.
type Store interface {
	// Put writes data for image id and returns where it now is. size is
	// a hint (-1 if unknown). Returns Conflict if data for id exists,
	// TooLarge if the backend is full, Unavailable if it refuses writes.
	// On error no data is left behind.
	Put(ctx context.Context, id string, data io.Reader, size int64) (StoredData, error)
	// Get returns length bytes (-1: to the end) starting at offset of the
	// data at url. Returns NotFound if there is none.
	Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error)
	// Delete removes the data at url. Returns NotFound if there is none.
	Delete(ctx context.Context, url string) error
	// Stat returns the size of the data at url, or NotFound.
	Stat(ctx context.Context, url string) (int64, error)
}

// DataDiscarder is a Store that can remove the data it holds for an
// image by the image's id rather than by a location URL: the data a
// crash left stored before any location recorded it. The domain finds
// it by type assertion; a Store without it leaves such data to the
// operator.
type DataDiscarder interface {
	// Discard removes the data Put stored for image id under the name
	// Put gives it. Call it only when no location records that data and
	// no Put of id can be running. Returns nil if there is none.
	Discard(ctx context.Context, id string) error
}

// StoredData is where Put left the data and how much it wrote.
type StoredData struct {
	URL  string
	Size int64
	// Metadata is recorded with the location (e.g. the backend id).
	Metadata map[string]any
}

// Stores is the set of configured backends.
type Stores interface {
	// Store returns backend id, or the default backend for "". Returns
	// Invalid for an unknown id.
	Store(id string) (Store, error)
	// ForLocation returns the backend that holds loc. Returns NotFound if
	// no configured backend serves it.
	ForLocation(loc Location) (Store, error)
	// IDs lists the enabled backends (multi-store) in configured order.
	IDs() []string
	// Default is the id of the default backend.
	Default() string
	// Multi reports whether several named backends are configured
	// (enabled_backends), which changes what the API shows.
	Multi() bool
}

// Notification is an event for the notification bus, shaped as Glance's.
type Notification struct {
	EventType string // e.g. "image.create"
	Priority  string // "INFO", "ERROR", "WARN"
	Payload   any
}

// Sink delivers notifications. It must not block a request for long and
// never fails one: delivery errors are the sink's to log.
type Sink interface {
	Notify(ctx context.Context, n Notification)
}
