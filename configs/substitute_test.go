package configs

import (
	"strings"
	"testing"
)

func TestSubstitution(t *testing.T) {
	c := MustLoad(t, `[DEFAULT]
transport_url = rabbit://glance:pa$$word@mq:5672/
public_endpoint = https://$bind_host:${bind_port}/
bind_host = api.example.org
log_dir = /var/log/glance
log_file = $log_dir/api.log
worker_self_reference_url = http://$missing/
image_cache_dir = $database.connection
property_protection_file = \$literal
[database]
connection = mysql+pymysql://glance:$secret@db/glance
[oslo_messaging_notifications]
transport_url = amqp://$bind_host/
[keystone_authtoken]
password = $$ecret
auth_url = http://$www_host:5000
www_host = keystone
[glance_store]
filesystem_store_datadir = $a
[os_glance_tasks_store]
filesystem_store_datadir = $a
[DEFAULT]
a = $b
b = $a
`)
	tests := []struct {
		name, got, want string
	}{
		{"escaped dollar", c.Default.TransportURL, "rabbit://glance:pa$word@mq:5672/"},
		{"references, braced, to a default", c.Default.PublicEndpoint, "https://api.example.org:9292/"},
		{"reference to a set option", c.Default.LogFile, "/var/log/glance/api.log"},
		{"unknown reference kept", c.Default.WorkerSelfReferenceURL, "http://$missing/"},
		{"section.name reference", c.Default.ImageCacheDir, "mysql+pymysql://glance:$secret@db/glance"},
		{"backslash escape", c.Default.PropertyProtectionFile, "$literal"},
		{"falls back to DEFAULT", c.Notification.TransportURL, "amqp://api.example.org/"},
		{"keystone section escape", c.Authtoken.Password, "$ecret"},
		{"reference to an unknown option", c.Authtoken.AuthURL, "http://keystone:5000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	t.Run("cycle ends", func(t *testing.T) {
		if !strings.Contains(c.Store.FilesystemStoreDatadir, "$") {
			t.Errorf("datadir = %q, want the unresolved reference kept", c.Store.FilesystemStoreDatadir)
		}
	})
}

func TestSubstitutionStaysSmall(t *testing.T) {
	content := "[DEFAULT]\na = " + strings.Repeat("$a", 50) + "\npublic_endpoint = " + strings.Repeat("$a", 50) + "\n"
	c := MustLoad(t, content)
	if n := len(c.Default.PublicEndpoint); n > len(content)*maxRefs {
		t.Errorf("public_endpoint grew to %d bytes", n)
	}
}
