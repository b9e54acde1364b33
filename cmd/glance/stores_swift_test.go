package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-glance/glance/configs"
)

// TestNewStoresSwift: enabled_backends = objects:swift builds the Swift
// driver from its section (test/stores runs it against a real Swift),
// and /v2/info/stores/detail shows its properties in bytes.
func TestNewStoresSwift(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "glance-api.conf")
	content := "[DEFAULT]\nenabled_backends = objects:swift\n[glance_store]\ndefault_backend = objects\n" +
		"[objects]\nswift_store_auth_address = http://127.0.0.1:8080/auth/v1.0\nswift_store_auth_version = 1\n" +
		"swift_store_user = test:tester\nswift_store_key = testing\nswift_store_container = images\n" +
		"swift_store_large_object_size = 100\nswift_store_large_object_chunk_size = 10\n"
	stores, infos, log := mustNewStores(t, conf, content)
	if ids := stores.IDs(); !slices.Equal(ids, []string{"objects"}) {
		t.Fatalf("backends %v, want [objects]; log:\n%s", ids, log.String())
	}
	if len(infos) != 1 || infos[0].Type != "swift" || len(infos[0].Properties) != 3 ||
		infos[0].Properties[0].Key != "container" || infos[0].Properties[0].Value != "images" ||
		infos[0].Properties[1].Value != int64(100<<20) || infos[0].Properties[2].Value != int64(10<<20) {
		t.Errorf("info %+v", infos)
	}

	// Options read but not acted on are warned about at start.
	_, _, log = mustNewStores(t, conf, content+"swift_store_service_type = object-store-eu\n")
	if !strings.Contains(log.String(), "WARN") || !strings.Contains(log.String(), "swift_store_service_type") {
		t.Errorf("no warning about swift_store_service_type; log:\n%s", log.String())
	}

	// Options that would send data elsewhere than the operator meant
	// stop the start.
	bad := strings.Replace(content, "swift_store_auth_version = 1", "swift_store_auth_version = 2", 1)
	if err := os.WriteFile(conf, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := configs.Load([]string{conf}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := newStores(t.Context(), cfg, slog.New(slog.NewTextHandler(log, nil)), 0); err == nil || !strings.Contains(err.Error(), "swift_store_auth_version") {
		t.Errorf("auth version 2: %v, want an error naming swift_store_auth_version", err)
	}
}
