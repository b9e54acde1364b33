package configs

import (
	"reflect"
	"slices"
	"testing"
)

func TestSingleStoreOfAnyType(t *testing.T) {
	c := MustLoad(t, `[glance_store]
stores = file, s3, glance.store.http.Store
default_store = s3
s3_store_host = http://127.0.0.1:7480
s3_store_access_key = key
s3_store_secret_key = secret
s3_store_bucket = images
s3_store_create_bucket_on_put = true
swift_store_container = unused
`)
	if got := c.SingleStoreTypes(); !reflect.DeepEqual(got, []string{"file", "s3", "http"}) {
		t.Errorf("SingleStoreTypes() = %v, want file, s3, http", got)
	}
	if got := c.DefaultStoreType(); got != "s3" {
		t.Errorf("DefaultStoreType() = %q, want s3", got)
	}
	if c.Unknown != nil || c.NotActedOn != nil {
		t.Errorf("Unknown = %v, NotActedOn = %v, want the drivers' options read", c.Unknown, c.NotActedOn)
	}
	if c.Store.Options["s3_store_bucket"] != "images" {
		t.Errorf("Options = %v, want the s3 options for the driver", c.Store.Options)
	}
}

func TestDefaultStoreSchemeAliases(t *testing.T) {
	for scheme, typ := range map[string]string{"filesystem": "file", "swift+https": "swift", "swift+config": "swift",
		"https": "http", "file": "file", "rbd": "rbd", "s3": "s3"} {
		c := MustLoad(t, "[glance_store]\nstores = file,http,swift,rbd,s3\ndefault_store = "+scheme+"\n")
		if got := c.DefaultStoreType(); got != typ {
			t.Errorf("default_store %s: type %q, want %q", scheme, got, typ)
		}
	}
}

func TestStoreOptionTyposAreUnknown(t *testing.T) {
	c := MustLoad(t, `[DEFAULT]
enabled_backends = fast:file, objects:s3
[glance_store]
default_backend = fast
s3_store_hots = typo
[fast]
filesystem_store_datadir = /srv/fast
store_description = Fast disks
s3_store_bucket = wrong section
[objects]
s3_store_host = 127.0.0.1:7480
s3_store_bukket = images
`)
	want := []string{"[glance_store] s3_store_hots", "[fast] s3_store_bucket", "[objects] s3_store_bukket"}
	if !reflect.DeepEqual(c.Unknown, want) {
		t.Errorf("Unknown = %v, want %v", c.Unknown, want)
	}
}

func TestSingleStoreErrors(t *testing.T) {
	tests := []struct{ name, content, want string }{
		{"default store not among stores", "[glance_store]\ndefault_store = s3\n",
			`invalid value for [glance_store] default_store: "s3" is served by no store of [glance_store] stores (file, http): Store for scheme s3 not found`},
		{"unknown store", "[glance_store]\nstores = file, tape\n",
			`invalid value for [glance_store] stores: "tape" is not a store (known: file, http, rbd, s3, swift, cinder, vmware)`},
		{"datadir and datadirs", "[glance_store]\nfilesystem_store_datadir = /srv/a\nfilesystem_store_datadirs = /srv/b:1\n",
			`invalid value for [glance_store] filesystem_store_datadirs: "/srv/b:1" is set with filesystem_store_datadir; specify either one or the other`},
		{"no directory", "[glance_store]\nfilesystem_store_datadir =\n",
			`invalid value for [glance_store] filesystem_store_datadir: "" is empty; a directory is required`},
		{"both in a backend", "[DEFAULT]\nenabled_backends = fast:file\n[glance_store]\ndefault_backend = fast\n[fast]\n" +
			"filesystem_store_datadir = /srv/a\nfilesystem_store_datadirs = /srv/b:1\nfilesystem_store_datadirs = /srv/c\n",
			`invalid value for [fast] filesystem_store_datadirs: "/srv/b:1, /srv/c" is set with filesystem_store_datadir`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustContain(t, MustFail(t, tt.content), tt.want)
		})
	}
}

func TestDatadirsAreRepeatedAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	a := MustWrite(t, dir, "a.conf", "[glance_store]\nfilesystem_store_datadirs = /srv/a:200\nfilesystem_store_datadirs = /srv/b:100\n")
	b := MustWrite(t, dir, "b.conf", "[glance_store]\nfilesystem_store_datadirs = /srv/c\n"+
		"[DEFAULT]\nenabled_backends = fast:file\n[fast]\nfilesystem_store_datadirs = /srv/d:5\n"+
		"filesystem_store_datadirs = /srv/e:1\n[glance_store]\ndefault_backend = fast\n")
	c, err := Load([]string{a, b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Store.Options["filesystem_store_datadirs"]; got != "/srv/a:200\n/srv/b:100\n/srv/c" {
		t.Errorf("[glance_store] datadirs = %q, want every value of both files", got)
	}
	i := slices.IndexFunc(c.Backends, func(b Backend) bool { return b.Name == "fast" })
	if got := c.Backends[i].Options["filesystem_store_datadirs"]; got != "/srv/d:5\n/srv/e:1" {
		t.Errorf("[fast] datadirs = %q", got)
	}
}
