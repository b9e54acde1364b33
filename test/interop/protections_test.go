package interop

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// trustedPasteConfig is Glance's pipeline with its context middleware,
// which takes the caller from X-Identity-Status, X-Roles and
// X-Project-Id: what our trusted-auth flavor trusts, without Keystone.
const trustedPasteConfig = `[pipeline:glance-api-trusted]
pipeline = versionnegotiation context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory
`

// interopProtections: members own x_owner_ properties, spl_role holders
// create and read spl_ ones, x_all_ is anyone's, the rest the admins'.
const interopProtections = `[^x_owner_.*]
create = admin,member
read = admin,member
update = admin,member
delete = admin,member

[^spl_read]
create = admin,spl_role
read = admin,spl_role
update = admin
delete = admin

[^x_all_]
create = @
read = @
update = @
delete = @

[.*]
create = admin
read = admin
update = admin
delete = admin
`

// TestPropertyProtectionsMatchGlance: Debian's glance-api and our
// server, given the same protection file and the same callers, answer
// the same requests alike: status, the properties an image shows, and
// the error page. Each request works on an image of its own, since
// Glance deletes the properties a caller cannot read whenever it saves
// an image for it, where we keep them.
func TestPropertyProtectionsMatchGlance(t *testing.T) {
	t.Parallel()
	requireRealGlance(t)
	glancetest.MustBuild(t)
	dir := t.TempDir()
	rules := filepath.Join(dir, "property-protections.conf")
	paste := filepath.Join(dir, "glance-api-paste.ini")
	for path, text := range map[string]string{rules: interopProtections, paste: trustedPasteConfig} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	secureRBAC := map[string]string{"enforce_new_defaults": "true", "enforce_scope": "true"}

	real := newRealGlance(t, filepath.Join(dir, "real"), "sqlite:///"+filepath.Join(dir, "real", "glance.sqlite"), filepath.Join(dir, "real", "images"))
	real.mustConfigure(t, map[string]map[string]string{
		// Zed wants both of its secure-RBAC switches set.
		"DEFAULT":      {"property_protection_file": rules, "enforce_secure_rbac": "true"},
		"paste_deploy": {"config_file": paste, "flavor": "trusted"},
		"oslo_policy":  secureRBAC,
	})
	real.mustManage(t, "db_sync")
	ours := glancetest.MustStart(t, glancetest.Config{Dir: filepath.Join(dir, "ours"), Options: map[string]map[string]string{
		"DEFAULT":      {"property_protection_file": rules},
		"paste_deploy": {"flavor": "trusted-auth"},
		"oslo_policy":  secureRBAC,
	}}).Client
	servers := map[string]glancetest.Client{"Glance": real.mustStart(t), "ours": ours}

	const (
		admin  = "admin,member,reader"
		member = "member,reader"
		spl    = "member,reader,spl_role"
	)
	seeded := `{"name":"p","x_owner_a":"1","spl_read_a":"r","x_all_a":"all","os_distro":"ubuntu"}`
	for _, c := range []struct {
		name, roles, method, body string
	}{
		{"admin shows", admin, "GET", ""},
		{"member shows", member, "GET", ""},
		{"spl_role shows", spl, "GET", ""},
		{"member lists", member, "LIST", ""},
		{"member creates what it may not", member, "POST", `{"name":"x","x_owner_b":"1","os_distro":"x"}`},
		{"member creates", member, "POST", `{"name":"x","x_owner_b":"1","x_all_b":"2"}`},
		{"member replaces its own", member, "PATCH", `[{"op":"replace","path":"/x_owner_a","value":"2"}]`},
		{"member removes its own", member, "PATCH", `[{"op":"remove","path":"/x_owner_a"}]`},
		{"member adds and replaces", member, "PATCH", `[{"op":"add","path":"/x_owner_b","value":"1"},{"op":"replace","path":"/x_owner_b","value":"2"}]`},
		{"member replaces one it cannot read", member, "PATCH", `[{"op":"replace","path":"/os_distro","value":"x"}]`},
		{"member removes one it cannot read", member, "PATCH", `[{"op":"remove","path":"/spl_read_a"}]`},
		{"member adds one it may not create", member, "PATCH", `[{"op":"add","path":"/os_distro","value":"x"}]`},
		{"member removes a missing one", member, "PATCH", `[{"op":"remove","path":"/x_owner_zz"}]`},
		{"member replaces anyone's", member, "PATCH", `[{"op":"replace","path":"/x_all_a","value":"b"}]`},
		{"spl_role may not update", spl, "PATCH", `[{"op":"replace","path":"/spl_read_a","value":"u"}]`},
		{"spl_role may not delete", spl, "PATCH", `[{"op":"remove","path":"/spl_read_a"}]`},
		{"spl_role adds an existing one: update", spl, "PATCH", `[{"op":"add","path":"/spl_read_a","value":"u"}]`},
		{"admin replaces and removes", admin, "PATCH", `[{"op":"replace","path":"/os_distro","value":"d"},{"op":"remove","path":"/spl_read_a"}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			answers := map[string]string{}
			for name, client := range servers {
				client.Header = http.Header{"X-Identity-Status": {"Confirmed"}, "X-Project-Id": {"A"},
					"X-User-Id": {"u"}, "Accept": {"*/*"}}
				seed := client
				seed.Header = seed.Header.Clone()
				seed.Header.Set("X-Roles", admin)
				id := seed.MustCreate(t, mustJSON(t, seeded)).ID()
				client.Header.Set("X-Roles", c.roles)
				answers[name] = protectionAnswer(t, client, c.method, id, c.body)
			}
			if answers["Glance"] != answers["ours"] {
				t.Errorf("Glance answers %s\nwe answer    %s", answers["Glance"], answers["ours"])
			}
		})
	}
}

// protectionAnswer makes one request and sums up the answer: the status
// and the extra properties of the image shown, or the error page.
func protectionAnswer(t *testing.T, c glancetest.Client, method, id, body string) string {
	t.Helper()
	path, header := "/v2/images/"+id, http.Header{}
	switch method {
	case "LIST":
		for _, img := range c.MustList(t, "") {
			if img.ID() == id {
				return fmt.Sprintf("200 %v", extraProperties(img))
			}
		}
		t.Fatalf("the listing lacks %s", id)
	case "POST":
		path = "/v2/images"
		header.Set("Content-Type", "application/json")
	case "PATCH":
		header.Set("Content-Type", "application/openstack-images-v2.1-json-patch")
	}
	var data []byte
	if body != "" {
		data = []byte(body)
	}
	code, _, out := c.Do(t, method, path, data, header)
	if code >= 300 {
		return fmt.Sprintf("%d %s", code, out)
	}
	var img glancetest.Image
	if err := json.Unmarshal(out, &img); err != nil {
		t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return fmt.Sprintf("%d %v", code, extraProperties(img))
}

// extraProperties are the image's fields that are not Glance's base
// attributes.
func extraProperties(img glancetest.Image) map[string]any {
	base := map[string]bool{"id": true, "name": true, "status": true, "visibility": true, "protected": true,
		"os_hidden": true, "checksum": true, "os_hash_algo": true, "os_hash_value": true, "owner": true,
		"size": true, "virtual_size": true, "disk_format": true, "container_format": true, "min_disk": true,
		"min_ram": true, "created_at": true, "updated_at": true, "tags": true, "self": true, "file": true,
		"schema": true, "locations": true, "direct_url": true, "stores": true}
	out := map[string]any{}
	for k, v := range img {
		if !base[k] {
			out[k] = v
		}
	}
	return out
}

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
