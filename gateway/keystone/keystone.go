// Package keystone validates Keystone tokens for the keystone auth mode,
// as keystonemiddleware's auth_token does for Glance: a service user logs
// in with a password, asks the identity endpoint of its catalog about
// each token (GET /v3/auth/tokens) and the answer becomes the request's
// caller. Validated tokens are kept in memory, keyed by a hash of the
// token, until token_cache_time passes or the token expires, so a client
// that reuses its token costs one hash and one map lookup.
//
// Keystone saying a token is not valid (404, or an expired or malformed
// token) is KindUnauthorized; Keystone not answering, timing out,
// refusing the service user or failing is KindUnavailable, within a
// bound: no request waits on Keystone for long.
//
// Limits reads the unified limits of use_keystone_limits the same way,
// as its own user, with the same bounds (see limits.go).
package keystone

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-glance/glance/domain"
)

// Defaults for what [keystone_authtoken] leaves unset.
const (
	// DefaultTimeout bounds each request to Keystone when
	// http_connect_timeout is unset (keystonemiddleware would wait
	// forever).
	DefaultTimeout = 10 * time.Second
	// DefaultCacheSize bounds the validated tokens kept: enough for every
	// client of a busy server, small enough (a few MB) that a flood of
	// distinct tokens cannot grow memory.
	DefaultCacheSize = 10000
)

// Credentials are the service user's: a user (by id, or by name in a
// domain), a password and the scope of its token.
type Credentials struct {
	UserID, Username, Password   string
	UserDomainID, UserDomainName string
	// At most one scope: a project (by id, or by name in a domain), a
	// domain, the system or a trust. None gives an unscoped token, which
	// Keystone lets validate only the user's own tokens.
	ProjectID, ProjectName             string
	ProjectDomainID, ProjectDomainName string
	DomainID, DomainName               string
	System                             bool
	TrustID                            string
}

