package interop

import (
	"bytes"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// TestLocationPatchesMatchGlance: Debian's glance-api and our server,
// both showing locations and reading http locations from a web server
// on loopback, answer the same PATCH /locations requests alike: the
// status, the error page, and for a success the image's status, size,
// hashes and locations.
func TestLocationPatchesMatchGlance(t *testing.T) {
	t.Parallel()
	requireRealGlance(t)
	glancetest.MustBuild(t)
	data := bytes.Repeat([]byte("location interop "), 3000)
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/disk.img" && r.URL.Path != "/copy.img" {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, "disk.img", time.Time{}, bytes.NewReader(data))
	}))
	defer web.Close()
	port := web.URL[strings.LastIndexByte(web.URL, ':')+1:]
	md5sum, sha := md5.Sum(data), sha512.Sum512(data)

	dir := t.TempDir()
	real := newRealGlance(t, filepath.Join(dir, "real"), "sqlite:///"+filepath.Join(dir, "real", "glance.sqlite"), filepath.Join(dir, "real", "images"))
	real.mustConfigure(t, map[string]map[string]string{
		"DEFAULT": {"show_multiple_locations": "true", "image_location_quota": "2"},
		// Glance lets http locations reach loopback through its
		// web-download filters.
		"import_filtering_opts": {"allowed_hosts": "[127.0.0.1]", "allowed_ports": "[" + port + "]"},
	})
	real.mustManage(t, "db_sync")
	ours := glancetest.MustStart(t, glancetest.Config{Dir: filepath.Join(dir, "ours"), Options: map[string]map[string]string{
		"DEFAULT":      {"show_multiple_locations": "true", "image_location_quota": "2"},
		"glance_store": {"http_allowed_networks": "127.0.0.1"},
	}}).Client
	servers := map[string]glancetest.Client{"Glance": real.mustStart(t), "ours": ours}

	disk, other := web.URL+"/disk.img", web.URL+"/copy.img"
	add := func(u string) string {
		return fmt.Sprintf(`{"op":"add","path":"/locations/-","value":{"url":%q,"metadata":{}}}`, u)
	}
	validated := func(algo, value string) string {
		return fmt.Sprintf(`{"op":"add","path":"/locations/-","value":{"url":%q,"metadata":{},"validation_data":{"checksum":%q,"os_hash_algo":%q,"os_hash_value":%q}}}`,
			disk, hex.EncodeToString(md5sum[:]), algo, value)
	}
	for _, c := range []struct {
		name  string
		setup []string // each a PATCH that must succeed first
		patch string
	}{
		{"add to a queued image", nil, add(disk)},
		{"add with validation data", nil, validated("sha512", hex.EncodeToString(sha[:]))},
		{"add with another algorithm", nil, validated("sha256", hex.EncodeToString(sha[:32]))},
		{"add with a short hash", nil, validated("sha512", "abcd")},
		{"add with a hash that is not hex", nil, validated("sha512", "xyz")},
		{"add data the server lacks", nil, add(web.URL + "/missing.img")},
		{"add a file", nil, add("file:///etc/passwd")},
		{"add an unknown scheme", nil, add("gopher://h/x")},
		{"add at a bad position", nil, fmt.Sprintf(`{"op":"add","path":"/locations/x","value":{"url":%q,"metadata":{}}}`, disk)},
		{"add without metadata", nil, fmt.Sprintf(`{"op":"add","path":"/locations/-","value":{"url":%q}}`, disk)},
		{"add twice", []string{add(disk)}, add(disk)},
		{"add past the quota", []string{add(disk), add(other)}, add(disk + "?third")},
		{"add first", []string{add(disk)}, fmt.Sprintf(`{"op":"add","path":"/locations/0","value":{"url":%q,"metadata":{"k":"v"}}}`, other)},
		{"remove from a queued image", nil, `{"op":"remove","path":"/locations/0"}`},
		{"remove the last", []string{add(disk)}, `{"op":"remove","path":"/locations/0"}`},
		{"remove one of two", []string{add(disk), add(other)}, `{"op":"remove","path":"/locations/0"}`},
		{"remove past the end", []string{add(disk), add(other)}, `{"op":"remove","path":"/locations/2"}`},
		{"replace with nothing", nil, `{"op":"replace","path":"/locations","value":[]}`},
		{"replace on a queued image", nil, fmt.Sprintf(`{"op":"replace","path":"/locations","value":[{"url":%q,"metadata":{}},{"url":%q,"metadata":{}}]}`, disk, other)},
		{"replace the metadata", []string{add(disk)}, fmt.Sprintf(`{"op":"replace","path":"/locations","value":[{"url":%q,"metadata":{"a":"b"}}]}`, disk)},
		{"replace past the quota", nil, fmt.Sprintf(`{"op":"replace","path":"/locations","value":[{"url":%q,"metadata":{}},{"url":%q,"metadata":{}},{"url":%q,"metadata":{}}]}`, disk, other, disk+"?3")},
	} {
		t.Run(c.name, func(t *testing.T) {
			answers := map[string]string{}
			for name, client := range servers {
				client.Header = http.Header{"Accept": {"*/*"}}
				id := client.MustCreate(t, map[string]any{"name": c.name, "disk_format": "raw", "container_format": "bare"}).ID()
				for _, s := range c.setup {
					if code, out := locationPatch(t, client, id, s); code != http.StatusOK {
						t.Fatalf("%s: setup %s: %d %s", name, s, code, out)
					}
				}
				code, out := locationPatch(t, client, id, c.patch)
				answers[name] = locationAnswer(t, code, out, web.URL)
			}
			if answers["Glance"] != answers["ours"] {
				t.Errorf("Glance answers %s\nwe answer    %s", answers["Glance"], answers["ours"])
			}
		})
	}
}

