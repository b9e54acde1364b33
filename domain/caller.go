package domain

import "context"

// Caller is who makes a request, as established by the gateway's auth
// middleware (no auth, trusted headers or Keystone tokens). It holds what
// oslo.context puts in a policy check's credentials.
type Caller struct {
	UserID       string
	UserName     string
	UserDomainID string
	// ProjectID is set for a project-scoped token.
	ProjectID       string
	ProjectName     string
	ProjectDomainID string
	// DomainID is set for a domain-scoped token.
	DomainID string
	// SystemScope is "all" for a system-scoped token.
	SystemScope string
	// Roles are lower-cased role names.
	Roles []string
	// ServiceRoles are the lower-cased roles of a valid service token
	// (X-Service-Token) sent with the user's token.
	ServiceRoles []string
	// Admin is Glance's context is_admin: true for the unauthenticated
	// context and for callers with the admin role.
	Admin bool
	// ReadOnly marks anonymous callers: every mutating call is refused.
	ReadOnly  bool
	RequestID string
}

// Scope names the kind of authorisation scope of a caller, as
// oslo.policy compares it with a rule's scope_types: "system", "domain"
// or "project"; "" for a caller with none (no auth, anonymous, unscoped).
func (c *Caller) Scope() string {
	switch {
	case c.SystemScope != "":
		return "system"
	case c.DomainID != "":
		return "domain"
	case c.ProjectID != "":
		return "project"
	}
	return ""
}

// HasRole reports whether the caller holds role (lower-case).
func (c *Caller) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Viewer is what queries need to know of the caller to filter by
// visibility: images a caller may not see behave as if absent.
func (c *Caller) Viewer() Viewer {
	return Viewer{ProjectID: c.ProjectID, Admin: c.Admin}
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller carried by ctx, or an anonymous,
// read-only caller when there is none.
func CallerFrom(ctx context.Context) *Caller {
	if c, ok := ctx.Value(callerKey{}).(*Caller); ok && c != nil {
		return c
	}
	return &Caller{ReadOnly: true}
}

// Viewer selects what a caller can see: admins see everything; others see
// public and community images, their project's images, and shared images
// their project is a member of.
type Viewer struct {
	ProjectID string
	Admin     bool
}
