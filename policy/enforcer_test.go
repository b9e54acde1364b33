package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-glance/glance/domain"
)

// Callers of project P, and two callers of no project.
var personas = map[string]*domain.Caller{
	"admin":   {UserID: "u-admin", ProjectID: "P", Roles: []string{"admin", "member", "reader"}, Admin: true},
	"member":  {UserID: "u-member", ProjectID: "P", Roles: []string{"member", "reader"}},
	"reader":  {UserID: "u-reader", ProjectID: "P", Roles: []string{"reader"}},
	"norole":  {UserID: "u-norole", ProjectID: "P", Roles: []string{"observer"}},
	"service": {UserID: "u-glance", ProjectID: "S", Roles: []string{"service"}},
	"system":  {UserID: "u-system", SystemScope: "all", Roles: []string{"admin", "member", "reader"}, Admin: true},
	"domain":  {UserID: "u-domain", DomainID: "D", Roles: []string{"admin", "member", "reader"}, Admin: true},
	"noauth":  {Admin: true},
}

func img(owner string, v domain.Visibility) *domain.Image {
	i := &domain.Image{ID: "i-" + owner + "-" + string(v), Visibility: v, Status: domain.StatusActive}
	if owner != "" {
		i.Owner = &owner
	}
	return i
}

// Targets: P's private image, Q's private one, Q's public, community
// and shared (with P) ones, and an image with no owner.
var targets = map[string]Target{
	"own":       ImageTarget{Image: img("P", domain.VisibilityPrivate)},
	"other":     ImageTarget{Image: img("Q", domain.VisibilityPrivate)},
	"public":    ImageTarget{Image: img("Q", domain.VisibilityPublic)},
	"community": ImageTarget{Image: img("Q", domain.VisibilityCommunity)},
	"shared":    ImageTarget{Image: img("Q", domain.VisibilityShared), Member: "P"},
	"ownerless": ImageTarget{Image: img("", domain.VisibilityPrivate)},
	// create targets: for the caller's project, and for project Q.
	"create-own":   Attributes{"project_id": "P", "owner": "P", "visibility": "private"},
	"create-other": Attributes{"project_id": "Q", "owner": "Q", "visibility": "private"},
}

// grid reads a table whose first line names targets and whose other
// lines start with a persona followed by x (allowed) or . (refused) per
// target.
type grid struct {
	rules []string
	table string
}

func (g grid) run(t *testing.T, e *Enforcer) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(g.table), "\n")
	cols := strings.Fields(lines[0])
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		caller := personas[f[0]]
		if caller == nil || len(f) != len(cols)+1 {
			t.Fatalf("bad grid line %q", line)
		}
		for i, col := range cols {
			target, ok := targets[col]
			if !ok {
				t.Fatalf("unknown target %q", col)
			}
			want := f[i+1] == "x"
			for _, rule := range g.rules {
				got, err := e.Allowed(caller, rule, target)
				if err != nil {
					t.Fatalf("%s %s %s: %v", rule, f[0], col, err)
				}
				if got != want {
					t.Errorf("%s by %s on %s: allowed = %t, want %t", rule, f[0], col, got, want)
				}
			}
		}
	}
}