func locationPatch(t *testing.T, c glancetest.Client, id, op string) (int, []byte) {
	t.Helper()
	code, _, out := c.Do(t, "PATCH", "/v2/images/"+id, []byte("["+op+"]"),
		http.Header{"Content-Type": {"application/openstack-images-v2.1-json-patch"}})
	return code, out
}

// locationAnswer sums up an answer: the error page as read, or what a
// location change shows of the image.
func locationAnswer(t *testing.T, code int, out []byte, webURL string) string {
	t.Helper()
	if code >= 300 {
		page := html.UnescapeString(string(out))
		// Our schema errors stop at jsonschema's first line; Glance's go
		// on with the failing schema, which no client reads. Spacing
		// aside, the pages must be the same.
		if i := strings.Index(page, "\nFailed validating"); i >= 0 {
			if j := strings.Index(page[i:], "<br />"); j >= 0 {
				page = strings.TrimRight(page[:i], "\n") + page[i+j:]
			}
		}
		return fmt.Sprintf("%d %s", code, strings.Join(strings.Fields(page), " "))
	}
	var img struct {
		Status    string  `json:"status"`
		Size      *int64  `json:"size"`
		Checksum  *string `json:"checksum"`
		HashAlgo  *string `json:"os_hash_algo"`
		Locations []struct {
			URL      string         `json:"url"`
			Metadata map[string]any `json:"metadata"`
		} `json:"locations"`
	}
	if err := json.Unmarshal(out, &img); err != nil {
		t.Fatalf("%d %s", code, out)
	}
	var locs []string
	for _, l := range img.Locations {
		u, _ := url.Parse(l.URL)
		meta, _ := json.Marshal(l.Metadata)
		locs = append(locs, strings.TrimPrefix(u.String(), webURL)+" "+string(meta))
	}
	return fmt.Sprintf("%d status=%s size=%v checksum=%v algo=%v locations=%v", code, img.Status, deref(img.Size), deref(img.Checksum), deref(img.HashAlgo), locs)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
