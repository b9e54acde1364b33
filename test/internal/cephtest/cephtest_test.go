package cephtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/swifttest"
	"github.com/minio/minio-go/v7"
)

func freshName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// TestRBD creates an image with a protected snapshot as client.glance,
// finds it listed, and finds it gone after RemoveRBDImage.
func TestRBD(t *testing.T) {
	Require(t)
	name := freshName("cephtest-")
	spec := Pool + "/" + name
	RBD(t, "create", "--size", "4M", spec)
	t.Cleanup(func() { RemoveRBDImage(t, name) })
	RBD(t, "snap", "create", spec+"@snap")
	RBD(t, "snap", "protect", spec+"@snap")
	if !slices.Contains(RBDImages(t), name) {
		t.Fatalf("pool %s does not list %s", Pool, name)
	}
	RemoveRBDImage(t, name)
	if slices.Contains(RBDImages(t), name) {
		t.Fatalf("pool %s still lists %s", Pool, name)
	}
	RemoveRBDImage(t, name) // a missing image is no error
}

// TestS3 stores an object of known size and one of unknown size
// (multipart: radosgw wants a length on a plain PUT) in a fresh
// bucket, reads one back, and finds nothing left after RemoveBucket.
func TestS3(t *testing.T) {
	RequireS3(t)
	c := S3Client(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bucket := NewBucket(t, "cephtest-")
	data := []byte("an image's bytes")
	if _, err := c.PutObject(ctx, bucket, "known", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 6<<20)
	if _, err := c.PutObject(ctx, bucket, "dir/unknown", io.MultiReader(bytes.NewReader(big)), -1,
		minio.PutObjectOptions{PartSize: 5 << 20}); err != nil {
		t.Fatal(err)
	}
	obj, err := c.GetObject(ctx, bucket, "known", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(obj)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %q, %v; want %q", got, err, data)
	}
	if keys := S3Objects(t, bucket); !slices.Equal(keys, []string{"dir/unknown", "known"}) {
		t.Fatalf("bucket lists %q", keys)
	}
	if ups := S3Uploads(t, bucket); len(ups) != 0 {
		t.Fatalf("unfinished uploads left: %q", ups)
	}
	RemoveBucket(t, bucket)
	if keys := S3Objects(t, bucket); keys != nil {
		t.Fatalf("removed bucket lists %q", keys)
	}
	if ok, err := c.BucketExists(ctx, bucket); err != nil || ok {
		t.Fatalf("bucket %s exists after removal (%v)", bucket, err)
	}
}

// TestSwift does through radosgw's Swift API what swifttest's own test
// does against Swift.
func TestSwift(t *testing.T) {
	RequireSwift(t)
	s := swifttest.Login(t, SwiftUser)
	c := s.NewContainer(t, "cephtest-")
	s.Put(t, c, "dir/object", []byte("bytes"))
	if got := s.Get(t, c, "dir/object"); string(got) != "bytes" {
		t.Fatalf("read back %q", got)
	}
	if objs := s.Objects(t, c); len(objs) != 1 || objs[0].Name != "dir/object" {
		t.Fatalf("listing %+v", objs)
	}
	s.RemoveContainer(t, c)
	if objs := s.Objects(t, c); objs != nil {
		t.Fatalf("removed container lists %+v", objs)
	}
}
