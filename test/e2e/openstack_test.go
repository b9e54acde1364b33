package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// openstackCLI is the unified client pointed at a server without
// Keystone, as client-side docs suggest for a standalone image service.
func openstackCLI(t *testing.T, srv *glancetest.Server) *cli {
	t.Helper()
	prog := requireTool(t, "openstack", "python3-openstackclient")
	return newCLI(t, prog, "--os-auth-type", "none", "--os-endpoint", srv.URL)
}

// osJSON runs an openstack command with -f json and decodes the output.
func osJSON(t *testing.T, c *cli, v any, args ...string) {
	t.Helper()
	out := c.mustRun(t, append(args, "-f", "json")...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("openstack %s -f json: %v; output:\n%s", strings.Join(args, " "), err, out)
	}
}

// field looks key up at the top level of "image show -f json" output
// and then among its "properties", where the CLI puts everything that is
// not a core column (os_hash_value and custom properties included).
func field(shown map[string]any, key string) any {
	if v, ok := shown[key]; ok {
		return v
	}
	if props, ok := shown["properties"].(map[string]any); ok {
		return props[key]
	}
	return nil
}

// str formats a JSON value the way a person reads it (numbers without
// exponent, null as "").
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%.0f", v)
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

func sortedStrings(v any) []string {
	raw, _ := v.([]any)
	out := make([]string, 0, len(raw))
	for _, s := range raw {
		out = append(out, fmt.Sprint(s))
	}
	sort.Strings(out)
	return out
}

