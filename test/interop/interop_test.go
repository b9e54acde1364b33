package interop

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// TestGlanceSchemaServedByOurs: Glance's glance-manage creates the
// schema; our server runs on it next to Glance.
func TestGlanceSchemaServedByOurs(t *testing.T) {
	t.Parallel()
	requireRealGlance(t)
	glancetest.MustBuild(t)
	conn := mustMariaDB(t).mustCreateDatabase(t, "glance_interop_a")
	dir := t.TempDir()
	datadir := filepath.Join(dir, "images")
	real := newRealGlance(t, filepath.Join(dir, "real"), conn, datadir)
	oursCfg := glancetest.Config{Dir: filepath.Join(dir, "ours"), Connection: conn, DataDir: datadir}
	oursConf := glancetest.MustWriteConfig(t, oursCfg)

	out := real.mustManage(t, "db_sync")
	if !strings.Contains(out, "Database is synced successfully") {
		t.Fatalf("glance-manage db_sync did not report success:\n%s", out)
	}
	t.Run("our db version reads Glance's schema", func(t *testing.T) {
		want := lastLine(real.mustManage(t, "db_version"))
		got := lastLine(glancetest.MustManage(t, oursConf, "db", "version"))
		if got != want {
			t.Errorf("glance manage db version = %q; Glance's glance-manage db_version = %q", got, want)
		}
	})

	glanceVersion := lastLine(real.mustManage(t, "db_version"))

	realClient := real.mustStart(t)
	ours := glancetest.MustStart(t, oursCfg)
	exerciseSharedDatabase(t, ours.Client, realClient, datadir)

	// Glance changes a schema only through glance-manage; an API server
	// that migrates on start would leave Glance's own tools behind.
	t.Run("serving leaves Glance's schema as glance-manage made it", func(t *testing.T) {
		if got := lastLine(real.mustManage(t, "db_version")); got != glanceVersion {
			t.Errorf("after our server ran, glance-manage db_version = %q; it was %q", got, glanceVersion)
		}
		out, err := glancetest.Run(3*time.Minute, real.env(), "glance-manage", "--config-file", real.configFile, "db_sync")
		if err != nil || !strings.Contains(out, "Database is up to date") {
			t.Errorf("after our server ran, Glance's glance-manage db_sync: %v; want %q; output:\n%s", err, "Database is up to date", out)
		}
	})
}

// TestOurSchemaServedByGlance: our glance-manage creates the schema;
// Glance runs on it next to our server.
func TestOurSchemaServedByGlance(t *testing.T) {
	t.Parallel()
	requireRealGlance(t)
	glancetest.MustBuild(t)
	conn := mustMariaDB(t).mustCreateDatabase(t, "glance_interop_b")
	dir := t.TempDir()
	datadir := filepath.Join(dir, "images")
	real := newRealGlance(t, filepath.Join(dir, "real"), conn, datadir)
	oursCfg := glancetest.Config{Dir: filepath.Join(dir, "ours"), Connection: conn, DataDir: datadir}
	oursConf := glancetest.MustWriteConfig(t, oursCfg)

	// As an operator would: through the glance-manage name, with the
	// underscore spelling Glance's docs use.
	glancetest.MustRun(t, 3*time.Minute, nil, glancetest.MustLink(t, "glance-manage"), "--config-file", oursConf, "db_sync")
	oursVersion := lastLine(glancetest.MustManage(t, oursConf, "db", "version"))

	t.Run("Glance reads our schema version", func(t *testing.T) {
		if got := lastLine(real.mustManage(t, "db_version")); got != oursVersion {
			t.Errorf("Glance's glance-manage db_version = %q; ours says %q", got, oursVersion)
		}
	})

	ours := glancetest.MustStart(t, oursCfg)
	realClient := real.mustStart(t)
	exerciseSharedDatabase(t, ours.Client, realClient, datadir)
}

