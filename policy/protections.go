package policy

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-glance/glance/domain"
)

// Rule formats of property_protection_rule_format.
const (
	// ProtectionRoles: each operation lists the roles allowed it.
	ProtectionRoles = "roles"
	// ProtectionPolicies: each operation names one policy rule.
	ProtectionPolicies = "policies"
)

// propertyOp is one of the operations a protection file rules on.
type propertyOp int

const (
	opCreate propertyOp = iota
	opRead
	opUpdate
	opDelete
)

var propertyOps = [...]string{"create", "read", "update", "delete"}

func (op propertyOp) String() string { return propertyOps[op] }

// Protections are Glance's property protections: who may create, read,
// update and delete the extra properties whose names match each section
// of a property_protection_file. A nil *Protections protects nothing.
type Protections struct {
	sections []protectedSection
	p        *Enforcer
	rules    []string
	warnings []string
	matches  sectionMemo
}

// protectedSection is one [regex] section of the file.
type protectedSection struct {
	re    *regexp.Regexp
	perms [len(propertyOps)]permission
}

// permission is who may do one operation: anyone (@), no one (!, or an
// empty entry), the holders of one of roles, or those passing rule.
type permission struct {
	anyone, noone bool
	roles         []string
	rule          string
}

// NewProtections compiles the property protection file in format
// (ProtectionRoles or ProtectionPolicies); a policies-format file names
// rules of p. It fails, naming the file and line, where Glance would
// refuse the file: a line it cannot read, a section given twice, a
// regular expression that does not compile, an operation missing from a
// section, '@' with '!', or more than one policy for an operation; and
// where Glance would deny in silence: a policy p does not define.
func NewProtections(file, format string, p *Enforcer) (*Protections, error) {
	if format != ProtectionRoles && format != ProtectionPolicies {
		return nil, fmt.Errorf("property protection rule format %q: the permitted values are 'roles' and 'policies'", format)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	prot, err := compileProtections(string(data), format, p)
	if err != nil {
		return nil, fmt.Errorf("%s %w", file, err)
	}
	for i, w := range prot.warnings {
		prot.warnings[i] = file + " " + w
	}
	return prot, nil
}

func compileProtections(data, format string, p *Enforcer) (*Protections, error) {
	f, err := parseINI(data)
	if err != nil {
		return nil, err
	}
	prot := &Protections{p: p}
	used := map[string]bool{}
	for _, s := range f.sections {
		re, err := regexp.Compile(s.name)
		if err != nil {
			return nil, errAt(s.line, "section [%s]: the regular expression does not compile: %v", s.name, err)
		}
		ps := protectedSection{re: re}
		for op := range propertyOps {
			text, v, err := f.get(s, propertyOps[op])
			if err != nil {
				return nil, err
			}
			if v == nil {
				return nil, errAt(s.line, "section [%s] has no %s: each section needs create, read, update and delete", s.name, propertyOps[op])
			}
			perm, err := compilePermission(text, format, p)
			if err != nil {
				return nil, errAt(v.line, "[%s] %s = %s: %v", s.name, propertyOps[op], text, err)
			}
			if text == "" {
				prot.warnings = append(prot.warnings, fmt.Sprintf("line %d: Property protection on operation %s for rule %s is not found. No role will be allowed to perform this operation.",
					v.line, propertyOps[op], s.name))
			}
			if perm.rule != "" && !used[perm.rule] {
				used[perm.rule] = true
				prot.rules = append(prot.rules, perm.rule)
			}
			ps.perms[op] = perm
		}
		for _, key := range s.order {
			if !isPropertyOp(key) {
				prot.warnings = append(prot.warnings, fmt.Sprintf("line %d: option %s of [%s] is not an operation (create, read, update, delete); it is ignored",
					s.options[key].line, key, s.name))
			}
		}
		prot.sections = append(prot.sections, ps)
	}
	if len(prot.sections) == 0 {
		prot.warnings = append(prot.warnings, "has no [section]: every property is open to everyone")
	}
	return prot, nil
}

func isPropertyOp(key string) bool {
	for _, op := range propertyOps {
		if key == op {
			return true
		}
	}
	return false
}

// compilePermission reads one operation's entry as Glance does: in the
// roles format a comma-separated list of roles, compared lower-cased,
// where @ is anyone and ! no one; in the policies format @, ! or the
// name of one policy rule.
func compilePermission(text, format string, p *Enforcer) (permission, error) {
	if text == "" {
		return permission{noone: true}, nil
	}
	if format == ProtectionPolicies {
		switch {
		case strings.Contains(text, ","):
			return permission{}, fmt.Errorf("multiple policies are not allowed for an operation; combine them in a rule of the policy file")
		case text == "!":
			return permission{noone: true}, nil
		case text == "@":
			return permission{anyone: true}, nil
		case p == nil || !p.Defined(text):
			return permission{}, fmt.Errorf("no policy rule %q is defined (Glance's defaults and the policy files)", text)
		}
		return permission{rule: text}, nil
	}
	var perm permission
	for _, r := range strings.Split(text, ",") {
		switch r = strings.TrimSpace(r); r {
		case "!":
			perm.noone = true
		case "@":
			perm.anyone = true
		default:
			perm.roles = append(perm.roles, strings.ToLower(r))
		}
	}
	if perm.anyone && perm.noone {
		return permission{}, fmt.Errorf("'@' and '!' are mutually exclusive")
	}
	return perm, nil
}

// Warnings are what an operator most likely did not mean: operations
// no one may do because their entry is empty, options that are not
// operations, a file without sections.
func (prot *Protections) Warnings() []string {
	if prot == nil {
		return nil
	}
	return prot.warnings
}

// Rules lists the policy rules a policies-format file names.
func (prot *Protections) Rules() []string {
	if prot == nil {
		return nil
	}
	return prot.rules
}

// allows reports whether caller may do op on the property called name:
// the first section whose expression matches anywhere in the name
// decides, and a name no section matches is refused everything. A file
// without sections allows everything, as in Glance.
func (prot *Protections) allows(caller *domain.Caller, name string, op propertyOp) (bool, error) {
	if prot == nil || len(prot.sections) == 0 {
		return true, nil
	}
	i := prot.section(name)
	if i < 0 {
		return false, nil
	}
	return prot.sections[i].perms[op].allows(caller, prot.p)
}

// section returns the index of the first section matching name, -1 for
// none. Images repeat a few property names, so the answer is kept.
func (prot *Protections) section(name string) int {
	if i, ok := prot.matches.get(name); ok {
		return i
	}
	i := -1
	for j := range prot.sections {
		if prot.sections[j].re.MatchString(name) {
			i = j
			break
		}
	}
	prot.matches.put(name, i)
	return i
}

// maxNames bounds the memo of sections: property names are the
// clients', so past this many the memo starts again rather than grow.
const maxNames = 4096

type sectionMemo struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

func (s *sectionMemo) get(name string) (int, bool) {
	m := s.m.Load()
	if m == nil {
		return 0, false
	}
	v, ok := m.Load(name)
	if !ok {
		return 0, false
	}
	return v.(int), true
}

func (s *sectionMemo) put(name string, i int) {
	if s.n.Add(1) > maxNames || s.m.Load() == nil {
		s.m.Store(new(sync.Map))
		s.n.Store(1)
	}
	s.m.Load().Store(name, i)
}

func (perm *permission) allows(caller *domain.Caller, p *Enforcer) (bool, error) {
	switch {
	case perm.noone:
		return false, nil
	case perm.anyone:
		return true, nil
	case perm.rule != "":
		// Glance checks the rule against an empty target.
		return p.Allowed(caller, perm.rule, Attributes{})
	}
	for _, r := range perm.roles {
		if caller.HasRole(r) || hasServiceRole(caller, r) {
			return true, nil
		}
	}
	return false, nil
}

func hasServiceRole(c *domain.Caller, role string) bool {
	for _, r := range c.ServiceRoles {
		if r == role {
			return true
		}
	}
	return false
}
