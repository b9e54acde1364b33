package policy

import (
	"strings"
	"testing"
)

func TestParseCheck(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "@"},
		{"@", "@"},
		{"!", "!"},
		{"role:Admin", "role:admin"},
		{"rule:default", "rule:default"},
		// and binds tighter than or; not tighter than and.
		{"role:a or role:b and role:c", "role:a or (role:b and role:c)"},
		{"(role:a or role:b) and role:c", "(role:a or role:b) and role:c"},
		{"not role:a and role:b", "not role:a and role:b"},
		{"not (role:a or role:b)", "not (role:a or role:b)"},
		{"((role:a))", "role:a"},
		{"role:a AND role:b Or role:c", "(role:a and role:b) or role:c"},
		{"'public':%(visibility)s", "'public':%(visibility)s"},
		{"project_id:%(project_id)s", "project_id:%(project_id)s"},
	} {
		got, err := parseCheck(c.in)
		if err != nil {
			t.Errorf("parseCheck(%q): %v", c.in, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("parseCheck(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseCheckRefusesWhatOsloWouldSilentlyDeny(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"role:a or", "ends where a check was expected"},
		{"(role:a", "missing )"},
		{"role:a)", `unexpected ")"`},
		{"admin", "is not a check"},
		{"role:a role:b", `unexpected "role:b"`},
		{"http://policy.example.com/check", "remote checks"},
		{"project_id:%(project_id", "unterminated"},
		{"and role:a", `unexpected "and"`},
	} {
		_, err := parseCheck(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("parseCheck(%q) error = %v, want it to say %q", c.in, err, c.want)
		}
	}
}

func TestSubstitute(t *testing.T) {
	target := Attributes{"project_id": "p1", "visibility": "public"}
	for _, c := range []struct {
		match, want string
		ok          bool
	}{
		{"%(project_id)s", "p1", true},
		{"x-%(visibility)s-%(project_id)s", "x-public-p1", true},
		{"100%%", "100%", true},
		{"%(owner)s", "", false},
	} {
		got, ok := substitute(c.match, target)
		if got != c.want || ok != c.ok {
			t.Errorf("substitute(%q) = %q, %t; want %q, %t", c.match, got, ok, c.want, c.ok)
		}
	}
}
