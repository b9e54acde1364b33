//go:build ceph

package rbd

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/go-glance/glance/store"
)

// classify wraps an error of librados or librbd with the store sentinel
// its errno means: missing for ENOENT (a missing image is ErrNotFound, a
// missing pool ErrUnavailable), and ErrUnavailable for a cluster that
// does not answer in time. Other errors stay as they are (Internal).
func classify(err error, missing error) error {
	var coded interface{ ErrorCode() int }
	if !errors.As(err, &coded) {
		return err
	}
	errno := syscall.Errno(max(coded.ErrorCode(), -coded.ErrorCode()))
	var sentinel error
	switch errno {
	case syscall.ENOENT:
		sentinel = missing
	case syscall.EEXIST:
		sentinel = store.ErrExists
	case syscall.ENOSPC, syscall.EDQUOT:
		sentinel = store.ErrFull
	case syscall.EACCES, syscall.EPERM:
		sentinel = store.ErrForbidden
	case syscall.EBUSY, syscall.ENOTEMPTY:
		sentinel = store.ErrInUse
	case syscall.ETIMEDOUT, syscall.ENOTCONN, syscall.ESHUTDOWN, syscall.ECONNREFUSED,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.EAGAIN, syscall.EINTR:
		sentinel = store.ErrUnavailable
	}
	if sentinel == nil {
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}

// hasErrno reports whether err is librados's or librbd's errno e.
func hasErrno(err error, e syscall.Errno) bool {
	var coded interface{ ErrorCode() int }
	return errors.As(err, &coded) && (coded.ErrorCode() == int(e) || coded.ErrorCode() == -int(e))
}
