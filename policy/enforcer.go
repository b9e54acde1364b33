package policy

import (
	"context"
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/go-glance/glance/domain"
)

// Target describes what a rule is checked against, as Glance's policy
// targets do: project_id is the image owner, member_id the caller's
// project when it reaches the image through membership, visibility the
// image's visibility, owner the owner requested at creation.
type Target map[string]string

// model: a rule names one check; the check is evaluated by the allowed
// function with the caller and target.
const modelText = `
[request_definition]
r = caller, rule, target

[policy_definition]
p = rule, check

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.rule == p.rule && allowed(p.check, r.caller, r.target)
`

// defaults are Glance's secure-RBAC default rules for the image API,
// expressed with the named checks of checks.go.
var defaults = map[string]string{
	"add_image":         "admin_or_project_member_create_image",
	"delete_image":      "admin_or_project_member",
	"get_image":         "admin_or_project_reader_get_image",
	"get_images":        "admin_or_project_reader",
	"modify_image":      "admin_or_project_member",
	"publicize_image":   "admin",
	"communitize_image": "admin_or_project_member",
	"download_image":    "admin_or_project_member_download_image",
	"upload_image":      "admin_or_project_member",
	"deactivate":        "admin_or_project_member",
	"reactivate":        "admin_or_project_member",

	// Discovery (/v2/info).
	"stores_info_detail": "role:admin",
}

// Enforcer checks rules for callers.
type Enforcer struct {
	e *casbin.Enforcer
}

// NewEnforcer returns an enforcer loaded with the default rules.
func NewEnforcer() (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, err
	}
	e.AddFunction("allowed", func(args ...any) (any, error) {
		check, _ := args[0].(string)
		caller, _ := args[1].(*domain.Caller)
		target, _ := args[2].(Target)
		if caller == nil {
			return false, nil
		}
		return evaluate(check, caller, target)
	})
	for rule, check := range defaults {
		if _, err := e.AddPolicy(rule, check); err != nil {
			return nil, err
		}
	}
	return &Enforcer{e: e}, nil
}

// Enforce returns Forbidden, worded as Glance words it, unless the caller
// of ctx may perform rule on target.
func (p *Enforcer) Enforce(ctx context.Context, rule string, target Target) error {
	ok, err := p.e.Enforce(domain.CallerFrom(ctx), rule, target)
	if err != nil {
		return domain.Wrap(err, "policy evaluation failed")
	}
	if !ok {
		return domain.Errorf(domain.KindForbidden, "You are not authorized to complete %s action.", rule)
	}
	return nil
}

// Authorize is Enforce for rules that need no target, such as
// stores_info_detail.
func (p *Enforcer) Authorize(ctx context.Context, rule string) error {
	return p.Enforce(ctx, rule, Target{})
}

// evaluate runs one check: a role check as oslo.policy's "role:name",
// which reads the caller's roles only (Glance's unauthenticated context
// is admin but holds no role), or a named check.
func evaluate(check string, c *domain.Caller, t Target) (bool, error) {
	if role, ok := strings.CutPrefix(check, "role:"); ok {
		return c.HasRole(strings.ToLower(role)), nil
	}
	if c.Admin {
		return true, nil
	}
	project := c.ProjectID != "" && (c.ProjectID == t["project_id"])
	member := c.HasRole("member") || c.HasRole("admin")
	reader := member || c.HasRole("reader")
	visibleByRole := project || (t["member_id"] != "" && c.ProjectID == t["member_id"]) ||
		t["visibility"] == "community" || t["visibility"] == "public" || t["visibility"] == "shared"
	switch check {
	case "admin":
		return false, nil
	case "admin_or_project_member":
		return member && project, nil
	case "admin_or_project_reader":
		return reader && project, nil
	case "admin_or_project_reader_get_image":
		return reader && visibleByRole, nil
	case "admin_or_project_member_download_image":
		return member && visibleByRole, nil
	case "admin_or_project_member_create_image":
		return member && project && c.ProjectID == t["owner"], nil
	}
	return false, fmt.Errorf("unknown check %q", strings.TrimSpace(check))
}
