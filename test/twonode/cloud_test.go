// Package twonode runs the scale-out shape of the image service: two
// stateless server processes (nodes A and B, as behind a load balancer)
// on one MariaDB database and the same stores, an s3 bucket on radosgw
// and a filesystem datadir both nodes mount (and, built with -tags
// ceph,pacific, an RBD pool). What one node does, the other must see and
// be able to undo, and neither may leave data behind.
package twonode

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/test/internal/cephtest"
	"github.com/go-glance/glance/test/internal/glancetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }

// backend is one store both nodes share, as an enabled_backends entry.
type backend struct {
	// name is the enabled_backends key, sent as X-Image-Meta-Store.
	name, typ string
	// section makes what the backend needs (a bucket, a directory) and
	// returns its config section; it skips or fails t when the server
	// behind it is missing.
	section func(t *testing.T) map[string]string
	// partSize is the size above which an upload is written in pieces
	// (multipart, temporary file); 0 when the backend has no such size.
	partSize int
	// holds lists what the backend stores for image id, finished or
	// not: objects, unfinished multipart uploads, files, RBD images.
	holds func(t *testing.T, id string) []string
}

// backendKinds make the shared stores the tests run on, each call a
// fresh one; a file built with -tags ceph adds RBD.
var backendKinds = []func() backend{s3Backend, fileBackend}

// s3PartSize is S3's smallest part: the s3 backend writes anything
// longer as a multipart upload.
const s3PartSize = 5 << 20

func s3Backend() backend {
	var bucket string
	return backend{
		name: "objects", typ: "s3", partSize: s3PartSize,
		section: func(t *testing.T) map[string]string {
			cephtest.RequireS3(t)
			bucket = cephtest.NewBucket(t, "glance-twonode-")
			return map[string]string{
				"s3_store_host":                    cephtest.RGWURL,
				"s3_store_access_key":              cephtest.S3AccessKey,
				"s3_store_secret_key":              cephtest.S3SecretKey,
				"s3_store_bucket":                  bucket,
				"s3_store_region_name":             cephtest.S3Region,
				"s3_store_bucket_url_format":       "path",
				"s3_store_large_object_chunk_size": "5",
			}
		},
		holds: func(t *testing.T, id string) []string {
			var held []string
			for _, key := range cephtest.S3Objects(t, bucket) {
				if strings.HasPrefix(key, id) {
					held = append(held, "object "+key)
				}
			}
			for _, key := range cephtest.S3Uploads(t, bucket) {
				if strings.HasPrefix(key, id) {
					held = append(held, "unfinished upload of "+key)
				}
			}
			return held
		},
	}
}

// fileBackend is a datadir both nodes use, as they would a shared
// mount (NFS, CephFS).
func fileBackend() backend {
	var dir string
	return backend{
		name: "shared", typ: "file",
		section: func(t *testing.T) map[string]string {
			dir = filepath.Join(t.TempDir(), "shared")
			return map[string]string{"filesystem_store_datadir": dir}
		},
		holds: func(t *testing.T, id string) []string {
			return filesFor(t, dir, id)
		},
	}
}

// filesFor lists the files in dir whose name holds id: the image's file
// and the temporary files of its uploads.
func filesFor(t *testing.T, dir, id string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.Contains(e.Name(), id) {
			names = append(names, e.Name())
		}
	}
	return names
}

// cloud is two nodes with the same configuration on one fresh MariaDB
// database (dropped when the test ends) and the same backends.
type cloud struct {
	a, b     *glancetest.Server
	backends []backend
	conn     string
	options  map[string]map[string]string
}

// newCloud makes the database and a fresh store of every kind and starts
// both nodes; the first store is the default.
func newCloud(t *testing.T) *cloud {
	t.Helper()
	c := &cloud{conn: daltest.Open(t, daltest.NewMariaDBURL(t)).URL}
	var names []string
	c.options = map[string]map[string]string{}
	for _, kind := range backendKinds {
		b := kind()
		c.backends = append(c.backends, b)
		names = append(names, b.name+":"+b.typ)
		c.options[b.name] = b.section(t)
	}
	c.options["DEFAULT"] = map[string]string{"enabled_backends": strings.Join(names, ", ")}
	c.options["glance_store"] = map[string]string{"default_backend": c.backends[0].name}
	c.a = c.start(t)
	c.b = c.start(t)
	return c
}

// start starts one more node on the cloud's configuration.
func (c *cloud) start(t *testing.T) *glancetest.Server {
	t.Helper()
	return glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir(), Connection: c.conn, Options: c.options})
}
