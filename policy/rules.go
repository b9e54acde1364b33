package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config chooses the rules, as [oslo_policy] does.
type Config struct {
	// EnforceScope refuses callers whose token scope (system, domain,
	// project) is not among a rule's scope types.
	EnforceScope bool
	// EnforceNewDefaults uses the secure-RBAC defaults alone; when off,
	// each rule the operator does not override also passes by its
	// deprecated default, and the legacy ownership checks apply.
	EnforceNewDefaults bool
	// Files are the operator's policy files (YAML or JSON) in the order
	// oslo.policy reads them: policy_file, then the files of each
	// policy_dirs directory in name order. A later file overrides an
	// earlier one rule by rule.
	Files []string
}

// A rule is one effective rule: its check, the file that set it (""
// for a default) and its registered default, if any.
type rule struct {
	name  string
	text  string
	check check
	file  string
	def   *Default
}

// ruleSet is the effective policy: Glance's defaults, merged with the
// operator's files as oslo.policy merges them.
type ruleSet struct {
	cfg   Config
	rules map[string]*rule
	// order is the registered rules in Glance's order, then the
	// operator's own rules by name.
	order []string
	// internal are Glance's checks that are not policy rules.
	internal []string
}

// Glance checks a few things outside its policy rules: the legacy
// ownership checks and is_admin tests of its API layer. They are
// compiled like the rules, so that casbin decides every authorisation,
// and a policy file cannot change them, as in Glance.
const (
	// ruleImageOwner is check_is_image_mutable: admin or the owner.
	ruleImageOwner = "glance:image_owner"
	// ruleCreateOwner is check_admin_or_same_owner on create.
	ruleCreateOwner = "glance:create_owner"
	// ruleIsAdmin is a test of the context's is_admin.
	ruleIsAdmin = "glance:is_admin"
	// ruleNotImageOwner is the legacy check that an image's owner does
	// not answer for its members.
	ruleNotImageOwner = "glance:not_image_owner"
)

var internalRules = []struct{ name, check string }{
	{ruleImageOwner, "is_admin:True or project_id:%(project_id)s"},
	{ruleCreateOwner, "is_admin:True or project_id:%(owner)s"},
	{ruleIsAdmin, "is_admin:True"},
	{ruleNotImageOwner, "is_admin:True or not project_id:%(project_id)s"},
}

// FilesIn lists the policy files of the policy_dirs directories that
// exist, as oslo.policy reads them: each directory's regular files in
// name order, directories in the order given.
func FilesIn(dirs []string) ([]string, error) {
	var files []string
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("policy_dirs: %w", err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	return files, nil
}

// loadRules merges the defaults with cfg.Files and checks that every
// rule parses and every rule it names exists, without cycles. Errors
// name the file, the rule and what could not be read.
func loadRules(cfg Config) (*ruleSet, error) {
	rs := &ruleSet{cfg: cfg, rules: map[string]*rule{}}
	for i := range Defaults {
		d := &Defaults[i]
		r := &rule{name: d.Name, text: d.Check, def: d}
		if !cfg.EnforceNewDefaults && d.Legacy != nil && *d.Legacy != d.Check {
			r.text = orText(d.Check, *d.Legacy)
		}
		rs.rules[d.Name] = r
		rs.order = append(rs.order, d.Name)
	}
	var own []string
	for _, file := range cfg.Files {
		overrides, err := readPolicyFile(file)
		if err != nil {
			return nil, err
		}
		for name, text := range overrides {
			if isInternal(name) {
				return nil, fmt.Errorf("policy file %s: rule %q: the name is reserved for Glance's own checks", file, name)
			}
			r, ok := rs.rules[name]
			if !ok {
				r = &rule{name: name}
				rs.rules[name] = r
				own = append(own, name)
			}
			r.text, r.file = text, file
		}
	}
	sort.Strings(own)
	rs.order = append(rs.order, own...)
	for _, r := range internalRules {
		rs.rules[r.name] = &rule{name: r.name, text: r.check}
		rs.internal = append(rs.internal, r.name)
	}
	for _, name := range rs.all() {
		r := rs.rules[name]
		c, err := parseCheck(r.text)
		if err != nil {
			return nil, r.errorf("cannot read %q: %v", r.text, err)
		}
		r.check = c
	}
	for _, name := range rs.all() {
		if err := rs.resolve(rs.rules[name], nil); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

func isInternal(name string) bool {
	for _, r := range internalRules {
		if r.name == name {
			return true
		}
	}
	return false
}

// all lists every rule to compile: the effective policy, then the
// internal checks.
func (rs *ruleSet) all() []string {
	return append(rs.order[:len(rs.order):len(rs.order)], rs.internal...)
}

// orText is the check oslo.policy builds from a new default and its
// deprecated one.
func orText(newCheck, old string) string {
	paren := func(s string) string {
		if s == "" {
			return "@"
		}
		return "(" + s + ")"
	}
	return paren(newCheck) + " or " + paren(old)
}

func (r *rule) errorf(format string, args ...any) error {
	where := "default policy"
	if r.file != "" {
		where = "policy file " + r.file
	}
	return fmt.Errorf("%s: rule %q: %s", where, r.name, fmt.Sprintf(format, args...))
}

// resolve checks that every rule:x under r exists and that no rule
// reaches itself.
func (rs *ruleSet) resolve(r *rule, path []string) error {
	for _, p := range path {
		if p == r.name {
			return r.errorf("refers to itself through %s", strings.Join(append(path, r.name), " -> "))
		}
	}
	path = append(path, r.name)
	var err error
	walk(r.check, func(c check) {
		ref, ok := c.(ruleCheck)
		if !ok || err != nil {
			return
		}
		target, ok := rs.rules[ref.rule]
		if !ok {
			err = r.errorf("refers to rule %q, which is not defined", ref.rule)
			return
		}
		err = rs.resolve(target, path)
	})
	return err
}

// walk calls fn on c and every check under it.
func walk(c check, fn func(check)) {
	fn(c)
	switch c := c.(type) {
	case notCheck:
		walk(c.c, fn)
	case andCheck:
		for _, x := range c.cs {
			walk(x, fn)
		}
	case orCheck:
		for _, x := range c.cs {
			walk(x, fn)
		}
	}
}

// readPolicyFile reads a YAML or JSON map of rule names to check
// strings. Values may also be oslo.policy's old list form, a list of
// lists of checks: the inner lists are and-ed, the outer or-ed.
func readPolicyFile(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	var raw map[string]yaml.Node
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("policy file %s: not a YAML or JSON map of rule names to check strings: %v", file, err)
	}
	rules := make(map[string]string, len(raw))
	for name, node := range raw {
		text, err := checkText(&node)
		if err != nil {
			return nil, fmt.Errorf("policy file %s: rule %q (line %d): %v", file, name, node.Line, err)
		}
		rules[name] = text
	}
	return rules, nil
}

func checkText(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "", nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		var lists [][]string
		if err := n.Decode(&lists); err != nil {
			return "", fmt.Errorf("a list must hold lists of check strings")
		}
		var ors []string
		for _, and := range lists {
			if len(and) == 0 {
				continue
			}
			ors = append(ors, "("+strings.Join(and, " and ")+")")
		}
		if len(ors) == 0 {
			return "@", nil
		}
		return strings.Join(ors, " or "), nil
	}
	b, _ := json.Marshal(n.Value)
	return "", fmt.Errorf("value %s is not a check string", b)
}
