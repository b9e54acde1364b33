package configs

import (
	"reflect"
	"slices"
	"testing"
)

func TestINIDialect(t *testing.T) {
	c := MustLoad(t, `# a comment
; another comment
[DEFAULT]
bind_port: 1234
public_endpoint = https://example.org/image # not a comment
transport_url = rabbit://u:p;w#d@h:5672/
log_file = "quoted.log"
bind_host = 127.0.0.1
bind_host = 10.0.0.1
worker_self_reference_url =
debug = TRUE
use_stderr = Yes
http_keepalive = off
delayed_delete = 1
disk_formats = raw,
    qcow2
[Glance_Store]
default_store = http
`)
	tests := []struct {
		name      string
		got, want any
	}{
		{"colon delimiter", c.Default.BindPort, 1234},
		{"'#' inside a value is kept", c.Default.PublicEndpoint, "https://example.org/image # not a comment"},
		{"';' and '#' in URLs are kept", c.Default.TransportURL, "rabbit://u:p;w#d@h:5672/"},
		{"surrounding quotes dropped", c.Default.LogFile, "quoted.log"},
		{"repeated option: last wins", c.Default.BindHost, "10.0.0.1"},
		{"empty value", c.Default.WorkerSelfReferenceURL, ""},
		{"bool TRUE", c.Default.Debug, true},
		{"bool Yes", c.Default.UseStderr, true},
		{"bool off", c.Default.HTTPKeepalive, false},
		{"bool 1", c.Default.DelayedDelete, true},
		{"continuation line, deprecated [DEFAULT] name", c.ImageFormat.DiskFormats, []string{"raw", "qcow2"}},
		{"section names ignore case", c.Store.DefaultStore, "http"},
		{"deprecation noted", c.Deprecated, []string{"[DEFAULT] disk_formats is deprecated; use [image_format] disk_formats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestOptionNamesAreCaseSensitive(t *testing.T) {
	c := MustLoad(t, "[DEFAULT]\nBind_Port = 1\n[default]\nbind_port = 2\n")
	if c.Default.BindPort != 9292 {
		t.Errorf("bind_port = %d, want the default 9292", c.Default.BindPort)
	}
	want := []string{"[DEFAULT] Bind_Port", "[default] bind_port"}
	if !slices.Equal(c.Unknown, want) {
		t.Errorf("Unknown = %v, want %v", c.Unknown, want)
	}
}

func TestDeprecatedNames(t *testing.T) {
	tests := []struct {
		name, content string
		want          string
	}{
		{"old name alone", "[DEFAULT]\nlogfile = old.log\n", "old.log"},
		{"new name wins in the same file", "[DEFAULT]\nlogfile = old.log\nlog_file = new.log\n", "new.log"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MustLoad(t, tt.content).Default.LogFile; got != tt.want {
				t.Errorf("log_file = %q, want %q", got, tt.want)
			}
		})
	}
	t.Run("old name in a later file wins", func(t *testing.T) {
		dir := t.TempDir()
		a := MustWrite(t, dir, "a.conf", "[DEFAULT]\nlog_file = new.log\n")
		b := MustWrite(t, dir, "b.conf", "[DEFAULT]\nlogfile = later.log\n")
		c, err := Load([]string{a, b}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.Default.LogFile != "later.log" {
			t.Errorf("log_file = %q, want later.log", c.Default.LogFile)
		}
	})
}

func TestMultiValuedOption(t *testing.T) {
	dir := t.TempDir()
	a := MustWrite(t, dir, "a.conf", "[oslo_messaging_notifications]\ndriver = messagingv2\ndriver = log\n")
	b := MustWrite(t, dir, "b.conf", "[oslo_messaging_notifications]\ndriver = log\n")
	c, err := Load([]string{a, b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"messagingv2", "log", "log"}; !slices.Equal(c.Notification.Drivers, want) {
		t.Errorf("Drivers = %v, want %v", c.Notification.Drivers, want)
	}
}

func TestUnknownOptions(t *testing.T) {
	c := MustLoad(t, `[DEFAULT]
debug = true
cinder_catalog_info = volume:cinder:internalURL
[keystone_authtoken]
auth_url = http://keystone:5000
[cors]
allowed_origin = https://horizon
[DEFAULT]
cinder_catalog_info = again
[file]
filesystem_store_datadir = /srv
`)
	want := []string{"[DEFAULT] cinder_catalog_info", "[cors] allowed_origin", "[file] filesystem_store_datadir"}
	if !slices.Equal(c.Unknown, want) {
		t.Errorf("Unknown = %v, want %v", c.Unknown, want)
	}
	if c.Authtoken.AuthURL != "http://keystone:5000" {
		t.Errorf("Authtoken = %+v", c.Authtoken)
	}
}
