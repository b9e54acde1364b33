// Package cephtest gives tests the throwaway Ceph test/ceph.sh brings
// up: the ceph.conf and keyring of the image service's RBD user and its
// pool, radosgw's S3 endpoint and keys, its Swift user, and ways to
// list and remove what a test left behind (RBD images through the rbd
// CLI, S3 objects through minio-go).
//
// Tests call Require (RBD) or RequireS3 / RequireSwift (radosgw) first:
// each skips (under CI=true, fails) when its part does not answer.
package cephtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/swifttest"
	"github.com/go-glance/glance/test/require"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// ConfDir holds ceph.conf and the keyrings; GLANCE_TEST_CEPH_DIR
// overrides it.
var ConfDir = func() string {
	if d := os.Getenv("GLANCE_TEST_CEPH_DIR"); d != "" {
		return d
	}
	return "/etc/go-glance/ceph"
}()

var (
	// Conf is the cluster's ceph.conf (rados_conf, rbd_store_ceph_conf).
	Conf = filepath.Join(ConfDir, "ceph.conf")
	// Keyring is client.glance's keyring; ceph.conf names it, so
	// clients given Conf and User find it themselves.
	Keyring = filepath.Join(ConfDir, "ceph.client.glance.keyring")
	// AdminKeyring is client.admin's keyring.
	AdminKeyring = filepath.Join(ConfDir, "ceph.client.admin.keyring")
)

const (
	// Pool is the RBD pool of images (rbd_store_pool).
	Pool = "images"
	// User is the RBD user's id (rbd_store_user): client.glance, with
	// mon 'profile rbd' and osd 'profile rbd pool=images'.
	User = "glance"
)

// radosgw, test/ceph.sh's user "glance".
var (
	// RGWURL is radosgw's base URL; GLANCE_TEST_RGW_URL overrides it.
	RGWURL = func() string {
		if u := os.Getenv("GLANCE_TEST_RGW_URL"); u != "" {
			return strings.TrimRight(u, "/")
		}
		return "http://127.0.0.1:7480"
	}()
	// S3Endpoint is RGWURL without its scheme, as minio-go takes it.
	S3Endpoint = strings.TrimPrefix(strings.TrimPrefix(RGWURL, "http://"), "https://")
	// SwiftUser logs in to radosgw's Swift API (v1 auth at
	// RGWURL/auth/1.0). Its storage URL is RGWURL/swift/v1, with no
	// AUTH_ account; container names need 3 characters or more.
	SwiftUser = swifttest.User{AuthURL: RGWURL + "/auth/1.0", Name: "glance:swift", Key: "glance-swift-key"}
)

const (
	S3AccessKey = "GLANCETESTACCESSKEY0"
	S3SecretKey = "glance-test-secret-key"
	// S3Region is radosgw's zonegroup, the region SigV4 signs for.
	S3Region = "default"
)

var (
	rbdOnce sync.Once
	rbdErr  error
	s3Once  sync.Once
	s3Err   error
)

// Require stops tb unless client.glance can list pool images: it skips
// on a developer's machine and fails under CI=true.
func Require(tb testing.TB) {
	tb.Helper()
	rbdOnce.Do(func() { _, rbdErr = rbdList() })
	if rbdErr != nil {
		require.Missing(tb, "Ceph's pool %s does not answer to client.glance (%v); bash test/ceph.sh starts it", Pool, rbdErr)
	}
}

// RequireS3 stops tb unless radosgw's S3 API answers to the test user.
func RequireS3(tb testing.TB) {
	tb.Helper()
	s3Once.Do(func() {
		// A plain GET first: minio-go retries a closed port for seconds.
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(RGWURL + "/")
		if err != nil {
			s3Err = err
			return
		}
		resp.Body.Close()
		c, err := newS3Client()
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = c.ListBuckets(ctx)
		}
		s3Err = err
	})
	if s3Err != nil {
		require.Missing(tb, "radosgw's S3 API does not answer at %s (%v); bash test/ceph.sh starts it", RGWURL, s3Err)
	}
}

// RequireSwift stops tb unless radosgw's Swift API lets SwiftUser in.
func RequireSwift(tb testing.TB) {
	tb.Helper()
	swifttest.RequireUser(tb, SwiftUser, "bash test/ceph.sh starts it")
}

