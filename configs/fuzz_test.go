package configs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// FuzzLoad feeds arbitrary contents as two config files, the second
// overriding the first: Load must not panic, and whatever it accepts must
// respect every bound, choice and check of the option table.
func FuzzLoad(f *testing.F) {
	for _, p := range []string{samplePath, "testdata/kolla/glance-api.conf",
		"testdata/kolla/glance.conf.d/glance-image-import.conf"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data), "")
	}
	seeds := [][2]string{
		{"[DEFAULT]\nbind_port = 65535\n", "[DEFAULT]\nbind_port = 65536\n"},
		{"[DEFAULT]\nenabled_backends = a:file, b:rbd\n[glance_store]\ndefault_backend = b\n[a]\nfilesystem_store_chunk_size = 1\n", ""},
		{"[DEFAULT]\nenabled_backends = a:file\n", "[glance_store]\ndefault_backend = a\n"},
		{"[DEFAULT]\nuser_storage_quota = 8388607TB\nimage_size_cap = -5\n", ""},
		{"[DEFAULT]\nenabled_import_methods = [glance-direct,'copy-image']\n", "[paste_deploy]\nflavor = trusted-auth+caching\n"},
		{"[DEFAULT]\nkey = \"\"\"multi\nline\n", "[DEFAULT]\n  continued\n"},
		{"[oslo_messaging_notifications]\ndriver = a\ndriver =\ndriver = b\n", "x = 1\n[]\n"},
		{"[DEFAULT]\na = `raw\n", "[Os_Glance_Staging_Store]\nfilesystem_store_datadir =\n"},
		{"[DEFAULT]\na = $b$b\nb = ${a}\nbind_port = $a\n", "[glance_store]\ndefault_store = $$x\\$y$DEFAULT.a\n"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	// One directory per worker process: each run overwrites the same two
	// files, which keeps runs (and minimising) fast.
	dir := f.TempDir()
	a := filepath.Join(dir, "a.conf")
	b := filepath.Join(dir, "b.conf")
	f.Fuzz(func(t *testing.T, first, second string) {
		if err := os.WriteFile(a, []byte(first), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(b, []byte(second), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load([]string{a, b}, nil)
		if err != nil {
			return
		}
		checkInvariants(t, c)
	})
}

// checkInvariants fails when c holds a value Load should have refused.
func checkInvariants(t *testing.T, c *Config) {
	t.Helper()
	for _, o := range c.options() {
		switch p := o.ptr.(type) {
		case *int:
			if int64(*p) < o.min || int64(*p) > o.max {
				t.Errorf("%s = %d, outside [%d, %d]", o.key, *p, o.min, o.max)
			}
		case *int64:
			if o.kind == kindSize && *p < 0 || o.kind == kindInt && (*p < o.min || *p > o.max) {
				t.Errorf("%s = %d, out of bounds", o.key, *p)
			}
		case *string:
			if oneOf(*p, o.choices) != "" || o.check != nil && o.check(*p) != "" {
				t.Errorf("%s = %q was accepted", o.key, *p)
			}
		case *[]string:
			for _, it := range *p {
				if oneOf(it, o.choices) != "" {
					t.Errorf("%s item %q was accepted", o.key, it)
				}
			}
		}
	}
	var names []string
	for _, b := range c.Backends {
		names = append(names, b.Name)
		if !slices.Contains(StoreTypes, b.Type) {
			t.Errorf("backend %q has type %q", b.Name, b.Type)
		}
		if b.Type == "file" && (b.DataDir == "" || b.ChunkSize < 1) {
			t.Errorf("file backend %+v accepted", b)
		}
	}
	if len(c.Backends) != len(c.Default.EnabledBackends) {
		t.Errorf("%d backends from %d enabled", len(c.Backends), len(c.Default.EnabledBackends))
	}
	if c.MultiStore() && !slices.Contains(names, c.Store.DefaultBackend) {
		t.Errorf("default_backend %q not among %v", c.Store.DefaultBackend, names)
	}
	if _, _, ok := parseFlavor(c.Paste.Flavor); !ok {
		t.Errorf("flavor %q accepted", c.Paste.Flavor)
	}
}
