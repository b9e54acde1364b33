package stores

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-glance/glance/test/internal/cephtest"
	"github.com/go-glance/glance/test/internal/glancetest"
)

// TestServerS3Backend: with enabled_backends = fast:file, objects:s3 an
// upload sent to the objects store lands as one object named by the
// image id in the bucket, downloads byte for byte, and deleting the
// image removes the object; /v2/info/stores/detail shows the s3
// backend's properties.
func TestServerS3Backend(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-server-")
	s3 := map[string]string{}
	for k, v := range s3Options(bucket) {
		s3[k] = v
	}
	s3["store_description"] = "Objects on radosgw"
	c := startBeside(t, "objects", "s3", s3)
	typ, props, body := storeDetail(t, c, "objects")
	if typ != "s3" ||
		props["s3_store_large_object_size"] != float64(100<<20) ||
		props["s3_store_large_object_chunk_size"] != float64(5<<20) ||
		props["s3_store_thread_pools"] != float64(10) {
		t.Fatalf("stores detail lacks the s3 backend's properties: %s", body)
	}
	if strings.Contains(string(body), cephtest.S3SecretKey) {
		t.Fatalf("stores detail shows the secret: %s", body)
	}

	img := c.MustCreate(t, map[string]any{"name": "on-s3", "disk_format": "raw", "container_format": "bare"})
	id := img.ID()
	data := glancetest.MustRandomData(t, 6<<20+123) // more than one part
	code, _, body := c.Do(t, http.MethodPut, "/v2/images/"+id+"/file", data, http.Header{
		"Content-Type":       {"application/octet-stream"},
		"X-Image-Meta-Store": {"objects"},
	})
	if code != http.StatusNoContent {
		t.Fatalf("upload to the objects store: %d %s", code, body)
	}
	if got := c.MustGet(t, id); got["stores"] != "objects" || got["status"] != "active" {
		t.Fatalf("image after upload: stores %v, status %v; want objects, active", got["stores"], got["status"])
	}
	if objs := cephtest.S3Objects(t, bucket); !slices.Equal(objs, []string{id}) {
		t.Fatalf("bucket holds %v, want [%s]", objs, id)
	}
	if got := c.MustDownload(t, id); !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
	}
	c.MustDelete(t, id)
	if objs := cephtest.S3Objects(t, bucket); len(objs) > 0 {
		t.Fatalf("objects left after deleting the image: %v", objs)
	}
	if ups := cephtest.S3Uploads(t, bucket); len(ups) > 0 {
		t.Fatalf("uploads left after deleting the image: %v", ups)
	}
}

// startBeside starts a server whose default backend is the file store
// "fast", with backend name of type typ and section opts beside it, and
// returns a client an authenticating proxy vouches for as an admin
// (stores_info_detail needs the role).
func startBeside(t *testing.T, name, typ string, opts map[string]string) *glancetest.Client {
	t.Helper()
	dir := t.TempDir()
	srv := glancetest.MustStart(t, glancetest.Config{Dir: dir, Options: map[string]map[string]string{
		"DEFAULT":      {"enabled_backends": "fast:file, " + name + ":" + typ},
		"glance_store": {"default_backend": "fast"},
		"fast":         {"filesystem_store_datadir": filepath.Join(dir, "fast")},
		name:           opts,
		"paste_deploy": {"flavor": "trusted-auth"},
	}})
	c := &srv.Client
	c.Header = http.Header{"X-Identity-Status": {"Confirmed"}, "X-Project-Id": {"admin-project"},
		"X-User-Id": {"admin-user"}, "X-Roles": {"admin,member,reader"}}
	return c
}

// storeDetail returns the type and properties /v2/info/stores/detail
// shows for backend id, and the whole body; it fails t if id is absent.
func storeDetail(t *testing.T, c *glancetest.Client, id string) (typ string, props map[string]any, body []byte) {
	t.Helper()
	code, _, body := c.Do(t, http.MethodGet, "/v2/info/stores/detail", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("GET /v2/info/stores/detail: %d %s", code, body)
	}
	var detail struct {
		Stores []struct {
			ID         string         `json:"id"`
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		} `json:"stores"`
	}
	if err := json.Unmarshal(body, &detail); err != nil {
		t.Fatal(err)
	}
	for _, s := range detail.Stores {
		if s.ID == id {
			return s.Type, s.Properties, body
		}
	}
	t.Fatalf("stores detail lacks backend %s: %s", id, body)
	return "", nil, nil
}
