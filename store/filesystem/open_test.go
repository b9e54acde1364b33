package filesystem

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/storetest"
)

// TestOpen builds the store by its type name from a section, as cmd
// does, and checks the options reach it.
func TestOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "images")
	d, err := store.Open("file", "fast", store.Options{
		"filesystem_store_datadir":    dir,
		"filesystem_store_file_perm":  "0640",
		"filesystem_store_chunk_size": "131072",
		"store_description":           "Fast disks",
	})
	if err != nil {
		t.Fatal(err)
	}
	s := d.(*Store)
	got := storetest.MustPut(t, s, storetest.NewID(), []byte("x"))
	if got.Metadata["store"] != "fast" {
		t.Errorf("metadata %v, want the backend id", got.Metadata)
	}
	p, _ := s.path(got.URL)
	if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o640 || filepath.Dir(p) != dir {
		t.Errorf("image file %s: %v, %v; want mode 0640 in %s", p, info.Mode(), err, dir)
	}
	want := []store.Property{{Key: "data_dir", Value: dir}, {Key: "chunk_size", Value: int64(131072)}, {Key: "thin_provisioning", Value: false}}
	for i, p := range s.Describe() {
		if p != want[i] {
			t.Errorf("property %d: %v, want %v", i, p, want[i])
		}
	}
}

func TestOpenDefaults(t *testing.T) {
	d, err := store.Open("file", "", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.(*Store).Datadir(); got != defaultDatadir {
		t.Errorf("datadir %s, want Glance's default %s", got, defaultDatadir)
	}
}

func TestOpenBadOptions(t *testing.T) {
	for name, opts := range map[string]store.Options{
		"datadir and datadirs": {"filesystem_store_datadir": "/a", "filesystem_store_datadirs": "/b:200"},
		"datadirs priority":    {"filesystem_store_datadirs": "/a:high"},
		"datadirs no path":     {"filesystem_store_datadirs": ":100"},
		"datadirs twice":       {"filesystem_store_datadirs": "/a:100\n/b\n/a:200"},
		"perm not octal":       {"filesystem_store_file_perm": "0698"},
		"perm unreadable":      {"filesystem_store_file_perm": "0200"},
		"chunk size":           {"filesystem_store_chunk_size": "big"},
		"thin":                 {"filesystem_thin_provisioning": "maybe"},
		"empty datadir":        {"filesystem_store_datadir": ""},
	} {
		if _, err := store.Open("file", "fast", opts); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := store.Open("cinder", "fast", nil); !errors.Is(err, store.ErrUnknownType) {
		t.Errorf("unknown type: %v, want ErrUnknownType", err)
	}
}
