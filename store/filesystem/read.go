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

	"github.com/go-glance/glance/store"
)

// Get opens the file at url. When the range reaches the end of the file
// it returns the *os.File itself, positioned at offset, so that copying
// it to a socket (through an io.LimitedReader, say) can use sendfile.
// Shorter ranges get a reader that stops after length bytes.
//
// Errors: ErrInvalid for a negative offset or a length below -1, or a
// malformed URL; ErrNotFound if url is not a file of this datadir or
// there is no such file; ErrRangeNotSatisfiable if offset is past the
// end; ErrForbidden if reading is denied.
func (s *Store) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("offset %d, length %d: %w", offset, length, store.ErrInvalid)
	}
	f, size, err := s.open(ctx, url)
	if err != nil {
		return nil, err
	}
	if offset > size {
		f.Close()
		return nil, fmt.Errorf("offset %d past the end of %d bytes: %w", offset, size, store.ErrRangeNotSatisfiable)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, readError(err, url)
		}
	}
	if length == -1 || length >= size-offset {
		return f, nil
	}
	return &section{LimitedReader: io.LimitedReader{R: f, N: length}, f: f}, nil
}

// open opens the image file at url without following a symlink, and
// returns it with its size.
func (s *Store) open(ctx context.Context, url string) (*os.File, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	p, err := s.path(url)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, 0, readError(err, url)
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = syscall.ENOENT
	}
	if err != nil {
		f.Close()
		return nil, 0, readError(err, url)
	}
	return f, info.Size(), nil
}

// section is a range of an image file that ends before the file does.
type section struct {
	io.LimitedReader
	f *os.File
}

// WriteTo hands w the *io.LimitedReader over the file, which is what
// net.TCPConn.ReadFrom needs to use sendfile for the range.
func (s *section) WriteTo(w io.Writer) (int64, error) {
	return io.Copy(w, &s.LimitedReader)
}

func (s *section) Close() error { return s.f.Close() }

// Stat returns the size of the file at url.
//
// Errors: as Get, but for ranges.
func (s *Store) Stat(ctx context.Context, url string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	p, err := s.path(url)
	if err != nil {
		return 0, err
	}
	info, err := os.Lstat(p)
	if err == nil && !info.Mode().IsRegular() {
		err = syscall.ENOENT
	}
	if err != nil {
		return 0, readError(err, url)
	}
	return info.Size(), nil
}

// Delete removes the file at url.
//
// Errors: ErrInvalid for a malformed URL; ErrNotFound if url is not a
// file of this datadir or there is no such file; ErrForbidden if
// removing it is denied.
func (s *Store) Delete(ctx context.Context, url string) error {
	if _, err := s.Stat(ctx, url); err != nil {
		return err
	}
	p, _ := s.path(url)
	if err := os.Remove(p); err != nil {
		return readError(err, url)
	}
	return nil
}

// Discard removes the file <datadir>/<id> of every datadir, which a
// crash may have left behind without a location pointing to it, and the
// temporary files of uploads of id, which a process killed mid-upload
// leaves (a running upload whose file goes fails).
//
// Errors: nil if there is no such file; ErrInvalid for an id that is
// not a plain file name; ErrForbidden if removing it is denied.
func (s *Store) Discard(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := checkName(id); err != nil {
		return err
	}
	for _, d := range s.dirs {
		temps, err := tempsOf(d.path, id)
		if err != nil {
			return readError(err, url(d.path, id))
		}
		for _, p := range append(temps, filepath.Join(d.path, id)) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return readError(err, url(d.path, id))
			}
		}
	}
	return nil
}
