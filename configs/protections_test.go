package configs

import (
	"path/filepath"
	"testing"
)

// TestProtectionFile: property_protection_file is found as Glance finds
// it, and a name that is set but found nowhere stops the server.
func TestProtectionFile(t *testing.T) {
	dir := t.TempDir()
	beside := MustWrite(t, dir, "protections.conf", "[.*]\n")
	elsewhere := MustWrite(t, t.TempDir(), "abs.conf", "[.*]\n")
	for _, c := range []struct {
		name, value, want, err string
	}{
		{"unset", "", "", ""},
		{"beside the config file", "protections.conf", beside, ""},
		{"absolute", elsewhere, elsewhere, ""},
		{"missing", "missing.conf", "", `[DEFAULT] property_protection_file "missing.conf": no such file beside the config files or in /etc/glance`},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := MustWrite(t, dir, "glance-api.conf", "[DEFAULT]\nproperty_protection_file = "+c.value+"\nproperty_protection_rule_format = policies\n")
			cfg, err := Load([]string{conf}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.NotActedOn) != 0 {
				t.Errorf("NotActedOn = %q", cfg.NotActedOn)
			}
			if cfg.Default.PropertyProtectionRuleFormat != "policies" {
				t.Errorf("rule format %q", cfg.Default.PropertyProtectionRuleFormat)
			}
			got, err := cfg.ProtectionFile()
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Errorf("error %v, want %s", err, c.err)
				}
				return
			}
			if err != nil || filepath.Clean(got) != filepath.Clean(c.want) {
				t.Errorf("ProtectionFile() = %q, %v; want %q", got, err, c.want)
			}
		})
	}
	msg := MustFail(t, "[DEFAULT]\nproperty_protection_rule_format = Roles\n")
	mustContain(t, msg, "property_protection_rule_format", "Roles")
}