// exerciseSharedDatabase creates, reads, changes, downloads and deletes
// images through both servers, which share one database and datadir,
// and checks that each sees what the other did.
func exerciseSharedDatabase(t *testing.T, ours, real glancetest.Client, datadir string) {
	t.Helper()
	servers := []struct {
		name   string
		client glancetest.Client
	}{{"ours", ours}, {"Glance", real}}
	type made struct {
		by, id string
		data   []byte
		want   map[string]any
	}
	var images []made

	for i, creator := range servers {
		reader := servers[1-i]
		ok := t.Run("image created by "+creator.name+" is served by "+reader.name, func(t *testing.T) {
			data := glancetest.MustRandomData(t, 1<<20+1000*(i+1))
			sum := glancetest.DigestsOf(data)
			name := "made-by-" + strings.ToLower(creator.name)
			im := creator.client.MustCreate(t, map[string]any{
				"name": name, "disk_format": "qcow2", "container_format": "bare",
				"os_distro": "cirros", "tags": []string{"interop", name}, "min_disk": 1, "min_ram": 64,
			})
			creator.client.MustUpload(t, im.ID(), data)
			want := map[string]any{
				"id": im.ID(), "name": name, "status": "active", "size": sum.Size,
				"checksum": sum.MD5, "os_hash_algo": "sha512", "os_hash_value": sum.SHA512,
				"disk_format": "qcow2", "container_format": "bare", "os_distro": "cirros",
				"min_disk": 1, "min_ram": 64, "visibility": "shared", "owner": nil, "protected": false,
				"tags": []string{"interop", name},
			}
			images = append(images, made{by: creator.name, id: im.ID(), data: data, want: want})

			listed := glancetest.FindImage(reader.client.MustList(t, ""), im.ID())
			if listed == nil {
				t.Fatalf("%s's GET /v2/images does not list image %s created by %s", reader.name, im.ID(), creator.name)
			}
			checkImage(t, reader.name+"'s listing", listed, want)
			shown := reader.client.MustGet(t, im.ID())
			checkImage(t, reader.name+"'s GET /v2/images/{id}", shown, want)
			sameRepresentation(t, creator.client.MustGet(t, im.ID()), creator.name, shown, reader.name)
			if got := reader.client.MustDownload(t, im.ID()); !bytes.Equal(got, data) {
				t.Errorf("%s's download of the image %s uploaded: %d bytes, md5 %s; want %d bytes, md5 %s",
					reader.name, creator.name, len(got), glancetest.DigestsOf(got).MD5, len(data), sum.MD5)
			}

			// An image without data yet, created by one and seen by the other.
			q := creator.client.MustCreate(t, map[string]any{"name": name + "-queued", "disk_format": "raw", "container_format": "bare"})
			checkImage(t, reader.name+"'s view of an image without data", reader.client.MustGet(t, q.ID()), map[string]any{
				"status": "queued", "size": nil, "checksum": nil, "os_hash_value": nil, "name": name + "-queued",
			})
			images = append(images, made{by: creator.name, id: q.ID()})
		})
		if !ok {
			t.FailNow()
		}
	}

	t.Run("changes through one server are seen by the other", func(t *testing.T) {
		for _, im := range images {
			if im.data == nil {
				continue
			}
			writer, reader := ours, real
			writerName, readerName := "ours", "Glance"
			if im.by == "ours" {
				writer, reader = real, ours
				writerName, readerName = "Glance", "ours"
			}
			writer.MustPatch(t, im.id,
				map[string]any{"op": "replace", "path": "/name", "value": "renamed-by-" + writerName},
				map[string]any{"op": "add", "path": "/hw_disk_bus", "value": "virtio"},
				map[string]any{"op": "remove", "path": "/os_distro"},
				map[string]any{"op": "replace", "path": "/min_ram", "value": 128},
			)
			writer.MustAddTag(t, im.id, "changed")
			checkImage(t, readerName+" after "+writerName+"'s PATCH", reader.MustGet(t, im.id), map[string]any{
				"name":        "renamed-by-" + writerName,
				"hw_disk_bus": "virtio",
				"os_distro":   nil,
				"min_ram":     128,
				"tags":        append(append([]string{}, im.want["tags"].([]string)...), "changed"),
				"checksum":    im.want["checksum"],
				"status":      "active",
			})

			code, _, body := writer.Do(t, http.MethodPost, "/v2/images/"+im.id+"/actions/deactivate", nil, nil)
			if code != http.StatusNoContent {
				t.Fatalf("%s: POST deactivate: %d %s", writerName, code, body)
			}
			checkImage(t, readerName+" after "+writerName+" deactivated", reader.MustGet(t, im.id), map[string]any{"status": "deactivated"})
			if got := reader.MustDownload(t, im.id); !bytes.Equal(got, im.data) {
				t.Errorf("%s's admin download of a deactivated image: %d bytes; want the %d uploaded", readerName, len(got), len(im.data))
			}
			code, _, body = reader.Do(t, http.MethodPost, "/v2/images/"+im.id+"/actions/reactivate", nil, nil)
			if code != http.StatusNoContent {
				t.Fatalf("%s: POST reactivate of an image %s deactivated: %d %s", readerName, writerName, code, body)
			}
			checkImage(t, writerName+" after "+readerName+" reactivated", writer.MustGet(t, im.id), map[string]any{"status": "active"})
		}
	})

	t.Run("deletes through one server are seen by the other", func(t *testing.T) {
		for _, im := range images {
			// Each server deletes what the other made.
			deleter, other := ours, real
			deleterName, otherName := "ours", "Glance"
			if im.by == "ours" {
				deleter, other = real, ours
				deleterName, otherName = "Glance", "ours"
			}
			deleter.MustDelete(t, im.id)
			if code := other.Status(t, "/v2/images/"+im.id); code != http.StatusNotFound {
				t.Errorf("%s: GET of image %s that %s deleted: %d; want 404", otherName, im.id, deleterName, code)
			}
			if glancetest.FindImage(other.MustList(t, ""), im.id) != nil {
				t.Errorf("%s still lists image %s that %s deleted", otherName, im.id, deleterName)
			}
		}
		for _, s := range servers {
			if left := s.client.MustList(t, ""); len(left) != 0 {
				t.Errorf("%s lists %d images after every image was deleted: %v", s.name, len(left), left)
			}
		}
		if files := filesIn(t, datadir); len(files) != 0 {
			t.Errorf("image files left in the shared datadir after every image was deleted: %v", files)
		}
	})
}

