package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// imageServer serves data over HTTP on loopback, as a web server
// holding images would, honouring Range.
func imageServer(tb testing.TB, data []byte) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/disk.img" {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "disk.img", time.Time{}, bytes.NewReader(data))
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// located is an image with what the locations options show.
type located struct {
	image
	Locations []struct {
		URL      string         `json:"url"`
		Metadata map[string]any `json:"metadata"`
	} `json:"locations"`
	DirectURL *string `json:"direct_url"`
	Stores    *string `json:"stores"`
}

func (a api) located(tb testing.TB, id string) located {
	tb.Helper()
	resp, b := a.do(tb, "GET", "/v2/images/"+id, nil, "")
	mustStatus(tb, "show "+id, resp, b, http.StatusOK)
	var img located
	mustDecode(tb, b, &img)
	return img
}

func (a api) patch(tb testing.TB, id string, ops ...map[string]any) (*http.Response, []byte) {
	tb.Helper()
	body, err := json.Marshal(ops)
	if err != nil {
		tb.Fatal(err)
	}
	return a.do(tb, "PATCH", "/v2/images/"+id, patchType, string(body))
}

func addLocation(url string) map[string]any {
	return map[string]any{"op": "add", "path": "/locations/-", "value": map[string]any{"url": url, "metadata": map[string]any{}}}
}

