//go:build ceph

package rbd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ceph/go-ceph/rados"
	"github.com/ceph/go-ceph/rbd"

	"github.com/go-glance/glance/store"
)

// errClosed ends a Read of a reader that was closed meanwhile.
var errClosed = errors.New("rbd: reader closed")

// open opens the image url names, read-only, at the URL's snapshot
// (at its head for Glance's old rbd://<image> form). The caller closes
// the image and destroys the I/O context.
func (d *Driver) open(url string) (*rados.IOContext, *rbd.Image, error) {
	loc, err := d.locate(url)
	if err != nil {
		return nil, nil, err
	}
	ioctx, _, err := d.ioctx(loc.pool, store.ErrNotFound)
	if err != nil {
		return nil, nil, err
	}
	snap := loc.snapshot
	if snap == "" {
		snap = rbd.NoSnapshot
	}
	img, err := d.handles.open(ioctx, loc.pool, loc.image, snap, true)
	if err != nil {
		d.release(ioctx)
		return nil, nil, fmt.Errorf("rbd: opening %s: %w", url, classify(err, store.ErrNotFound))
	}
	return ioctx, img, nil
}

// Stat returns the size of the image (at its snapshot) url names.
func (d *Driver) Stat(ctx context.Context, url string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	ioctx, img, err := d.open(url)
	if err != nil {
		return 0, err
	}
	defer d.release(ioctx)
	defer d.handles.close(img)
	size, err := img.GetSize()
	if err != nil {
		return 0, fmt.Errorf("rbd: size of %s: %w", url, classify(err, store.ErrNotFound))
	}
	return int64(size), nil
}

// DirectURL returns the rbd:// URL Nova and Cinder clone from: url
// itself, once the image is found there.
func (d *Driver) DirectURL(ctx context.Context, url string) (string, error) {
	if _, err := d.Stat(ctx, url); err != nil {
		return "", err
	}
	return url, nil
}

// Get reads the range from the image's snapshot. A goroutine reads
// ahead one block while the caller consumes the last; it owns the image
// and closes it when it ends, which Close and the end of ctx make it
// do after the read it is in.
func (d *Driver) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("rbd: range offset %d, length %d: %w", offset, length, store.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ioctx, img, err := d.open(url)
	if err != nil {
		return nil, err
	}
	size, err := img.GetSize()
	if err != nil {
		d.handles.close(img)
		d.release(ioctx)
		return nil, fmt.Errorf("rbd: size of %s: %w", url, classify(err, store.ErrNotFound))
	}
	if offset > int64(size) {
		d.handles.close(img)
		d.release(ioctx)
		return nil, fmt.Errorf("rbd: offset %d past the %d bytes of %s: %w", offset, size, url, store.ErrRangeNotSatisfiable)
	}
	end := int64(size)
	if length >= 0 {
		end = min(end, offset+length)
	}
	r := &reader{
		ctx:     ctx,
		results: make(chan block, 1),
		free:    make(chan []byte, readBuffers),
		done:    make(chan struct{}),
		ended:   make(chan struct{}),
	}
	release := func() {
		d.handles.close(img)
		d.release(ioctx)
	}
	go r.fetch(release, img, offset, end, int(min(d.o.ChunkSize, maxReadUnit)))
	return r, nil
}

// readBuffers is how many blocks a download holds at once: one read
// ahead, one waiting, one being consumed.
const readBuffers = 3

// block is what one read of the image gave.
type block struct {
	p   []byte
	err error
}

type reader struct {
	ctx     context.Context
	results chan block  // fetch's blocks, in order; closed at the end
	free    chan []byte // consumed blocks, for fetch to fill again
	done    chan struct{}
	ended   chan struct{} // closed once fetch gave the image back
	once    sync.Once

	cur  []byte // the rest of the block being consumed
	held []byte // that block's buffer
	err  error  // the error after cur
}

// fetch reads [pos, end) of img in blocks of unit bytes into results,
// then calls release, which gives img back, before it closes results:
// the caller's next operation on the image must not meet the handle
// being closed.
func (r *reader) fetch(release func(), img *rbd.Image, pos, end int64, unit int) {
	defer close(r.ended)
	defer close(r.results)
	defer release()
	allocated := 0
	for pos < end {
		var p []byte
		select {
		case p = <-r.free:
		default:
			if allocated < readBuffers {
				allocated++
				p = make([]byte, min(int64(unit), end-pos))
				break
			}
			select {
			case p = <-r.free:
			case <-r.done:
				return
			case <-r.ctx.Done():
				return
			}
		}
		p = p[:min(int64(cap(p)), end-pos)]
		n, err := img.ReadAt(p, pos)
		if err == io.EOF {
			err = nil
			if n == 0 {
				return // the image is shorter than it said
			}
		} else if err != nil {
			err = fmt.Errorf("rbd: reading %s at %d: %w", img.GetName(), pos, classify(err, store.ErrNotFound))
		}
		select {
		case r.results <- block{p[:n], err}:
		case <-r.done:
			return
		case <-r.ctx.Done():
			return
		}
		if err != nil {
			return
		}
		pos += int64(n)
	}
}

func (r *reader) Read(p []byte) (int, error) {
	select {
	case <-r.done:
		return 0, errClosed
	default:
	}
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.held != nil {
			r.free <- r.held // never blocks: at most readBuffers exist
			r.held = nil
		}
		select {
		case b, ok := <-r.results:
			if !ok {
				r.err = io.EOF
				continue
			}
			r.cur, r.held, r.err = b.p, b.p, b.err
		case <-r.done:
			return 0, errClosed
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close ends the reader, a Read blocked in it too, and returns once the
// read ahead gave the image back, after the request to the cluster it
// is in (bounded by the OSD request timeout): what the caller does next
// with the image never meets the handle being closed.
func (r *reader) Close() error {
	r.once.Do(func() { close(r.done) })
	<-r.ended
	return nil
}
