package policy

import (
	"fmt"
	"strings"

	"github.com/go-glance/glance/domain"
)

// compile returns the casbin expression of the named rule: its check,
// with every rule:x inlined, and-ed with the project-scope test when
// scope is enforced and the rule is project-scoped.
func (rs *ruleSet) compile(name string) (string, error) {
	r := rs.rules[name]
	expr, err := rs.expr(r.check)
	if err != nil {
		return "", r.errorf("%v", err)
	}
	if rs.cfg.EnforceScope && r.def != nil && r.def.Project {
		expr = "scoped(r_sub) && " + paren(expr)
	}
	return expr, nil
}

func (rs *ruleSet) expr(c check) (string, error) {
	switch c := c.(type) {
	case trueCheck:
		return "true", nil
	case falseCheck:
		return "false", nil
	case roleCheck:
		s, err := quote(c.role)
		return "role(r_sub," + s + ")", err
	case ruleCheck:
		// loadRules has refused cycles and unknown names.
		return rs.expr(rs.rules[c.rule].check)
	case genericCheck:
		match, err := quote(c.match)
		if err != nil {
			return "", err
		}
		if c.literal != nil {
			lit, err := quote(*c.literal)
			return "literal(r_obj," + lit + "," + match + ")", err
		}
		kind, err := quote(c.kind)
		return "cred(r_sub,r_obj," + kind + "," + match + ")", err
	case notCheck:
		x, err := rs.expr(c.c)
		return "!" + paren(x), err
	case andCheck:
		return rs.list(c.cs, " && ")
	case orCheck:
		return rs.list(c.cs, " || ")
	}
	return "", fmt.Errorf("unknown check %T", c)
}

func (rs *ruleSet) list(cs []check, op string) (string, error) {
	parts := make([]string, len(cs))
	for i, c := range cs {
		x, err := rs.expr(c)
		if err != nil {
			return "", err
		}
		parts[i] = paren(x)
	}
	return strings.Join(parts, op), nil
}

// paren wraps x in parentheses unless it is a single call or literal.
func paren(x string) string {
	depth := 0
	for i, r := range x {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(x)-1 {
				return "(" + x + ")"
			}
		case ' ', '&', '|':
			if depth == 0 {
				return "(" + x + ")"
			}
		}
	}
	return x
}

// quote writes s as a string literal of casbin's expression language,
// which has no escapes: a quote or backslash cannot be written.
func quote(s string) (string, error) {
	if strings.ContainsAny(s, "\"\\#") {
		return "", fmt.Errorf("%q: quotes, backslashes and # are not supported in names and matches", s)
	}
	return `"` + s + `"`, nil
}

// Functions of the compiled expressions; each is one oslo.policy atom.

// roleFn is role:x.
func roleFn(args ...any) (any, error) {
	c, _ := args[0].(*domain.Caller)
	role, _ := args[1].(string)
	return c != nil && c.HasRole(role), nil
}

// literalFn is 'value':%(key)s: the literal compared with the target.
func literalFn(args ...any) (any, error) {
	t := asTarget(args[0])
	lit, _ := args[1].(string)
	match, _ := args[2].(string)
	m, ok := substitute(match, t)
	return ok && m == lit, nil
}

// credentialFn is kind:%(key)s (or kind:value): the caller's credential
// named kind equals the match, or for a list (roles), holds it. A
// credential the caller lacks never matches, where oslo.policy would
// compare the text "None".
func credentialFn(args ...any) (any, error) {
	c, _ := args[0].(*domain.Caller)
	t := asTarget(args[1])
	kind, _ := args[2].(string)
	match, _ := args[3].(string)
	if c == nil {
		return false, nil
	}
	m, ok := substitute(match, t)
	if !ok {
		return false, nil
	}
	switch kind {
	case "roles":
		return c.HasRole(m), nil
	case "service_roles":
		for _, r := range c.ServiceRoles {
			if r == m {
				return true, nil
			}
		}
		return false, nil
	}
	v, ok := credential(c, kind)
	return ok && v == m, nil
}

// credential is the caller's value for one of oslo.context's policy
// credentials, as Python's str() prints it; ok is false when unset.
func credential(c *domain.Caller, kind string) (string, bool) {
	var v string
	switch kind {
	case "user_id":
		v = c.UserID
	case "user_domain_id":
		v = c.UserDomainID
	case "project_id", "tenant", "tenant_id":
		v = c.ProjectID
	case "project_domain_id":
		v = c.ProjectDomainID
	case "domain_id":
		v = c.DomainID
	case "system_scope":
		v = c.SystemScope
	case "is_admin":
		if c.Admin {
			return "True", true
		}
		return "False", true
	default:
		return "", false
	}
	return v, v != ""
}

// scopedFn is oslo.policy's scope test for scope_types
// ['project']: a token scoped to the system or a domain fails; any
// other caller counts as project-scoped.
func scopedFn(args ...any) (any, error) {
	c, _ := args[0].(*domain.Caller)
	return c != nil && c.SystemScope == "" && c.DomainID == "", nil
}

// compiled compiles the named rule and records what it reads.
func (rs *ruleSet) compiled(name string) (*compiled, error) {
	expr, err := rs.compile(name)
	if err != nil {
		return nil, err
	}
	r := rs.rules[name]
	c := &compiled{name: name, expr: expr, scoped: rs.cfg.EnforceScope && r.def != nil && r.def.Project}
	seen := map[string]bool{}
	add := func(list *[]string, v string) {
		if !seen[v] {
			seen[v] = true
			*list = append(*list, v)
		}
	}
	var visit func(check)
	visit = func(x check) {
		walk(x, func(x check) {
			switch x := x.(type) {
			case roleCheck:
				add(&c.roles, "role "+x.role)
			case ruleCheck:
				visit(rs.rules[x.rule].check)
			case genericCheck:
				for _, k := range templateKeys(x.match) {
					add(&c.keys, "key "+k)
				}
				switch {
				case x.literal != nil:
				case x.kind == "roles" || x.kind == "service_roles":
					c.anyRole = true
				default:
					add(&c.creds, "cred "+x.kind)
				}
			}
		})
	}
	visit(r.check)
	for _, list := range []*[]string{&c.roles, &c.keys, &c.creds} {
		for i, v := range *list {
			_, (*list)[i], _ = strings.Cut(v, " ")
		}
	}
	return c, nil
}

// templateKeys lists the %(key)s names of a match.
func templateKeys(match string) []string {
	var keys []string
	rest := match
	for {
		i := strings.Index(rest, "%(")
		if i < 0 {
			return keys
		}
		if i > 0 && rest[i-1] == '%' {
			rest = rest[i+2:]
			continue
		}
		rest = rest[i+2:]
		end := strings.Index(rest, ")s")
		if end < 0 {
			return keys
		}
		keys = append(keys, rest[:end])
		rest = rest[end+2:]
	}
}

func asTarget(v any) Target {
	if t, ok := v.(Target); ok && t != nil {
		return t
	}
	return Attributes{}
}

func valueOf(t Target, key string) (string, bool) {
	if t == nil {
		return "", false
	}
	return t.Value(key)
}