func mustEnforcer(t *testing.T, cfg Config) *Enforcer {
	t.Helper()
	e, err := NewEnforcer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestSecureDefaults: Glance's secure-RBAC defaults with scope
// enforced, rule by rule, for every persona and target. System- and
// domain-scoped callers fail every project-scoped rule.
func TestSecureDefaults(t *testing.T) {
	e := mustEnforcer(t, Config{EnforceScope: true, EnforceNewDefaults: true})
	for _, g := range []grid{
		{[]string{"get_image"}, `
		          own other public community shared ownerless
		admin      x    x     x       x        x       x
		member     x    .     x       x        x       .
		reader     x    .     x       x        x       .
		norole     .    .     .       .        .       .
		service    .    .     .       .        .       .
		system     .    .     .       .        .       .
		domain     .    .     .       .        .       .
		noauth     .    .     .       .        .       .`},
		{[]string{"download_image", "download_from_store"}, `
		          own other public community shared
		admin      x    x     x       x        x
		member     x    .     x       x        x
		reader     .    .     .       .        .
		system     .    .     .       .        .`},
		{[]string{"modify_image", "delete_image", "upload_image", "deactivate", "reactivate",
			"communitize_image", "set_image_location", "add_member", "delete_member"}, `
		          own other public shared ownerless
		admin      x    x     x      x       x
		member     x    .     .      .       .
		reader     .    .     .      .       .
		system     .    .     .      .       .
		domain     .    .     .      .       .
		noauth     .    .     .      .       .`},
		{[]string{"get_image_location"}, `
		          own other public
		admin      x    x     x
		member     x    .     .
		reader     x    .     .`},
		{[]string{"publicize_image", "delete_image_location", "copy_image", "tasks_api_access",
			"stores_info_detail", "add_metadef_namespace", "cache_list"}, `
		          own other
		admin      x    x
		member     .    .
		service    .    .
		system     .    .
		noauth     .    .`},
		{[]string{"get_member", "get_members"}, `
		          own other shared public
		admin      x    x     x      x
		member     x    .     x      .
		reader     x    .     x      .
		system     .    .     .      .`},
		{[]string{"modify_member"}, `
		          own other shared
		admin      x    x     x
		member     .    .     x
		reader     .    .     .`},
		{[]string{"add_image"}, `
		          create-own create-other
		admin         x           x
		member        x           .
		reader        .           .
		system        .           .
		domain        .           .`},
		{[]string{"add_image_location"}, `
		          create-own create-other own
		admin         x           x        x
		member        x           .        x
		service       x           x        x
		reader        .           .        .`},
		{[]string{"fetch_image_location"}, `
		          own other
		admin      x    x
		service    x    x
		member     .    .`},
		{[]string{"get_task", "get_tasks", "add_task", "modify_task"}, `
		          own
		norole     x
		noauth     x
		system     .`},
		// context_is_admin has no scope types: is_admin for all tokens.
		{[]string{"context_is_admin"}, `
		          own
		admin      x
		system     x
		domain     x
		member     .
		noauth     .`},
	} {
		t.Run(g.rules[0], func(t *testing.T) { g.run(t, e) })
	}
}

// TestLegacyDefaults: Glance's configuration before secure RBAC
// (enforce_new_defaults and enforce_scope off): each rule also passes
// by its deprecated default, so most pass for everyone, and a
// system-scoped admin is an admin.
func TestLegacyDefaults(t *testing.T) {
	e := mustEnforcer(t, Config{})
	for _, g := range []grid{
		{[]string{"get_image", "get_images", "modify_image", "delete_image", "download_image", "add_image", "communitize_image"}, `
		          own other public
		admin      x    x     x
		reader     x    x     x
		norole     x    x     x
		noauth     x    x     x
		system     x    x     x`},
		{[]string{"publicize_image", "copy_image", "stores_info_detail", "tasks_api_access"}, `
		          own other
		admin      x    x
		system     x    x
		member     .    .
		noauth     .    .`},
		// Glance's own owner check, applied on changes in legacy mode.
		{[]string{ruleImageOwner}, `
		          own other ownerless
		admin      x    x      x
		noauth     x    x      x
		member     x    .      .
		reader     x    .      .
		domain     x    x      x`},
	} {
		t.Run(g.rules[0], func(t *testing.T) { g.run(t, e) })
	}
	if !e.Legacy() {
		t.Error("Legacy() = false with enforce_new_defaults off")
	}
}

// Scope is enforced only when asked: without enforce_scope a
// system-scoped admin passes the secure defaults by its admin role.
func TestScopeOnlyWhenEnforced(t *testing.T) {
	e := mustEnforcer(t, Config{EnforceNewDefaults: true})
	grid{[]string{"get_image", "publicize_image"}, `
	          own other
	system     x    x
	domain     x    x`}.run(t, e)
}

func mustWrite(t *testing.T, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Operator files override rules one by one, in oslo.policy's order;
// YAML, JSON and the old list-of-lists form are read, and an
// overridden rule no longer ORs in its deprecated default.
func TestPolicyFilesOverride(t *testing.T) {
	dir := t.TempDir()
	yaml := mustWrite(t, dir, "policy.yaml", `
"get_images": "role:admin"
"publicize_image": "rule:image_publishers"
"image_publishers": "role:publisher or is_admin:True"
"deactivate": "!"
`)
	json := mustWrite(t, dir, "50-json.json", `{"deactivate": "@", "get_image": [["role:reader", "project_id:%(project_id)s"], ["role:admin"]]}`)
	e := mustEnforcer(t, Config{EnforceScope: true, EnforceNewDefaults: false, Files: []string{yaml, json}})
	publisher := &domain.Caller{ProjectID: "P", Roles: []string{"publisher"}}
	personas["publisher"] = publisher
	defer delete(personas, "publisher")
	grid{[]string{"get_images"}, `
	           own
	admin       x
	member      .
	noauth      .`}.run(t, e)
	grid{[]string{"publicize_image"}, `
	           own other
	publisher   x    x
	noauth      x    x
	member      .    .`}.run(t, e)
	grid{[]string{"deactivate"}, `
	           own other
	norole      x    x`}.run(t, e)
	grid{[]string{"get_image"}, `
	           own other public
	reader      x    .     .
	admin       x    x     x
	norole      .    .     .`}.run(t, e)
	// Not overridden, legacy: the deprecated default still passes.
	grid{[]string{"modify_image"}, `
	           other
	norole      x`}.run(t, e)

	var from string
	for _, r := range e.Effective() {
		if r.Name == "get_image" {
			from = r.File
		}
	}
	if from != json {
		t.Errorf("get_image comes from %q, want the later file %q", from, json)
	}
}

// A policy file that cannot be read stops start-up, naming the file,
// the rule and what is wrong.
func TestPolicyFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name, text string
		want       []string
	}{
		{"malformed.yaml", `"get_image": "role:admin or"`, []string{"malformed.yaml", `"get_image"`, "ends where a check was expected"}},
		{"unknown.yaml", `"get_image": "rule:no_such_rule"`, []string{"unknown.yaml", `"get_image"`, `"no_such_rule", which is not defined`}},
		{"cycle.yaml", "\"a\": \"rule:b\"\n\"b\": \"rule:a\"\n\"get_image\": \"rule:a\"\n", []string{"cycle.yaml", "refers to itself"}},
		{"reserved.yaml", `"glance:is_admin": "@"`, []string{"reserved.yaml", "reserved"}},
		{"notamap.yaml", `- role:admin`, []string{"notamap.yaml", "not a YAML or JSON map"}},
		{"number.yaml", `"get_image": {"a": 1}`, []string{"number.yaml", `"get_image"`, "line 1"}},
		{"quote.yaml", `"get_image": "role:ad\"min"`, []string{"quote.yaml", `"get_image"`, "quotes"}},
	} {
		path := mustWrite(t, dir, c.name, c.text)
		_, err := NewEnforcer(Config{EnforceNewDefaults: true, Files: []string{path}})
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
}

// An operator's rule nothing uses is reported: most often a typo.
func TestUnusedRules(t *testing.T) {
	path := mustWrite(t, t.TempDir(), "policy.yaml", "\"get_imagez\": \"role:admin\"\n\"helper\": \"role:x\"\n\"get_image\": \"rule:helper\"\n")
	e := mustEnforcer(t, Config{EnforceNewDefaults: true, Files: []string{path}})
	unused := e.Unused()
	if len(unused) != 1 || unused[0].Name != "get_imagez" {
		t.Errorf("Unused() = %+v, want get_imagez alone", unused)
	}
}

// Every rule Glance registers is in the effective policy and compiled.
func TestEveryGlanceRuleIsCompiled(t *testing.T) {
	e := mustEnforcer(t, Config{EnforceScope: true, EnforceNewDefaults: true})
	for _, d := range Defaults {
		if e.rules[d.Name] == nil {
			t.Errorf("rule %s is not compiled", d.Name)
		}
	}
	var b strings.Builder
	if err := e.WritePolicy(&b, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"get_image": "role:admin or (role:reader and (project_id:%(project_id)s or project_id:%(member_id)s`,
		`"tasks_api_access": "role:admin"`, `"add_member": `, "# m2 = ", "scoped(r_sub)"} {
		if !strings.Contains(b.String(), strings.TrimPrefix(want, "# ")) {
			t.Errorf("policy dump lacks %q", want)
		}
	}
}

// The memo keys on every input a rule reads: decisions for different
// callers and targets never leak into each other.
func TestDecisionsDoNotLeak(t *testing.T) {
	e := mustEnforcer(t, Config{EnforceScope: true, EnforceNewDefaults: true})
	for range 3 {
		grid{[]string{"get_image"}, `
		          own other shared
		member     x    .     x
		reader     x    .     x
		system     .    .     .`}.run(t, e)
		grid{[]string{"modify_image"}, `
		          own shared
		member     x     .
		reader     .     .`}.run(t, e)
	}
	// Same roles, another project.
	q := &domain.Caller{ProjectID: "Q", Roles: []string{"member", "reader"}}
	if ok, _ := e.Allowed(q, "modify_image", targets["own"]); ok {
		t.Error("a member of Q may modify P's image after P's member was allowed")
	}
	if ok, _ := e.Allowed(q, "modify_image", targets["other"]); !ok {
		t.Error("a member of Q may not modify Q's image")
	}
}

// Checking a rule nobody defined is a bug the caller hears of, not a
// silent refusal.
func TestUndefinedRuleIsAnError(t *testing.T) {
	e := mustEnforcer(t, Config{EnforceNewDefaults: true})
	if _, err := e.Allowed(personas["admin"], "get_imgae", targets["own"]); !domain.IsKind(err, domain.KindInternal) {
		t.Errorf("Allowed(get_imgae): %v, want Internal", err)
	}
}
