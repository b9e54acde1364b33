package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
	"github.com/minio/minio-go/v7"
)

// cleanupTimeout bounds the removal of what a failed Put wrote.
const cleanupTimeout = time.Minute

// Put stores data as the object named id. It refuses an id whose
// object exists (ErrExists), as glance_store does, and writes with
// If-None-Match: * so that of racing Puts exactly one wins. A missing
// bucket is ErrUnavailable: the store is not set up to take data.
func (d *Driver) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	got, err := d.put(ctx, id, data)
	if errors.Is(err, store.ErrNotFound) {
		err = fmt.Errorf("bucket %s (s3_store_create_bucket_on_put is %t): %v: %w", d.o.Bucket, d.o.CreateBucket, err, store.ErrUnavailable)
	}
	return got, err
}

func (d *Driver) put(ctx context.Context, id string, data io.Reader) (_ domain.StoredData, err error) {
	if err := validID(id); err != nil {
		return domain.StoredData{}, err
	}
	if err := d.ensureBucket(ctx); err != nil {
		return domain.StoredData{}, err
	}
	switch _, err := d.core.StatObject(ctx, d.o.Bucket, id, minio.StatObjectOptions{}); {
	case err == nil:
		return domain.StoredData{}, fmt.Errorf("s3 object %s/%s: %w", d.o.Bucket, id, store.ErrExists)
	case !errors.Is(mapErr(ctx, "stat", err), store.ErrNotFound):
		return domain.StoredData{}, mapErr(ctx, "stat", err)
	}
	bp := d.bufs.Get().(*[]byte)
	defer func() {
		// After a failed request the HTTP transport may still be reading
		// the buffer: only a Put that succeeded gives it back.
		if err == nil {
			d.bufs.Put(bp)
		}
	}()
	buf := *bp
	n, err := io.ReadFull(data, buf)
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		// All of the data fits in one part: one conditional PUT.
		var put error
		if n == 0 {
			put = d.putEmpty(ctx, id)
		} else {
			_, put = d.core.PutObject(ctx, d.o.Bucket, id, bytes.NewReader(buf[:n]), int64(n), "", "", exclusive())
		}
		if put != nil {
			return domain.StoredData{}, mapErr(ctx, "put", put)
		}
		return d.stored(id, int64(n)), nil
	case err != nil:
		return domain.StoredData{}, err
	}
	return d.putParts(ctx, id, data, buf)
}

// exclusive are the options of a write that fails if the object exists.
func exclusive() minio.PutObjectOptions {
	var o minio.PutObjectOptions
	o.SetMatchETagExcept("*")
	return o
}

// emptySHA256 is the SHA-256 of no bytes. radosgw refuses an empty
// body sent with a streaming (aws-chunked) signature, so the empty
// object is signed with its hash instead.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// putEmpty writes an empty object named id unless one exists.
func (d *Driver) putEmpty(ctx context.Context, id string) error {
	o := exclusive()
	o.DisableContentSha256 = true // no aws-chunked signing of no data
	_, err := d.core.PutObject(ctx, d.o.Bucket, id, bytes.NewReader(nil), 0, "", emptySHA256, o)
	return err
}

// putParts stores first (a full part) and the rest of data as a
// multipart upload. S3 has no conditional completion, so the name is
// claimed first with an empty object written exclusively; completing
// the upload replaces it.
//
// Once the upload exists, a request to the server is never cut off when
// ctx ends (each is bounded by the transport): radosgw still finishing
// a part whose request was dropped may record it after the abort, which
// then leaves the upload behind. ctx is checked between requests.
func (d *Driver) putParts(ctx context.Context, id string, data io.Reader, buf []byte) (_ domain.StoredData, err error) {
	// The claim is not cut off either: radosgw may store an empty object
	// whose request was dropped, and no clean-up would then remove it.
	wctx := context.WithoutCancel(ctx)
	if err := d.putEmpty(wctx, id); err != nil {
		return domain.StoredData{}, mapErr(ctx, "claim", err)
	}
	uploadID := ""
	defer func() {
		if err == nil {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if uploadID != "" {
			d.core.AbortMultipartUpload(cctx, d.o.Bucket, id, uploadID)
		}
		d.core.RemoveObject(cctx, d.o.Bucket, id, minio.RemoveObjectOptions{})
	}()
	uploadID, err = d.core.NewMultipartUpload(wctx, d.o.Bucket, id, minio.PutObjectOptions{})
	if err != nil {
		return domain.StoredData{}, mapErr(ctx, "multipart upload", err)
	}
	var parts []minio.CompletePart
	var total int64
	n := len(buf)
	for {
		if err := ctx.Err(); err != nil {
			return domain.StoredData{}, err
		}
		num := len(parts) + 1
		p, err := d.core.PutObjectPart(wctx, d.o.Bucket, id, uploadID, num, bytes.NewReader(buf[:n]), int64(n), minio.PutObjectPartOptions{})
		if err != nil {
			return domain.StoredData{}, mapErr(ctx, fmt.Sprintf("part %d", num), err)
		}
		parts = append(parts, minio.CompletePart{PartNumber: num, ETag: p.ETag})
		total += int64(n)
		var rerr error
		n, rerr = io.ReadFull(data, buf)
		if rerr == io.EOF {
			break
		}
		if rerr != nil && rerr != io.ErrUnexpectedEOF {
			return domain.StoredData{}, rerr
		}
	}
	if err := ctx.Err(); err != nil {
		return domain.StoredData{}, err
	}
	if _, err := d.core.CompleteMultipartUpload(wctx, d.o.Bucket, id, uploadID, parts, minio.PutObjectOptions{}); err != nil {
		return domain.StoredData{}, mapErr(ctx, "complete multipart upload", err)
	}
	return d.stored(id, total), nil
}

// ensureBucket creates the bucket once when s3_store_create_bucket_on_put
// is set.
func (d *Driver) ensureBucket(ctx context.Context) error {
	if !d.o.CreateBucket {
		return nil
	}
	d.bucketMu.Lock()
	defer d.bucketMu.Unlock()
	if d.bucketReady {
		return nil
	}
	ok, err := d.core.BucketExists(ctx, d.o.Bucket)
	if err != nil {
		return mapErr(ctx, "bucket", err)
	}
	if !ok {
		err := d.core.MakeBucket(ctx, d.o.Bucket, minio.MakeBucketOptions{Region: d.o.Region})
		if code := minio.ToErrorResponse(err).Code; err != nil && code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
			return mapErr(ctx, "create bucket", err)
		}
	}
	d.bucketReady = true
	return nil
}
