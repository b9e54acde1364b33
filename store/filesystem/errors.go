package filesystem

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/go-glance/glance/domain"
)

// Messages as Glance's API composes them from glance_store's errors, so
// clients see the same text.
const (
	msgFull        = "Image storage media is full: There is not enough disk space on the image storage media."
	msgWriteDenied = "Insufficient permissions on image storage media: Permission to write image storage media denied."
	msgReadDenied  = "Insufficient permissions on image storage media."
)

// notFound keeps the URL, a server path, out of the client's message.
func notFound(url string) error {
	return &domain.Error{Kind: domain.KindNotFound, Message: "Image data not found.", Err: fmt.Errorf("no image file for %s", url)}
}

// writeError maps an error of writing image data to its domain kind:
// TooLarge when the disk or quota is full, Unavailable when writing is
// refused, Internal otherwise. The cause is kept for the log.
func writeError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), errors.Is(err, syscall.EFBIG):
		return &domain.Error{Kind: domain.KindTooLarge, Message: msgFull, Err: err}
	case denied(err):
		return &domain.Error{Kind: domain.KindUnavailable, Message: msgWriteDenied, Err: err}
	}
	return domain.Wrap(err, "Failed to write image data to the filesystem store.")
}

// readError maps an error of finding, reading or removing image data:
// NotFound for a missing file (or a symlink, which the store never
// follows), Unavailable when access is refused, Internal otherwise.
func readError(err error, url string) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENOTDIR):
		return notFound(url)
	case denied(err):
		return &domain.Error{Kind: domain.KindUnavailable, Message: msgReadDenied, Err: err}
	}
	return domain.Wrap(err, "Failed to access image data in the filesystem store.")
}

func denied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EROFS)
}
