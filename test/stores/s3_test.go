// Package stores runs the store drivers that talk to real servers
// against them: the conformance suite of store/storetest, and the
// server storing images through them.
package stores

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/s3"
	"github.com/go-glance/glance/store/storetest"
	"github.com/go-glance/glance/test/internal/cephtest"
	"github.com/minio/minio-go/v7"
)

// s3PartSize is the driver's part size in the suite: S3's smallest, so
// that the suite's data crosses it.
const s3PartSize = 5 << 20

// s3Options is the section of an s3 backend on bucket.
func s3Options(bucket string) store.Options {
	return store.Options{
		"s3_store_host":                    cephtest.RGWURL,
		"s3_store_access_key":              cephtest.S3AccessKey,
		"s3_store_secret_key":              cephtest.S3SecretKey,
		"s3_store_bucket":                  bucket,
		"s3_store_region_name":             cephtest.S3Region,
		"s3_store_bucket_url_format":       "path",
		"s3_store_large_object_chunk_size": "5",
	}
}

func TestS3Conformance(t *testing.T) {
	cephtest.RequireS3(t)
	buckets := sync.Map{}
	storetest.Run(t, func(t *testing.T) store.Driver {
		bucket := cephtest.NewBucket(t, "glance-conf-")
		d, err := store.Open("s3", "objects", s3Options(bucket))
		if err != nil {
			t.Fatal(err)
		}
		buckets.Store(d, bucket)
		return d
	}, storetest.PartSize(s3PartSize), storetest.Leftovers(func(t *testing.T, d store.Driver) []string {
		b, _ := buckets.Load(d)
		bucket := b.(string)
		left := cephtest.S3Objects(t, bucket)
		for _, u := range cephtest.S3Uploads(t, bucket) {
			left = append(left, "upload of "+u)
		}
		return left
	}))
}

// TestS3CreateBucketOnPut: with s3_store_create_bucket_on_put the first
// Put makes the bucket; without it a Put into a missing bucket fails
// (unavailable: a 404 would tell the client its image is missing) and
// makes none.
func TestS3CreateBucketOnPut(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := "glance-create-" + storetest.NewID()[:8]
	t.Cleanup(func() { cephtest.RemoveBucket(t, bucket) })
	opts := s3Options(bucket)
	d, err := store.Open("s3", "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Put(t.Context(), storetest.NewID(), bytes.NewReader([]byte("x")), 1); !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Put into a missing bucket without s3_store_create_bucket_on_put: %v, want ErrUnavailable", err)
	}
	if ok, err := cephtest.S3Client(t).BucketExists(t.Context(), bucket); ok || err != nil {
		t.Fatalf("bucket exists after the refused Put: %v, %v", ok, err)
	}
	opts["s3_store_create_bucket_on_put"] = "true"
	d, err = store.Open("s3", "", opts)
	if err != nil {
		t.Fatal(err)
	}
	id := storetest.NewID()
	got := storetest.MustPut(t, d, id, []byte("hello"))
	if !slices.Equal(cephtest.S3Objects(t, bucket), []string{id}) {
		t.Fatalf("bucket holds %v, want [%s]", cephtest.S3Objects(t, bucket), id)
	}
	if got.URL != "s3://"+cephtest.S3AccessKey+":"+cephtest.S3SecretKey+"@"+cephtest.S3Endpoint+"/"+bucket+"/"+id {
		t.Fatalf("location %s is not Glance's s3 URL", got.URL)
	}
	if len(got.Metadata) != 0 {
		t.Fatalf("single-store metadata %v, want none", got.Metadata)
	}
	if err := d.Delete(t.Context(), got.URL); err != nil {
		t.Fatal(err)
	}
}

// TestS3BadCredentials: a wrong secret is ErrForbidden, not a failure
// of the backend.
func TestS3BadCredentials(t *testing.T) {
	cephtest.RequireS3(t)
	opts := s3Options(cephtest.NewBucket(t, "glance-creds-"))
	opts["s3_store_secret_key"] = "wrong"
	d, err := store.Open("s3", "", opts)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Put(t.Context(), storetest.NewID(), bytes.NewReader([]byte("x")), 1)
	if !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("Put with a wrong secret: %v, want ErrForbidden", err)
	}
}

// TestS3Unreachable: a server that does not answer is ErrUnavailable.
func TestS3Unreachable(t *testing.T) {
	opts := s3Options("nobucket")
	opts["s3_store_host"] = "http://127.0.0.1:1"
	d, err := store.Open("s3", "", opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat(t.Context(), "s3://a:b@127.0.0.1:1/nobucket/"+storetest.NewID()); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Stat on a closed port: %v, want ErrUnavailable", err)
	}
}

// TestS3RacingMultipartPuts: Puts of one id racing in multipart
// uploads (unknown size, more than a part) end with exactly one winner
// whose data is stored, and the losers leave no upload behind.
func TestS3RacingMultipartPuts(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-race-")
	d, err := store.Open("s3", "objects", s3Options(bucket))
	if err != nil {
		t.Fatal(err)
	}
	id := storetest.NewID()
	const n = 4
	type result struct {
		url  string
		data []byte
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			data := storetest.Data(s3PartSize + 1 + i)
			got, err := d.Put(t.Context(), id, struct{ io.Reader }{bytes.NewReader(data)}, -1)
			results <- result{got.URL, data, err}
		}()
	}
	var won []result
	for range n {
		r := <-results
		switch {
		case r.err == nil:
			won = append(won, r)
		case !errors.Is(r.err, store.ErrExists):
			t.Errorf("a losing Put: %v, want ErrExists", r.err)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d Puts of one id succeeded, want 1", len(won))
	}
	if got := storetest.MustGet(t, d, won[0].url, 0, -1); !bytes.Equal(got, won[0].data) {
		t.Fatal("the stored data is not the winner's")
	}
	if left := cephtest.S3Uploads(t, bucket); len(left) > 0 {
		t.Fatalf("uploads left behind: %v", left)
	}
	if err := d.Delete(t.Context(), won[0].url); err != nil {
		t.Fatal(err)
	}
	if left := cephtest.S3Objects(t, bucket); len(left) > 0 {
		t.Fatalf("objects left after Delete: %v", left)
	}
}

// TestS3DiscardAbortsUploads: Discard removes the placeholder and the
// multipart upload a Put that never finished left of an image.
func TestS3DiscardAbortsUploads(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-discard-")
	d, err := store.Open("s3", "objects", s3Options(bucket))
	if err != nil {
		t.Fatal(err)
	}
	id := storetest.NewID()
	c := &minio.Core{Client: cephtest.S3Client(t)}
	if _, err := c.PutObject(t.Context(), bucket, id, bytes.NewReader([]byte("x")), 1, "", "", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewMultipartUpload(t.Context(), bucket, id, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NewMultipartUpload(t.Context(), bucket, id+"-other", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := d.(store.Discarder).Discard(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if left := cephtest.S3Objects(t, bucket); len(left) > 0 {
		t.Fatalf("objects left after Discard: %v", left)
	}
	if left := cephtest.S3Uploads(t, bucket); !slices.Equal(left, []string{id + "-other"}) {
		t.Fatalf("uploads after Discard: %v, want only another name's", left)
	}
}

var _ store.Discarder = (*s3.Driver)(nil)
