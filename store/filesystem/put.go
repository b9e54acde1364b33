package filesystem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/domain/fault"
	"github.com/go-glance/glance/store"
)

// Put writes data to a temporary file in the datadir (of several, the
// one pick chooses), syncs it and only then gives it its final name, so
// <datadir>/<id> is never a partial image, even after a crash. On any
// error the temporary file is removed.
//
// Errors: ErrInvalid for an id that is not a plain file name; ErrExists
// if the file for id exists in any datadir; ErrFull when the disk or a
// quota is full (before reading anything if size shows the data cannot
// fit, or no datadir has room for it);
// ErrForbidden when writing is denied or the filesystem is read-only;
// ctx.Err() once ctx ends; data's own error as it is.
func (s *Store) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	if err := checkName(id); err != nil {
		return domain.StoredData{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.StoredData{}, err
	}
	if err := s.checkFree(id); err != nil {
		return domain.StoredData{}, err
	}
	dir, err := s.pick(size)
	if err != nil {
		return domain.StoredData{}, err
	}
	final := filepath.Join(dir, id)
	f, err := s.createTemp(dir, id)
	if err != nil {
		return domain.StoredData{}, writeError(err)
	}
	tmp := f.Name()
	// After a successful link this drops the temporary name; after a
	// failure, the partial data.
	defer os.Remove(tmp)
	n, err := s.write(ctx, f, data, size)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = writeError(cerr)
	}
	if err != nil {
		return domain.StoredData{}, err
	}
	fault.Crash(fault.UploadSynced)
	if err := s.commit(tmp, final, id); err != nil {
		return domain.StoredData{}, err
	}
	fault.Crash(fault.UploadLinked)
	return domain.StoredData{URL: url(dir, id), Size: n, Metadata: s.metadata()}, nil
}

// checkFree refuses an id whose file exists in any datadir.
func (s *Store) checkFree(id string) error {
	for _, d := range s.dirs {
		_, err := os.Lstat(filepath.Join(d.path, id))
		switch {
		case err == nil:
			return conflict(id)
		case !errors.Is(err, fs.ErrNotExist):
			return writeError(err)
		}
	}
	return nil
}

func conflict(id string) error {
	return fmt.Errorf("image %s: %w", id, store.ErrExists)
}

// write copies data into f and syncs it. io.Copy lets a source that is
// an io.WriterTo (the domain's digester) hand over its buffers directly.
func (s *Store) write(ctx context.Context, f *os.File, data io.Reader, size int64) (int64, error) {
	if err := checkSpace(f, size); err != nil {
		return 0, writeError(err)
	}
	w := &fileWriter{ctx: ctx, f: f}
	n, err := io.Copy(w, data)
	if w.err != nil {
		return n, w.err
	}
	if err != nil {
		return n, err // the source's error, for the caller to judge
	}
	if s.perm != 0 {
		if err := f.Chmod(s.perm); err != nil {
			return n, writeError(err)
		}
	}
	if err := f.Sync(); err != nil {
		return n, writeError(err)
	}
	return n, nil
}

// writebackChunk is how much data may pile up dirty in the page cache
// before the store starts writing it back.
const writebackChunk = 8 << 20

// dropLag is how far behind the newest data the store evicts what it
// wrote from the page cache, once that is on disk. Its writeback started
// four chunks earlier, so the eviction seldom waits for the disk.
const dropLag = 4 * writebackChunk

// fileWriter writes to f until ctx ends, starting writeback as it goes
// and evicting from the page cache what is on disk, and remembers its
// own errors so that write can tell them from the source's.
//
// Evicting keeps an upload's page cache to about dropLag +
// 2*writebackChunk (48 MiB) whatever the image size, so a large upload
// does not push the rest of the machine's cache (the database, images
// being served) out, as object stores such as Swift do for the same
// reason. It is also most of an upload's cpu beyond hashing: the pages
// the upload writes are the ones it just freed, still hot, while filling
// a GiB of page cache takes a GiB of memory the system has not touched
// lately, which a virtual machine whose host reclaims idle guest memory
// (free page reporting) pays for with a host fault per page: 1.5-9
// cpu-seconds per GiB measured, against 0.5 with eviction. A download
// right after the upload then reads from disk.
type fileWriter struct {
	ctx     context.Context
	f       *os.File
	err     error
	written int64 // bytes written to f
	flushed int64 // bytes whose writeback was started
	dropped int64 // bytes evicted from the page cache
}

func (w *fileWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		w.err = err
		return 0, err
	}
	n, err := w.f.Write(p)
	w.written += int64(n)
	if err != nil {
		w.err = writeError(err)
		return n, w.err
	}
	fault.Crash(fault.UploadPartial)
	if w.written-w.flushed >= writebackChunk {
		startWriteback(w.f, w.flushed, w.written-w.flushed)
		w.flushed = w.written
	}
	if end := w.flushed - dropLag; end-w.dropped >= writebackChunk {
		dropBehind(w.f, w.dropped, end-w.dropped)
		w.dropped = end
	}
	return n, nil
}

// commit gives the synced temporary file its final name without ever
// replacing an existing file: a hard link fails if the name is taken,
// which a rename would not. Filesystems without hard links fall back to
// a checked rename. The directory is synced so the name survives a crash.
// With several datadirs the name is checked in all of them under a lock,
// so that of two Puts of one id in this process only one wins.
func (s *Store) commit(tmp, final, id string) error {
	if len(s.dirs) > 1 {
		s.commitMu.Lock()
		defer s.commitMu.Unlock()
		if err := s.checkFree(id); err != nil {
			return err
		}
	}
	err := os.Link(tmp, final)
	if errors.Is(err, fs.ErrExist) {
		return conflict(id)
	}
	if err != nil && !noHardLinks(err) {
		return writeError(err)
	}
	if err != nil {
		if err := s.checkFree(id); err != nil {
			return err
		}
		if err := os.Rename(tmp, final); err != nil {
			return writeError(err)
		}
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		os.Remove(final)
		return writeError(err)
	}
	return nil
}

func noHardLinks(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.EMLINK)
}

// syncDir makes a new name in dir durable. Filesystems that cannot sync
// a directory (some network and FUSE ones) say EINVAL; they get no more
// than Glance, which never syncs at all.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.EOPNOTSUPP) {
		return err
	}
	return nil
}
