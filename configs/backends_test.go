package configs

import (
	"reflect"
	"testing"
)

func TestMultiStore(t *testing.T) {
	c := MustLoad(t, `[DEFAULT]
enabled_backends = fast:file, cheap:file, ceph:rbd, web:http
[glance_store]
default_backend = cheap
[fast]
filesystem_store_datadir = /srv/fast
filesystem_store_chunk_size = 1048576
[Ceph]
rbd_store_pool = images
rbd_store_user = glance
`)
	want := []Backend{
		{Name: "fast", Type: "file", DataDir: "/srv/fast", ChunkSize: 1048576,
			Options: map[string]string{"filesystem_store_datadir": "/srv/fast", "filesystem_store_chunk_size": "1048576"}},
		{Name: "cheap", Type: "file", DataDir: defaultDataDir, ChunkSize: 65536},
		{Name: "ceph", Type: "rbd", Options: map[string]string{"rbd_store_pool": "images", "rbd_store_user": "glance"}},
		{Name: "web", Type: "http"},
	}
	if !reflect.DeepEqual(c.Backends, want) {
		t.Errorf("Backends =\n%+v\nwant\n%+v", c.Backends, want)
	}
	if !c.MultiStore() {
		t.Error("MultiStore() = false")
	}
	if c.Unknown != nil {
		t.Errorf("Unknown = %v, want backend sections read whole", c.Unknown)
	}
}

func TestMultiStoreErrors(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"unknown type", "[DEFAULT]\nenabled_backends = fast:file, tape:tape\n[glance_store]\ndefault_backend = fast\n",
			`invalid value for [DEFAULT] enabled_backends: "tape" is not a store type for backend "tape" (known: file, http, rbd, s3, swift, cinder, vmware)`},
		{"reserved name", "[DEFAULT]\nenabled_backends = os_glance_mine:file\n[glance_store]\ndefault_backend = os_glance_mine\n",
			`invalid value for [DEFAULT] enabled_backends: "os_glance_mine" is a backend name with the os_glance_ prefix`},
		{"name of another section", "[DEFAULT]\nenabled_backends = Database:file\n[glance_store]\ndefault_backend = Database\n",
			`invalid value for [DEFAULT] enabled_backends: "Database" is a backend name that would share the [database] section`},
		{"default backend unset", "[DEFAULT]\nenabled_backends = fast:file\n",
			`invalid value for [glance_store] default_backend: "" is not one of the enabled backends (fast)`},
		{"default backend not enabled", "[DEFAULT]\nenabled_backends = fast:file, slow:file\n[glance_store]\ndefault_backend = other\n",
			`invalid value for [glance_store] default_backend: "other" is not one of the enabled backends (fast, slow)`},
		{"bad chunk size", "[DEFAULT]\nenabled_backends = fast:file\n[glance_store]\ndefault_backend = fast\n[fast]\nfilesystem_store_chunk_size = big\n",
			`invalid value for [fast] filesystem_store_chunk_size: "big" is not an integer`},
		{"empty datadir", "[DEFAULT]\nenabled_backends = fast:file\n[glance_store]\ndefault_backend = fast\n[fast]\nfilesystem_store_datadir =\n",
			`invalid value for [fast] filesystem_store_datadir: "" is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustContain(t, MustFail(t, tt.content), tt.want)
		})
	}
}

func TestSingleStoreIgnoresDefaultBackend(t *testing.T) {
	c := MustLoad(t, "[glance_store]\ndefault_backend = anything\nfilesystem_store_datadir = /srv/images\n")
	if c.MultiStore() || c.Backends != nil {
		t.Errorf("Backends = %v, want none", c.Backends)
	}
	if c.Store.FilesystemStoreDatadir != "/srv/images" {
		t.Errorf("datadir = %q", c.Store.FilesystemStoreDatadir)
	}
}
