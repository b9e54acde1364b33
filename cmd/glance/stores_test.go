package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/gateway"
	"github.com/go-glance/glance/store"
)

// TestNewStoresByType: backends are built by their type's driver from
// their own sections; a type no driver serves is skipped with a WARNING.
func TestNewStoresByType(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "glance-api.conf")
	fast := filepath.Join(dir, "fast")
	content := "[DEFAULT]\nenabled_backends = fast:file, cold:cinder\n[glance_store]\ndefault_backend = fast\n" +
		"[fast]\nfilesystem_store_datadir = " + fast + "\nfilesystem_store_file_perm = 640\nstore_description = Fast disks\n" +
		"[cold]\ncinder_volume_type = slow\n"
	stores, infos, log := mustNewStores(t, conf, content)
	if ids := stores.IDs(); !slices.Equal(ids, []string{"fast"}) {
		t.Fatalf("backends %v, want [fast]", ids)
	}
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "Store cold of type cinder is not available") {
		t.Errorf("log lacks the warning about the cinder backend:\n%s", log.String())
	}
	if len(infos) != 1 || infos[0].Description != "Fast disks" || !infos[0].Default || infos[0].Properties[0].Value != fast {
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
