package configs

import (
	"slices"
	"strings"
	"testing"
)

// limitsUser is the [oslo_limit] section Glance's documentation shows:
// a system-scoped reader and the endpoint by id.
const limitsUser = `[DEFAULT]
use_keystone_limits = true
user_storage_quota = 1GB
[oslo_limit]
auth_type = password
auth_url = http://keystone:5000
username = glance
password = secret
user_domain_id = default
system_scope = all
endpoint_id = 0f3a
region_name = RegionOne
`

func TestOsloLimitReader(t *testing.T) {
	c := MustLoad(t, limitsUser)
	if err := c.CheckOsloLimit(); err != nil {
		t.Fatalf("CheckOsloLimit: %v", err)
	}
	l := c.OsloLimit
	if !c.Default.UseKeystoneLimits || c.Default.UserStorageQuota != 1<<30 {
		t.Errorf("use_keystone_limits %v, user_storage_quota %d", c.Default.UseKeystoneLimits, c.Default.UserStorageQuota)
	}
	if l.EndpointID != "0f3a" || l.SystemScope != "all" || l.Username != "glance" || l.RegionName != "RegionOne" {
		t.Errorf("OsloLimit = %+v", l)
	}
	// keystoneauth's defaults: the public identity endpoint, no retry.
	if l.EndpointInterface != "public" || !slices.Equal(l.ValidInterfaces, []string{"public"}) || l.ConnectRetries != 0 || l.Timeout != 0 {
		t.Errorf("defaults: endpoint_interface %q valid_interfaces %v connect_retries %d timeout %d",
			l.EndpointInterface, l.ValidInterfaces, l.ConnectRetries, l.Timeout)
	}
	if c.NotActedOn != nil {
		t.Errorf("NotActedOn = %q", c.NotActedOn)
	}
}

func TestOsloLimitLookupByService(t *testing.T) {
	c := MustLoad(t, strings.Replace(limitsUser, "endpoint_id = 0f3a\n",
		"endpoint_service_type = image\nendpoint_region_name = RegionOne\nendpoint_interface = internalURL\n", 1))
	if err := c.CheckOsloLimit(); err != nil {
		t.Fatalf("CheckOsloLimit: %v", err)
	}
	if l := c.OsloLimit; l.EndpointServiceType != "image" || l.EndpointRegionName != "RegionOne" || l.EndpointInterface != "internalURL" {
		t.Errorf("OsloLimit = %+v", l)
	}
}

func TestOsloLimitMissingOrUnsupported(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"empty section", "[DEFAULT]\nuse_keystone_limits = true\n", []string{
			`[oslo_limit] endpoint_id: "" is not set, nor endpoint_service_type or endpoint_service_name`,
			`[oslo_limit] auth_type: "" is not set`,
			`[oslo_limit] auth_url: "" is not set`,
			`[oslo_limit] password: "" is not set`,
			`[oslo_limit] username: "" is not set, nor is user_id`,
		}},
		{"token plugin", strings.Replace(limitsUser, "auth_type = password", "auth_type = v3token", 1), []string{
			`[oslo_limit] auth_type: "v3token" is not supported; only password (or v3password) is`,
		}},
		{"user without domain", strings.Replace(limitsUser, "user_domain_id = default\n", "", 1), []string{
			`[oslo_limit] user_domain_name: "" is not set`,
		}},
		{"project without domain", strings.Replace(limitsUser, "system_scope = all\n", "project_name = service\n", 1), []string{
			`[oslo_limit] project_domain_name: "" is not set`,
		}},
		{"key without certificate", limitsUser + "keyfile = /etc/glance/client.key\n", []string{
			`[oslo_limit] certfile: "" and keyfile must be set together`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := MustLoad(t, tt.content).CheckOsloLimit()
			if err == nil {
				t.Fatal("CheckOsloLimit passed")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
		})
	}
}

func TestOsloLimitBadValues(t *testing.T) {
	for content, want := range map[string]string{
		"[oslo_limit]\nendpoint_interface = private\n": `[oslo_limit] endpoint_interface: "private" is not one of public, internal, admin`,
		"[oslo_limit]\nvalid_interfaces = public,x\n":  `[oslo_limit] valid_interfaces: "x" is not one of public, internal, admin`,
		"[oslo_limit]\nauth_url = keystone:5000\n":     `[oslo_limit] auth_url: "keystone:5000" is not an http:// or https:// URL`,
		"[oslo_limit]\nsystem_scope = project\n":       `[oslo_limit] system_scope: "project" is not all`,
		"[oslo_limit]\ntimeout = -1\n":                 `[oslo_limit] timeout: "-1" must be at least 0`,
		"[DEFAULT]\nuse_keystone_limits = maybe\n":     `[DEFAULT] use_keystone_limits: "maybe" is not a boolean`,
	} {
		if got := MustFail(t, content); !strings.Contains(got, want) {
			t.Errorf("%q: error %q, want %q", content, got, want)
		}
	}
}