// checkImage compares the fields named in want (nil: null or absent;
// []string: the tag list in any order; numbers and strings by their
// printed form).
func checkImage(t *testing.T, what string, got glancetest.Image, want map[string]any) {
	t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w := want[k]
		switch w := w.(type) {
		case nil:
			if v, ok := got[k]; ok && v != nil {
				t.Errorf("%s: %s = %v; want null or absent", what, k, v)
			}
		case []string:
			ws := append([]string{}, w...)
			sort.Strings(ws)
			if g := got.Tags(); !reflect.DeepEqual(g, ws) {
				t.Errorf("%s: %s = %v; want %v", what, k, g, ws)
			}
		default:
			if g, ws := got.String(k), fmt.Sprint(w); g != ws {
				t.Errorf("%s: %s = %q; want %q", what, k, g, ws)
			}
		}
	}
}

// sameRepresentation reports fields in which two servers show the same
// database row differently.
func sameRepresentation(t *testing.T, a glancetest.Image, aName string, b glancetest.Image, bName string) {
	t.Helper()
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		av, aok := a[k]
		bv, bok := b[k]
		if k == "tags" {
			if !reflect.DeepEqual(a.Tags(), b.Tags()) {
				diffs = append(diffs, fmt.Sprintf("tags: %s %v, %s %v", aName, a.Tags(), bName, b.Tags()))
			}
			continue
		}
		if aok != bok || !reflect.DeepEqual(av, bv) {
			diffs = append(diffs, fmt.Sprintf("%s: %s %s, %s %s", k, aName, show(av, aok), bName, show(bv, bok)))
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Errorf("the same image looks different through the two servers: %s", d)
	}
}

func show(v any, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return fmt.Sprintf("%#v", v)
}

// filesIn lists the regular files under dir.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && path == dir {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	return files
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
