package store

import "errors"

// Sentinel errors of the Driver contract. A driver returns one of them,
// usually wrapped with context (fmt.Errorf("...: %w", store.ErrNotFound)),
// and never a domain error: the Backend every driver is used through maps
// them to the domain's kinds and to the messages Glance's clients know.
// Any other error counts as a failure of the backend (Internal).
var (
	// ErrNotFound: there is no data at the URL, or the URL is another
	// backend's.
	ErrNotFound = errors.New("no such image data")
	// ErrExists: data for the image id is stored already.
	ErrExists = errors.New("image data exists")
	// ErrFull: the backend has no room (disk, quota, pool) for the data.
	ErrFull = errors.New("image storage is full")
	// ErrForbidden: the backend refuses this service access (permissions,
	// a read-only filesystem, a bad credential).
	ErrForbidden = errors.New("access to image storage denied")
	// ErrUnavailable: the backend cannot be reached or answers that it
	// is down; a later try may succeed.
	ErrUnavailable = errors.New("image storage unavailable")
	// ErrInvalid: a malformed URL or id, or a negative range.
	ErrInvalid = errors.New("invalid image data request")
	// ErrRangeNotSatisfiable: the offset is past the end of the data.
	ErrRangeNotSatisfiable = errors.New("range not satisfiable")
	// ErrInUse: the data cannot be deleted because something outside
	// this service uses it (an RBD snapshot that volumes were cloned
	// from); a later try may succeed once they are gone.
	ErrInUse = errors.New("image data in use outside the image service")
)
