package store

import (
	"errors"
	"fmt"

	"github.com/go-glance/glance/domain"
)

// Messages as Glance's API composes them from glance_store's errors, so
// clients see the same text.
const (
	msgNotFound    = "Image data not found."
	msgFull        = "Image storage media is full: There is not enough disk space on the image storage media."
	msgWriteDenied = "Insufficient permissions on image storage media: Permission to write image storage media denied."
	msgReadDenied  = "Insufficient permissions on image storage media."
	msgUnavailable = "The image storage backend is unavailable."
	msgInUse       = "The image cannot be deleted because it is in use through the backend store outside of Glance."
)

// domainError maps a driver's error of operation op ("write", "read" or
// "delete") on subject (an image id for writes, else a URL; neither is
// ever shown, as a URL may be a server path) to a domain error. The
// driver's error, with the backend id, stays the logged cause.
func (b *Backend) domainError(err error, op, subject string, offset ...int64) error {
	cause := fmt.Errorf("store %q: %w", b.id, err)
	e := &domain.Error{Kind: domain.KindInternal, Err: cause}
	switch {
	case errors.Is(err, ErrNotFound):
		e.Kind, e.Message = domain.KindNotFound, msgNotFound
	case errors.Is(err, ErrExists) && op == "write":
		e.Kind, e.Message = domain.KindConflict, fmt.Sprintf("Unable to upload duplicate image data for image %s: Image %s already exists", subject, subject)
	case errors.Is(err, ErrFull):
		e.Kind, e.Message = domain.KindTooLarge, msgFull
	case errors.Is(err, ErrForbidden) && op == "write":
		e.Kind, e.Message = domain.KindUnavailable, msgWriteDenied
	case errors.Is(err, ErrForbidden):
		e.Kind, e.Message = domain.KindUnavailable, msgReadDenied
	case errors.Is(err, ErrInUse):
		e.Kind, e.Message = domain.KindConflict, msgInUse
	case errors.Is(err, ErrUnavailable):
		e.Kind, e.Message = domain.KindUnavailable, msgUnavailable
	case errors.Is(err, ErrInvalid) && op == "write":
		e.Kind, e.Message = domain.KindInvalid, fmt.Sprintf("Invalid image id %q for store %s.", subject, b.id)
	case errors.Is(err, ErrInvalid):
		e.Kind, e.Message = domain.KindInvalid, "The Store URI was malformed."
	case errors.Is(err, ErrRangeNotSatisfiable) && len(offset) > 0:
		e.Kind, e.Message = domain.KindRangeNotSatisfiable, fmt.Sprintf("Offset %d is past the end of the image data.", offset[0])
	case op == "write":
		e.Message = "Failed to write image data to store " + b.id + "."
	default:
		e.Message = "Failed to access image data in store " + b.id + "."
	}
	return e
}
