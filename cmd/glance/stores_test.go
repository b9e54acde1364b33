package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/gateway"
	"github.com/go-glance/glance/store"
)

// TestNewStoresByType: backends are built by their type's driver from
// their own sections.
func TestNewStoresByType(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "glance-api.conf")
	fast := filepath.Join(dir, "fast")
	content := "[DEFAULT]\nenabled_backends = fast:file, web:http\n[glance_store]\ndefault_backend = fast\n" +
		"[fast]\nfilesystem_store_datadir = " + fast + "\nfilesystem_store_file_perm = 640\nstore_description = Fast disks\n"
	stores, infos, _ := mustNewStores(t, conf, content)
	if ids := stores.IDs(); !slices.Equal(ids, []string{"fast", "web"}) {
		t.Fatalf("backends %v, want [fast web]", ids)
	}
	if len(infos) != 2 || infos[0].Description != "Fast disks" || !infos[0].Default || infos[0].Properties[0].Value != fast ||
		!infos[1].ReadOnly || infos[1].Type != "http" {
		t.Errorf("info %+v", infos)
	}
	st, err := stores.Store("")
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Put(t.Context(), "1f6a2f9e-8d6c-4b7e-9a55-3c4d2e1f0a9b", bytes.NewReader([]byte("x")), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Metadata["store"] != "fast" || !strings.HasPrefix(got.URL, "file://"+fast+"/") {
		t.Errorf("stored at %+v, want the fast backend", got)
	}
	info, err := os.Stat(filepath.Join(fast, "1f6a2f9e-8d6c-4b7e-9a55-3c4d2e1f0a9b"))
	if err != nil || info.Mode().Perm() != 0o640 {
		t.Errorf("image file: %v, %v; want mode 0640 from the section", info, err)
	}
	if _, err := st.Get(t.Context(), "file:///nowhere/x", 0, -1); !domain.IsKind(err, domain.KindNotFound) {
		t.Errorf("Get of a foreign URL through the backend: %v, want NotFound", err)
	}
	if reg, ok := stores.(*store.Registry); !ok || reg.Backends()[0].Stats().BytesWritten.Load() != 1 {
		t.Errorf("the backend's counters do not show the byte written")
	}
}

// TestSingleStoreStores: [glance_store] stores = file, http serves
// locations of both; writes go to default_store's, whose options come
// from [glance_store].
func TestSingleStoreStores(t *testing.T) {
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "image", time.Time{}, strings.NewReader("from the web"))
	}))
	defer web.Close()
	dir := t.TempDir()
	content := "[glance_store]\nstores = file, http\ndefault_store = filesystem\nhttp_allowed_networks = 127.0.0.1\n" +
		"filesystem_store_datadirs = " + dir + "/low:1\nfilesystem_store_datadirs = " + dir + "/high:2\n"
	stores, infos, _ := mustNewStores(t, filepath.Join(dir, "glance-api.conf"), content)
	if infos != nil || stores.Multi() {
		t.Errorf("single store shows stores info %v", infos)
	}
	st, _ := stores.Store("")
	got, err := st.Put(t.Context(), "2f6a2f9e-8d6c-4b7e-9a55-3c4d2e1f0a9b", bytes.NewReader([]byte("x")), 1)
	if err != nil || !strings.HasPrefix(got.URL, "file://"+dir+"/high/") {
		t.Fatalf("stored at %+v, %v; want the datadir of highest priority", got, err)
	}
	webStore, err := stores.ForLocation(domain.Location{URL: web.URL + "/image"})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := webStore.Get(t.Context(), web.URL+"/image", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); string(b) != "from the web" {
		t.Errorf("http location reads %q", b)
	}
}

// TestUnservedStoreStopsStart: a store type this binary lacks stops
// start-up, naming the store and what to do, in either form.
func TestUnservedStoreStopsStart(t *testing.T) {
	cases := map[string]struct{ content, want string }{
		"multi cinder": {"[DEFAULT]\nenabled_backends = fast:file, vol:cinder\n[glance_store]\ndefault_backend = fast\n",
			"store vol of type cinder is not served by this version: remove it from [DEFAULT] enabled_backends"},
		"single vmware": {"[glance_store]\nstores = file, vmware\n",
			"store vmware of type vmware is not served by this version: remove it from [glance_store] stores"},
	}
	if !slices.Contains(store.Types(), "rbd") {
		cases["multi rbd"] = struct{ content, want string }{
			"[DEFAULT]\nenabled_backends = fast:file, cold:rbd\n[glance_store]\ndefault_backend = fast\n[cold]\nrbd_store_pool = images\n",
			"store cold of type rbd is not served by this binary: build it with -tags ceph,pacific"}
		cases["single rbd"] = struct{ content, want string }{"[glance_store]\nstores = file, rbd\ndefault_store = rbd\n",
			"store rbd of type rbd is not served by this binary: build it with -tags ceph,pacific"}
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "glance-api.conf")
			if err := os.WriteFile(conf, []byte(c.content), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := configs.Load([]string{conf}, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = newStores(t.Context(), cfg, slog.New(slog.DiscardHandler), 0)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("newStores: %v, want %q", err, c.want)
			}
		})
	}
}

// mustNewStores writes content to conf and builds the stores as the
// server does, returning what it logged.
func mustNewStores(t *testing.T, conf, content string) (domain.Stores, []gateway.StoreInfo, *bytes.Buffer) {
	t.Helper()
	if err := os.WriteFile(conf, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := configs.Load([]string{conf}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	stores, infos, err := newStores(t.Context(), cfg, slog.New(slog.NewTextHandler(&log, nil)), 0)
	if err != nil {
		t.Fatal(err)
	}
	return stores, infos, &log
}
