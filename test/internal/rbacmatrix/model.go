package rbacmatrix

// This file is the description every expectation is computed from. It
// follows Zed's glance/policies (the check strings), glance/api/v2
// (the order of the checks in each controller) and glance/db (who sees
// an image or a membership).

// Mode is the set of policy defaults a server runs under.
type Mode string

const (
	// Secure is [oslo_policy] enforce_new_defaults and enforce_scope
	// (Glance: [DEFAULT] enforce_secure_rbac too).
	Secure Mode = "secure"
	// Legacy is enforce_new_defaults = false, enforce_scope = false:
	// each rule OR-ed with its deprecated default, plus Glance's
	// admin-or-owner checks.
	Legacy Mode = "legacy"
)

// Modes in the order they are run.
var Modes = []Mode{Secure, Legacy}

// Role is a persona's role on its project.
type Role string

// The roles; Keystone's implied roles give an admin member and reader,
// and a member reader.
const (
	Admin  Role = "admin"
	Member Role = "member"
	Reader Role = "reader"
)

var roleRank = map[Role]int{Reader: 1, Member: 2, Admin: 3}

// Persona is a caller: a role in the project owning every image of the
// matrix (alpha) or in another project (beta), the one images are
// shared with.
type Persona struct {
	Role Role
	// Owner: the persona's project owns the image.
	Owner bool
}

func (p Persona) String() string {
	if p.Owner {
		return "alpha-" + string(p.Role)
	}
	return "beta-" + string(p.Role)
}

// Personas in table order.
var Personas = []Persona{
	{Admin, true}, {Member, true}, {Reader, true},
	{Admin, false}, {Member, false}, {Reader, false},
}

// State is an image's visibility and, for a shared image, the status
// of the other project's membership.
type State string

// The states.
const (
	Private   State = "private"
	Pending   State = "shared-pending"
	Accepted  State = "shared-accepted"
	Rejected  State = "shared-rejected"
	Community State = "community"
	Public    State = "public"
)

// States in table order.
var States = []State{Private, Pending, Accepted, Rejected, Community, Public}

// Visibility is the image's visibility attribute.
func (s State) Visibility() string {
	switch s {
	case Pending, Accepted, Rejected:
		return "shared"
	}
	return string(s)
}

// MemberStatus is the other project's membership status, "" when it
// is not a member.
func (s State) MemberStatus() string {
	switch s {
	case Pending:
		return "pending"
	case Accepted:
		return "accepted"
	case Rejected:
		return "rejected"
	}
	return ""
}

// facts is what Glance's checks read about a caller and an image.
type facts struct {
	mode         Mode
	role         Role
	owner        bool   // project_id:%(project_id)s: the caller's project owns the image
	member       bool   // the caller's project has a membership of the image (any status)
	status       string // that membership's status
	vis          string // the image's visibility
	shared       bool
	targetMember bool // the target's member_id is the caller's project
}

func factsOf(m Mode, p Persona, s State) facts {
	f := facts{mode: m, role: p.Role, owner: p.Owner, vis: s.Visibility()}
	f.shared = f.vis == "shared"
	f.member = !p.Owner && s.MemberStatus() != ""
	if f.member {
		f.status = s.MemberStatus()
	}
	// glance.db.ImageRepo sets the image's member to the caller's
	// project on any shared image the caller does not own.
	f.targetMember = f.shared && !f.owner
	return f
}

func (f facts) has(r Role) bool { return roleRank[f.role] >= roleRank[r] }

// admin is context_is_admin (role:admin), which is also the context's
// is_admin.
func (f facts) admin() bool { return f.has(Admin) }

// visible is glance.db's is_image_visible: the image repository loads
// no other image for the caller, whatever the rules say (404).
func (f facts) visible() bool {
	return f.admin() || f.owner || f.vis == "public" || f.vis == "community" || (f.shared && f.member)
}

// rule is one policy rule: its secure-RBAC check string, and whether
// it has a deprecated default ("rule:default", which passes everyone)
// that the legacy mode ORs in.
type rule struct {
	check      func(f facts) bool
	deprecated bool
}

// The building blocks of glance/policies/base.py.
func adminOrProjectMember(f facts) bool { return f.admin() || f.has(Member) && f.owner }
func onlyAdmin(f facts) bool            { return f.admin() }

// seesByVisibility is PROJECT_*_OR_IMAGE_MEMBER_OR_COMMUNITY_OR_PUBLIC_OR_SHARED
// past the role.
func seesByVisibility(f facts) bool {
	return f.owner || f.targetMember || f.vis == "community" || f.vis == "public" || f.vis == "shared"
}

// rules are Zed's image and member rules the matrix reaches. get_images
// targets the caller's own project, so a project reader passes it.
var rules = map[string]rule{
	"get_images":        {func(f facts) bool { return f.admin() || f.has(Reader) }, true},
	"get_image":         {func(f facts) bool { return f.admin() || f.has(Reader) && seesByVisibility(f) }, true},
	"download_image":    {func(f facts) bool { return f.admin() || f.has(Member) && seesByVisibility(f) }, true},
	"modify_image":      {adminOrProjectMember, true},
	"delete_image":      {adminOrProjectMember, true},
	"upload_image":      {adminOrProjectMember, true},
	"deactivate":        {adminOrProjectMember, true},
	"reactivate":        {adminOrProjectMember, true},
	"communitize_image": {adminOrProjectMember, true},
	"publicize_image":   {onlyAdmin, false},
	"add_member":        {adminOrProjectMember, true},
	"delete_member":     {adminOrProjectMember, true},
	"get_member":        {func(f facts) bool { return f.admin() || f.has(Reader) && (f.owner || f.targetMember) }, true},
	"get_members":       {func(f facts) bool { return f.admin() || f.has(Reader) && (f.owner || f.targetMember) }, true},
	"modify_member":     {func(f facts) bool { return f.admin() || f.has(Member) && f.targetMember }, true},
}

