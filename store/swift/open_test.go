package swift

import (
	"errors"
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
