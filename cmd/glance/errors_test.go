package main

import (
	"net/http"
	"strings"
	"testing"
)

// errCase is one request that fails: the status and a piece of the
// message Glance gives.
type errCase struct {
	name   string
	method string
	path   string
	header map[string]string
	body   string
	status int
	msg    string
}

func runErrCases(t *testing.T, a api, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := a.do(t, c.method, c.path, c.header, c.body)
			mustStatus(t, c.method+" "+c.path, resp, body, c.status)
			if !strings.Contains(text(body), c.msg) {
				t.Errorf("body lacks %q:\n%s", c.msg, body)
			}
			if ct := resp.Header.Get("Content-Type"); c.method != "HEAD" && ct != "text/html; charset=UTF-8" {
				t.Errorf("Content-Type %q, want Glance's HTML error page", ct)
			}
		})
	}
}

func TestCreateErrors(t *testing.T) {
	a := api{base: MustStartServer(t, "")}
	create := func(name, body string, status int, msg string) errCase {
		return errCase{name: name, method: "POST", path: "/v2/images", header: jsonType, body: body, status: status, msg: msg}
	}
	runErrCases(t, a, []errCase{
		create("bad json", `{"name": `, 400, "Malformed JSON in request body."),
		create("no body", "", 400, "Body expected in request."),
		// Glance fails with a 500 here; a 400 is what its checklist asks.
		create("not an object", `["name"]`, 400, ""),
		create("read-only attribute", `{"status":"active"}`, 403, "Attribute 'status' is read-only."),
		create("shown-only attribute", `{"self":"/v2/images/x"}`, 403, "Attribute 'self' is read-only."),
		create("reserved attribute", `{"deleted":"true"}`, 403, "Attribute 'deleted' is reserved."),
		create("reserved namespace", `{"os_glance_import_task":"x"}`, 403, "Attribute 'os_glance_import_task' is reserved."),
		create("bad visibility", `{"visibility":"everyone"}`, 400, "'everyone' is not one of ['community', 'public', 'private', 'shared']"),
		create("bad id", `{"id":"not-a-uuid"}`, 400, "Provided object does not match schema 'image'"),
		create("negative min_ram", `{"min_ram":-1}`, 400, ""),
		create("property not a string", `{"os_distro":7}`, 400, "Provided object does not match schema 'image'"),
		create("long property name", `{"`+strings.Repeat("p", 256)+`":"x"}`, 400, ""),
	})
	// Nothing above left an image behind.
	if p := a.list(t, "/v2/images"); len(p.Images) != 0 {
		t.Errorf("failed creates left %d images", len(p.Images))
	}
}

