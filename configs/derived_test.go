package configs

import "testing"

func TestFlavor(t *testing.T) {
	tests := []struct {
		flavor     string
		auth       string
		caching    bool
		management bool
	}{
		{"", AuthNone, false, false},
		{"caching", AuthNone, true, false},
		{"cachemanagement", AuthNone, true, true},
		{"+caching", AuthNone, true, false},
		{"keystone", AuthKeystone, false, false},
		{"keystone+caching", AuthKeystone, true, false},
		{"keystone+cachemanagement", AuthKeystone, true, true},
		{"trusted-auth", AuthTrusted, false, false},
		{"trusted-auth+caching", AuthTrusted, true, false},
		{"trusted-auth+cachemanagement", AuthTrusted, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.flavor, func(t *testing.T) {
			c := MustLoad(t, "[paste_deploy]\nflavor = "+tt.flavor+"\n")
			if c.AuthMode() != tt.auth || c.Caching() != tt.caching || c.CacheManagement() != tt.management {
				t.Errorf("AuthMode %q Caching %v CacheManagement %v; want %q %v %v",
					c.AuthMode(), c.Caching(), c.CacheManagement(), tt.auth, tt.caching, tt.management)
			}
		})
	}
	for _, bad := range []string{"noauth", "keystone+", "Keystone", "keystone+caching+cachemanagement", "caching+keystone"} {
		t.Run("bad "+bad, func(t *testing.T) {
			mustContain(t, MustFail(t, "[paste_deploy]\nflavor = "+bad+"\n"), "[paste_deploy] flavor")
		})
	}
}

func TestLogPath(t *testing.T) {
	tests := []struct {
		name, file, dir, want string
	}{
		{"neither", "", "", ""},
		{"file only", "api.log", "", "api.log"},
		{"relative file in dir", "api.log", "/var/log/glance", "/var/log/glance/api.log"},
		{"absolute file ignores dir", "/tmp/api.log", "/var/log/glance", "/tmp/api.log"},
		{"dir only", "", "/var/log/glance", "/var/log/glance/glance-api.log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Default.LogFile, c.Default.LogDir = tt.file, tt.dir
			if got := c.LogPath(); got != tt.want {
				t.Errorf("LogPath() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNotificationTransportURL(t *testing.T) {
	c := Default()
	c.Default.TransportURL = "rabbit://rpc"
	if got := c.NotificationTransportURL(); got != "rabbit://rpc" {
		t.Errorf("fallback = %q", got)
	}
	c.Notification.TransportURL = "rabbit://notify"
	if got := c.NotificationTransportURL(); got != "rabbit://notify" {
		t.Errorf("own = %q", got)
	}
}
