// Package s3 stores image data as objects of one bucket of an S3
// server (radosgw, MinIO, AWS), named by image id, as glance_store's s3
// driver does, with its location URLs s3://<access>:<secret>@<host>/<bucket>/<id>
// (s3+https:// for a host reached over TLS). It registers as type "s3".
//
// Data that fits in one part (s3_store_large_object_chunk_size) goes up
// in one conditional PUT; anything longer, or of unknown size, as a
// multipart upload streamed one part at a time, so that no more than a
// part is ever held in memory. Of two Puts of one id exactly one wins:
// every Put first writes the object's name with If-None-Match: *, which
// the server refuses (412) when the object exists; a multipart upload
// claims the name so with an empty object before it starts, then
// replaces that placeholder when it completes, and removes it if it
// fails.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Options configures a Driver.
type Options struct {
	// BackendID is the enabled_backends key, recorded as the "store" of
	// each location; "" in single-store mode.
	BackendID string
	// Host is the server's host[:port]; Secure makes it https.
	Host   string
	Secure bool
	// AccessKey and SecretKey sign requests with SigV4.
	AccessKey, SecretKey string
	// Bucket holds the objects; CreateBucket makes it on the first Put
	// when it is missing.
	Bucket       string
	CreateBucket bool
	// Region is the region SigV4 signs for; "" lets the client ask.
	Region string
	// URLFormat is auto, path or virtual (bucket in the host name).
	URLFormat string
	// LargeObjectSize and ChunkSize are in bytes: data of a known size
	// above LargeObjectSize, or larger than one ChunkSize, goes up in
	// parts of ChunkSize.
	LargeObjectSize, ChunkSize int64
	// ThreadPools is shown in /v2/info/stores/detail.
	ThreadPools int64
	// Timeout bounds each network wait (see store.BoundedTransport);
	// 0 is store.NetTimeout.
	Timeout time.Duration
}

// maxRetries is how often a request that met a network error or a 5xx
// is tried again (minio's default, 10, keeps a dead server's callers
// waiting far longer than one Timeout).
const maxRetries = 3

// Driver is the S3 store. It is safe for concurrent use.
type Driver struct {
	o      Options
	core   *minio.Core
	scheme string
	// caveats name the options of the section that have no effect.
	caveats []string

	bucketMu    sync.Mutex
	bucketReady bool

	// bufs holds part buffers of ChunkSize bytes, one per running Put.
	bufs sync.Pool
}

var (
	_ store.Driver    = (*Driver)(nil)
	_ store.Owner     = (*Driver)(nil)
	_ store.Discarder = (*Driver)(nil)
	_ store.Describer = (*Driver)(nil)
)

// New returns the driver for o. It does not contact the server.
func New(o Options) (*Driver, error) {
	lookup := minio.BucketLookupAuto
	switch o.URLFormat {
	case "path":
		lookup = minio.BucketLookupPath
	case "virtual":
		lookup = minio.BucketLookupDNS
	}
	if o.Timeout <= 0 {
		o.Timeout = store.NetTimeout
	}
	c, err := minio.NewCore(o.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:       o.Secure,
		Region:       o.Region,
		BucketLookup: lookup,
		Transport:    store.BoundedTransport(o.Timeout),
		MaxRetries:   maxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("s3 client for %s: %w", o.Host, err)
	}
	scheme := "s3"
	if o.Secure {
		scheme = "s3+https"
	}
	d := &Driver{o: o, core: c, scheme: scheme}
	d.bufs.New = func() any {
		b := make([]byte, o.ChunkSize)
		return &b
	}
	return d, nil
}

// Describe shows what glance_store shows of an s3 store: the sizes in
// bytes, as it keeps them once configured.
func (d *Driver) Describe() []store.Property {
	return []store.Property{
		{Key: "s3_store_large_object_size", Value: d.o.LargeObjectSize},
		{Key: "s3_store_large_object_chunk_size", Value: d.o.ChunkSize},
		{Key: "s3_store_thread_pools", Value: d.o.ThreadPools},
	}
}

func (d *Driver) url(key string) string {
	return d.scheme + "://" + d.o.AccessKey + ":" + d.o.SecretKey + "@" + d.o.Host + "/" + d.o.Bucket + "/" + key
}

func (d *Driver) stored(key string, n int64) domain.StoredData {
	meta := map[string]any{}
	if d.o.BackendID != "" {
		meta["store"] = d.o.BackendID
	}
	return domain.StoredData{URL: d.url(key), Size: n, Metadata: meta}
}

// validID refuses ids that would not name one object of the bucket.
func validID(id string) error {
	if id == "" || len(id) > 512 || strings.ContainsAny(id, "/\\?#") || id == "." || id == ".." {
		return fmt.Errorf("image id %q: %w", id, store.ErrInvalid)
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("image id %q: %w", id, store.ErrInvalid)
		}
	}
	return nil
}

// Owns reports whether url is an s3 location of this driver's host and
// bucket (whatever its credentials).
func (d *Driver) Owns(url string) bool {
	loc, err := parseLocation(url)
	return err == nil && d.mine(loc)
}

func (d *Driver) mine(l location) bool {
	return l.host == d.o.Host && l.bucket == d.o.Bucket && l.secure == d.o.Secure
}

// key returns the object key of url: ErrInvalid if it is malformed,
// ErrNotFound if it is another store's.
func (d *Driver) key(url string) (string, error) {
	loc, err := parseLocation(url)
	if err != nil {
		if errors.Is(err, errNotS3) {
			return "", fmt.Errorf("%s: %w", redact(url), store.ErrNotFound)
		}
		return "", err
	}
	if !d.mine(loc) {
		return "", fmt.Errorf("%s is another store's: %w", redact(url), store.ErrNotFound)
	}
	return loc.key, nil
}

// mapErr turns a minio error into the store's sentinels.
func mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return ctx.Err()
	}
	resp := minio.ToErrorResponse(err)
	var sentinel error
	switch resp.Code {
	case "NoSuchKey", "NoSuchBucket", "NotFound":
		sentinel = store.ErrNotFound
	case "PreconditionFailed":
		sentinel = store.ErrExists
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "UserSuspended":
		sentinel = store.ErrForbidden
	case "QuotaExceeded", "EntityTooLarge":
		sentinel = store.ErrFull
	case "InvalidRange":
		sentinel = store.ErrRangeNotSatisfiable
	case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout":
		sentinel = store.ErrUnavailable
	}
	if sentinel == nil {
		var netErr net.Error
		var opErr *net.OpError
		switch {
		case resp.StatusCode == http.StatusNotFound:
			sentinel = store.ErrNotFound
		case resp.StatusCode == http.StatusForbidden:
			sentinel = store.ErrForbidden
		case resp.StatusCode == http.StatusPreconditionFailed:
			sentinel = store.ErrExists
		case resp.StatusCode >= 500:
			sentinel = store.ErrUnavailable
		case errors.As(err, &opErr), errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF):
			sentinel = store.ErrUnavailable
		}
	}
	if sentinel == nil {
		return fmt.Errorf("s3 %s: %w", op, err)
	}
	return fmt.Errorf("s3 %s: %v: %w", op, err, sentinel)
}