func TestPatchErrors(t *testing.T) {
	a := api{base: MustStartServer(t, "")}
	img := a.create(t, `{"name":"before","disk_format":"raw","container_format":"bare","color":"blue"}`)
	path := "/v2/images/" + img.ID
	patch := func(name, body string, status int, msg string) errCase {
		return errCase{name: name, method: "PATCH", path: path, header: patchType, body: body, status: status, msg: msg}
	}
	v20 := map[string]string{"Content-Type": "application/openstack-images-v2.0-json-patch"}
	runErrCases(t, a, []errCase{
		patch("bad json", `[{"op":`, 400, "Malformed JSON in request body."),
		patch("no body", ``, 400, "Body expected in request."),
		patch("not an array", `{"op":"replace","path":"/name","value":"x"}`, 400, "Request body must be a JSON array of operation objects."),
		patch("op not an object", `["replace"]`, 400, "Operations must be JSON objects."),
		patch("path too deep", `[{"op":"replace","path":"/foo/bar","value":"x"}]`, 400, "Invalid JSON pointer for this resource: '/foo/bar'"),
		patch("tags element", `[{"op":"add","path":"/tags/0","value":"x"}]`, 400, "Invalid JSON pointer for this resource: '/tags/0'"),
		patch("relative path", `[{"op":"replace","path":"name","value":"x"}]`, 400, "Pointer `name` does not start with \"/\"."),
		patch("bad escape", `[{"op":"replace","path":"/a~2b","value":"x"}]`, 400, "Pointer `/a~2b` contains \"~\" not part of a recognized escape sequence."),
		patch("unsupported op", `[{"op":"move","path":"/name","from":"/x"}]`, 400, "Invalid operation: `move`. It must be one of the following: add, remove, replace."),
		patch("no op", `[{"path":"/name","value":"x"}]`, 400, "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace."),
		patch("no path", `[{"op":"replace","value":"x"}]`, 400, "Unable to find 'path' in JSON Schema change"),
		patch("no value", `[{"op":"replace","path":"/name"}]`, 400, `Operation "replace" requires a member named "value".`),
		patch("bad value", `[{"op":"replace","path":"/min_ram","value":"lots"}]`, 400, "Provided object does not match schema 'image'"),
		patch("read-only", `[{"op":"replace","path":"/status","value":"active"}]`, 403, "Attribute 'status' is read-only."),
		patch("reserved", `[{"op":"add","path":"/os_glance_x","value":"y"}]`, 403, "Attribute 'os_glance_x' is reserved."),
		patch("remove base attribute", `[{"op":"remove","path":"/name"}]`, 403, "Property name may not be removed."),
		patch("replace missing property", `[{"op":"replace","path":"/nope","value":"x"}]`, 409, "Property nope does not exist."),
		patch("remove missing property", `[{"op":"remove","path":"/nope"}]`, 409, "Property nope does not exist."),
		// A failing op throws away the ops before it.
		patch("all or nothing", `[{"op":"replace","path":"/name","value":"after"},{"op":"remove","path":"/nope"}]`, 409, "Property nope does not exist."),
		patch("all or nothing, checked first", `[{"op":"replace","path":"/name","value":"after"},{"op":"replace","path":"/id","value":"x"}]`, 403, "Attribute 'id' is read-only."),
		{name: "v2.0 two ops", method: "PATCH", path: path, header: v20, body: `[{"add":"/a","replace":"/b","value":"x"}]`, status: 400,
			msg: `Operation objects must contain only one member named "add", "remove", or "replace".`},
		{name: "v2.0 no op", method: "PATCH", path: path, header: v20, body: `[{"path":"/a","value":"x"}]`, status: 400,
			msg: `Operation objects must contain exactly one member named "add", "remove", or "replace".`},
		{name: "v2.0 add existing", method: "PATCH", path: path, header: v20, body: `[{"add":"/color","value":"red"}]`, status: 409,
			msg: "Property color already present."},
	})
	if got := a.get(t, img.ID); got.name() != "before" {
		t.Errorf("failed patches renamed the image to %q", got.name())
	}

	// Any other media type is a 415 naming the two Glance accepts.
	for _, ctype := range []string{"application/json", ""} {
		h := map[string]string{}
		if ctype != "" {
			h["Content-Type"] = ctype
		}
		resp, body := a.do(t, "PATCH", path, h, `[{"op":"replace","path":"/name","value":"x"}]`)
		mustStatus(t, "PATCH as "+ctype, resp, body, http.StatusUnsupportedMediaType)
		want := ctype
		if want == "" {
			want = "None"
		}
		if !strings.Contains(text(body), "The request media type "+want+" is not supported by this server.") {
			t.Errorf("415 body: %s", body)
		}
		if got := resp.Header.Get("Accept-Patch"); got != "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch" {
			t.Errorf("Accept-Patch %q", got)
		}
	}
}