func TestLocationsMultiStore(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	web := imageServer(t, data)
	datadir := t.TempDir()
	base := MustStartServer(t, "show_multiple_locations = true\nshow_image_direct_url = true\n"+
		"enabled_backends = fast:file, web:http\n[glance_store]\ndefault_backend = fast\n"+
		"[fast]\nfilesystem_store_datadir = "+datadir+"\n[web]\nhttp_allowed_networks = 127.0.0.1\n")
	a := api{base: base}

	// An http location makes a queued image active, with the size the
	// server reports; its data downloads through us byte for byte.
	img := a.create(t, `{"name": "remote", "disk_format": "raw", "container_format": "bare"}`)
	resp, b := a.patch(t, img.ID, addLocation(web.URL+"/disk.img"))
	mustStatus(t, "add http location", resp, b, http.StatusOK)
	got := a.located(t, img.ID)
	if got.Status != "active" || got.Size == nil || *got.Size != int64(len(data)) {
		t.Fatalf("after adding a location: status %s size %v", got.Status, got.Size)
	}
	if len(got.Locations) != 1 || got.Locations[0].Metadata["store"] != "web" || got.Stores == nil || *got.Stores != "web" {
		t.Fatalf("locations %+v stores %v, want one in web", got.Locations, got.Stores)
	}
	if got.DirectURL == nil || *got.DirectURL != web.URL+"/disk.img" {
		t.Fatalf("direct_url %v", got.DirectURL)
	}
	resp, b = a.do(t, "GET", "/v2/images/"+img.ID+"/file", nil, "")
	mustStatus(t, "download", resp, b, http.StatusOK)
	if !bytes.Equal(b, data) {
		t.Fatalf("downloaded %d bytes differ from the remote %d", len(b), len(data))
	}
	resp, b = a.do(t, "GET", "/v2/images/"+img.ID+"/file", map[string]string{"Range": "bytes=100-199"}, "")
	mustStatus(t, "ranged download", resp, b, http.StatusPartialContent)
	if !bytes.Equal(b, data[100:200]) || resp.Header.Get("Content-Range") != "bytes 100-199/65536" {
		t.Fatalf("range: %q %q", b, resp.Header.Get("Content-Range"))
	}

	// The same location again is refused, and so is data nobody serves.
	resp, b = a.patch(t, img.ID, addLocation(web.URL+"/disk.img"))
	mustStatus(t, "duplicate location", resp, b, http.StatusBadRequest)
	if !strings.Contains(text(b), "The location "+web.URL+"/disk.img already exists") {
		t.Fatalf("duplicate: %s", b)
	}
	resp, b = a.patch(t, img.ID, addLocation(web.URL+"/missing.img"))
	mustStatus(t, "missing data", resp, b, http.StatusBadRequest)
	if !strings.Contains(text(b), "Invalid location") {
		t.Fatalf("missing data: %s", b)
	}
	resp, b = a.patch(t, img.ID, map[string]any{"op": "add", "path": "/locations/-", "value": map[string]any{"url": web.URL}})
	mustStatus(t, "location without metadata", resp, b, http.StatusBadRequest)

	// Credentials in a location URL are never shown.
	img2 := a.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	withCreds := strings.Replace(web.URL, "http://", "http://user:s3cret@", 1) + "/disk.img"
	resp, b = a.patch(t, img2.ID, addLocation(withCreds))
	mustStatus(t, "location with credentials", resp, b, http.StatusOK)
	if bytes.Contains(b, []byte("s3cret")) {
		t.Fatalf("credentials shown: %s", b)
	}
	resp, b = a.do(t, "GET", "/v2/images?limit=5", nil, "")
	if resp.StatusCode != http.StatusOK || bytes.Contains(b, []byte("s3cret")) {
		t.Fatalf("credentials in the list: %s", b)
	}

	// An image uploaded to fast and given a web location lives in both;
	// removing it from fast deletes its file there.
	both := a.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	resp, b = a.do(t, "PUT", "/v2/images/"+both.ID+"/file", map[string]string{"Content-Type": "application/octet-stream"}, string(data))
	mustStatus(t, "upload", resp, b, http.StatusNoContent)
	resp, b = a.patch(t, both.ID, addLocation(web.URL+"/disk.img"))
	mustStatus(t, "add second location", resp, b, http.StatusOK)
	if s := a.located(t, both.ID).Stores; s == nil || *s != "fast,web" {
		t.Fatalf("stores %v, want fast,web", s)
	}
	file := filepath.Join(datadir, both.ID)
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		method, path string
		body         string
		want         int
		msg          string
	}{
		{"DELETE", "/v2/stores/nowhere/" + both.ID, "", http.StatusConflict, "The selected store nowhere is not available on this node."},
		{"DELETE", "/v2/stores/fast/00000000-0000-4000-8000-000000000000", "", http.StatusNotFound, "Failed to find image"},
		{"DELETE", "/v2/stores/fast/" + both.ID, "{}", http.StatusBadRequest, "A body is not expected with this request."},
		{"POST", "/v2/stores/fast/" + both.ID, "", http.StatusMethodNotAllowed, ""},
	} {
		resp, b := a.do(t, c.method, c.path, jsonType, c.body)
		mustStatus(t, c.method+" "+c.path, resp, b, c.want)
		if !strings.Contains(text(b), c.msg) {
			t.Errorf("%s %s: %s, want %q", c.method, c.path, b, c.msg)
		}
		if c.want == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != "DELETE" {
			t.Errorf("Allow %q", resp.Header.Get("Allow"))
		}
	}
	resp, b = a.do(t, "DELETE", "/v2/stores/fast/"+both.ID, nil, "")
	mustStatus(t, "delete from fast", resp, b, http.StatusNoContent)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("the data is still in fast: %v", err)
	}
	if s := a.located(t, both.ID).Stores; s == nil || *s != "web" {
		t.Fatalf("stores %v, want web", s)
	}
	resp, b = a.do(t, "DELETE", "/v2/stores/web/"+both.ID, nil, "")
	mustStatus(t, "delete the last location", resp, b, http.StatusForbidden)
	resp, b = a.patch(t, both.ID, map[string]any{"op": "remove", "path": "/locations/0"})
	mustStatus(t, "remove the last location", resp, b, http.StatusForbidden)
	if !strings.Contains(text(b), "Cannot remove last location in the image.") {
		t.Fatalf("remove last: %s", b)
	}

	// Nothing can be written to the http store.
	up := a.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	resp, b = a.do(t, "PUT", "/v2/images/"+up.ID+"/file", map[string]string{"Content-Type": "application/octet-stream", "X-Image-Meta-Store": "web"}, "data")
	mustStatus(t, "upload to web", resp, b, http.StatusGone)
	if got := a.get(t, up.ID); got.Status != "queued" {
		t.Fatalf("status after the refused upload: %s", got.Status)
	}
	resp, b = a.do(t, "GET", "/v2/info/stores", nil, "")
	mustStatus(t, "info stores", resp, b, http.StatusOK)
	if !bytes.Contains(b, []byte(`{"id": "web", "read-only": "true"}`)) {
		t.Fatalf("stores: %s", b)
	}
}

