package swift

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-glance/glance/store"
)

func base() store.Options {
	return store.Options{
		"swift_store_auth_address": "http://swift.example:8080/auth/v1.0",
		"swift_store_user":         "acct:user",
		"swift_store_key":          "k/ey",
	}
}

func TestOpenDefaults(t *testing.T) {
	d, err := Open("", base())
	if err != nil {
		t.Fatal(err)
	}
	got := d.(*Driver).Describe()
	if got[0].Value != "glance" || got[1].Value != int64(5120<<20) || got[2].Value != int64(200<<20) {
		t.Errorf("Describe() = %v, want Glance's defaults", got)
	}
}

func TestOpenRefuses(t *testing.T) {
	for name, set := range map[string][2]string{
		"auth version 4":   {"swift_store_auth_version", "4"},
		"endpoint type":    {"swift_store_endpoint_type", "public_url"},
		"config file":      {"swift_store_config_file", "/etc/glance/swift.conf"},
		"multi tenant":     {"swift_store_multi_tenant", "True"},
		"bad size":         {"swift_store_large_object_size", "big"},
		"zero chunk":       {"swift_store_large_object_chunk_size", "0"},
		"bad address":      {"swift_store_auth_address", "swift.example"},
		"container path":   {"swift_store_container", "a/b"},
		"bad create":       {"swift_store_create_container_on_put", "maybe"},
		"no key":           {"swift_store_key", ""},
		"unsupported mode": {"swift_store_auth_version", "2"},
	} {
		o := base()
		o[set[0]] = set[1]
		if _, err := Open("", o); err == nil || !strings.Contains(err.Error(), strings.Split(set[0], "_store_")[1][:3]) {
			t.Errorf("%s: %v, want an error naming %s", name, err, set[0])
		}
	}
}

