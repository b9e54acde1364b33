package glancetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// Client makes the Image API v2 calls the tests need, over plain HTTP.
// Servers without Keystone need no authentication; for the others
// Header carries the token.
type Client struct {
	Endpoint string
	HTTP     *http.Client
	// Header is sent with every request (e.g. X-Auth-Token); a
	// request's own headers override it.
	Header http.Header
}

// WithToken returns a copy of c that sends token as X-Auth-Token.
func (c Client) WithToken(token string) Client {
	c.Header = http.Header{"X-Auth-Token": {token}}
	return c
}

// NewClient returns a client for the server at endpoint.
func NewClient(endpoint string) Client {
	return Client{Endpoint: endpoint, HTTP: &http.Client{Timeout: 2 * time.Minute}}
}

// Image is an image as the API shows it.
type Image map[string]any

// ID is the image's id.
func (im Image) ID() string { return im.String("id") }

// String is a string field, or "" when absent or null; other values
// are formatted.
func (im Image) String(key string) string {
	switch v := im[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprint(v)
	}
}

// Tags is the sorted tag list.
func (im Image) Tags() []string {
	raw, _ := im["tags"].([]any)
	tags := make([]string, 0, len(raw))
	for _, t := range raw {
		tags = append(tags, fmt.Sprint(t))
	}
	sort.Strings(tags)
	return tags
}

// Do sends a request and returns the status, headers and body. A
// transport error fails the test.
func (c Client) Do(tb testing.TB, method, path string, body []byte, header http.Header) (int, http.Header, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, c.Endpoint+path, rd)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	// As curl and python-requests send it: errors come as WebOb's HTML.
	req.Header.Set("Accept", "*/*")
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		tb.Fatalf("%s %s%s: %v", method, c.Endpoint, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s%s: reading the body: %v", method, c.Endpoint, path, err)
	}
	return resp.StatusCode, resp.Header, data
}

// mustDo is Do that fails the test unless the status is want.
func (c Client) mustDo(tb testing.TB, want int, method, path string, body []byte, header http.Header) []byte {
	tb.Helper()
	code, _, data := c.Do(tb, method, path, body, header)
	if code != want {
		tb.Fatalf("%s %s%s: got %d, want %d; body: %.2000s", method, c.Endpoint, path, code, want, data)
	}
	return data
}

// MustCreate posts fields to /v2/images and returns the new image (201).
func (c Client) MustCreate(tb testing.TB, fields map[string]any) Image {
	tb.Helper()
	body, err := json.Marshal(fields)
	if err != nil {
		tb.Fatal(err)
	}
	data := c.mustDo(tb, http.StatusCreated, http.MethodPost, "/v2/images", body,
		http.Header{"Content-Type": {"application/json"}})
	return mustImage(tb, data)
}

// MustUpload puts data as the image's file (204).
func (c Client) MustUpload(tb testing.TB, id string, data []byte) {
	tb.Helper()
	c.mustDo(tb, http.StatusNoContent, http.MethodPut, "/v2/images/"+id+"/file", data,
		http.Header{"Content-Type": {"application/octet-stream"}})
}

// MustGet returns one image (200).
func (c Client) MustGet(tb testing.TB, id string) Image {
	tb.Helper()
	return mustImage(tb, c.mustDo(tb, http.StatusOK, http.MethodGet, "/v2/images/"+id, nil, nil))
}

// MustList returns every image GET /v2/images shows for query (e.g.
// "status=active"), following the next links.
func (c Client) MustList(tb testing.TB, query string) []Image {
	tb.Helper()
	path := "/v2/images"
	if query != "" {
		path += "?" + query
	}
	var all []Image
	for pages := 0; path != ""; pages++ {
		if pages == 100 {
			tb.Fatalf("GET /v2/images: more than 100 pages; last next link %s", path)
		}
		data := c.mustDo(tb, http.StatusOK, http.MethodGet, path, nil, nil)
		var page struct {
			Images []Image `json:"images"`
			Next   string  `json:"next"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			tb.Fatalf("GET %s: %v; body: %.2000s", path, err, data)
		}
		all = append(all, page.Images...)
		path = page.Next
		if path != "" && !strings.HasPrefix(path, "/") {
			u, err := url.Parse(path)
			if err != nil {
				tb.Fatalf("GET /v2/images: bad next link %q", path)
			}
			path = u.RequestURI()
		}
	}
	return all
}

// MustDownload returns the image's data (200).
func (c Client) MustDownload(tb testing.TB, id string) []byte {
	tb.Helper()
	return c.mustDo(tb, http.StatusOK, http.MethodGet, "/v2/images/"+id+"/file", nil, nil)
}

// MustPatch applies JSON-patch operations (Glance's
// application/openstack-images-v2.1-json-patch) and returns the image.
func (c Client) MustPatch(tb testing.TB, id string, ops ...map[string]any) Image {
	tb.Helper()
	body, err := json.Marshal(ops)
	if err != nil {
		tb.Fatal(err)
	}
	data := c.mustDo(tb, http.StatusOK, http.MethodPatch, "/v2/images/"+id, body,
		http.Header{"Content-Type": {"application/openstack-images-v2.1-json-patch"}})
	return mustImage(tb, data)
}

// MustAddTag adds a tag (204).
func (c Client) MustAddTag(tb testing.TB, id, tag string) {
	tb.Helper()
	c.mustDo(tb, http.StatusNoContent, http.MethodPut, "/v2/images/"+id+"/tags/"+url.PathEscape(tag), nil, nil)
}

// MustDelete deletes an image (204).
func (c Client) MustDelete(tb testing.TB, id string) {
	tb.Helper()
	c.mustDo(tb, http.StatusNoContent, http.MethodDelete, "/v2/images/"+id, nil, nil)
}

// Status returns the status code of GET path.
func (c Client) Status(tb testing.TB, path string) int {
	tb.Helper()
	code, _, _ := c.Do(tb, http.MethodGet, path, nil, nil)
	return code
}

func mustImage(tb testing.TB, data []byte) Image {
	tb.Helper()
	var im Image
	if err := json.Unmarshal(data, &im); err != nil {
		tb.Fatalf("decoding an image: %v; body: %.2000s", err, data)
	}
	return im
}

// FindImage returns the image with id in list, or nil.
func FindImage(list []Image, id string) Image {
	for _, im := range list {
		if im.ID() == id {
			return im
		}
	}
	return nil
}
