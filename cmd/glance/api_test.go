package main

import (
	"database/sql"
	"encoding/json"
	"html"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

// Content types of the Image API's requests.
var (
	jsonType  = map[string]string{"Content-Type": "application/json"}
	patchType = map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"}
	octetType = map[string]string{"Content-Type": "application/octet-stream"}
)

// api is a client of one server that sends its header (an identity, in
// trusted-auth mode) with every request.
type api struct {
	base   string
	header map[string]string
}

// do sends one request and checks that the answer carries a request id,
// as every response of Glance's v2 application does, errors included.
func (a api) do(tb testing.TB, method, path string, header map[string]string, body string) (*http.Response, []byte) {
	tb.Helper()
	h := maps.Clone(a.header)
	if h == nil {
		h = map[string]string{}
	}
	maps.Copy(h, header)
	resp, b := request{method: method, path: path, header: h, body: body}.do(tb, a.base)
	if id := resp.Header.Get("X-Openstack-Request-Id"); !strings.HasPrefix(id, "req-") {
		tb.Errorf("%s %s: %d without a request id (%q)", method, path, resp.StatusCode, id)
	}
	return resp, b
}

// image is the part of Glance's image entity the tests look at.
type image struct {
	ID              string   `json:"id"`
	Name            *string  `json:"name"`
	Status          string   `json:"status"`
	Visibility      string   `json:"visibility"`
	Owner           *string  `json:"owner"`
	Size            *int64   `json:"size"`
	VirtualSize     *int64   `json:"virtual_size"`
	Checksum        *string  `json:"checksum"`
	HashAlgo        *string  `json:"os_hash_algo"`
	HashValue       *string  `json:"os_hash_value"`
	Protected       bool     `json:"protected"`
	Hidden          bool     `json:"os_hidden"`
	DiskFormat      *string  `json:"disk_format"`
	ContainerFormat *string  `json:"container_format"`
	Tags            []string `json:"tags"`
}

func (img image) name() string {
	if img.Name == nil {
		return "<nil>"
	}
	return *img.Name
}

// page is one answer of GET /v2/images.
type page struct {
	Images []image `json:"images"`
	First  string  `json:"first"`
	Next   string  `json:"next"`
	Schema string  `json:"schema"`
}

func (p page) names() []string {
	out := make([]string, len(p.Images))
	for i, img := range p.Images {
		out[i] = img.name()
	}
	return out
}

func mustStatus(tb testing.TB, what string, resp *http.Response, body []byte, want int) {
	tb.Helper()
	if resp.StatusCode != want {
		tb.Fatalf("%s: status %d, want %d\n%s", what, resp.StatusCode, want, body)
	}
}

func mustDecode(tb testing.TB, body []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		tb.Fatalf("decoding %s: %v", body, err)
	}
}

func (a api) create(tb testing.TB, body string) image {
	tb.Helper()
	resp, b := a.do(tb, "POST", "/v2/images", jsonType, body)
	mustStatus(tb, "create "+body, resp, b, http.StatusCreated)
	var img image
	mustDecode(tb, b, &img)
	return img
}

func (a api) upload(tb testing.TB, id string, data []byte) {
	tb.Helper()
	resp, b := a.do(tb, "PUT", "/v2/images/"+id+"/file", octetType, string(data))
	mustStatus(tb, "upload", resp, b, http.StatusNoContent)
}

func (a api) get(tb testing.TB, id string) image {
	tb.Helper()
	resp, b := a.do(tb, "GET", "/v2/images/"+id, nil, "")
	mustStatus(tb, "show "+id, resp, b, http.StatusOK)
	var img image
	mustDecode(tb, b, &img)
	return img
}

// list GETs path, a /v2/images URL as the next links give them.
func (a api) list(tb testing.TB, path string) page {
	tb.Helper()
	resp, b := a.do(tb, "GET", path, nil, "")
	mustStatus(tb, "list "+path, resp, b, http.StatusOK)
	var p page
	mustDecode(tb, b, &p)
	return p
}

// text is an error page as a reader sees it: Glance's HTML pages escape
// quotes.
func text(body []byte) string { return html.UnescapeString(string(body)) }

// query builds a query string from key, value pairs, keeping their order
// and repeats, which url.Values would not.
func query(kv ...string) string {
	var parts []string
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, url.QueryEscape(kv[i])+"="+url.QueryEscape(kv[i+1]))
	}
	return strings.Join(parts, "&")
}

// identity is what an authenticating proxy sends in trusted-auth mode.
func identity(project, roles string) map[string]string {
	return map[string]string{"X-Identity-Status": "Confirmed", "X-Project-Id": project,
		"X-User-Id": "user-of-" + project, "X-Roles": roles}
}

// mustOpenDB opens the server's SQLite database, to set up what the API
// cannot (memberships, chosen timestamps).
func mustOpenDB(tb testing.TB, dir string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(dir, "glance.sqlite")+"?_busy_timeout=10000")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustExec(tb testing.TB, db *sql.DB, stmt string, args ...any) {
	tb.Helper()
	if _, err := db.Exec(stmt, args...); err != nil {
		tb.Fatalf("%s: %v", stmt, err)
	}
}