func TestUnknownImage(t *testing.T) {
	a := api{base: MustStartServer(t, "")}
	for _, id := range []string{"11111111-2222-3333-4444-555555555555", "not-a-uuid", strings.Repeat("a", 40)} {
		var cases []errCase
		for _, r := range []struct {
			method, path string
			header       map[string]string
			body         string
		}{
			{"GET", "", nil, ""},
			{"PATCH", "", patchType, `[{"op":"replace","path":"/name","value":"x"}]`},
			{"DELETE", "", nil, ""},
			{"PUT", "/file", octetType, "data"},
			{"GET", "/file", nil, ""},
			{"POST", "/actions/deactivate", nil, ""},
			{"POST", "/actions/reactivate", nil, ""},
			{"PUT", "/tags/t", nil, ""},
			{"DELETE", "/tags/t", nil, ""},
		} {
			cases = append(cases, errCase{name: r.method + " " + id + r.path, method: r.method, path: "/v2/images/" + id + r.path,
				header: r.header, body: r.body, status: http.StatusNotFound, msg: ""})
		}
		runErrCases(t, a, cases)
	}
	// The message names the image, as Glance's does.
	resp, body := a.do(t, "GET", "/v2/images/not-a-uuid", nil, "")
	mustStatus(t, "show", resp, body, http.StatusNotFound)
	if !strings.Contains(text(body), "No image found with ID not-a-uuid") {
		t.Errorf("404 body: %s", body)
	}
	resp, body = a.do(t, "DELETE", "/v2/images/not-a-uuid", nil, "")
	mustStatus(t, "delete", resp, body, http.StatusNotFound)
	if !strings.Contains(text(body), "Failed to find image not-a-uuid to delete") {
		t.Errorf("delete 404 body: %s", body)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	a := api{base: MustStartServer(t, "")}
	id := a.create(t, `{"name":"x"}`).ID
	for _, c := range []struct {
		method, path, allow string
	}{
		{"PUT", "/v2/images", "GET, POST"},
		{"DELETE", "/v2/images", "GET, POST"},
		{"PATCH", "/v2/images", "GET, POST"},
		{"POST", "/v2/images/" + id, "GET, PATCH, DELETE"},
		{"PUT", "/v2/images/" + id, "GET, PATCH, DELETE"},
		// Glance's routes match exact methods: HEAD is not GET.
		{"HEAD", "/v2/images/" + id, "GET, PATCH, DELETE"},
		{"POST", "/v2/images/" + id + "/file", "GET, PUT"},
		{"DELETE", "/v2/images/" + id + "/file", "GET, PUT"},
		{"GET", "/v2/images/" + id + "/actions/deactivate", "POST"},
		{"PUT", "/v2/images/" + id + "/actions/reactivate", "POST"},
		{"GET", "/v2/images/" + id + "/tags/t", "PUT, DELETE"},
		{"POST", "/v2/schemas/image", "GET"},
		{"DELETE", "/v2/info/import", "GET"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			resp, body := a.do(t, c.method, c.path, nil, "")
			mustStatus(t, c.method+" "+c.path, resp, body, http.StatusMethodNotAllowed)
			if got := resp.Header.Get("Allow"); got != c.allow {
				t.Errorf("Allow %q, want %q", got, c.allow)
			}
			if c.method != "HEAD" && !strings.Contains(string(body), "The method "+c.method+" is not allowed for this resource.") {
				t.Errorf("405 body: %s", body)
			}
		})
	}
	// No route at all: 404 for HTTP's usual methods, 501 for others.
	resp, body := a.do(t, "DELETE", "/v2/nothing-here", nil, "")
	mustStatus(t, "unknown path", resp, body, http.StatusNotFound)
	resp, body = a.do(t, "PROPFIND", "/v2/nothing-here", nil, "")
	mustStatus(t, "unknown path and method", resp, body, http.StatusNotImplemented)
}

func TestVersionNegotiation(t *testing.T) {
	base := MustStartServer(t, "")
	for _, c := range []struct {
		path, accept string
		status       int
	}{
		{"/", "", http.StatusMultipleChoices},
		{"/v1/images", "", http.StatusMultipleChoices},
		{"/v3/images", "", http.StatusMultipleChoices},
		{"/v2.99/images", "", http.StatusMultipleChoices},
		{"/images", "", http.StatusMultipleChoices},
		{"/versions", "", http.StatusOK},
		{"/v2/images", "", http.StatusOK},
		{"/v2.1/images", "", http.StatusOK},
		{"/v2.15/images", "", http.StatusOK},
		// Multi-store and cache versions are accepted only when enabled.
		{"/v2.8/images", "", http.StatusMultipleChoices},
		{"/v2.16/images", "", http.StatusMultipleChoices},
		{"/images", "application/vnd.openstack.images-v2", http.StatusOK},
		{"/images", "application/vnd.openstack.images-v9", http.StatusMultipleChoices},
	} {
		t.Run(c.path+" "+c.accept, func(t *testing.T) {
			h := map[string]string{}
			if c.accept != "" {
				h["Accept"] = c.accept
			}
			resp, body := request{method: "GET", path: c.path, header: h}.do(t, base)
			mustStatus(t, c.path, resp, body, c.status)
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if c.status == http.StatusOK && c.path != "/versions" {
				if !strings.Contains(string(body), `"images": [`) {
					t.Errorf("not an image list: %s", body)
				}
				return
			}
			if !strings.Contains(string(body), `{"versions": [{"id": "v2.15", "status": "CURRENT", "links": [{"rel": "self", "href": "`+base+`/v2/"}]}`) {
				t.Errorf("not the versions document: %s", body)
			}
			// Version negotiation answers before Glance's context
			// middleware, so these carry no request id.
			if id := resp.Header.Get("X-Openstack-Request-Id"); id != "" {
				t.Errorf("versions document with request id %q", id)
			}
		})
	}
}

