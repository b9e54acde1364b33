package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-glance/glance/test/internal/cephtest"
	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/swifttest"
)

// cliBackend is one backend of the multi-store server the clients
// drive, with a way to look at it directly.
type cliBackend struct {
	// name is the enabled_backends key, typ the store type.
	name, typ string
	// options is the backend's config section.
	options map[string]string
	// holds lists the names under which the backend holds something of
	// image id (objects, unfinished uploads, files, RBD images), to check
	// where an upload went and that a delete removed it.
	holds func(t *testing.T, id string) []string
}

// cliBackendKinds make each backend on fresh storage (a bucket, a
// container, a directory); a file built with -tags ceph adds RBD.
var cliBackendKinds = []func(t *testing.T) cliBackend{fileCLIBackend, s3CLIBackend, swiftCLIBackend}

func fileCLIBackend(t *testing.T) cliBackend {
	dir := filepath.Join(t.TempDir(), "fast")
	return cliBackend{
		name: "fast", typ: "file",
		options: map[string]string{"filesystem_store_datadir": dir},
		holds: func(t *testing.T, id string) []string {
			entries, err := os.ReadDir(dir)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			return named(names, id)
		},
	}
}

func s3CLIBackend(t *testing.T) cliBackend {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-cli-")
	return cliBackend{
		name: "objects", typ: "s3",
		options: map[string]string{
			"s3_store_host":                    cephtest.RGWURL,
			"s3_store_access_key":              cephtest.S3AccessKey,
			"s3_store_secret_key":              cephtest.S3SecretKey,
			"s3_store_bucket":                  bucket,
			"s3_store_region_name":             cephtest.S3Region,
			"s3_store_bucket_url_format":       "path",
			"s3_store_large_object_chunk_size": "5",
		},
		holds: func(t *testing.T, id string) []string {
			return named(append(cephtest.S3Objects(t, bucket), cephtest.S3Uploads(t, bucket)...), id)
		},
	}
}

func swiftCLIBackend(t *testing.T) cliBackend {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	container := s.NewContainer(t, "glance-cli-")
	return cliBackend{
		name: "swift", typ: "swift",
		options: map[string]string{
			"swift_store_auth_address": swifttest.AuthURL,
			"swift_store_auth_version": "1",
			"swift_store_user":         swifttest.Tester.Name,
			"swift_store_key":          swifttest.Tester.Key,
			"swift_store_container":    container,
		},
		holds: func(t *testing.T, id string) []string {
			var names []string
			for _, o := range s.Objects(t, container) {
				names = append(names, o.Name)
			}
			return named(names, id)
		},
	}
}

// named keeps the names that hold id.
func named(names []string, id string) []string {
	var out []string
	for _, n := range names {
		if strings.Contains(n, id) {
			out = append(out, n)
		}
	}
	return out
}

// TestCLIOnEveryStore: on a server with a file, an s3 (radosgw) and a
// swift (Swift all-in-one) backend, and RBD under -tags ceph, for each
// backend the openstack CLI creates an image, the glance CLI uploads it
// to that store (openstackclient 6 has no --store), the image shows
// that store and the backend holds it under the image's id, the
// openstack CLI downloads the very bytes and deletes the image, and the
// backend holds nothing any more. glance stores-info lists them all.
func TestCLIOnEveryStore(t *testing.T) {
	t.Parallel()
	var backends []cliBackend
	for _, kind := range cliBackendKinds {
		backends = append(backends, kind(t))
	}
	dir := t.TempDir()
	options := map[string]map[string]string{"glance_store": {"default_backend": backends[0].name}}
	var enabled []string
	for _, b := range backends {
		enabled = append(enabled, b.name+":"+b.typ)
		options[b.name] = b.options
	}
	options["DEFAULT"] = map[string]string{"enabled_backends": strings.Join(enabled, ", ")}
	srv := glancetest.MustStart(t, glancetest.Config{Dir: dir, Options: options})

	// The table wraps the JSON list at any space.
	info := strings.ReplaceAll(propertyTable(t, glanceCLI(t, srv).mustRun(t, "stores-info"))["stores"], " ", "")
	for _, b := range backends {
		if !strings.Contains(info, `"id":"`+b.name+`"`) {
			t.Errorf("glance stores-info does not list backend %s: %s", b.name, info)
		}
	}

	for _, b := range backends {
		t.Run(b.typ, func(t *testing.T) {
			// Each backend's clients have their own HOME: the glance
			// CLI must never find another run's cached schema.
			t.Parallel()
			osc := openstackCLI(t, srv)
			// At a terminal "openstack image create" without --file
			// uploads nothing; from any other stdin it uploads what it
			// reads.
			osc.stdin = openTerminal(t)
			g := glanceCLI(t, srv)
			path, data := glancetest.MustRandomFile(t, osc.dir, b.name+".img", 3<<20+321)
			want := glancetest.DigestsOf(data)
			id := strings.TrimSpace(osc.mustRun(t, "image", "create", "--disk-format", "raw", "--container-format", "bare",
				"cli-"+b.name, "-f", "value", "-c", "id"))
			if got := srv.Client.MustGet(t, id).String("status"); got != "queued" {
				t.Fatalf("openstack image create at a terminal left the image %s; want queued", got)
			}

			g.mustRun(t, "image-upload", "--store", b.name, "--file", path, id)
			var shown map[string]any
			osJSON(t, osc, &shown, "image", "show", id)
			for key, v := range map[string]string{
				"status": "active", "checksum": want.MD5, "os_hash_value": want.SHA512, "stores": b.name,
			} {
				if got := str(field(shown, key)); got != v {
					t.Errorf("image show %s = %q; want %q", key, got, v)
				}
			}
			// Swift holds data of unknown size (the glance CLI sends it
			// chunked) as segments named after the id and a manifest.
			if held := b.holds(t, id); !slices.Contains(held, id) {
				t.Errorf("the %s backend holds %q after the upload; want %s among them", b.typ, held, id)
			}

			out := filepath.Join(osc.dir, b.name+".saved")
			osc.mustRun(t, "image", "save", "--file", out, id)
			mustSameFile(t, out, want)

			osc.mustRun(t, "image", "delete", id)
			if code := srv.Client.Status(t, "/v2/images/"+id); code != http.StatusNotFound {
				t.Errorf("GET the image after openstack image delete: %d; want 404", code)
			}
			if held := b.holds(t, id); len(held) > 0 {
				t.Errorf("the %s backend holds %q after the delete", b.typ, held)
			}
		})
	}
}
