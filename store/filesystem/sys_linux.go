package filesystem

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// preallocate reserves size bytes for f when the size is known, so that
// an upload that cannot fit fails with ENOSPC before any data is read
// rather than after gigabytes, and the file gets few extents. KEEP_SIZE
// leaves the file's size alone: a size hint that was too large adds no
// zeros to the image. Filesystems that cannot preallocate go without.
func preallocate(f *os.File, size int64) error {
	if size <= 0 {
		return nil
	}
	err := control(f, func(fd int) error { return unix.Fallocate(fd, unix.FALLOC_FL_KEEP_SIZE, 0, size) })
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) {
		return nil
	}
	return err
}

// startWriteback asks the kernel to begin writing n bytes of f from off
// to disk without waiting. Writing back while the upload streams keeps
// its dirty pages few, so the final fsync is short instead of flushing
// the whole image (gigabytes) at once. It is only a hint: errors surface
// at the fsync.
func startWriteback(f *os.File, off, n int64) {
	control(f, func(fd int) error { return unix.SyncFileRange(fd, off, n, unix.SYNC_FILE_RANGE_WRITE) })
}

// dropBehind waits until n bytes of f from off are on disk (their
// writeback was started a few chunks earlier, so this seldom waits) and
// then evicts them from the page cache. It is only a hint: errors
// surface at the fsync.
func dropBehind(f *os.File, off, n int64) {
	control(f, func(fd int) error {
		const wait = unix.SYNC_FILE_RANGE_WAIT_BEFORE | unix.SYNC_FILE_RANGE_WRITE | unix.SYNC_FILE_RANGE_WAIT_AFTER
		if err := unix.SyncFileRange(fd, off, n, wait); err != nil {
			return err
		}
		return unix.Fadvise(fd, off, n, unix.FADV_DONTNEED)
	})
}

func control(f *os.File, op func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	if cerr := rc.Control(func(fd uintptr) { err = op(int(fd)) }); cerr != nil {
		return cerr
	}
	return err
}
