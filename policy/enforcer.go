package policy

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/go-glance/glance/domain"
)

// Target is what a rule is checked against: it gives the values of the
// %(key)s substitutions of check strings, as Python's str() prints
// them. A key that is absent, or null, fails every check that reads it.
type Target interface {
	Value(key string) (string, bool)
}

// Attributes is a Target of fixed values.
type Attributes map[string]string

// Value implements Target.
func (a Attributes) Value(key string) (string, bool) {
	v, ok := a[key]
	return v, ok
}

// Enforcer decides Glance's policy rules with casbin. Every effective
// rule is compiled into one matcher of a casbin model (m, m2, m3, ...)
// over the request r = sub (the caller), obj (the target).
type Enforcer struct {
	e     *casbin.Enforcer
	rules map[string]*compiled
	set   *ruleSet
	// legacy applies Glance's pre-secure-RBAC ownership checks.
	legacy bool
	memo   decisions
}

// compiled is one rule's matcher and what its decision depends on: the
// roles and credentials of the caller and the target keys it reads.
type compiled struct {
	name    string
	ctx     casbin.EnforceContext
	expr    string
	roles   []string
	creds   []string
	keys    []string
	scoped  bool
	anyRole bool
}

// NewEnforcer compiles Glance's defaults and the operator's files as
// cfg selects them. It fails, naming the file and rule, when a check
// string cannot be read or names a rule that does not exist.
func NewEnforcer(cfg Config) (*Enforcer, error) {
	rs, err := loadRules(cfg)
	if err != nil {
		return nil, err
	}
	m := model.NewModel()
	m.AddDef("r", "r", "sub, obj")
	m.AddDef("p", "p", "sub")
	m.AddDef("e", "e", "some(where (p.eft == allow))")
	p := &Enforcer{rules: map[string]*compiled{}, set: rs, legacy: !cfg.EnforceNewDefaults}
	for i, name := range rs.all() {
		c, err := rs.compiled(name)
		if err != nil {
			return nil, err
		}
		key := "m"
		if i > 0 {
			key += strconv.Itoa(i + 1)
		}
		c.ctx = casbin.EnforceContext{RType: "r", PType: "p", EType: "e", MType: key}
		m.AddDef("m", key, c.expr)
		p.rules[name] = c
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, err
	}
	e.AddFunction("role", roleFn)
	e.AddFunction("literal", literalFn)
	e.AddFunction("cred", credentialFn)
	e.AddFunction("scoped", scopedFn)
	p.e = e
	p.memo.reset()
	return p, nil
}

// Allowed reports whether caller passes rule on target. Checking a rule
// that is not defined is a bug, reported as an Internal error.
func (p *Enforcer) Allowed(caller *domain.Caller, rule string, target Target) (bool, error) {
	r := p.rules[rule]
	if r == nil {
		return false, domain.Errorf(domain.KindInternal, "policy rule %s is not defined", rule)
	}
	if caller == nil {
		return false, nil
	}
	key := r.key(caller, target)
	if ok, seen := p.memo.get(key); seen {
		return ok, nil
	}
	ok, err := p.e.Enforce(r.ctx, caller, target)
	if err != nil {
		return false, domain.Wrap(err, "policy evaluation of "+rule+" failed")
	}
	p.memo.put(key, ok)
	return ok, nil
}

// Defined reports whether rule is a rule of the effective policy:
// Glance's or one of the operator's files'.
func (p *Enforcer) Defined(rule string) bool {
	_, ok := p.set.rules[rule]
	return ok && !isInternal(rule)
}

// Enforce returns Forbidden, worded as Glance words it, unless the caller
// of ctx may perform rule on target.
func (p *Enforcer) Enforce(ctx context.Context, rule string, target Target) error {
	ok, err := p.Allowed(domain.CallerFrom(ctx), rule, target)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.KindForbidden, "You are not authorized to complete %s action.", rule)
	}
	return nil
}

// Authorize is Enforce for rules that need no target, such as
// stores_info_detail.
func (p *Enforcer) Authorize(ctx context.Context, rule string) error {
	return p.Enforce(ctx, rule, Attributes{})
}

// IsAdmin is Glance's context is_admin for an authenticated caller: the
// context_is_admin rule.
func (p *Enforcer) IsAdmin(c *domain.Caller) bool {
	ok, _ := p.Allowed(c, "context_is_admin", Attributes{})
	return ok
}

// Legacy reports whether the deprecated defaults and Glance's legacy
// ownership checks apply (enforce_new_defaults off).
func (p *Enforcer) Legacy() bool { return p.legacy }

// key is the memo key of a decision: the rule and every input its
// matcher reads, each written with its length so no two differ only in
// where one value ends.
func (r *compiled) key(c *domain.Caller, t Target) string {
	var b strings.Builder
	field := func(v string, present bool) {
		if !present {
			b.WriteString("-;")
			return
		}
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	field(r.name, true)
	if r.scoped {
		field(c.Scope(), true)
	}
	for _, role := range r.roles {
		field("", c.HasRole(role))
	}
	if r.anyRole {
		field(strings.Join(c.Roles, ","), true)
		field(strings.Join(c.ServiceRoles, ","), true)
	}
	for _, kind := range r.creds {
		field(credential(c, kind))
	}
	for _, k := range r.keys {
		field(valueOf(t, k))
	}
	return b.String()
}

// maxDecisions bounds the memo: decisions repeat per (role set,
// project, target shape), so a few thousand cover a busy cloud; past
// that the memo starts again rather than grow with hostile input.
const maxDecisions = 4096

type decisions struct {
	m atomic.Pointer[sync.Map]
	n atomic.Int64
}

func (d *decisions) reset() {
	d.m.Store(new(sync.Map))
	d.n.Store(0)
}

func (d *decisions) get(key string) (ok, seen bool) {
	v, seen := d.m.Load().Load(key)
	if !seen {
		return false, false
	}
	return v.(bool), true
}

func (d *decisions) put(key string, ok bool) {
	if d.n.Add(1) > maxDecisions {
		d.reset()
	}
	d.m.Load().Store(key, ok)
}