func TestOpenStackCLI(t *testing.T) {
	t.Parallel()
	srv := glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir()})
	osc := openstackCLI(t, srv)
	path, data := glancetest.MustRandomFile(t, osc.dir, "disk.img", 3<<20+12345)
	want := glancetest.DigestsOf(data)

	var id string
	if !t.Run("create", func(t *testing.T) {
		var created map[string]any
		osJSON(t, osc, &created, "image", "create", "--disk-format", "qcow2", "--container-format", "bare",
			"--file", path, "--property", "os_distro=ubuntu", "--tag", "base", "mine")
		id = str(created["id"])
		if id == "" || str(created["name"]) != "mine" {
			t.Fatalf("image create printed id %q name %q; want an id and name mine: %v", id, created["name"], created)
		}
		// The CLI prints the image as created, before the upload; what
		// the user checks next is "image show".
		var shown map[string]any
		osJSON(t, osc, &shown, "image", "show", id)
		for _, c := range []struct{ key, want string }{
			{"status", "active"},
			{"size", fmt.Sprint(want.Size)},
			{"checksum", want.MD5},
			{"os_hash_algo", "sha512"},
			{"os_hash_value", want.SHA512},
			{"disk_format", "qcow2"},
			{"container_format", "bare"},
			{"os_distro", "ubuntu"},
		} {
			if got := str(field(shown, c.key)); got != c.want {
				t.Errorf("after image create, image show %s = %q; want %q", c.key, got, c.want)
			}
		}
		if tags := sortedStrings(shown["tags"]); !reflect.DeepEqual(tags, []string{"base"}) {
			t.Errorf("tags = %v; want [base]", tags)
		}
	}) {
		t.FailNow()
	}

	// An image that the property filter must leave out. With stdin not
	// a terminal the CLI uploads stdin (empty here) as the image data.
	otherID := strings.TrimSpace(osc.mustRun(t, "image", "create", "--disk-format", "raw", "--container-format", "bare",
		"--property", "os_distro=fedora", "other", "-f", "value", "-c", "id"))

	t.Run("list --long --property", func(t *testing.T) {
		var rows []map[string]any
		osJSON(t, osc, &rows, "image", "list", "--long", "--property", "os_distro=ubuntu")
		if len(rows) != 1 {
			t.Fatalf("image list --long --property os_distro=ubuntu listed %d images; want only ours: %v", len(rows), rows)
		}
		row := rows[0]
		var cols []string
		for k := range row {
			cols = append(cols, k)
		}
		sort.Strings(cols)
		wantCols := []string{"Checksum", "Container Format", "Disk Format", "ID", "Name", "Project", "Protected", "Size", "Status", "Tags", "Visibility"}
		if !reflect.DeepEqual(cols, wantCols) {
			t.Errorf("columns = %v; want %v", cols, wantCols)
		}
		for _, c := range []struct{ col, want string }{
			{"ID", id},
			{"Name", "mine"},
			{"Disk Format", "qcow2"},
			{"Container Format", "bare"},
			{"Size", fmt.Sprint(want.Size)},
			{"Checksum", want.MD5},
			{"Status", "active"},
			{"Visibility", "shared"},
			{"Protected", "false"},
			{"Project", ""},
		} {
			if got := str(row[c.col]); got != c.want {
				t.Errorf("column %s = %q; want %q", c.col, got, c.want)
			}
		}
		if tags := sortedStrings(row["Tags"]); !reflect.DeepEqual(tags, []string{"base"}) {
			t.Errorf("column Tags = %v; want [base]", tags)
		}

		table := osc.mustRun(t, "image", "list")
		for _, s := range []string{"| ID ", "| Name ", "| Status ", id, "mine", otherID, "other"} {
			if !strings.Contains(table, s) {
				t.Errorf("image list table lacks %q:\n%s", s, table)
			}
		}
	})

	t.Run("show", func(t *testing.T) {
		var shown map[string]any
		osJSON(t, osc, &shown, "image", "show", "mine")
		for _, c := range []struct{ key, want string }{
			{"id", id},
			{"name", "mine"},
			{"status", "active"},
			{"visibility", "shared"},
			{"protected", "false"},
			{"min_disk", "0"},
			{"min_ram", "0"},
			{"file", "/v2/images/" + id + "/file"},
			{"schema", "/v2/schemas/image"},
			{"os_hidden", "false"},
		} {
			if got := str(field(shown, c.key)); got != c.want {
				t.Errorf("image show %s = %q; want %q", c.key, got, c.want)
			}
		}
		for _, key := range []string{"created_at", "updated_at"} {
			if str(field(shown, key)) == "" {
				t.Errorf("image show has no %s: %v", key, shown)
			}
		}
	})

	t.Run("set and unset", func(t *testing.T) {
		osc.mustRun(t, "image", "set", "--name", "renamed", "--property", "os_version=22.04", "--property", "os_distro=debian",
			"--tag", "extra", "--min-disk", "5", "--min-ram", "256", id)
		var shown map[string]any
		osJSON(t, osc, &shown, "image", "show", id)
		for _, c := range []struct{ key, want string }{
			{"name", "renamed"},
			{"os_version", "22.04"},
			{"os_distro", "debian"},
			{"min_disk", "5"},
			{"min_ram", "256"},
			{"status", "active"},
			{"checksum", want.MD5},
		} {
			if got := str(field(shown, c.key)); got != c.want {
				t.Errorf("after image set, %s = %q; want %q", c.key, got, c.want)
			}
		}
		if tags := sortedStrings(shown["tags"]); !reflect.DeepEqual(tags, []string{"base", "extra"}) {
			t.Errorf("after image set --tag extra, tags = %v; want [base extra]", tags)
		}

		osc.mustRun(t, "image", "unset", "--property", "os_version", "--tag", "base", id)
		osJSON(t, osc, &shown, "image", "show", "renamed")
		if v := field(shown, "os_version"); v != nil {
			t.Errorf("after image unset --property os_version, os_version = %v; want it gone", v)
		}
		if tags := sortedStrings(shown["tags"]); !reflect.DeepEqual(tags, []string{"extra"}) {
			t.Errorf("after image unset --tag base, tags = %v; want [extra]", tags)
		}
	})

	t.Run("save", func(t *testing.T) {
		out := filepath.Join(osc.dir, "out.img")
		osc.mustRun(t, "image", "save", "--file", out, id)
		mustSameFile(t, out, want)
	})

	t.Run("deactivate and activate", func(t *testing.T) {
		osc.mustRun(t, "image", "set", "--deactivate", id)
		if got := strings.TrimSpace(osc.mustRun(t, "image", "show", id, "-f", "value", "-c", "status")); got != "deactivated" {
			t.Errorf("after image set --deactivate, status = %q; want deactivated", got)
		}
		// Glance lets admins download deactivated images; without
		// Keystone every caller is an admin.
		out := filepath.Join(osc.dir, "deactivated.img")
		osc.mustRun(t, "image", "save", "--file", out, id)
		mustSameFile(t, out, want)

		osc.mustRun(t, "image", "set", "--activate", id)
		if got := strings.TrimSpace(osc.mustRun(t, "image", "show", id, "-f", "value", "-c", "status")); got != "active" {
			t.Errorf("after image set --activate, status = %q; want active", got)
		}
	})

	t.Run("delete", func(t *testing.T) {
		osc.mustRun(t, "image", "delete", id, otherID)
		r := osc.mustFail(t, "image", "show", id)
		if !strings.Contains(r.stderr, "No Image found for "+id) {
			t.Errorf("image show of a deleted image: want %q on stderr; got:\n%s", "No Image found for "+id, r)
		}
		if list := osc.mustRun(t, "image", "list"); strings.Contains(list, id) || strings.Contains(list, otherID) {
			t.Errorf("image list still shows deleted images:\n%s", list)
		}
	})

	t.Run("errors", func(t *testing.T) {
		const unknown = "7e1c0ad8-3b1f-4bde-9d9b-3f6c8a0e5a11"
		for _, c := range []struct {
			name string
			args []string
			want []string
		}{
			{"show unknown id", []string{"image", "show", unknown}, []string{"No Image found for " + unknown}},
			{"show unknown name", []string{"image", "show", "no-such-image"}, []string{"No Image found for no-such-image"}},
			{"delete unknown id", []string{"image", "delete", unknown}, []string{"Failed to delete 1 of 1 images."}},
			{"set unknown id", []string{"image", "set", "--name", "x", unknown}, []string{"No Image found for " + unknown}},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := osc.mustFail(t, c.args...)
				for _, w := range c.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("want %q on stderr; got:\n%s", w, r)
					}
				}
				if strings.Contains(r.stderr, "Traceback") {
					t.Errorf("the client crashed:\n%s", r)
				}
			})
		}
	})
}
