package policy

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Rule is one rule of the effective policy.
type Rule struct {
	Name  string
	Check string
	// File is the policy file that set the rule; "" for Glance's default.
	File string
	// Project marks a project-scoped rule of Glance's.
	Project bool
}

// Effective lists the effective policy in Glance's order, then the
// operator's own rules by name: what oslopolicy-policy-generator prints.
func (p *Enforcer) Effective() []Rule {
	rules := make([]Rule, 0, len(p.set.order))
	for _, name := range p.set.order {
		r := p.set.rules[name]
		rules = append(rules, Rule{Name: name, Check: r.text, File: r.file, Project: r.def != nil && r.def.Project})
	}
	return rules
}

// Unused lists the rules the operator's files define that Glance never
// checks and no rule refers to: most often a misspelt rule name.
func (p *Enforcer) Unused() []Rule {
	referenced := map[string]bool{}
	for _, name := range p.set.all() {
		walk(p.set.rules[name].check, func(c check) {
			if ref, ok := c.(ruleCheck); ok {
				referenced[ref.rule] = true
			}
		})
	}
	var unused []Rule
	for _, r := range p.Effective() {
		if p.set.rules[r.Name].def == nil && !referenced[r.Name] {
			unused = append(unused, r)
		}
	}
	return unused
}

// WritePolicy prints the effective policy as a YAML policy file, each
// rule preceded by where it comes from; with casbin, the compiled casbin
// model follows as comments.
func (p *Enforcer) WritePolicy(w io.Writer, casbin bool) error {
	mode := "secure-RBAC defaults (enforce_new_defaults = true)"
	if p.legacy {
		mode = "defaults OR-ed with their deprecated ones (enforce_new_defaults = false)"
	}
	fmt.Fprintf(w, "# Effective policy: Glance's %s; enforce_scope = %t.\n", mode, p.set.cfg.EnforceScope)
	for _, r := range p.Effective() {
		from := "default"
		if r.File != "" {
			from = "from " + r.File
		}
		if r.Project {
			from += "; scope_types: [project]"
		}
		name, _ := json.Marshal(r.Name)
		check, _ := json.Marshal(r.Check)
		fmt.Fprintf(w, "# %s\n%s: %s\n", from, name, check)
	}
	if casbin {
		fmt.Fprintln(w, "\n# Compiled casbin model (one matcher per rule):")
		for _, line := range strings.Split(strings.TrimSpace(p.Model()), "\n") {
			fmt.Fprintln(w, "#   "+line)
		}
	}
	_, err := fmt.Fprint(w)
	return err
}

// Model returns the compiled casbin model as text, each matcher
// followed by the name of the rule it decides.
func (p *Enforcer) Model() string {
	var b strings.Builder
	b.WriteString("[request_definition]\nr = sub, obj\n\n[policy_definition]\np = sub\n\n")
	b.WriteString("[policy_effect]\ne = some(where (p.eft == allow))\n\n[matchers]\n")
	for _, name := range p.set.all() {
		c := p.rules[name]
		fmt.Fprintf(&b, "%s = %s  # %s\n", c.ctx.MType, c.expr, name)
	}
	return b.String()
}
