package configs

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestKollaFile(t *testing.T) {
	c, err := Load([]string{"testdata/kolla/glance-api.conf"}, []string{"testdata/kolla/glance.conf.d"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"bind_host", c.Default.BindHost, "192.0.2.10"},
		{"workers", c.Default.Workers, 5},
		{"log path", c.LogPath(), "/var/log/kolla/glance/glance-api.log"},
		{"auth", c.AuthMode(), AuthKeystone},
		{"cache", c.Caching() && c.CacheManagement(), true},
		{"database", c.Database.Connection, "mysql+pymysql://glance:dbpass@192.0.2.100:3306/glance"},
		{"backends", backendNames(c), []string{"file:file", "http:http", "rbd:rbd"}},
		{"file datadir", c.Backends[0].DataDir, "/var/lib/glance/images/"},
		{"rbd options", c.Backends[2].Options["rbd_store_pool"], "images"},
		{"default backend", c.Store.DefaultBackend, "rbd"},
		{"staging", c.StagingStore.DataDir, "/var/lib/glance/staging"},
		{"tasks", c.TasksStore.DataDir, "/var/lib/glance/tasks_work_dir"},
		{"import methods from conf.d", c.Default.EnabledImportMethods,
			[]string{"glance-direct", "web-download", "copy-image"}},
		{"proxy headers", c.Middleware.EnableProxyHeadersParsing, true},
		{"notifications", c.Notification.Drivers, []string{"messagingv2"}},
		{"notification url", c.NotificationTransportURL(), c.Default.TransportURL},
		{"keystone user", c.Authtoken.Username, "glance"},
		{"keystone interface", c.Authtoken.Interface, "internal"},
		{"keystone cache time", c.Authtoken.TokenCacheTime, 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	for _, sec := range []string{"[oslo_messaging_rabbit]", "[cors]", "[oslo_concurrency]", "[image_conversion]"} {
		if !slices.ContainsFunc(c.Unknown, func(u string) bool { return strings.HasPrefix(u, sec) }) {
			t.Errorf("Unknown = %v, want an entry of %s", c.Unknown, sec)
		}
	}
}

func backendNames(c *Config) []string {
	var out []string
	for _, b := range c.Backends {
		out = append(out, b.Name+":"+b.Type)
	}
	return out
}
