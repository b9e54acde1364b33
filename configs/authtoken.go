package configs

import (
	"errors"
	"net/url"
	"slices"
	"strings"
)

// Authtoken is the [keystone_authtoken] section: how the keystone flavors
// validate tokens, under keystonemiddleware's option names and defaults
// (with its password auth plugin's options for the service user).
type Authtoken struct {
	// WWWAuthenticateURI is the public Keystone endpoint named in the
	// WWW-Authenticate header of a 401 (deprecated name auth_uri); ""
	// falls back to AuthURL, as keystonemiddleware does.
	WWWAuthenticateURI string
	// ServiceUser is the user tokens are validated as.
	ServiceUser

	// RegionName and Interface pick the identity endpoint from the
	// service user's catalog.
	RegionName string
	Interface  string
	// HTTPConnectTimeout bounds each request to Keystone, in seconds; 0
	// (unset; keystonemiddleware then waits forever) takes the server's
	// own bound.
	HTTPConnectTimeout int
	// HTTPRequestMaxRetries is how often a request that could not connect
	// is tried again.
	HTTPRequestMaxRetries int
	CAFile                string
	Insecure              bool

	// TokenCacheTime is how long a validated token is trusted without
	// asking Keystone again, in seconds; -1 turns caching off.
	TokenCacheTime int
	// ServiceTokenRoles are the roles a service token (X-Service-Token)
	// needs to count as one; with ServiceTokenRolesRequired unset a valid
	// token without them is still accepted, as keystonemiddleware does.
	ServiceTokenRoles         []string
	ServiceTokenRolesRequired bool
	// EnforceTokenBind is keystonemiddleware's bind mode: disabled,
	// permissive, strict, required or a bind type that must be present.
	EnforceTokenBind string

	// Read for keystonemiddleware compatibility, not acted on.
	AuthSection                string
	AuthVersion                string
	DelayAuthDecision          bool
	IncludeServiceCatalog      bool
	ServiceType                string
	Cache                      string
	MemcachedServers           []string
	MemcacheSecurityStrategy   string
	MemcacheSecretKey          string
	MemcachePoolDeadRetry      int
	MemcachePoolMaxsize        int
	MemcachePoolSocketTimeout  int
	MemcachePoolUnusedTimeout  int
	MemcachePoolConnGetTimeout int
	MemcacheUseAdvancedPool    bool
}

// Why keystonemiddleware options are read but not acted on.
const (
	inProcessCache = "validated tokens are cached in the server's memory"
	noCatalog      = "the service catalog is not passed on to the API"
)

// interfaces are the endpoint interfaces keystoneauth accepts, with the
// older names it still maps to them.
var interfaces = []string{"public", "internal", "admin", "publicURL", "internalURL", "adminURL"}

// passwordPlugins are the auth_type values served.
var passwordPlugins = []string{"password", "v3password"}

func (c *Config) authtokenOptions() []option {
	a, s := &c.Authtoken, secKeystone
	return append(serviceUserOptions(s, &a.ServiceUser),
		strOpt(s, "www_authenticate_uri", "", &a.WWWAuthenticateURI).alias(s, "auth_uri").checked(checkOptionalURL),
		strOpt(s, "auth_section", "", &a.AuthSection).notYet("the service user's options are read from [keystone_authtoken] only"),
		strOpt(s, "region_name", "", &a.RegionName),
		choiceOpt(s, "interface", "internal", interfaces, &a.Interface),
		strOpt(s, "auth_version", "", &a.AuthVersion).notYet("the Identity API v3 is always used"),
		boolOpt(s, "delay_auth_decision", "false", &a.DelayAuthDecision).
			notYet("Glance's paste pipeline sets it to true, and requests without a valid token get Glance's answer"),
		intOpt(s, "http_connect_timeout", "0", 0, noMax, &a.HTTPConnectTimeout),
		intOpt(s, "http_request_max_retries", "3", 0, noMax, &a.HTTPRequestMaxRetries),
		strOpt(s, "cache", "", &a.Cache).notYet(inProcessCache),
		strOpt(s, "cafile", "", &a.CAFile),
		boolOpt(s, "insecure", "false", &a.Insecure),
		listOpt(s, "memcached_servers", "", &a.MemcachedServers).alias(s, "memcache_servers").notYet(inProcessCache),
		intOpt(s, "token_cache_time", "300", -1, noMax, &a.TokenCacheTime),
		strOpt(s, "memcache_security_strategy", "None", &a.MemcacheSecurityStrategy).
			checked(checkSecurityStrategy).notYet(inProcessCache),
		strOpt(s, "memcache_secret_key", "", &a.MemcacheSecretKey).notYet(inProcessCache),
		intOpt(s, "memcache_pool_dead_retry", "300", noMin, noMax, &a.MemcachePoolDeadRetry).notYet(inProcessCache),
		intOpt(s, "memcache_pool_maxsize", "10", noMin, noMax, &a.MemcachePoolMaxsize).notYet(inProcessCache),
		intOpt(s, "memcache_pool_socket_timeout", "3", noMin, noMax, &a.MemcachePoolSocketTimeout).notYet(inProcessCache),
		intOpt(s, "memcache_pool_unused_timeout", "60", noMin, noMax, &a.MemcachePoolUnusedTimeout).notYet(inProcessCache),
		intOpt(s, "memcache_pool_conn_get_timeout", "10", noMin, noMax, &a.MemcachePoolConnGetTimeout).notYet(inProcessCache),
		boolOpt(s, "memcache_use_advanced_pool", "true", &a.MemcacheUseAdvancedPool).notYet(inProcessCache),
		boolOpt(s, "include_service_catalog", "true", &a.IncludeServiceCatalog).notYet(noCatalog),
		strOpt(s, "enforce_token_bind", "permissive", &a.EnforceTokenBind).checked(checkNotEmptyMode),
		listOpt(s, "service_token_roles", "service", &a.ServiceTokenRoles),
		boolOpt(s, "service_token_roles_required", "false", &a.ServiceTokenRolesRequired),
		strOpt(s, "service_type", "", &a.ServiceType).
			notYet("tokens of application credentials with access rules are refused whatever the rules say"),
	)
}

