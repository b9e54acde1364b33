package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoresDetailPerDriver: /v2/info/stores/detail shows each driver
// type's properties as Glance's discovery API does (sizes in bytes, the
// http store read-only with none), for a backend of each type served.
func TestStoresDetailPerDriver(t *testing.T) {
	dir := t.TempDir()
	conf := trustedAuth + `[DEFAULT]
enabled_backends = fast:file, tiers:file, objects:s3, swift:swift, web:http
[glance_store]
default_backend = fast
[fast]
filesystem_store_datadir = ` + dir + `/fast
filesystem_store_chunk_size = 131072
filesystem_thin_provisioning = true
store_description = Fast disks
[tiers]
filesystem_store_datadirs = ` + dir + `/slow:100
filesystem_store_datadirs = ` + dir + `/ssd:200
[objects]
s3_store_host = 127.0.0.1:1
s3_store_access_key = access
s3_store_secret_key = secret
s3_store_bucket = images
s3_store_large_object_chunk_size = 20
[swift]
swift_store_auth_address = http://127.0.0.1:1/auth/v1.0
swift_store_user = test:tester
swift_store_key = testing
swift_store_container = glance-images
[web]
store_description = Images on the web
`
	srv := MustStartServer(t, conf)
	resp, body := request{method: "GET", path: "/v2/info/stores/detail", header: identity("P", "admin")}.do(t, srv)
	mustStatus(t, "detail", resp, body, http.StatusOK)
	want := `{"stores": [` +
		`{"id": "fast", "description": "Fast disks", "default": "true", "type": "file", "properties": {"data_dir": "` + dir + `/fast", "chunk_size": 131072, "thin_provisioning": true}}, ` +
		`{"id": "tiers", "type": "file", "properties": {"data_dir": "` + dir + `/ssd", "chunk_size": 65536, "thin_provisioning": false}}, ` +
		`{"id": "objects", "type": "s3", "properties": {"s3_store_large_object_size": 104857600, "s3_store_large_object_chunk_size": 20971520, "s3_store_thread_pools": 10}}, ` +
		`{"id": "swift", "type": "swift", "properties": {"container": "glance-images", "large_object_size": 5368709120, "large_object_chunk_size": 209715200}}, ` +
		`{"id": "web", "description": "Images on the web", "read-only": "true", "type": "http", "properties": {}}]}`
	if string(body) != want {
		t.Errorf("detail\n got: %s\nwant: %s", body, want)
	}
	resp, body = request{method: "GET", path: "/v2/info/stores", header: identity("P", "member")}.do(t, srv)
	mustStatus(t, "stores", resp, body, http.StatusOK)
	want = `{"stores": [{"id": "fast", "description": "Fast disks", "default": "true"}, {"id": "tiers"}, {"id": "objects"}, ` +
		`{"id": "swift"}, {"id": "web", "description": "Images on the web", "read-only": "true"}]}`
	if string(body) != want {
		t.Errorf("stores\n got: %s\nwant: %s", body, want)
	}
}

// TestUploadToUnknownStore: X-Image-Meta-Store naming no enabled backend
// is Glance's 400 before any data is stored; the image stays queued and
// an upload to a named backend lands there.
func TestUploadToUnknownStore(t *testing.T) {
	dir := t.TempDir()
	a := api{base: MustStartServer(t, "[DEFAULT]\nenabled_backends = fast:file, cold:file\n[glance_store]\ndefault_backend = fast\n"+
		"[fast]\nfilesystem_store_datadir = "+dir+"/fast\n[cold]\nfilesystem_store_datadir = "+dir+"/cold\n")}
	img := a.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	id := img.ID
	resp, body := a.do(t, "PUT", "/v2/images/"+id+"/file",
		map[string]string{"Content-Type": "application/octet-stream", "X-Image-Meta-Store": "nosuch"}, "data")
	mustStatus(t, "upload to an unknown store", resp, body, http.StatusBadRequest)
	if !strings.Contains(string(body), "Unknown scheme &#x27;nosuch&#x27; found in URI") {
		t.Errorf("400 body: %s", body)
	}
	if got := a.get(t, id); got.Status != "queued" {
		t.Errorf("image after the refused upload: %v, want queued", got.Status)
	}
	resp, body = a.do(t, "PUT", "/v2/images/"+id+"/file",
		map[string]string{"Content-Type": "application/octet-stream", "X-Image-Meta-Store": "cold"}, "data")
	mustStatus(t, "upload to cold", resp, body, http.StatusNoContent)
	resp, body = a.do(t, "GET", "/v2/images/"+id, nil, "")
	mustStatus(t, "show", resp, body, http.StatusOK)
	var shown map[string]any
	mustDecode(t, body, &shown)
	if shown["stores"] != "cold" {
		t.Errorf("stores %v, want cold", shown["stores"])
	}
	if _, err := os.Stat(filepath.Join(dir, "cold", id)); err != nil {
		t.Errorf("image file in the cold datadir: %v", err)
	}
}