func TestURLs(t *testing.T) {
	d, err := Open("objects", base())
	if err != nil {
		t.Fatal(err)
	}
	sd := d.(*Driver)
	u := sd.url("glance", "1f6a2f9e-8d6c-4b7e-9a55-3c4d2e1f0a9b")
	if want := "swift+http://acct%3Auser:k%2Fey@swift.example:8080/auth/v1.0/glance/1f6a2f9e-8d6c-4b7e-9a55-3c4d2e1f0a9b"; u != want {
		t.Errorf("url = %s, want %s", u, want)
	}
	_, c, o, err := sd.parse(u)
	if err != nil || c != "glance" || o != "1f6a2f9e-8d6c-4b7e-9a55-3c4d2e1f0a9b" {
		t.Errorf("parse(%s) = %s, %s, %v", u, c, o, err)
	}
	for raw, want := range map[string]error{
		"swift+http://swift.example:8080/auth/v1.0/glance":           store.ErrInvalid,
		"swift+http://swift.example:8080/auth/v1.0/glance/":          store.ErrInvalid,
		"swift+http://swift.example:8080/auth/v1.0/glance/a/b":       store.ErrInvalid,
		"swift+http://other.example:8080/auth/v1.0/glance/x":         store.ErrNotFound,
		"file:///var/lib/glance/images/x":                            store.ErrNotFound,
		"swift+https://u:k@swift.example:8080/auth/v1.0/images/x%zz": store.ErrInvalid,
	} {
		if _, _, _, err := sd.parse(raw); !errors.Is(err, want) {
			t.Errorf("parse(%s): %v, want %v", raw, err, want)
		}
	}
	if !sd.Owns("swift://u:k@swift.example:8080/auth/v1.0/other/x") {
		t.Error("a location in another container of this Swift is not owned")
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "glance-swift.conf")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestOpenReferences: the account comes from the default_swift_reference
// section of swift_store_config_file, read as glance_store reads it
// (quotes stripped, [DEFAULT] for every section, auth_version falling
// back to swift_store_auth_version), and locations name the reference.
func TestOpenReferences(t *testing.T) {
	refs := writeFile(t, "[DEFAULT]\nauth_version = 3\n\n[ref1]\nauth_address = http://keystone.example:5000\n"+
		"user = 'service:glance'\nkey = \"p#ss w\"\nuser_domain_name = Users\n\n[old]\nauth_address = http://swift.example:8080/auth/v1.0\n"+
		"auth_version = 1\nuser = acct:user\nkey = k\n\n[incomplete]\nuser = x\n")
	d, err := Open("", store.Options{"swift_store_config_file": refs, "swift_store_user": "ignored:user"})
	if err != nil {
		t.Fatal(err)
	}
	sd := d.(*Driver)
	a := sd.def
	if a.AuthVersion != 3 || a.User != "service:glance" || a.Key != "p#ss w" || a.UserDomainName != "Users" {
		t.Errorf("account = %+v", a.Account)
	}
	if a.conn.AuthUrl != "http://keystone.example:5000/v3" || a.conn.Tenant != "service" || a.conn.UserName != "glance" ||
		a.conn.Domain != "Users" || a.conn.TenantDomainId != "default" {
		t.Errorf("login = %s %s %s %s %s", a.conn.AuthUrl, a.conn.Tenant, a.conn.UserName, a.conn.Domain, a.conn.TenantDomainId)
	}
	if u := sd.url("glance", "id"); u != "swift+config://ref1/glance/id" {
		t.Errorf("url = %s", u)
	}
	for raw, owned := range map[string]bool{
		"swift+config://ref1/glance/id":                                     true,
		"swift+config://old/glance/id":                                      true,
		"swift+config://incomplete/glance/id":                               false,
		"swift+http://acct%3Auser:k@swift.example:8080/auth/v1.0/glance/id": true,
		"swift+http://u:k@keystone.example:5000/glance/id":                  true,
	} {
		if sd.Owns(raw) != owned {
			t.Errorf("Owns(%s) = %v, want %v", raw, !owned, owned)
		}
	}
	if got := strings.Join(sd.Caveats(), "\n"); !strings.Contains(got, "swift_store_user") {
		t.Errorf("Caveats() = %q, want one about swift_store_user", got)
	}

	for name, content := range map[string]string{
		"no default reference":    "[other]\nauth_address = http://x/v3\nuser = p:u\nkey = k\n",
		"auth version 2":          "[ref1]\nauth_address = http://x/v2.0\nuser = p:u\nkey = k\nauth_version = 2\n",
		"v3 user without project": "[ref1]\nauth_address = http://x/v3\nuser = u\nkey = k\nauth_version = 3\n",
	} {
		if _, err := Open("", store.Options{"swift_store_config_file": writeFile(t, content)}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Open("", store.Options{"swift_store_config_file": "/nonexistent/glance-swift.conf"}); err == nil || !strings.Contains(err.Error(), "swift_store_config_file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestOpenCaveats: options glance_store reads that have no effect here
// are named at start; those at Glance's defaults are not.
func TestOpenCaveats(t *testing.T) {
	o := base()
	o["swift_store_service_type"] = "object-store"
	o["swift_buffer_on_upload"] = "False"
	d, err := Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	if c := d.(*Driver).Caveats(); len(c) != 0 {
		t.Errorf("Caveats() = %q at defaults", c)
	}
	o["swift_store_service_type"] = "object-store-2"
	o["swift_store_multiple_containers_seed"] = "3"
	o["swift_store_retry_get_count"] = "2"
	d, err = Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(d.(*Driver).Caveats(), "\n")
	for _, want := range []string{"swift_store_service_type", "swift_store_multiple_containers_seed"} {
		if !strings.Contains(got, want) {
			t.Errorf("Caveats() = %q, want one about %s", got, want)
		}
	}
	if strings.Contains(got, "retry_get_count") {
		t.Errorf("Caveats() = %q names an option acted on", got)
	}
}

// TestOpenAuthVersion: 1 and 3 are taken, 2 is refused with a message
// saying what to set.
func TestOpenAuthVersion(t *testing.T) {
	o := base()
	o["swift_store_auth_version"] = "2"
	if _, err := Open("", o); err == nil || !strings.Contains(err.Error(), "set 3") {
		t.Errorf("auth version 2: %v, want an error saying to set 3", err)
	}
	o["swift_store_auth_version"] = "3"
	o["swift_store_auth_address"] = "https://keystone.example/identity/v3/"
	o["swift_store_endpoint_type"] = "internalURL"
	o["swift_store_region"] = "RegionTwo"
	d, err := Open("", o)
	if err != nil {
		t.Fatal(err)
	}
	c := d.(*Driver).def.conn
	if c.AuthUrl != "https://keystone.example/identity/v3/" || c.EndpointType != "internal" || c.Region != "RegionTwo" || c.DomainId != "default" {
		t.Errorf("login = %s %s %s %s", c.AuthUrl, c.EndpointType, c.Region, c.DomainId)
	}
	if u := d.(*Driver).url("glance", "id"); !strings.HasPrefix(u, "swift+https://acct%3Auser:k%2Fey@keystone.example/identity/v3/glance/id") {
		t.Errorf("url = %s", u)
	}
}
