package filesystem

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"

	"github.com/go-glance/glance/store"
)

// notFound names the URL for the log; the Backend never shows it, as it
// is a server path.
func notFound(url string) error {
	return fmt.Errorf("no image file for %s: %w", url, store.ErrNotFound)
}

// writeError classifies an error of writing image data: ErrFull when
// the disk or quota is full, ErrForbidden when writing is refused. Other
// errors stay as they are, failures of the disk.
func writeError(err error) error {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), errors.Is(err, syscall.EFBIG):
		return fmt.Errorf("%w: %w", store.ErrFull, err)
	case denied(err):
		return fmt.Errorf("%w: %w", store.ErrForbidden, err)
	}
	return err
}

// readError classifies an error of finding, reading or removing image
// data: ErrNotFound for a missing file (or a symlink, which the store
// never follows), ErrForbidden when access is refused.
func readError(err error, url string) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENOTDIR):
		return notFound(url)
	case denied(err):
		return fmt.Errorf("%w: %w", store.ErrForbidden, err)
	}
	return err
}

func denied(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EROFS)
}
