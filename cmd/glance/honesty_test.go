package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The server advertises no import method while it serves no /stage or
// /import route: clients and test suites then skip import instead of
// meeting 404s. Glance with enabled_import_methods = [] answers the same.
func TestImportMethodsAdvertiseOnlyWhatIsServed(t *testing.T) {
	for name, extra := range map[string]string{
		"default":             "",
		"set by the operator": "enabled_import_methods = glance-direct,web-download,copy-image\n",
	} {
		t.Run(name, func(t *testing.T) {
			base := MustStartServer(t, extra)
			resp, body := request{method: "GET", path: "/v2/info/import"}.do(t, base)
			mustStatus(t, "GET /v2/info/import", resp, body, http.StatusOK)
			var info struct {
				Methods struct{ Value []string } `json:"import-methods"`
			}
			if err := json.Unmarshal(body, &info); err != nil || info.Methods.Value == nil || len(info.Methods.Value) != 0 {
				t.Errorf("import info %s (%v), want an empty value list", body, err)
			}
			resp, body = request{"POST", "/v2/images", jsonType, `{"name":"x"}`}.do(t, base)
			mustStatus(t, "create", resp, body, http.StatusCreated)
			if h, ok := resp.Header["Openstack-Image-Import-Methods"]; ok {
				t.Errorf("create sent OpenStack-image-import-methods %q; Glance leaves it out when no method is enabled", h)
			}
		})
	}
}

// GET /v2/info/stores/detail follows Glance's stores_info_detail rule,
// role:admin. Glance's unauthenticated context is admin but holds no
// role, so without auth the answer is 403, as captured from Glance.
func TestStoresDetailNeedsTheAdminRole(t *testing.T) {
	datadir := t.TempDir()
	stores := "enabled_backends = file:file\n[glance_store]\ndefault_backend = file\n[file]\nfilesystem_store_datadir = " + datadir + "\n"
	noauth := MustStartServer(t, stores)
	resp, body := request{method: "GET", path: "/v2/info/stores/detail"}.do(t, noauth)
	mustStatus(t, "no auth", resp, body, http.StatusForbidden)
	if !strings.Contains(string(body), "You are not authorized to complete stores_info_detail action.") {
		t.Errorf("403 body: %s", body)
	}

	// Zed's detail: no weight, which later Glance added.
	detail := `{"stores": [{"id": "file", "default": "true", "type": "file", "properties": {"data_dir": "` + datadir +
		`", "chunk_size": 65536, "thin_provisioning": false}}]}`
	trusted := MustStartServer(t, trustedAuth+"[DEFAULT]\n"+stores)
	for _, c := range []struct {
		roles string
		want  int
	}{
		{"admin", http.StatusOK},
		{"reader,member,admin", http.StatusOK},
		{"member,reader", http.StatusForbidden},
		{"service", http.StatusForbidden},
	} {
		resp, body := request{method: "GET", path: "/v2/info/stores/detail", header: identity("P", c.roles)}.do(t, trusted)
		mustStatus(t, "roles "+c.roles, resp, body, c.want)
		if c.want == http.StatusOK && string(body) != detail {
			t.Errorf("roles %s: detail\n got: %s\nwant: %s", c.roles, body, detail)
		}
	}

	// Without multi-store Glance answers 404 before it checks the rule.
	single := MustStartServer(t, "")
	resp, body = request{method: "GET", path: "/v2/info/stores/detail"}.do(t, single)
	mustStatus(t, "single store", resp, body, http.StatusNotFound)
}
