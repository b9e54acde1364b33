package configs

import (
	"reflect"
	"strings"
	"testing"
)

func TestBadValuesNameTheOption(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
	}{
		{"int: not a number", "[DEFAULT]\nbind_port = abc\n",
			`invalid value for [DEFAULT] bind_port: "abc" is not an integer`},
		{"int: not base 10", "[DEFAULT]\nbind_port = 0x10\n",
			`invalid value for [DEFAULT] bind_port: "0x10" is not an integer`},
		{"int: fraction", "[DEFAULT]\nworkers = 1.5\n",
			`invalid value for [DEFAULT] workers: "1.5" is not an integer`},
		{"int: above max", "[DEFAULT]\nbind_port = 65536\n",
			`invalid value for [DEFAULT] bind_port: "65536" must be between 0 and 65535`},
		{"int: below max", "[DEFAULT]\nbind_port = -1\n",
			`invalid value for [DEFAULT] bind_port: "-1" must be between 0 and 65535`},
		{"int: below min", "[DEFAULT]\napi_limit_max = 0\n",
			`invalid value for [DEFAULT] api_limit_max: "0" must be at least 1`},
		{"int64: below min", "[DEFAULT]\nimage_size_cap = 0\n",
			`invalid value for [DEFAULT] image_size_cap: "0" must be at least 1`},
		{"int64: overflow", "[DEFAULT]\nimage_size_cap = 9223372036854775808\n",
			`invalid value for [DEFAULT] image_size_cap: "9223372036854775808" is out of range`},
		{"int: chunk size in a store section", "[glance_store]\nfilesystem_store_chunk_size = 0\n",
			`invalid value for [glance_store] filesystem_store_chunk_size: "0" must be at least 1`},
		{"bool", "[DEFAULT]\ndebug = maybe\n",
			`invalid value for [DEFAULT] debug: "maybe" is not a boolean`},
		{"bool in another section", "[oslo_middleware]\nenable_proxy_headers_parsing = y\n",
			`invalid value for [oslo_middleware] enable_proxy_headers_parsing: "y" is not a boolean`},
		{"choice", "[DEFAULT]\nhashing_algorithm = blake2b\n",
			`invalid value for [DEFAULT] hashing_algorithm: "blake2b" is not one of md5, sha1,`},
		{"choice is case-sensitive", "[DEFAULT]\nhashing_algorithm = SHA512\n",
			`invalid value for [DEFAULT] hashing_algorithm: "SHA512" is not one of`},
		{"choice: empty", "[glance_store]\ndefault_store =\n",
			`invalid value for [glance_store] default_store: "" is not one of file,`},
		{"list item choice", "[DEFAULT]\nenabled_import_methods = glance-direct, upload\n",
			`invalid value for [DEFAULT] enabled_import_methods: "upload" is not one of glance-direct,`},
		{"dict: no colon", "[DEFAULT]\nenabled_backends = fast\n",
			`invalid value for [DEFAULT] enabled_backends: "fast" is not a key:value pair`},
		{"dict: empty key", "[DEFAULT]\nenabled_backends = :file\n",
			`invalid value for [DEFAULT] enabled_backends: ":file" has an empty key`},
		{"dict: repeated key", "[DEFAULT]\nenabled_backends = a:file, a:http\n",
			`invalid value for [DEFAULT] enabled_backends: "a" is given twice`},
		{"size: space", "[DEFAULT]\nuser_storage_quota = 10 GB\n",
			`invalid value for [DEFAULT] user_storage_quota: "10 GB" is not a size`},
		{"size: lower-case unit", "[DEFAULT]\nuser_storage_quota = 10gb\n",
			`invalid value for [DEFAULT] user_storage_quota: "10gb" is not a size`},
		{"size: negative", "[DEFAULT]\nuser_storage_quota = -1\n",
			`invalid value for [DEFAULT] user_storage_quota: "-1" is not a size`},
		{"size: unit without B", "[DEFAULT]\nuser_storage_quota = 10G\n",
			`invalid value for [DEFAULT] user_storage_quota: "10G" is not a size`},
		{"size: too large", "[DEFAULT]\nuser_storage_quota = 9999999TB\n",
			`invalid value for [DEFAULT] user_storage_quota: "9999999TB" is too large`},
		{"host", "[DEFAULT]\nbind_host = not a host\n",
			`invalid value for [DEFAULT] bind_host: "not a host" is not an IP address or host name`},
		{"host: bad address", "[DEFAULT]\nbind_host = 10.0.0.256\n",
			`invalid value for [DEFAULT] bind_host: "10.0.0.256" is not an IP address or host name`},
		{"staging uri", "[DEFAULT]\nnode_staging_uri = /tmp/staging\n",
			`invalid value for [DEFAULT] node_staging_uri: "/tmp/staging" is not file:// followed by an absolute path`},
		{"flavor", "[paste_deploy]\nflavor = keystone+cache\n",
			`invalid value for [paste_deploy] flavor: "keystone+cache" is not a known flavor`},
		{"empty datadir", "[os_glance_staging_store]\nfilesystem_store_datadir =\n",
			`invalid value for [os_glance_staging_store] filesystem_store_datadir: "" is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MustFail(t, tt.content)
			mustContain(t, got, tt.want, "glance-api.conf")
		})
	}
}

func TestEveryBadValueIsReported(t *testing.T) {
	got := MustFail(t, "[DEFAULT]\nbind_port = x\ndebug = x\n[image_format]\nrequire_image_format_match = x\n")
	mustContain(t, got, "bind_port", "debug", "require_image_format_match")
	if n := strings.Count(got, "invalid value"); n != 3 {
		t.Errorf("%d errors reported, want 3:\n%s", n, got)
	}
}

func TestGoodValues(t *testing.T) {
	tests := []struct {
		name    string
		content string
		get     func(*Config) any
		want    any
	}{
		{"port bounds", "[DEFAULT]\nbind_port = 0\n", func(c *Config) any { return c.Default.BindPort }, 0},
		{"port max", "[DEFAULT]\nbind_port = 65535\n", func(c *Config) any { return c.Default.BindPort }, 65535},
		{"int with sign", "[DEFAULT]\nworkers = +3\n", func(c *Config) any { return c.Default.Workers }, 3},
		{"negative quota", "[DEFAULT]\nimage_tag_quota = -1\n", func(c *Config) any { return c.Default.ImageTagQuota }, -1},
		{"empty int takes the default", "[DEFAULT]\nbind_port =\n", func(c *Config) any { return c.Default.BindPort }, 9292},
		{"empty bool takes the default", "[DEFAULT]\nhttp_keepalive =\n",
			func(c *Config) any { return c.Default.HTTPKeepalive }, true},
		{"size cap max", "[DEFAULT]\nimage_size_cap = 9223372036854775807\n",
			func(c *Config) any { return c.Default.ImageSizeCap }, int64(9223372036854775807)},
		{"size bytes", "[DEFAULT]\nuser_storage_quota = 512\n",
			func(c *Config) any { return c.Default.UserStorageQuota }, int64(512)},
		{"size B", "[DEFAULT]\nuser_storage_quota = 512B\n",
			func(c *Config) any { return c.Default.UserStorageQuota }, int64(512)},
		{"size KB", "[DEFAULT]\nuser_storage_quota = 2KB\n",
			func(c *Config) any { return c.Default.UserStorageQuota }, int64(2048)},
		{"size MB", "[DEFAULT]\nuser_storage_quota = 3MB\n",
			func(c *Config) any { return c.Default.UserStorageQuota }, int64(3 << 20)},
		{"size GB", "[DEFAULT]\nuser_storage_quota = 10GB\n",
			func(c *Config) any { return c.Default.UserStorageQuota }, int64(10 << 30)},
		{"size TB", "[DEFAULT]\nuser_storage_quota = 1TB\n",
			func(c *Config) any { return c.Default.UserStorageQuota }, int64(1 << 40)},
		{"list with spaces", "[image_format]\ncontainer_formats =  bare , ovf ,\n",
			func(c *Config) any { return c.ImageFormat.ContainerFormats }, []string{"bare", "ovf"}},
		{"list in brackets", "[DEFAULT]\nenabled_import_methods = [glance-direct,web-download]\n",
			func(c *Config) any { return c.Default.EnabledImportMethods }, []string{"glance-direct", "web-download"}},
		{"list in brackets with quotes", "[DEFAULT]\nenabled_import_methods = [ 'glance-direct', \"copy-image\" ]\n",
			func(c *Config) any { return c.Default.EnabledImportMethods }, []string{"glance-direct", "copy-image"}},
		{"empty list", "[DEFAULT]\nenabled_import_methods =\n",
			func(c *Config) any { return c.Default.EnabledImportMethods }, []string(nil)},
		{"empty list in brackets", "[DEFAULT]\nenabled_import_methods = []\n",
			func(c *Config) any { return c.Default.EnabledImportMethods }, []string(nil)},
		{"list skips empty items", "[glance_store]\nstores = file,,http\n",
			func(c *Config) any { return c.Store.Stores }, []string{"file", "http"}},
		{"dict in order", "[DEFAULT]\nenabled_backends = fast:file, cheap:file\n[glance_store]\ndefault_backend = cheap\n",
			func(c *Config) any { return c.Default.EnabledBackends },
			[]Pair{{"fast", "file"}, {"cheap", "file"}}},
		{"ipv6 host", "[DEFAULT]\nbind_host = ::\n", func(c *Config) any { return c.Default.BindHost }, "::"},
		{"host name", "[DEFAULT]\nbind_host = api-1.example.org.\n",
			func(c *Config) any { return c.Default.BindHost }, "api-1.example.org."},
		{"no-auth cache flavor", "[paste_deploy]\nflavor = cachemanagement\n",
			func(c *Config) any { return c.Paste.Flavor }, "cachemanagement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.get(MustLoad(t, tt.content)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestParseDict(t *testing.T) {
	tests := []struct {
		in   string
		want []Pair
	}{
		{"", nil},
		{"  ", nil},
		{"a:b", []Pair{{"a", "b"}}},
		{" a : b , c:d ,", []Pair{{"a", "b"}, {"c", "d"}}},
		{"a:b:c", []Pair{{"a", "b:c"}}},
		{"a:", []Pair{{"a", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, bad, reason := parseDict(tt.in)
			if reason != "" || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseDict(%q) = %v, %q %q; want %v", tt.in, got, bad, reason, tt.want)
			}
		})
	}
}
