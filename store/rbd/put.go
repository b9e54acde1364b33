//go:build ceph

package rbd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/ceph/go-ceph/rbd"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// maxGrowth caps how much an image of unknown size grows at once, as
// Glance does: it doubles from one chunk up to 8 GiB.
const maxGrowth = 8 << 30

// cleanupTimeout bounds removing what a failed Put wrote; each librados
// call is bounded by itself, this only stops a loop of them.
const cleanupTimeout = 2 * time.Minute

// Put creates RBD image id in the pool, sized by the hint, writes data
// into it a chunk at a time (growing the image when data outlasts the
// hint, shrinking it to the bytes read at the end), then creates and
// protects snapshot "snap", from which Nova and Cinder clone. On any
// error it removes the image it created.
func (d *Driver) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	if err := checkName(id); err != nil {
		return domain.StoredData{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.StoredData{}, err
	}
	ioctx, fsid, err := d.ioctx(d.o.Pool, store.ErrUnavailable)
	if err != nil {
		return domain.StoredData{}, err
	}
	defer d.release(ioctx)
	d.mu.Lock()
	features := d.features(d.conn)
	d.mu.Unlock()
	if _, err := rbd.Create2(ioctx, id, uint64(max(size, 0)), features, d.order); err != nil {
		if hasErrno(err, syscall.EEXIST) {
			return domain.StoredData{}, fmt.Errorf("rbd: image %s/%s: %w", d.o.Pool, id, store.ErrExists)
		}
		return domain.StoredData{}, fmt.Errorf("rbd: creating image %s/%s: %w", d.o.Pool, id, classify(err, store.ErrUnavailable))
	}
	n, err := d.fill(ctx, ioctx, id, data, max(size, 0))
	if err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if rerr := d.removeImage(cctx, ioctx, d.o.Pool, id, nil); rerr != nil {
			err = fmt.Errorf("%w (and removing the partial image: %v)", err, rerr)
		}
		return domain.StoredData{}, err
	}
	meta := map[string]any{}
	if d.o.BackendID != "" {
		meta["store"] = d.o.BackendID
	}
	return domain.StoredData{URL: d.location(fsid, id).String(), Size: n, Metadata: meta}, nil
}

// fill writes data into image name, of size bytes so far, and
// snapshots it. It returns the bytes written.
func (d *Driver) fill(ctx context.Context, ioctx *rados.IOContext, name string, data io.Reader, size int64) (int64, error) {
	img, err := d.handles.open(ioctx, d.o.Pool, name, rbd.NoSnapshot, false)
	if err != nil {
		return 0, fmt.Errorf("rbd: opening new image %s/%s: %w", d.o.Pool, name, classify(err, store.ErrUnavailable))
	}
	defer d.handles.close(img)
	w := &imageWriter{img: img, size: size, grow: d.o.ChunkSize, thin: d.o.ThinProvisioning}
	n, err := copyChunks(ctx, w, data, int(d.o.ChunkSize))
	if err != nil {
		return 0, err
	}
	if n != w.size {
		if err := img.Resize(uint64(n)); err != nil {
			return 0, fmt.Errorf("rbd: resizing %s/%s to %d bytes: %w", d.o.Pool, name, n, classify(err, store.ErrUnavailable))
		}
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	snap, err := img.CreateSnapshot(snapName)
	if err != nil {
		return 0, fmt.Errorf("rbd: snapshotting %s/%s: %w", d.o.Pool, name, classify(err, store.ErrUnavailable))
	}
	if err := snap.Protect(); err != nil {
		return 0, fmt.Errorf("rbd: protecting %s/%s@%s: %w", d.o.Pool, name, snapName, classify(err, store.ErrUnavailable))
	}
	return n, nil
}

// imageWriter writes chunks into an open image, growing it first when
// a chunk ends past its size.
type imageWriter struct {
	img  *rbd.Image
	size int64 // the image's size now
	grow int64 // the next growth
	thin bool
}

func (w *imageWriter) writeAt(p []byte, off int64) error {
	if end := off + int64(len(p)); end > w.size {
		size := max(end, w.size+w.grow)
		if err := w.img.Resize(uint64(size)); err != nil {
			return fmt.Errorf("rbd: growing image %s to %d bytes: %w", w.img.GetName(), size, classify(err, store.ErrUnavailable))
		}
		w.size, w.grow = size, min(2*w.grow, maxGrowth)
	}
	if w.thin && allZero(p) {
		return nil // a new image reads as zeros where nothing was written
	}
	if _, err := w.img.WriteAt(p, off); err != nil {
		return fmt.Errorf("rbd: writing %d bytes at %d into %s: %w", len(p), off, w.img.GetName(), classify(err, store.ErrUnavailable))
	}
	return nil
}

var zeros = make([]byte, 64<<10)

func allZero(p []byte) bool {
	for len(p) > 0 {
		n := min(len(p), len(zeros))
		if !bytes.Equal(p[:n], zeros[:n]) {
			return false
		}
		p = p[n:]
	}
	return true
}

// copyChunks reads data in chunks of chunkSize bytes and writes each
// with w, writing one chunk while it reads the next, so that the
// client's upload and the cluster's writes overlap. It stops between
// chunks once ctx ends. It returns the bytes written, or the first
// error: ctx's, data's (as it is) or w's.
func copyChunks(ctx context.Context, w *imageWriter, data io.Reader, chunkSize int) (int64, error) {
	type chunk struct {
		p   []byte
		off int64
	}
	const buffers = 2
	work := make(chan chunk)
	free := make(chan []byte, buffers)
	failed := make(chan struct{})
	var writeErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		for c := range work {
			if writeErr == nil {
				if writeErr = w.writeAt(c.p, c.off); writeErr != nil {
					close(failed)
				}
			}
			free <- c.p[:cap(c.p)]
		}
	})
	allocated := 0
	buffer := func() []byte {
		select {
		case p := <-free:
			return p
		default:
		}
		if allocated < buffers {
			allocated++
			return make([]byte, chunkSize)
		}
		select {
		case p := <-free:
			return p
		case <-failed:
			return nil
		}
	}
	var off int64
	var readErr error
read:
	for readErr == nil {
		select {
		case <-failed:
			break read
		default:
		}
		if readErr = ctx.Err(); readErr != nil {
			break
		}
		p := buffer()
		if p == nil {
			break // the writer failed
		}
		var n int
		n, readErr = readFull(data, p)
		if n > 0 {
			select {
			case work <- chunk{p[:n], off}:
				off += int64(n)
			case <-failed:
			}
		}
	}
	close(work)
	wg.Wait()
	switch {
	case writeErr != nil:
		return 0, writeErr
	case readErr != io.EOF:
		return 0, readErr
	}
	// The last chunk may have been read as ctx ended.
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return off, nil
}

// readFull reads into p until it is full or data ends, and returns
// io.EOF once data ended; any other error of data is returned as it is
// (io.ReadFull would turn an early end into io.ErrUnexpectedEOF, which
// a truncated request body returns too).
func readFull(data io.Reader, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k, err := data.Read(p[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