// Options configure a Validator; they mirror [keystone_authtoken].
type Options struct {
	// AuthURL is the Keystone endpoint the service user logs in at.
	AuthURL     string
	Credentials Credentials
	// Region and Interface pick the identity endpoint of the service
	// user's catalog that tokens are validated at; AuthURL's when the
	// catalog lists none.
	Region    string
	Interface string
	// Timeout bounds each request to Keystone; 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is how often a request that could not connect is tried
	// again, after 0.5 s, 1 s, 2 s, ... as keystoneauth waits.
	Retries int
	// TLS configures https towards Keystone; nil uses Go's defaults.
	TLS *tls.Config
	// CacheTime is how long a validated token is trusted without asking
	// Keystone again (never past its expiry); negative turns caching off.
	CacheTime time.Duration
	// CacheSize bounds the tokens kept; 0 means DefaultCacheSize.
	CacheSize int
	// ServiceTokenRoles and ServiceTokenRolesRequired are
	// keystonemiddleware's service_token_roles(_required).
	ServiceTokenRoles         []string
	ServiceTokenRolesRequired bool
	// EnforceTokenBind is keystonemiddleware's enforce_token_bind;
	// "" means permissive.
	EnforceTokenBind string
	// Now is the clock expiry and cache lifetimes are read from; nil is
	// time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Validator validates tokens; it is safe for concurrent use.
type Validator struct {
	opts          Options
	serviceRoles  []string
	identity      *identity
	cache         *cache
	flights       flights
	now           func() time.Time
	log           *slog.Logger
	warnRolesOnce sync.Once
}

// New returns a Validator. It does not contact Keystone: the service user
// logs in on the first validation, so the server starts while Keystone is
// down. It fails only on options that cannot work (no auth URL).
func New(opts Options) (*Validator, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.EnforceTokenBind == "" {
		opts.EnforceTokenBind = bindPermissive
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	id, err := newIdentity(opts)
	if err != nil {
		return nil, err
	}
	v := &Validator{
		opts:     opts,
		identity: id,
		now:      opts.Now,
		log:      opts.Logger,
	}
	for _, r := range opts.ServiceTokenRoles {
		v.serviceRoles = append(v.serviceRoles, strings.ToLower(strings.TrimSpace(r)))
	}
	if opts.CacheTime >= 0 {
		v.cache = newCache(opts.CacheSize)
	}
	return v, nil
}

// Validate returns the caller userToken belongs to; with a valid
// serviceToken (X-Service-Token; "" when none) its roles become the
// caller's ServiceRoles. The caller is shared between requests: callers
// of Validate copy it before changing it. Admin and RequestID are left
// unset.
//
// As keystonemiddleware does: a service token that is not valid, or
// that lacks the service roles when they are required, is ignored; one
// holding a service role lets an expired user token through (within
// Keystone's allow_expired window).
//
// It returns a *domain.Error of KindUnauthorized when userToken is
// empty or not valid, and of KindUnavailable when Keystone cannot be
// asked or fails.
func (v *Validator) Validate(ctx context.Context, userToken, serviceToken string) (*domain.Caller, error) {
	var service *token
	allowExpired := false
	if serviceToken = strings.TrimSpace(serviceToken); serviceToken != "" {
		t, err := v.lookup(ctx, serviceToken, false)
		switch {
		case err == nil:
			passed := v.holdsServiceRole(t.caller.Roles)
			if passed || !v.opts.ServiceTokenRolesRequired {
				service = t
			}
			if !passed && !v.opts.ServiceTokenRolesRequired {
				v.warnRolesOnce.Do(func() {
					v.log.WarnContext(ctx, "A valid token was sent as a service token without any of the service_token_roles; "+
						"it is accepted as one because service_token_roles_required is false")
				})
			}
			allowExpired = passed
		case !isUnauthorized(err):
			return nil, err
		}
	}
	userToken = strings.TrimSpace(userToken)
	if userToken == "" {
		return nil, errInvalid
	}
	t, err := v.lookup(ctx, userToken, allowExpired)
	if err != nil {
		return nil, err
	}
	if service == nil {
		return t.caller, nil
	}
	c := *t.caller
	c.ServiceRoles = service.caller.Roles
	return &c, nil
}

func (v *Validator) holdsServiceRole(roles []string) bool {
	for _, r := range roles {
		if slices.Contains(v.serviceRoles, r) {
			return true
		}
	}
	return false
}

// lookup answers from the cache, or asks Keystone once however many
// requests wait for the same token.
func (v *Validator) lookup(ctx context.Context, raw string, allowExpired bool) (*token, error) {
	key := keyOf(raw)
	if v.cache != nil {
		if t, ok := v.cache.get(key, v.now()); ok {
			return t, nil
		}
	}
	return v.flights.do(ctx, flightKey{key, allowExpired}, v.identity.bound(), func(ctx context.Context) (*token, error) {
		t, err := v.fetch(ctx, raw, allowExpired)
		if err == nil && v.cache != nil {
			now := v.now()
			until := t.expires
			if limit := now.Add(v.opts.CacheTime); limit.Before(until) {
				until = limit
			}
			v.cache.put(key, t, until, now)
		}
		return t, err
	})
}

// fetch asks Keystone about one token and checks what it says.
func (v *Validator) fetch(ctx context.Context, raw string, allowExpired bool) (*token, error) {
	body, err := v.identity.validate(ctx, raw, allowExpired)
	if err != nil {
		return nil, err
	}
	t, err := parseToken(body)
	if err != nil {
		v.log.WarnContext(ctx, "Keystone's answer about a token could not be read: "+err.Error(), "bytes", len(body))
		return nil, errInvalid
	}
	if !allowExpired && !v.now().Before(t.expires) {
		return nil, errInvalid
	}
	if !bindAccepted(v.opts.EnforceTokenBind, t.bind) {
		v.log.InfoContext(ctx, "Token refused by enforce_token_bind = "+v.opts.EnforceTokenBind)
		return nil, errInvalid
	}
	return t, nil
}

// keyOf hashes a token for the cache. Fernet tokens (~200 bytes) are
// copied to the stack, not the heap, on the way to the hash.
func keyOf(raw string) tokenKey {
	var buf [512]byte
	if len(raw) <= len(buf) {
		return sha256.Sum256(append(buf[:0], raw...))
	}
	return sha256.Sum256([]byte(raw))
}

// errInvalid is every refused token: clients learn nothing of why.
var errInvalid = &domain.Error{Kind: domain.KindUnauthorized, Message: "Token authorization failed"}

func isUnauthorized(err error) bool {
	de, ok := err.(*domain.Error)
	return ok && de.Kind == domain.KindUnauthorized
}

// unavailable is the error of every request Keystone could not answer;
// the cause goes to the log, the client reads keystonemiddleware's text.
func unavailable(cause error) error {
	return &domain.Error{Kind: domain.KindUnavailable, Detail: true,
		Message: "The Keystone service is temporarily unavailable.", Err: cause}
}
