package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/require"
)

// systemPython is Debian's interpreter, the one python3-openstacksdk is
// installed for (a python3 earlier on PATH may lack the package).
const systemPython = "/usr/bin/python3"

// sdkDigests mirrors digests() in testdata/sdk_lifecycle.py.
type sdkDigests struct {
	MD5    string `json:"md5"`
	SHA512 string `json:"sha512"`
	Size   int64  `json:"size"`
}

// sdkImage mirrors view() in testdata/sdk_lifecycle.py.
type sdkImage struct {
	ID              string            `json:"id"`
	Name            string            `json:"name"`
	Status          string            `json:"status"`
	Size            *int64            `json:"size"`
	Checksum        *string           `json:"checksum"`
	HashAlgo        *string           `json:"hash_algo"`
	HashValue       *string           `json:"hash_value"`
	DiskFormat      string            `json:"disk_format"`
	ContainerFormat string            `json:"container_format"`
	MinRAM          int               `json:"min_ram"`
	MinDisk         int               `json:"min_disk"`
	Visibility      string            `json:"visibility"`
	Owner           *string           `json:"owner"`
	Tags            []string          `json:"tags"`
	Properties      map[string]string `json:"properties"`
	OSDistro        *string           `json:"os_distro"`
}

// sdkRun is the JSON document testdata/sdk_lifecycle.py prints.
type sdkRun struct {
	Input             sdkDigests `json:"input"`
	Created           sdkImage   `json:"created"`
	Got               sdkImage   `json:"got"`
	Listed            []string   `json:"listed"`
	ListedByName      []string   `json:"listed_by_name"`
	Found             *string    `json:"found"`
	Updated           sdkImage   `json:"updated"`
	Downloaded        sdkDigests `json:"downloaded"`
	Saved             sdkDigests `json:"saved"`
	DeactivatedStatus string     `json:"deactivated_status"`
	ReactivatedStatus string     `json:"reactivated_status"`
	GetAfterDelete    string     `json:"get_after_delete"`
	FindAfterDelete   *string    `json:"find_after_delete"`
	DeleteAgain       string     `json:"delete_again"`
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func TestOpenStackSDK(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath(systemPython); err != nil {
		require.Missing(t, "%s is not installed", systemPython)
	}
	probe := newCLI(t, systemPython)
	if r := probe.run(t, "-c", "import openstack"); r.code != 0 {
		require.Missing(t, "openstacksdk is not importable by %s (Debian package python3-openstacksdk; test/setup.sh installs it):\n%s", systemPython, r)
	}
	// This one runs as packaging installs it: through a glance-api link.
	srv := glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir(), AsGlanceAPI: true})
	script, err := filepath.Abs(filepath.Join("testdata", "sdk_lifecycle.py"))
	if err != nil {
		t.Fatal(err)
	}
	py := newCLI(t, systemPython)
	path, data := glancetest.MustRandomFile(t, py.dir, "disk.img", 1<<20+4321)
	want := glancetest.DigestsOf(data)
	out := py.mustRun(t, script, srv.URL, path, "sdk-image")
	var run sdkRun
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("decoding the script's report: %v\n%s", err, out)
	}
	wantDigests := sdkDigests{MD5: want.MD5, SHA512: want.SHA512, Size: want.Size}
	if run.Input != wantDigests {
		t.Fatalf("the script read %+v from the input; want %+v", run.Input, wantDigests)
	}
	id := run.Created.ID

	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"created name", run.Created.Name, "sdk-image"},
		{"created disk_format", run.Created.DiskFormat, "qcow2"},
		{"created container_format", run.Created.ContainerFormat, "bare"},
		{"created tags", run.Created.Tags, []string{"sdk"}},
		{"get id", run.Got.ID, id},
		{"get status", run.Got.Status, "active"},
		{"get size", deref(run.Got.Size), want.Size},
		{"get checksum", deref(run.Got.Checksum), want.MD5},
		{"get os_hash_algo", deref(run.Got.HashAlgo), "sha512"},
		{"get os_hash_value", deref(run.Got.HashValue), want.SHA512},
		{"get os_distro", deref(run.Got.OSDistro), "fedora"},
		{"get visibility", run.Got.Visibility, "shared"},
		{"get owner", run.Got.Owner, (*string)(nil)},
		{"get tags", run.Got.Tags, []string{"sdk"}},
		{"listed", contains(run.Listed, id), true},
		{"listed by name", run.ListedByName, []string{id}},
		{"find_image by name", deref(run.Found), id},
		{"updated os_distro", deref(run.Updated.OSDistro), "arch"},
		{"updated sdk_key", run.Updated.Properties["sdk_key"], "sdk-value"},
		{"updated min_ram", run.Updated.MinRAM, 512},
		{"updated tags", run.Updated.Tags, []string{"extra"}},
		{"updated status", run.Updated.Status, "active"},
		{"updated checksum", deref(run.Updated.Checksum), want.MD5},
		{"downloaded in memory", run.Downloaded, wantDigests},
		{"downloaded to a file", run.Saved, wantDigests},
		{"status after deactivate", run.DeactivatedStatus, "deactivated"},
		{"status after reactivate", run.ReactivatedStatus, "active"},
		{"find_image after delete", run.FindAfterDelete, (*string)(nil)},
		{"second delete", run.DeleteAgain, "not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("got %#v; want %#v", c.got, c.want)
			}
		})
	}
	if !strings.HasPrefix(run.GetAfterDelete, "not found: ") || !strings.Contains(run.GetAfterDelete, id) {
		t.Errorf("get_image after delete: %q; want a not-found error naming the image", run.GetAfterDelete)
	}
	if t.Failed() {
		t.Logf("script report:\n%s", out)
	}
}
