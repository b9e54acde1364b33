package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// glanceCLI is python-glanceclient's shell pointed at a server without
// Keystone: it needs a token, any token.
func glanceCLI(t *testing.T, srv *glancetest.Server) *cli {
	t.Helper()
	prog := requireTool(t, "glance", "python3-glanceclient")
	c := newCLI(t, prog, "--os-image-url", srv.URL, "--os-auth-token", "noauth")
	// glanceclient caches the server's image schema in ~/.glanceclient
	// and builds its options from it; a cached schema with a "stores"
	// property (Glance always publishes one) makes every later call die
	// with "argument --stores: conflicting option string". Real Glance
	// triggers it too, so every call starts without the cache, as if
	// each ran in a fresh HOME.
	c.before = func() { os.RemoveAll(filepath.Join(c.home, ".glanceclient")) }
	return c
}

// propertyTable reads glanceclient's two-column "Property | Value"
// table. Long values wrap onto rows with an empty property cell; they
// are joined back without the wrapping.
func propertyTable(tb testing.TB, out string) map[string]string {
	tb.Helper()
	props := map[string]string{}
	var last string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 2 {
			tb.Fatalf("not a property table row: %q in\n%s", line, out)
		}
		k, v := strings.TrimSpace(cells[0]), strings.TrimSpace(cells[1])
		switch {
		case k == "Property" && v == "Value":
		case k == "" && last != "":
			props[last] += v
		default:
			props[k] = v
			last = k
		}
	}
	if len(props) == 0 {
		tb.Fatalf("no property table in:\n%s", out)
	}
	return props
}

