package filesystem

import (
	"os"

	"golang.org/x/sys/unix"
)

// checkSpace refuses size bytes (when known) that cannot fit in the
// space left on f's filesystem to unprivileged users, so that such an
// upload fails before any data is read rather than after gigabytes. It
// reserves nothing: space goes to whichever upload's data arrives
// first, so one client cannot hold space for data it never sends.
func checkSpace(f *os.File, size int64) error {
	if size <= 0 {
		return nil
	}
	var st unix.Statfs_t
	if err := control(f, func(fd int) error { return unix.Fstatfs(fd, &st) }); err != nil {
		return nil // only a hint: writing will tell
	}
	if bs := uint64(st.Bsize); bs > 0 && (uint64(size)+bs-1)/bs > st.Bavail {
		return unix.ENOSPC
	}
	return nil
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

// freeSpace is what unprivileged users may still write to dir's
// filesystem, in bytes.
func freeSpace(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}
