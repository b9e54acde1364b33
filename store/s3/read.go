package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-glance/glance/store"
	"github.com/minio/minio-go/v7"
)

// Get reads a range of the object at url with a ranged GET.
func (d *Driver) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	key, err := d.key(url)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("range %d+%d: %w", offset, length, store.ErrInvalid)
	}
	size, err := d.size(ctx, key)
	if err != nil {
		return nil, err
	}
	switch {
	case offset > size:
		return nil, fmt.Errorf("offset %d of %d bytes: %w", offset, size, store.ErrRangeNotSatisfiable)
	case offset == size || length == 0:
		return io.NopCloser(strings.NewReader("")), nil
	}
	var opts minio.GetObjectOptions
	end := size - 1
	if length > 0 {
		end = min(end, offset+length-1)
	}
	if err := opts.SetRange(offset, end); err != nil {
		return nil, fmt.Errorf("range %d-%d: %v: %w", offset, end, err, store.ErrInvalid)
	}
	body, _, _, err := d.core.GetObject(ctx, d.o.Bucket, key, opts)
	if err != nil {
		return nil, mapErr(ctx, "get", err)
	}
	return body, nil
}

// size is the size of object key.
func (d *Driver) size(ctx context.Context, key string) (int64, error) {
	info, err := d.core.StatObject(ctx, d.o.Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return 0, mapErr(ctx, "stat", err)
	}
	return info.Size, nil
}

// Stat returns the size of the object at url.
func (d *Driver) Stat(ctx context.Context, url string) (int64, error) {
	key, err := d.key(url)
	if err != nil {
		return 0, err
	}
	return d.size(ctx, key)
}

// Delete removes the object at url; S3 deletes missing keys silently,
// so it asks first, as glance_store does.
func (d *Driver) Delete(ctx context.Context, url string) error {
	key, err := d.key(url)
	if err != nil {
		return err
	}
	if _, err := d.size(ctx, key); err != nil {
		return err
	}
	return mapErr(ctx, "delete", d.core.RemoveObject(ctx, d.o.Bucket, key, minio.RemoveObjectOptions{}))
}

// Discard removes the object of image id, or the placeholder a
// multipart Put wrote before it stopped, and aborts the multipart
// uploads of that name.
func (d *Driver) Discard(ctx context.Context, id string) error {
	if err := validID(id); err != nil {
		return err
	}
	if err := d.core.RemoveObject(ctx, d.o.Bucket, id, minio.RemoveObjectOptions{}); err != nil {
		if err := mapErr(ctx, "delete", err); !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	_, err := d.abortUploads(ctx, id, func(u minio.ObjectMultipartInfo) bool { return u.Key == id })
	return err
}

// RemoveTemp aborts the multipart uploads begun more than olderThan ago.
func (d *Driver) RemoveTemp(ctx context.Context, olderThan time.Duration) ([]string, error) {
	before := time.Now().Add(-olderThan)
	return d.abortUploads(ctx, "", func(u minio.ObjectMultipartInfo) bool { return u.Initiated.Before(before) })
}

// abortUploads aborts the multipart uploads under prefix that match.
func (d *Driver) abortUploads(ctx context.Context, prefix string, match func(minio.ObjectMultipartInfo) bool) ([]string, error) {
	var aborted []string
	keyMarker, idMarker := "", ""
	for {
		res, err := d.core.ListMultipartUploads(ctx, d.o.Bucket, prefix, keyMarker, idMarker, "", 1000)
		if err != nil {
			if err := mapErr(ctx, "list uploads", err); errors.Is(err, store.ErrNotFound) {
				return aborted, nil
			} else {
				return aborted, err
			}
		}
		for _, u := range res.Uploads {
			if !match(u) {
				continue
			}
			if err := d.core.AbortMultipartUpload(ctx, d.o.Bucket, u.Key, u.UploadID); err != nil {
				if err := mapErr(ctx, "abort upload", err); !errors.Is(err, store.ErrNotFound) {
					return aborted, err
				}
			}
			aborted = append(aborted, u.Key+" (upload "+u.UploadID+")")
		}
		if !res.IsTruncated {
			return aborted, nil
		}
		keyMarker, idMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}