// passes evaluates a rule as oslo.policy does in the mode.
func (f facts) passes(name string) bool {
	r, ok := rules[name]
	if !ok {
		panic("rbacmatrix: no rule " + name)
	}
	return r.check(f) || f.mode == Legacy && r.deprecated
}

// A step is one check of an operation, in Glance's order: it returns
// the status that ends the request, or 0 to go on.
type step func(f facts) int

// found: the image repository does not load an image the caller may
// not see.
func found(f facts) int {
	if !f.visible() {
		return 404
	}
	return 0
}

// policy is ImageAPIPolicy._enforce: a refused rule is 404 when the
// caller may not get the image, else 403.
func policy(name string) step {
	return func(f facts) int {
		switch {
		case f.passes(name):
			return 0
		case !f.passes("get_image"):
			return 404
		}
		return 403
	}
}

// plain enforces a rule with no masking (visibility changes, the list).
func plain(name string) step {
	return func(f facts) int {
		if !f.passes(name) {
			return 403
		}
		return 0
	}
}

// legacyMutable is check_is_image_mutable, applied only without
// enforce_secure_rbac: an admin or the owner.
func legacyMutable(f facts) int {
	if f.mode == Legacy && !f.admin() && !f.owner {
		return 403
	}
	return 0
}

// ownerChangeByAdmin: "Owner can't be updated by non admin."
func ownerChangeByAdmin(f facts) int {
	if !f.admin() {
		return 403
	}
	return 0
}

// deactivatedForAdmins: only admins download a deactivated image's data.
func deactivatedForAdmins(f facts) int {
	if !f.admin() {
		return 403
	}
	return 0
}

// refuse always ends the request (a protected image's delete).
func refuse(code int) step { return func(facts) int { return code } }

// sharedOnly: "Only shared images have members."
func sharedOnly(f facts) int {
	if !f.shared {
		return 403
	}
	return 0
}

// legacyMembership is _check_visibility_and_ownership without
// enforce_secure_rbac, for callers that are not admins: only the owner
// adds or removes members, and the owner may not answer for them.
func legacyMembership(op string) step {
	return func(f facts) int {
		if f.mode != Legacy || f.admin() {
			return 0
		}
		switch {
		case op == "create" && !f.owner, op == "update" && f.owner, op == "delete" && !f.owner:
			return 403
		}
		return 0
	}
}

// memberPolicy is MemberAPIPolicy._enforce: get_image (404 when
// refused), then the rule (403).
func memberPolicy(name string) step {
	return func(f facts) int {
		if !f.passes("get_image") {
			return 404
		}
		if !f.passes(name) {
			return 403
		}
		return 0
	}
}

// otherMembershipSeen: a caller who is not an admin sees a membership
// only as the image's owner or as that member (glance.db's
// _image_member_find). The matrix's membership is the other project's.
func otherMembershipSeen(f facts) int {
	if f.admin() || f.owner || f.member {
		return 0
	}
	return 404
}

// listed is the default list (member_status accepted, or any status
// with memberStatusAll): an admin lists every image, others their
// project's, public and community ones and those shared with them;
// without a visibility filter community images of other projects are
// left out, for admins too; then each image must pass get_image.
func (f facts) listed(memberStatusAll bool) bool {
	var inQuery bool
	switch {
	case f.vis == "community" && !f.owner:
		inQuery = false
	case f.admin(), f.owner, f.vis == "public":
		inQuery = true
	case f.shared && f.member:
		inQuery = memberStatusAll || f.status == "accepted"
	}
	return inQuery && f.passes("get_image")
}

// Outcome is what a cell's request came to: a status code, or for the
// list operations whether the image was listed ("in", "out").
type Outcome string

// Expect computes a cell's outcome from the description.
func (c Cell) Expect() Outcome {
	f := factsOf(c.Mode, c.Persona, c.State)
	if c.Op.listed != nil {
		if code := plain("get_images")(f); code != 0 {
			return codeOutcome(code)
		}
		if c.Op.listed(f) {
			return "in"
		}
		return "out"
	}
	for _, s := range c.Op.steps {
		if code := s(f); code != 0 {
			if code == 403 && c.Op.forbiddenIsNotFound {
				code = 404
			}
			return codeOutcome(code)
		}
	}
	return codeOutcome(c.Op.ok)
}

// PolicyOptions is the [oslo_policy] section selecting the mode. Glance
// (Zed) also wants [DEFAULT] enforce_secure_rbac equal to
// enforce_new_defaults.
func (m Mode) PolicyOptions() map[string]string {
	on := "true"
	if m == Legacy {
		on = "false"
	}
	return map[string]string{"enforce_new_defaults": on, "enforce_scope": on}
}