// CheckAuthtoken returns why [keystone_authtoken] does not say enough to
// log the service user in (one *ValueError per missing or unsupported
// option, joined), or nil. Only the keystone flavors need the section, so
// Load leaves this check to them: a server with a keystone flavor calls
// it before serving, where a missing option would fail every request.
func (c *Config) CheckAuthtoken() error {
	return c.Authtoken.ServiceUser.check(secKeystone, " (the keystone flavor validates tokens as the service user these options name)")
}

// serviceUserOptions binds keystoneauth's password plugin options of
// section s to u.
func serviceUserOptions(s string, u *ServiceUser) []option {
	return []option{
		strOpt(s, "auth_type", "", &u.AuthType).alias(s, "auth_plugin"),
		strOpt(s, "auth_url", "", &u.AuthURL).checked(checkOptionalURL),
		strOpt(s, "username", "", &u.Username).alias(s, "user_name"),
		strOpt(s, "user_id", "", &u.UserID),
		strOpt(s, "password", "", &u.Password),
		strOpt(s, "user_domain_name", "", &u.UserDomainName),
		strOpt(s, "user_domain_id", "", &u.UserDomainID),
		strOpt(s, "project_name", "", &u.ProjectName).alias(s, "tenant_name"),
		strOpt(s, "project_id", "", &u.ProjectID).alias(s, "tenant_id"),
		strOpt(s, "project_domain_name", "", &u.ProjectDomainName),
		strOpt(s, "project_domain_id", "", &u.ProjectDomainID),
		strOpt(s, "default_domain_id", "", &u.DefaultDomainID),
		strOpt(s, "default_domain_name", "", &u.DefaultDomainName),
		strOpt(s, "domain_id", "", &u.DomainID),
		strOpt(s, "domain_name", "", &u.DomainName),
		strOpt(s, "system_scope", "", &u.SystemScope).checked(checkSystemScope),
		strOpt(s, "trust_id", "", &u.TrustID),
		strOpt(s, "certfile", "", &u.CertFile),
		strOpt(s, "keyfile", "", &u.KeyFile),
	}
}

// ServiceUser is a Keystone user the service logs in as with a password
// (keystoneauth's password plugin options): its credentials, scope and
// client certificate.
type ServiceUser struct {
	// AuthType is the auth plugin; only password (and v3password, its
	// v3-only form) is served.
	AuthType, AuthURL                  string
	Username, UserID, Password         string
	UserDomainName, UserDomainID       string
	ProjectName, ProjectID             string
	ProjectDomainName, ProjectDomainID string
	// DefaultDomainID and DefaultDomainName stand in for the user's and
	// the project's domain when those are not set.
	DefaultDomainID, DefaultDomainName string
	// DomainID or DomainName ask for a domain-scoped token, SystemScope
	// ("all") for a system-scoped one, TrustID for a trust.
	DomainID, DomainName string
	SystemScope          string
	TrustID              string
	CertFile, KeyFile    string
}

// check returns one *ValueError per option of section that keeps the
// user from logging in, joined, or nil; why says what needs the user.
func (u *ServiceUser) check(section, why string) error {
	var errs []error
	bad := func(name, value, reason string) {
		errs = append(errs, &ValueError{Section: section, Option: name, Value: value, Reason: reason})
	}
	switch {
	case u.AuthType == "":
		bad("auth_type", "", "is not set; only password is supported"+why)
	case !slices.Contains(passwordPlugins, u.AuthType):
		bad("auth_type", u.AuthType, "is not supported; only password (or v3password) is")
	}
	if u.AuthURL == "" {
		bad("auth_url", "", "is not set"+why)
	}
	if u.Password == "" {
		bad("password", "", "is not set"+why)
	}
	if u.Username == "" && u.UserID == "" {
		bad("username", "", "is not set, nor is user_id"+why)
	}
	if u.UserID == "" && u.Username != "" && u.UserDomainID == "" && u.UserDomainName == "" &&
		u.DefaultDomainID == "" && u.DefaultDomainName == "" {
		bad("user_domain_name", "", "is not set, nor user_domain_id or default_domain_id: Keystone needs the domain of user "+u.Username)
	}
	if u.ProjectID == "" && u.ProjectName != "" && u.ProjectDomainID == "" && u.ProjectDomainName == "" &&
		u.DefaultDomainID == "" && u.DefaultDomainName == "" {
		bad("project_domain_name", "", "is not set, nor project_domain_id or default_domain_id: Keystone needs the domain of project "+u.ProjectName)
	}
	if (u.CertFile == "") != (u.KeyFile == "") {
		bad("certfile", u.CertFile, "and keyfile must be set together")
	}
	return errors.Join(errs...)
}

// checkOptionalURL accepts "" or an absolute http(s) URL.
func checkOptionalURL(v string) string {
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "is not an http:// or https:// URL"
	}
	return ""
}

func checkSystemScope(v string) string {
	if v == "" || v == "all" {
		return ""
	}
	return "is not all (the only system scope)"
}

func checkSecurityStrategy(v string) string {
	switch strings.ToLower(v) {
	case "none", "mac", "encrypt":
		return ""
	}
	return "is not one of None, MAC, ENCRYPT"
}

func checkNotEmptyMode(v string) string {
	if v != "" {
		return ""
	}
	return "is empty; use disabled, permissive, strict, required or a bind type"
}