// listTable reads a glanceclient list table into rows keyed by header.
func listTable(out string) []map[string]string {
	var header []string
	var rows []map[string]string
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if header == nil {
			header = cells
			continue
		}
		row := map[string]string{}
		for i, h := range header {
			if i < len(cells) {
				row[h] = cells[i]
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func listedIDs(out string) []string {
	var ids []string
	for _, row := range listTable(out) {
		ids = append(ids, row["ID"])
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// wantProps fails for every key whose value differs from want ("" means
// the row must be absent).
func wantProps(t *testing.T, what string, got map[string]string, want map[string]string) {
	t.Helper()
	for k, w := range want {
		v, ok := got[k]
		switch {
		case w == "" && ok:
			t.Errorf("%s: %s = %q; want no such row", what, k, v)
		case w != "" && v != w:
			t.Errorf("%s: %s = %q; want %q", what, k, v, w)
		}
	}
}

func TestGlanceCLI(t *testing.T) {
	t.Parallel()
	srv := glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir()})
	g := glanceCLI(t, srv)
	path, data := glancetest.MustRandomFile(t, g.dir, "disk.img", 2<<20+777)
	want := glancetest.DigestsOf(data)

	var id string
	if !t.Run("image-create", func(t *testing.T) {
		props := propertyTable(t, g.mustRun(t, "image-create", "--name", "g1", "--disk-format", "raw",
			"--container-format", "bare", "--property", "os_distro=debian", "--property", "hw_rng_model=virtio",
			"--file", path))
		id = props["id"]
		if id == "" {
			t.Fatalf("image-create printed no id: %v", props)
		}
		wantProps(t, "image-create", props, map[string]string{
			"name":             "g1",
			"status":           "active",
			"size":             itoa64(want.Size),
			"checksum":         want.MD5,
			"os_hash_algo":     "sha512",
			"os_hash_value":    want.SHA512,
			"disk_format":      "raw",
			"container_format": "bare",
			"os_distro":        "debian",
			"hw_rng_model":     "virtio",
			"visibility":       "shared",
			"owner":            "None",
			"protected":        "False",
			"tags":             "[]",
		})
	}) {
		t.FailNow()
	}
	// Without --file and with stdin not a terminal, glance uploads stdin
	// (empty here): the image becomes active with zero bytes.
	otherID := propertyTable(t, g.mustRun(t, "image-create", "--name", "empty", "--disk-format", "qcow2",
		"--container-format", "bare"))["id"]
	empty := glancetest.DigestsOf(nil)

	t.Run("image-list", func(t *testing.T) {
		rows := listTable(g.mustRun(t, "image-list"))
		names := map[string]string{}
		for _, r := range rows {
			names[r["ID"]] = r["Name"]
		}
		if names[id] != "g1" || names[otherID] != "empty" || len(rows) != 2 {
			t.Errorf("image-list rows = %v; want %s g1 and %s empty", rows, id, otherID)
		}
		for _, c := range []struct {
			args []string
			want []string
		}{
			{[]string{"--property-filter", "os_distro=debian"}, []string{id}},
			{[]string{"--checksum", want.MD5}, []string{id}},
			{[]string{"--property-filter", "disk_format=qcow2"}, []string{otherID}},
			{[]string{"--visibility", "shared", "--property-filter", "os_distro=nothing"}, nil},
		} {
			t.Run(strings.Join(c.args, " "), func(t *testing.T) {
				got := listedIDs(g.mustRun(t, append([]string{"image-list"}, c.args...)...))
				if strings.Join(got, ",") != strings.Join(c.want, ",") {
					t.Errorf("image-list %s listed %v; want %v", strings.Join(c.args, " "), got, c.want)
				}
			})
		}
	})

	t.Run("image-show", func(t *testing.T) {
		props := propertyTable(t, g.mustRun(t, "image-show", id))
		wantProps(t, "image-show", props, map[string]string{
			"id":            id,
			"name":          "g1",
			"status":        "active",
			"size":          itoa64(want.Size),
			"virtual_size":  itoa64(want.Size),
			"checksum":      want.MD5,
			"os_hash_value": want.SHA512,
			"os_distro":     "debian",
			"min_disk":      "0",
			"min_ram":       "0",
			"os_hidden":     "False",
		})
		zero := propertyTable(t, g.mustRun(t, "image-show", otherID))
		wantProps(t, "image-show of an image with empty data", zero, map[string]string{
			"status": "active", "size": "0", "checksum": empty.MD5, "os_hash_value": empty.SHA512,
		})
	})

	t.Run("image-update", func(t *testing.T) {
		props := propertyTable(t, g.mustRun(t, "image-update", "--name", "g2", "--property", "foo=bar",
			"--remove-property", "os_distro", "--min-ram", "128", id))
		wantProps(t, "image-update output", props, map[string]string{
			"name": "g2", "foo": "bar", "os_distro": "", "hw_rng_model": "virtio", "min_ram": "128", "status": "active",
		})
		shown := propertyTable(t, g.mustRun(t, "image-show", id))
		wantProps(t, "image-show after image-update", shown, map[string]string{
			"name": "g2", "foo": "bar", "os_distro": "", "min_ram": "128", "checksum": want.MD5,
		})
	})

	t.Run("image-tag-update and image-tag-delete", func(t *testing.T) {
		g.mustRun(t, "image-tag-update", id, "t1")
		g.mustRun(t, "image-tag-update", id, "t2")
		g.mustRun(t, "image-tag-delete", id, "t1")
		shown := propertyTable(t, g.mustRun(t, "image-show", id))
		if shown["tags"] != `["t2"]` {
			t.Errorf("tags after adding t1, t2 and deleting t1 = %s; want [\"t2\"]", shown["tags"])
		}
		r := g.mustFail(t, "image-tag-delete", id, "never-added")
		if !strings.Contains(r.stderr, "404") {
			t.Errorf("image-tag-delete of an absent tag: want a 404 message; got:\n%s", r)
		}
	})

	t.Run("image-download", func(t *testing.T) {
		out := filepath.Join(g.dir, "dl.img")
		g.mustRun(t, "image-download", "--file", out, id)
		mustSameFile(t, out, want)
		// Without --file the data goes to stdout when it is not a terminal.
		r := g.run(t, "image-download", id)
		if r.code != 0 || glancetest.DigestsOf([]byte(r.stdout)) != want {
			t.Errorf("image-download to stdout: exit %d, %d bytes; want exit 0 and the %d uploaded bytes\nstderr: %s",
				r.code, len(r.stdout), want.Size, r.stderr)
		}
	})

	t.Run("image-deactivate and image-reactivate", func(t *testing.T) {
		g.mustRun(t, "image-deactivate", id)
		if got := propertyTable(t, g.mustRun(t, "image-show", id))["status"]; got != "deactivated" {
			t.Errorf("status after image-deactivate = %q; want deactivated", got)
		}
		// Admins (every caller without Keystone) may still download.
		out := filepath.Join(g.dir, "deactivated.img")
		g.mustRun(t, "image-download", "--file", out, id)
		mustSameFile(t, out, want)
		g.mustRun(t, "image-reactivate", id)
		if got := propertyTable(t, g.mustRun(t, "image-show", id))["status"]; got != "active" {
			t.Errorf("status after image-reactivate = %q; want active", got)
		}
	})

	t.Run("image-delete", func(t *testing.T) {
		g.mustRun(t, "image-delete", id, otherID)
		r := g.mustFail(t, "image-show", id)
		if !strings.Contains(r.stderr, "404") || !strings.Contains(r.stderr, "No image found with ID "+id) {
			t.Errorf("image-show of a deleted image: want a 404 No image found message; got:\n%s", r)
		}
		if ids := listedIDs(g.mustRun(t, "image-list")); contains(ids, id) || contains(ids, otherID) {
			t.Errorf("image-list after image-delete still lists %v", ids)
		}
	})

	t.Run("errors", func(t *testing.T) {
		const unknown = "5c0b8b8e-1f0a-4a57-8d47-0d9f2a9b7c31"
		for _, c := range []struct {
			name string
			args []string
			want string
		}{
			{"image-show unknown", []string{"image-show", unknown}, "HTTP 404 Not Found: No image found with ID " + unknown},
			{"image-download unknown", []string{"image-download", "--file", filepath.Join(g.dir, "none.img"), unknown}, "No image found with ID " + unknown},
			{"image-delete unknown", []string{"image-delete", unknown}, "No image with an ID of '" + unknown + "' exists."},
			{"image-update unknown", []string{"image-update", "--name", "x", unknown}, "No image found with ID " + unknown},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := g.mustFail(t, c.args...)
				if !strings.Contains(r.stderr, c.want) {
					t.Errorf("want %q on stderr; got:\n%s", c.want, r)
				}
				if strings.Contains(r.stderr, "Traceback") {
					t.Errorf("the client crashed:\n%s", r)
				}
			})
		}
	})
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
