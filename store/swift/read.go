package swift

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ncw/swift/v2"

	"github.com/go-glance/glance/store"
)

// maxSegments bounds the segments Delete removes by name.
const maxSegments = 100000

// head returns the object's headers. The client's own Object method is
// not used: it waits for a manifest of no bytes to grow.
func (d *Driver) head(ctx context.Context, a *account, c, o string) (swift.Headers, error) {
	_, h, err := a.call(ctx, http.MethodHead, c, o, nil, nil, true)
	if err != nil {
		return nil, a.fail(ctx, "HEAD "+c+"/"+o, err)
	}
	return h, nil
}

// size is the Content-Length of an answer.
func size(h swift.Headers, c, o string) (int64, error) {
	n, err := strconv.ParseInt(h["Content-Length"], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("HEAD %s/%s: no Content-Length", c, o)
	}
	return n, nil
}

// Stat returns the size of the object (of all its segments for a manifest).
func (d *Driver) Stat(ctx context.Context, url string) (int64, error) {
	a, c, o, err := d.parse(url)
	if err != nil {
		return 0, err
	}
	h, err := d.head(ctx, a, c, o)
	if err != nil {
		return 0, err
	}
	return size(h, c, o)
}

// Get reads a range of the object with a Range request; Swift joins the
// segments of a manifest.
func (d *Driver) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	a, c, o, err := d.parse(url)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("range %d+%d: %w", offset, length, store.ErrInvalid)
	}
	if length == 0 {
		h, err := d.head(ctx, a, c, o)
		if err != nil {
			return nil, err
		}
		if n, err := size(h, c, o); err != nil {
			return nil, err
		} else if offset > n {
			return nil, fmt.Errorf("offset %d past %d bytes: %w", offset, n, store.ErrRangeNotSatisfiable)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &objectReader{ctx: rctx, cancel: cancel, a: a, c: c, o: o, next: offset, end: -1, retries: d.o.RetryGetCount}
	if length > 0 {
		r.end = offset + length
	}
	err = r.open()
	if errors.Is(err, store.ErrRangeNotSatisfiable) {
		cancel()
		// Swift refuses an offset equal to the size too: that one reads
		// as no bytes.
		h, herr := d.head(ctx, a, c, o)
		if herr != nil {
			return nil, herr
		}
		if n, herr := size(h, c, o); herr != nil {
			return nil, herr
		} else if offset == n {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, err
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return r, nil
}

// objectReader reads bytes [next, end) of an object (to its end when
// end is -1), resuming from where it stopped up to retries times when
// the transfer breaks off (swift_store_retry_get_count).
type objectReader struct {
	ctx       context.Context
	cancel    context.CancelFunc
	a         *account
	c, o      string
	next, end int64
	retries   int
	body      io.ReadCloser
}

func (r *objectReader) open() error {
	rng := "bytes=" + strconv.FormatInt(r.next, 10) + "-"
	if r.end >= 0 {
		rng += strconv.FormatInt(r.end-1, 10)
	}
	resp, _, err := r.a.call(r.ctx, http.MethodGet, r.c, r.o, nil, swift.Headers{"Range": rng}, false)
	if err != nil {
		return r.a.fail(r.ctx, "GET "+r.c+"/"+r.o, err)
	}
	r.body = resp.Body
	return nil
}

func (r *objectReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.next += int64(n)
	for err != nil && err != io.EOF && r.retries > 0 && r.ctx.Err() == nil && (r.end < 0 || r.next < r.end) {
		r.retries--
		r.body.Close()
		if oerr := r.open(); oerr != nil {
			r.body = io.NopCloser(strings.NewReader(""))
			return n, err
		}
		if n > 0 {
			return n, nil
		}
		n, err = r.body.Read(p)
		r.next += int64(n)
	}
	return n, err
}

// Close ends the transfer, also while a Read is blocked.
func (r *objectReader) Close() error {
	r.cancel()
	return r.body.Close()
}

// Delete removes the object and, for a manifest, its segments.
func (d *Driver) Delete(ctx context.Context, loc string) error {
	a, c, o, err := d.parse(loc)
	if err != nil {
		return err
	}
	h, err := d.head(ctx, a, c, o)
	if err != nil {
		return err
	}
	if strings.EqualFold(h["X-Static-Large-Object"], "true") {
		// An SLO (not written by Glance, but deleted by it): Swift
		// removes the manifest and the segments it lists.
		q := url.Values{"multipart-manifest": {"delete"}}
		if _, _, err := a.call(ctx, http.MethodDelete, c, o, q, nil, true); err != nil {
			return a.fail(ctx, "DELETE "+c+"/"+o, err)
		}
		return nil
	}
	manifest := h["X-Object-Manifest"]
	if err := a.deleteObject(ctx, c, o); err != nil {
		return err
	}
	if manifest == "" {
		return nil
	}
	mc, prefix, ok := strings.Cut(manifest, "/")
	if !ok {
		return nil
	}
	mc, err1 := url.PathUnescape(mc)
	prefix, err2 := url.PathUnescape(prefix)
	if err1 != nil || err2 != nil || prefix == "" {
		return nil
	}
	// A listing may not show every segment yet: those the manifest
	// counts (manifests this driver wrote say how many) go by name.
	n, _ := strconv.Atoi(h[segmentsHeader])
	for i := 1; i <= n && i <= maxSegments; i++ {
		if err := a.deleteObject(ctx, mc, fmt.Sprintf("%s%05d", prefix, i)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return a.deletePrefix(ctx, mc, prefix)
}

// deleteObject removes c/o. The client's ObjectDelete is not used: it
// leaves the answer's body open, and so its connection.
func (a *account) deleteObject(ctx context.Context, c, o string) error {
	_, _, err := a.call(ctx, http.MethodDelete, c, o, nil, nil, true)
	return a.fail(ctx, "DELETE "+c+"/"+o, err)
}

// deletePrefix removes the objects of c whose names start with prefix;
// objects gone already are no error.
func (a *account) deletePrefix(ctx context.Context, c, prefix string) error {
	names, err := a.conn.ObjectNamesAll(ctx, c, &swift.ObjectsOpts{Prefix: prefix})
	if errors.Is(err, swift.ContainerNotFound) {
		return nil
	}
	if err != nil {
		return a.fail(ctx, "listing "+c, err)
	}
	for _, n := range names {
		if err := a.deleteObject(ctx, c, n); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Discard removes the object of image id and every segment of it.
func (d *Driver) Discard(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	a, c := d.def, d.o.Container
	if err := a.deleteObject(ctx, c, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return a.deletePrefix(ctx, c, id+"-")
}