// TestRequestID checks the request id in trusted-auth mode, where Glance
// reads the caller's: it is adopted (with req- in front) unless longer
// than max_request_id_length.
func TestRequestID(t *testing.T) {
	base := MustStartServer(t, "[paste_deploy]\nflavor = trusted-auth\n")
	who := identity("A", "member,reader")
	send := func(id, path string) *http.Response {
		h := map[string]string{"X-Openstack-Request-Id": id}
		for k, v := range who {
			h[k] = v
		}
		resp, _ := request{method: "GET", path: path, header: h}.do(t, base)
		return resp
	}
	for _, c := range []struct {
		sent, path string
		status     int
		want       string
	}{
		{"abc123", "/v2/images", 200, "req-abc123"},
		{"req-abc123", "/v2/images", 200, "req-abc123"},
		{"abc123", "/v2/images/11111111-2222-3333-4444-555555555555", 404, "req-abc123"},
		{strings.Repeat("r", 64), "/v2/images", 200, "req-" + strings.Repeat("r", 64)},
		{strings.Repeat("r", 65), "/v2/images", 431, ""},
	} {
		resp := send(c.sent, c.path)
		if resp.StatusCode != c.status {
			t.Errorf("%d-char id: status %d, want %d", len(c.sent), resp.StatusCode, c.status)
		}
		if c.want != "" && resp.Header.Get("X-Openstack-Request-Id") != c.want {
			t.Errorf("sent %q, got back %q", c.sent, resp.Header.Get("X-Openstack-Request-Id"))
		}
	}
	// Without an id the server makes one per request.
	r1, r2 := send("", "/v2/images"), send("", "/v2/images")
	if id1, id2 := r1.Header.Get("X-Openstack-Request-Id"), r2.Header.Get("X-Openstack-Request-Id"); !uuidRE.MatchString(id1) ||
		!strings.HasPrefix(id1, "req-") || id1 == id2 {
		t.Errorf("made ids %q and %q", id1, id2)
	}

	t.Run("limit", func(t *testing.T) {
		for _, c := range []struct {
			conf   string
			length int
			status int
		}{
			{"max_request_id_length = 10", 10, 200},
			{"max_request_id_length = 10", 11, 431},
			// Glance checks only when the limit is above 0.
			{"max_request_id_length = 0", 300, 200},
		} {
			base := MustStartServer(t, c.conf+"\n[paste_deploy]\nflavor = trusted-auth\n")
			h := map[string]string{"X-Openstack-Request-Id": strings.Repeat("r", c.length)}
			for k, v := range who {
				h[k] = v
			}
			resp, body := request{method: "GET", path: "/v2/images", header: h}.do(t, base)
			if resp.StatusCode != c.status {
				t.Errorf("%s, %d chars: status %d, want %d\n%s", c.conf, c.length, resp.StatusCode, c.status, body)
			}
		}
	})
}

// TestErrorBodyFollowsAccept: errors come as WebOb renders them for the
// request's Accept header: HTML for */* (curl, python-requests), JSON
// when asked, and plain text when the request has no Accept at all.
func TestErrorBodyFollowsAccept(t *testing.T) {
	base := MustStartServer(t, "")
	const id = "11111111-2222-3333-4444-555555555555"
	for _, c := range []struct{ accept, ctype string }{
		{"*/*", "text/html; charset=UTF-8"},
		{"application/json", "application/json"},
		{"", "text/plain; charset=UTF-8"},
	} {
		resp, body := request{method: "GET", path: "/v2/images/" + id, header: map[string]string{"Accept": c.accept}}.do(t, base)
		mustStatus(t, "Accept "+c.accept, resp, body, http.StatusNotFound)
		if got := resp.Header.Get("Content-Type"); got != c.ctype {
			t.Errorf("Accept %q: Content-Type %q, want %q", c.accept, got, c.ctype)
		}
		if !strings.Contains(string(body), "No image found with ID "+id) {
			t.Errorf("Accept %q: body %s", c.accept, body)
		}
		// WebOb's plain text, byte for byte.
		if want := "404 Not Found\n\nNo image found with ID " + id + "\n\n   "; c.accept == "" && string(body) != want {
			t.Errorf("plain body %q, want %q", body, want)
		}
	}
}
