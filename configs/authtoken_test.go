package configs

import (
	"slices"
	"strings"
	"testing"
)

const serviceUser = `[paste_deploy]
flavor = keystone
[keystone_authtoken]
auth_type = password
auth_url = http://keystone:5000
username = glance
password = secret
user_domain_id = default
project_name = service
project_domain_id = default
`

func TestAuthtokenServiceUser(t *testing.T) {
	c := MustLoad(t, serviceUser+"auth_uri = https://public:5000\nservice_token_roles = service, admin\n")
	if err := c.CheckAuthtoken(); err != nil {
		t.Fatalf("CheckAuthtoken: %v", err)
	}
	a := c.Authtoken
	if a.WWWAuthenticateURI != "https://public:5000" || a.Username != "glance" || a.ProjectDomainID != "default" {
		t.Errorf("Authtoken = %+v", a)
	}
	if !slices.Equal(a.ServiceTokenRoles, []string{"service", "admin"}) {
		t.Errorf("ServiceTokenRoles = %v", a.ServiceTokenRoles)
	}
	if !slices.ContainsFunc(c.Deprecated, func(d string) bool { return strings.Contains(d, "auth_uri") }) {
		t.Errorf("Deprecated = %v, want auth_uri named", c.Deprecated)
	}
}

func TestAuthtokenMissingOrUnsupported(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"empty section", "[paste_deploy]\nflavor = keystone\n", []string{
			`[keystone_authtoken] auth_type: "" is not set`,
			`[keystone_authtoken] auth_url: "" is not set`,
			`[keystone_authtoken] password: "" is not set`,
			`[keystone_authtoken] username: "" is not set, nor is user_id`,
		}},
		{"token plugin", strings.Replace(serviceUser, "auth_type = password", "auth_type = v3token", 1), []string{
			`[keystone_authtoken] auth_type: "v3token" is not supported; only password (or v3password) is`,
		}},
		{"user without domain", strings.Replace(serviceUser, "user_domain_id = default\n", "", 1), []string{
			`[keystone_authtoken] user_domain_name: "" is not set`,
		}},
		{"project without domain", strings.Replace(serviceUser, "project_domain_id = default\n", "", 1), []string{
			`[keystone_authtoken] project_domain_name: "" is not set`,
		}},
		{"certificate without key", serviceUser + "certfile = /etc/glance/client.pem\n", []string{
			`[keystone_authtoken] certfile: "/etc/glance/client.pem" and keyfile must be set together`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MustLoad(t, tt.content).CheckAuthtoken()
			if err == nil {
				t.Fatal("CheckAuthtoken passed")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
	t.Run("default domain stands in", func(t *testing.T) {
		content := strings.NewReplacer("user_domain_id = default\n", "", "project_domain_id = default\n", "default_domain_id = default\n").Replace(serviceUser)
		if err := MustLoad(t, content).CheckAuthtoken(); err != nil {
			t.Error(err)
		}
	})
}

func TestAuthtokenBadValues(t *testing.T) {
	for content, want := range map[string]string{
		"[keystone_authtoken]\ninterface = private\n":              `[keystone_authtoken] interface: "private" is not one of public, internal, admin`,
		"[keystone_authtoken]\nauth_url = keystone:5000\n":         `[keystone_authtoken] auth_url: "keystone:5000" is not an http:// or https:// URL`,
		"[keystone_authtoken]\ntoken_cache_time = -2\n":            `[keystone_authtoken] token_cache_time: "-2" must be at least -1`,
		"[keystone_authtoken]\nhttp_connect_timeout = -1\n":        `[keystone_authtoken] http_connect_timeout: "-1" must be at least 0`,
		"[keystone_authtoken]\nsystem_scope = project\n":           `[keystone_authtoken] system_scope: "project" is not all`,
		"[keystone_authtoken]\nmemcache_security_strategy = AES\n": `[keystone_authtoken] memcache_security_strategy: "AES" is not one of None, MAC, ENCRYPT`,
		"[keystone_authtoken]\nservice_token_roles_required = y\n": `[keystone_authtoken] service_token_roles_required: "y" is not a boolean`,
	} {
		if got := MustFail(t, content); !strings.Contains(got, want) {
			t.Errorf("%q: error %q, want %q", content, got, want)
		}
	}
}

// TestAuthtokenNotActedOn checks that Kolla's memcached settings, which
// the in-process cache replaces, are reported at start.
func TestAuthtokenNotActedOn(t *testing.T) {
	c, err := Load([]string{"testdata/kolla/glance-api.conf"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"memcached_servers", "memcache_security_strategy", "memcache_secret_key", "service_type"} {
		if !slices.ContainsFunc(c.NotActedOn, func(m string) bool { return strings.HasPrefix(m, "[keystone_authtoken] "+name+" ") }) {
			t.Errorf("NotActedOn = %q, want %s named", c.NotActedOn, name)
		}
	}
	if err := c.CheckAuthtoken(); err != nil {
		t.Errorf("Kolla's section: %v", err)
	}
}