func TestLocationsSingleStoreAndGuard(t *testing.T) {
	data := []byte("a small image")
	web := imageServer(t, data)
	// Without http_allowed_networks, loopback is off limits, and the
	// server is never asked.
	strict := api{base: MustStartServer(t, "show_multiple_locations = true\n")}
	img := strict.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	resp, b := strict.patch(t, img.ID, addLocation(web.URL+"/disk.img"))
	mustStatus(t, "loopback location", resp, b, http.StatusBadRequest)
	if !strings.Contains(text(b), "Invalid location") {
		t.Fatalf("loopback: %s", b)
	}
	for _, meta := range []string{"http://169.254.169.254/latest/meta-data/", "http://[::1]:1/x", "http://10.0.0.1/x"} {
		resp, b := strict.patch(t, img.ID, addLocation(meta))
		mustStatus(t, meta, resp, b, http.StatusBadRequest)
	}

	// The single store reads http locations when its networks allow it.
	a := api{base: MustStartServer(t, "show_multiple_locations = true\nimage_location_quota = 1\n"+
		"[glance_store]\nhttp_allowed_networks = 127.0.0.0/8\n[DEFAULT]\n")}
	img = a.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	resp, b = a.patch(t, img.ID, addLocation(web.URL+"/disk.img"))
	mustStatus(t, "add location", resp, b, http.StatusOK)
	got := a.located(t, img.ID)
	if got.Status != "active" || got.Stores != nil || len(got.Locations) != 1 || len(got.Locations[0].Metadata) != 0 {
		t.Fatalf("single store image: %+v", got)
	}
	resp, b = a.do(t, "GET", "/v2/images/"+img.ID+"/file", nil, "")
	mustStatus(t, "download", resp, b, http.StatusOK)
	if !bytes.Equal(b, data) {
		t.Fatalf("downloaded %q", b)
	}
	resp, b = a.patch(t, img.ID, addLocation(web.URL+"/disk.img?copy"))
	mustStatus(t, "past image_location_quota", resp, b, http.StatusRequestEntityTooLarge)
	resp, b = a.do(t, "DELETE", "/v2/stores/file/"+img.ID, nil, "")
	mustStatus(t, "delete from store without multi-store", resp, b, http.StatusNotFound)

	// Without show_multiple_locations locations are neither shown nor
	// changed.
	hidden := api{base: MustStartServer(t, "")}
	img = hidden.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	resp, b = hidden.patch(t, img.ID, addLocation(web.URL+"/disk.img"))
	mustStatus(t, "add with locations hidden", resp, b, http.StatusForbidden)
	if !strings.Contains(text(b), "It's not allowed to add locations if locations are invisible.") || bytes.Contains(b, []byte(`"locations"`)) {
		t.Fatalf("hidden: %s", b)
	}
}

// With location_strategy = store_type preferring http, the web copy
// serves downloads first; once its server is gone, the next location
// does, through the server as deployed.
func TestDownloadFallsThroughADeadLocation(t *testing.T) {
	data := bytes.Repeat([]byte("fallback "), 5000)
	web := imageServer(t, data)
	dir := t.TempDir()
	base, log := MustRunLogged(t, dir, "api", "--config-file", mustWriteConfig(t, dir,
		"show_multiple_locations = true\nlocation_strategy = store_type\n"+
			"enabled_backends = fast:file, web:http\n[store_type_location_strategy]\nstore_type_preference = http, file\n"+
			"[glance_store]\ndefault_backend = fast\n"+
			"[fast]\nfilesystem_store_datadir = "+t.TempDir()+"\n[web]\nhttp_allowed_networks = 127.0.0.1\n", "", ""))
	a := api{base: base}
	img := a.create(t, `{"disk_format": "raw", "container_format": "bare"}`)
	a.upload(t, img.ID, data)
	resp, b := a.patch(t, img.ID, map[string]any{"op": "add", "path": "/locations/0",
		"value": map[string]any{"url": web.URL + "/disk.img", "metadata": map[string]any{}}})
	mustStatus(t, "add a first location", resp, b, http.StatusOK)
	if s := a.located(t, img.ID).Stores; s == nil || *s != "web,fast" {
		t.Fatalf("stores %v, want web first", s)
	}
	web.Close()
	resp, b = a.do(t, "GET", "/v2/images/"+img.ID+"/file", map[string]string{"Range": "bytes=9-17"}, "")
	mustStatus(t, "download with the web server gone", resp, b, http.StatusPartialContent)
	if string(b) != "fallback " {
		t.Fatalf("downloaded %q", b)
	}
	if !strings.Contains(log.String(), "from location 1 of 2 ("+web.URL+"/disk.img)") {
		t.Fatalf("the failed location is not logged:\n%s", log)
	}
}
