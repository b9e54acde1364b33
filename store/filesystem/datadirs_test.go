package filesystem

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/storetest"
	"github.com/go-glance/glance/test/require"
)

// allFiles lists every name in every datadir of the store.
func allFiles(t *testing.T, d store.Driver) []string {
	t.Helper()
	var names []string
	for _, dir := range d.(*Store).dirs {
		entries, err := os.ReadDir(dir.path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		for _, e := range entries {
			names = append(names, filepath.Join(dir.path, e.Name()))
		}
	}
	return names
}

func newDatadirsStore(t *testing.T, values ...string) *Store {
	t.Helper()
	d, err := Open("", store.Options{"filesystem_store_datadirs": strings.Join(values, "\n")})
	if err != nil {
		t.Fatal(err)
	}
	return d.(*Store)
}

func TestDatadirsConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Driver {
		base := t.TempDir()
		return newDatadirsStore(t, base+"/low:100", base+"/high:200", base+"/none")
	}, storetest.Leftovers(allFiles))
}

// TestDatadirsWriteToHighestPriority: images go to the directory of
// highest priority; the options' order does not matter.
func TestDatadirsWriteToHighestPriority(t *testing.T) {
	base := t.TempDir()
	s := newDatadirsStore(t, base+"/low:100", base+"/none", base+"/high:200")
	id := storetest.NewID()
	got := storetest.MustPut(t, s, id, []byte("data"))
	if want := "file://" + base + "/high/" + id; got.URL != want {
		t.Errorf("URL %s, want %s", got.URL, want)
	}
	if p := s.Describe()[0]; p.Value != base+"/high" {
		t.Errorf("data_dir %v, want the directory of highest priority", p.Value)
	}
}

// TestDatadirsReadEveryDirectory: images Glance wrote in any datadir are
// read, removed and owned; a duplicate id in another datadir is refused.
func TestDatadirsReadEveryDirectory(t *testing.T) {
	base := t.TempDir()
	s := newDatadirsStore(t, base+"/a:1", base+"/b:2")
	id := storetest.NewID()
	if err := os.MkdirAll(base+"/a", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+"/a/"+id, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	url := "file://" + base + "/a/" + id
	if !s.Owns(url) || s.Owns("file://"+base+"/c/"+id) {
		t.Errorf("Owns: want the datadirs' files only")
	}
	if b := storetest.MustGet(t, s, url, 0, -1); string(b) != "old" {
		t.Errorf("Get %q, want old", b)
	}
	if _, err := s.Put(t.Context(), id, bytes.NewReader([]byte("new")), 3); !errors.Is(err, store.ErrExists) {
		t.Errorf("Put of an id stored in another datadir: %v, want ErrExists", err)
	}
	if err := s.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	if names := allFiles(t, s); len(names) != 0 {
		t.Errorf("left %v", names)
	}
}

// TestDatadirsSkipFullDirectory: an image that does not fit in the free
// space of the highest priority goes to the next one with room, as
// glance_store picks; within a priority the roomiest directory wins.
func TestDatadirsSkipFullDirectory(t *testing.T) {
	small := require.SmallFS(t, "8m")
	roomy := require.SmallFS(t, "64m")
	base := t.TempDir()
	s := newDatadirsStore(t, small+"/images:300", base+"/low:100", roomy+"/images:200", base+"/other:200")
	id := storetest.NewID()
	data := bytes.Repeat([]byte("x"), 16<<20)
	got, err := s.Put(t.Context(), id, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	want := "file://" + base + "/other/" + id
	if disk, _ := freeSpace(base); disk < 64<<20 {
		want = "file://" + roomy + "/images/" + id
	}
	if got.URL != want {
		t.Errorf("URL %s, want %s: the roomiest directory of priority 200", got.URL, want)
	}
	fits := storetest.MustPut(t, s, storetest.NewID(), []byte("fits"))
	if !strings.HasPrefix(fits.URL, "file://"+small+"/images/") {
		t.Errorf("small image at %s, want the directory of priority 300", fits.URL)
	}
}
