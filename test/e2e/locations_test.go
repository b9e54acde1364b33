package e2e

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// TestGlanceCLILocations drives the glance CLI's location commands
// against an image whose data a web server on loopback holds: the image
// becomes active from its location, downloads through our server byte
// for byte (glanceclient checks the checksum and hash), and its
// locations are updated and removed as Glance allows. (The guard that
// keeps a server from loopback unless allowed is tested in cmd/glance.)
func TestGlanceCLILocations(t *testing.T) {
	t.Parallel()
	data := glancetest.MustRandomData(t, 1<<20+123)
	want := glancetest.DigestsOf(data)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "disk.img", time.Time{}, bytes.NewReader(data))
	}))
	defer web.Close()
	url := web.URL + "/disk.img"

	srv := glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir(), Options: map[string]map[string]string{
		"DEFAULT":      {"show_multiple_locations": "true", "show_image_direct_url": "true"},
		"glance_store": {"http_allowed_networks": "127.0.0.1"},
	}})
	g := glanceCLI(t, srv)
	id := srv.Client.MustCreate(t, map[string]any{"name": "on the web", "disk_format": "raw", "container_format": "bare"}).ID()

	props := propertyTable(t, g.mustRun(t, "location-add", "--url", url, "--metadata", `{"note": "mirror"}`,
		"--checksum", want.MD5, "--hash-algo", "sha512", "--hash-value", want.SHA512, id))
	wantProps(t, "location-add", props, map[string]string{
		"status": "active", "size": itoa64(want.Size), "checksum": want.MD5, "os_hash_value": want.SHA512, "direct_url": url,
	})
	if !strings.Contains(props["locations"], `"note": "mirror"`) {
		t.Errorf("locations after location-add: %s", props["locations"])
	}

	out := filepath.Join(g.dir, "web.img")
	g.mustRun(t, "image-download", "--file", out, id)
	mustSameFile(t, out, want)

	props = propertyTable(t, g.mustRun(t, "location-update", "--url", url, "--metadata", `{"note": "primary"}`, id))
	if !strings.Contains(props["locations"], `"note": "primary"`) || props["status"] != "active" {
		t.Errorf("after location-update: locations %s status %s", props["locations"], props["status"])
	}

	second := url + "?copy=2"
	g.mustRun(t, "location-add", "--url", second, id)
	if locs := propertyTable(t, g.mustRun(t, "image-show", id))["locations"]; !strings.Contains(locs, second) {
		t.Errorf("second location missing: %s", locs)
	}
	g.mustRun(t, "location-delete", "--url", url, id)
	locs := propertyTable(t, g.mustRun(t, "image-show", id))["locations"]
	if strings.Contains(locs, `"`+url+`"`) || !strings.Contains(locs, second) {
		t.Errorf("after location-delete: %s", locs)
	}
	r := g.mustFail(t, "location-delete", "--url", second, id)
	if !strings.Contains(r.stderr, "403") || !strings.Contains(r.stderr, "Cannot remove last location in the image.") {
		t.Errorf("removing the last location:\n%s", r)
	}
}