// rbd runs the rbd CLI as client.glance.
func rbd(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "rbd", append([]string{"-c", Conf, "--id", User}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("rbd %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}

func rbdList() ([]string, error) {
	out, err := rbd("ls", "--format", "json", Pool)
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(out, &names); err != nil {
		return nil, fmt.Errorf("rbd ls: %v", err)
	}
	return names, nil
}

// RBDImages lists the RBD images in Pool.
func RBDImages(tb testing.TB) []string {
	tb.Helper()
	names, err := rbdList()
	if err != nil {
		tb.Fatal(err)
	}
	return names
}

// RBD runs the rbd CLI as client.glance on the test cluster (e.g.
// "create", "--size", "1M", "images/x") and returns its output.
func RBD(tb testing.TB, args ...string) []byte {
	tb.Helper()
	out, err := rbd(args...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// RemoveRBDImage removes image name from Pool with its snapshots,
// unprotecting them first; a missing image is no error. It cannot
// remove an image whose snapshot has clones: remove those first.
func RemoveRBDImage(tb testing.TB, name string) {
	tb.Helper()
	spec := Pool + "/" + name
	out, err := rbd("snap", "ls", "--format", "json", spec)
	if err != nil {
		if strings.Contains(err.Error(), "No such file") {
			return
		}
		tb.Fatal(err)
	}
	var snaps []struct {
		Name      string `json:"name"`
		Protected string `json:"protected"`
	}
	if err := json.Unmarshal(out, &snaps); err != nil {
		tb.Fatalf("rbd snap ls %s: %v", spec, err)
	}
	for _, s := range snaps {
		if s.Protected == "true" {
			RBD(tb, "snap", "unprotect", spec+"@"+s.Name)
		}
	}
	if len(snaps) > 0 {
		RBD(tb, "snap", "purge", "--no-progress", spec)
	}
	RBD(tb, "rm", "--no-progress", spec)
}

// Snapshot is one snapshot of an RBD image as rbd snap ls shows it.
type Snapshot struct {
	Name      string
	Protected bool
}

// RBDSnapshots lists the snapshots of image name in Pool.
func RBDSnapshots(tb testing.TB, name string) []Snapshot {
	tb.Helper()
	var snaps []struct {
		Name      string `json:"name"`
		Protected string `json:"protected"`
	}
	out := RBD(tb, "snap", "ls", "--format", "json", Pool+"/"+name)
	if err := json.Unmarshal(out, &snaps); err != nil {
		tb.Fatalf("rbd snap ls %s: %v", name, err)
	}
	var list []Snapshot
	for _, s := range snaps {
		list = append(list, Snapshot{Name: s.Name, Protected: s.Protected == "true"})
	}
	return list
}

// RBDAllocated returns how many bytes of image spec (name or
// name@snapshot, in Pool) the cluster holds data for, from rbd diff:
// a thinly provisioned image has fewer than its size.
func RBDAllocated(tb testing.TB, spec string) int64 {
	tb.Helper()
	var extents []struct {
		Length int64  `json:"length"`
		Exists string `json:"exists"`
	}
	out := RBD(tb, "diff", "--format", "json", Pool+"/"+spec)
	if err := json.Unmarshal(out, &extents); err != nil {
		tb.Fatalf("rbd diff %s: %v", spec, err)
	}
	var n int64
	for _, e := range extents {
		if e.Exists == "true" {
			n += e.Length
		}
	}
	return n
}

func newS3Client() (*minio.Client, error) {
	return minio.New(S3Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(S3AccessKey, S3SecretKey, ""),
		Secure: strings.HasPrefix(RGWURL, "https://"),
		Region: S3Region,
	})
}

// S3Client is a minio-go client for radosgw as the test user.
func S3Client(tb testing.TB) *minio.Client {
	tb.Helper()
	c, err := newS3Client()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// NewBucket creates a bucket with a fresh name starting with prefix;
// it is emptied and removed when the test ends.
func NewBucket(tb testing.TB, prefix string) string {
	tb.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := S3Client(tb).MakeBucket(ctx, name, minio.MakeBucketOptions{Region: S3Region}); err != nil {
		tb.Fatalf("creating bucket %s: %v", name, err)
	}
	tb.Cleanup(func() { RemoveBucket(tb, name) })
	return name
}

// S3Objects lists the keys of every object in bucket (recursively); a
// missing bucket lists as nil.
func S3Objects(tb testing.TB, bucket string) []string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var keys []string
	for o := range S3Client(tb).ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			if minio.ToErrorResponse(o.Err).Code == "NoSuchBucket" {
				return nil
			}
			tb.Fatalf("listing bucket %s: %v", bucket, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

// S3Uploads lists the keys of unfinished multipart uploads in bucket:
// an aborted upload must not leave parts behind.
func S3Uploads(tb testing.TB, bucket string) []string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var keys []string
	for u := range S3Client(tb).ListIncompleteUploads(ctx, bucket, "", true) {
		if u.Err != nil {
			if minio.ToErrorResponse(u.Err).Code == "NoSuchBucket" {
				return nil
			}
			tb.Fatalf("listing uploads in %s: %v", bucket, u.Err)
		}
		keys = append(keys, u.Key)
	}
	return keys
}

// RemoveBucket removes every object and unfinished upload in bucket,
// then the bucket; a missing bucket is no error.
func RemoveBucket(tb testing.TB, bucket string) {
	tb.Helper()
	c := S3Client(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, key := range S3Uploads(tb, bucket) {
		if err := c.RemoveIncompleteUpload(ctx, bucket, key); err != nil {
			tb.Fatalf("aborting upload %s/%s: %v", bucket, key, err)
		}
	}
	for _, key := range S3Objects(tb, bucket) {
		if err := c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{}); err != nil {
			tb.Fatalf("removing %s/%s: %v", bucket, key, err)
		}
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil && minio.ToErrorResponse(err).Code != "NoSuchBucket" {
		tb.Fatalf("removing bucket %s: %v", bucket, err)
	}
}
