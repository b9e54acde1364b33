package swift

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ncw/swift/v2"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// segmentsHeader records on a manifest the number of its segments.
const segmentsHeader = "X-Object-Meta-Segments"

// Put writes data as one object, or as segments and a manifest when
// size is unknown or at or above the large-object threshold.
func (d *Driver) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	if err := checkID(id); err != nil {
		return domain.StoredData{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.StoredData{}, err
	}
	if err := d.ensureContainer(ctx); err != nil {
		return domain.StoredData{}, err
	}
	unlock, err := d.lockID(ctx, id)
	if err != nil {
		return domain.StoredData{}, err
	}
	defer unlock()
	a, c := d.def, d.o.Container
	if _, err := d.head(ctx, a, c, id); err == nil {
		return domain.StoredData{}, fmt.Errorf("object %s/%s: %w", c, id, store.ErrExists)
	} else if !errors.Is(err, store.ErrNotFound) {
		return domain.StoredData{}, err
	}
	src := &reader{r: data}
	if size >= 0 && size < d.o.LargeObjectSize {
		// A wrong hint is not trusted: the body is sent chunked, so the
		// object holds what data yields.
		err = d.putObject(ctx, a, c, id, src, src, nil)
	} else {
		err = d.putLarge(ctx, a, c, id, src)
	}
	if err != nil {
		if ce := ctx.Err(); ce != nil && src.err == nil {
			err = ce
		}
		return domain.StoredData{}, err
	}
	meta := map[string]any{}
	if d.o.BackendID != "" {
		meta["store"] = d.o.BackendID
	}
	return domain.StoredData{URL: d.url(c, id), Size: src.n, Metadata: meta}, nil
}

// putLarge writes segments <id>-<upload>-00001... and the manifest; on
// failure it removes the segments it wrote. The upload part keeps two
// racing Puts of one id from writing over each other's segments: the
// manifest, written with If-None-Match, picks the winner.
func (d *Driver) putLarge(ctx context.Context, a *account, c, id string, src *reader) (err error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := id + "-" + hex.EncodeToString(b) + "-"
	// Segments are removed by name, not by listing: a listing may not
	// show an object just written yet. putObject returns only once Swift
	// has answered, so no segment is written after its DELETE.
	var names []string
	empty := 0 // 1 when the last segment written was empty and removed
	defer func() {
		if err != nil {
			for _, name := range names {
				_ = a.deleteObject(context.WithoutCancel(ctx), c, name)
			}
		}
	}()
	for n := 1; ; n++ {
		seg := &segment{src: src, left: d.o.ChunkSize}
		name := fmt.Sprintf("%s%05d", prefix, n)
		names = append(names, name)
		if err := d.putObject(ctx, a, c, name, seg, src, nil); err != nil {
			return err
		}
		if seg.count == 0 && n > 1 {
			// The data ended on a segment boundary: drop the empty one.
			if err := a.deleteObject(ctx, c, name); err != nil {
				return err
			}
			empty = 1
			break
		}
		if seg.eof || seg.count < d.o.ChunkSize {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	hdr := swift.Headers{
		"X-Object-Manifest": url.PathEscape(c) + "/" + url.PathEscape(prefix),
		segmentsHeader:      strconv.Itoa(len(names) - empty),
	}
	return d.putObject(ctx, a, c, id, strings.NewReader(""), nil, hdr)
}

// putObject streams body to c/o, failing with ErrExists if o exists.
func (d *Driver) putObject(ctx context.Context, a *account, c, o string, body io.Reader, src *reader, h swift.Headers) error {
	if h == nil {
		h = swift.Headers{}
	}
	h["If-None-Match"] = "*"
	// When ctx ends the body fails, which makes Swift drop the object,
	// but the request itself goes on until Swift answers: had the whole
	// body gone already, the object is then stored, and the caller's
	// clean-up comes after it rather than before. putGrace bounds the
	// wait for that answer.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(putGrace, cancel) })
	defer stop()
	sb := &sendBody{r: body, ctx: ctx, turn: make(chan struct{}, 1)}
	_, err := a.conn.ObjectPut(rctx, c, o, sb, false, "", "application/octet-stream", h)
	// The transport may still be reading the body after the client
	// returns: stop it, so that nothing reads data after Put.
	sb.detach(ctx)
	if src != nil && src.err != nil {
		return src.err
	}
	return a.fail(ctx, "PUT "+c+"/"+o, err)
}

// reader counts what data yields and keeps its error, so that the
// error of data is told from Swift's.
type reader struct {
	r   io.Reader
	n   int64
	err error
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// segment streams up to left bytes of src; the body is sent chunked,
// and ends at left or at src's end.
type segment struct {
	src   *reader
	left  int64
	eof   bool
	count int64
}

func (s *segment) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.src.Read(p)
	s.left -= int64(n)
	s.count += int64(n)
	if err == io.EOF {
		s.eof = true
	}
	return n, err
}

// errDetached is what the body of a finished PUT yields.
var errDetached = errors.New("the upload is over")

// sendBody is the body of a PUT: it fails once ctx ends or the PUT is
// over, and can be sent again (after a new login) while none of it was
// read.
type sendBody struct {
	r        io.Reader
	ctx      context.Context
	n        int64
	turn     chan struct{} // held by a Read, and by detach
	detached bool
}

func (b *sendBody) Read(p []byte) (int, error) {
	b.turn <- struct{}{}
	defer func() { <-b.turn }()
	if b.detached {
		return 0, errDetached
	}
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

// Seek lets the client send the body again from its start, as long as
// nothing of it was read: data is a stream.
func (b *sendBody) Seek(offset int64, whence int) (int64, error) {
	b.turn <- struct{}{}
	defer func() { <-b.turn }()
	if offset != 0 || whence != io.SeekStart || b.n != 0 {
		return 0, errors.New("an upload cannot be sent again once it has begun")
	}
	return 0, nil
}

// detach waits for a Read under way (or for ctx to end, which makes any
// later Read fail) and makes later Reads fail.
func (b *sendBody) detach(ctx context.Context) {
	select {
	case b.turn <- struct{}{}:
		b.detached = true
		<-b.turn
	case <-ctx.Done():
	}
}
