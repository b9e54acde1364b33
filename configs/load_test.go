package configs

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestDefaultsWithoutFiles(t *testing.T) {
	c, err := Load(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("Load(nil, nil) = %+v\nwant Default() = %+v", c, Default())
	}
	d := c.Default
	tests := []struct {
		name      string
		got, want any
	}{
		{"bind_host", d.BindHost, "127.0.0.1"},
		{"bind_port", d.BindPort, 9292},
		{"workers", d.Workers, 0},
		{"debug", d.Debug, false},
		{"image_size_cap", d.ImageSizeCap, int64(1099511627776)},
		{"user_storage_quota", d.UserStorageQuota, int64(0)},
		{"use_keystone_limits", d.UseKeystoneLimits, false},
		{"api_limit_max", d.APILimitMax, 1000},
		{"limit_param_default", d.LimitParamDefault, 25},
		{"show_image_direct_url", d.ShowImageDirectURL, false},
		{"show_multiple_locations", d.ShowMultipleLocations, false},
		{"hashing_algorithm", d.HashingAlgorithm, "sha512"},
		{"enabled_import_methods", d.EnabledImportMethods, []string{"glance-direct", "web-download", "copy-image"}},
		{"enabled_backends", d.EnabledBackends, []Pair(nil)},
		{"image_member_quota", d.ImageMemberQuota, 128},
		{"image_property_quota", d.ImagePropertyQuota, 128},
		{"image_tag_quota", d.ImageTagQuota, 128},
		{"image_location_quota", d.ImageLocationQuota, 10},
		{"image_cache_dir", d.ImageCacheDir, ""},
		{"allow_anonymous_access", d.AllowAnonymousAccess, false},
		{"max_request_id_length", d.MaxRequestIDLength, 64},
		{"node_staging_uri", d.NodeStagingURI, "file:///tmp/staging/"},
		{"delayed_delete", d.DelayedDelete, false},
		{"http_keepalive", d.HTTPKeepalive, true},
		{"connection", c.Database.Connection, "sqlite:////var/lib/glance/glance.sqlite"},
		{"default_store", c.Store.DefaultStore, "file"},
		{"stores", c.Store.Stores, []string{"file", "http"}},
		{"filesystem_store_datadir", c.Store.FilesystemStoreDatadir, "/var/lib/glance/images"},
		{"filesystem_store_chunk_size", c.Store.FilesystemStoreChunkSize, 65536},
		{"staging datadir", c.StagingStore.DataDir, "/var/lib/glance/os_glance_staging_store"},
		{"tasks datadir", c.TasksStore.DataDir, "/var/lib/glance/os_glance_tasks_store"},
		{"flavor", c.Paste.Flavor, ""},
		{"disk_formats", c.ImageFormat.DiskFormats,
			[]string{"ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"}},
		{"container_formats", c.ImageFormat.ContainerFormats,
			[]string{"ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"}},
		{"require_image_format_match", c.ImageFormat.RequireImageFormatMatch, true},
		{"policy_file", c.Policy.PolicyFile, "policy.yaml"},
		{"enable_proxy_headers_parsing", c.Middleware.EnableProxyHeadersParsing, false},
		{"notification drivers", c.Notification.Drivers, []string(nil)},
		{"topics", c.Notification.Topics, []string{"notifications"}},
		{"multi-store", c.MultiStore(), false},
		{"auth mode", c.AuthMode(), AuthNone},
		{"caching", c.Caching(), false},
		{"log path", c.LogPath(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	if c.Unknown != nil || c.Sources != nil || c.Deprecated != nil {
		t.Errorf("Unknown %v, Sources %v, Deprecated %v; want all nil", c.Unknown, c.Sources, c.Deprecated)
	}
}

func TestLaterFilesOverride(t *testing.T) {
	dir := t.TempDir()
	first := MustWrite(t, dir, "first.conf", `
[DEFAULT]
bind_port = 1111
debug = true
image_cache_dir = /cache
[database]
connection = sqlite:////first.db
`)
	second := MustWrite(t, dir, "second.conf", `
[DEFAULT]
bind_port = 2222
image_cache_dir =
[image_format]
disk_formats = raw
`)
	c, err := Load([]string{first, second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"later file wins", c.Default.BindPort, 2222},
		{"earlier file kept when later is silent", c.Default.Debug, true},
		{"empty later value clears", c.Default.ImageCacheDir, ""},
		{"earlier section kept", c.Database.Connection, "sqlite:////first.db"},
		{"later section added", c.ImageFormat.DiskFormats, []string{"raw"}},
		{"sources in order", c.Sources, []string{first, second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func TestConfigDirOrder(t *testing.T) {
	root := t.TempDir()
	main := MustWrite(t, root, "glance-api.conf", "[DEFAULT]\nbind_port = 1\nworkers = 1\ndebug = false\n")
	dir := filepath.Join(root, "glance.conf.d")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// Written out of order: reading must follow names, not creation.
	MustWrite(t, dir, "20-late.conf", "[DEFAULT]\nbind_port = 20\n")
	MustWrite(t, dir, "10-early.conf", "[DEFAULT]\nbind_port = 10\nworkers = 10\n")
	MustWrite(t, dir, "30-other.txt", "[DEFAULT]\nbind_port = 30\n")
	MustWrite(t, dir, ".hidden.conf", "[DEFAULT]\nbind_port = 40\n")
	if err := os.Mkdir(filepath.Join(dir, "sub.conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(root, "more.d")
	if err := os.Mkdir(other, 0o700); err != nil {
		t.Fatal(err)
	}
	MustWrite(t, other, "00.conf", "[DEFAULT]\ndebug = true\n")

	c, err := Load([]string{main}, []string{dir, other})
	if err != nil {
		t.Fatal(err)
	}
	if c.Default.BindPort != 20 || c.Default.Workers != 10 || !c.Default.Debug {
		t.Errorf("bind_port %d workers %d debug %v; want 20, 10, true",
			c.Default.BindPort, c.Default.Workers, c.Default.Debug)
	}
	want := []string{main, filepath.Join(dir, "10-early.conf"), filepath.Join(dir, "20-late.conf"),
		filepath.Join(other, "00.conf")}
	if !slices.Equal(c.Sources, want) {
		t.Errorf("Sources = %v, want %v", c.Sources, want)
	}
}

func TestMissingPaths(t *testing.T) {
	dir := t.TempDir()
	good := MustWrite(t, dir, "good.conf", "[DEFAULT]\n")
	missing := filepath.Join(dir, "missing.conf")
	missingDir := filepath.Join(dir, "missing.d")
	tests := []struct {
		name        string
		files, dirs []string
		want        string
	}{
		{"file", []string{good, missing}, nil, missing},
		{"dir", []string{good}, []string{missingDir}, missingDir},
		{"dir is a file", nil, []string{good}, good},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.files, tt.dirs)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			mustContain(t, err.Error(), tt.want)
		})
	}
}

func TestSyntaxErrorsNameTheFile(t *testing.T) {
	tests := []struct{ name, content string }{
		{"unclosed section", "[DEFAULT\nbind_port = 1\n"},
		{"no delimiter", "[DEFAULT]\nbind_port\n"},
		{"empty key", "[DEFAULT]\n= 1\n"},
		{"empty section name", "[]\na = 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadString(t, tt.content)
			if err == nil {
				t.Fatal("Load succeeded, want a syntax error")
			}
			mustContain(t, err.Error(), "glance-api.conf")
		})
	}
}

// TestNotActedOn checks that an option read but not acted on yet is
// listed when a file sets it, under its current or a deprecated name,
// and not when it keeps its default nobody chose.
func TestNotActedOn(t *testing.T) {
	c := MustLoad(t, "[DEFAULT]\nimage_cache_dir = /var/cache/glance\nimage_tag_quota = 5\n"+
		"[oslo_policy]\nenforce_scope = false\n[import_filtering_opts]\nallowed_hosts = example.com\n"+
		"[paste_deploy]\nflavor = trusted-auth+caching\n")
	want := []string{
		"[DEFAULT] image_cache_dir is set but not acted on in this version: the image cache is not served",
		"[import_filtering_opts] allowed_hosts is set but not acted on in this version: image import is not served",
		"[paste_deploy] flavor trusted-auth+caching asks for the image cache, which is not served in this version",
	}
	if !reflect.DeepEqual(c.NotActedOn, want) {
		t.Errorf("NotActedOn = %q\nwant %q", c.NotActedOn, want)
	}
	if !c.IsSet("DEFAULT", "image_tag_quota") || c.IsSet("DEFAULT", "image_member_quota") {
		t.Errorf("IsSet: image_tag_quota %v (set), image_member_quota %v (not set)",
			c.IsSet("DEFAULT", "image_tag_quota"), c.IsSet("DEFAULT", "image_member_quota"))
	}
	if d := Default(); d.NotActedOn != nil {
		t.Errorf("defaults warn: %q", d.NotActedOn)
	}
}

// TestStoreSectionRaw: the single store's driver reads its own options
// from [glance_store] as written, references expanded.
func TestStoreSectionRaw(t *testing.T) {
	p := MustWrite(t, t.TempDir(), "glance-api.conf", "[DEFAULT]\nstate_path = /srv/glance\n[glance_store]\nfilesystem_store_datadir = $state_path/images\nfilesystem_store_file_perm = 640\n")
	c, err := Load([]string{p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Store.Options["filesystem_store_datadir"]; got != "/srv/glance/images" {
		t.Errorf("filesystem_store_datadir %q, want /srv/glance/images", got)
	}
	if got := c.Store.Options["filesystem_store_file_perm"]; got != "640" {
		t.Errorf("filesystem_store_file_perm %q, want 640", got)
	}
}
