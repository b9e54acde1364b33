// Package keystonetest gives tests the real Keystone test/keystone.sh
// brings up: where it is, who the test personas are, and tokens of every
// scope for them, issued, expired and revoked by Keystone itself.
//
// Tests call Require first: it skips (under CI=true, fails) when no
// Keystone answers.
package keystonetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/test/require"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/applicationcredentials"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"
)

// URL is Keystone's base URL; GLANCE_TEST_KEYSTONE_URL overrides it.
var URL = func() string {
	if u := os.Getenv("GLANCE_TEST_KEYSTONE_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return "http://127.0.0.1:5000"
}()

// AuthURL is the Identity API v3 endpoint clients log in at.
var AuthURL = URL + "/v3"

// ImagePort is where the catalog says the image service is
// (http://127.0.0.1:19292): tests that find it through the catalog run
// their server there, one at a time (see LockImagePort).
const ImagePort = 19292

// Region is the catalog's only region.
const Region = "RegionOne"

// DefaultDomain is the id of the domain every persona lives in.
const DefaultDomain = "default"

// Persona is a user test/keystone.sh creates, with the scope its tokens
// take by default. Every password is the user name.
type Persona struct {
	Name    string
	Project string // project name (domain Default); "" when not project-scoped
	Domain  string // domain id for a domain-scoped token
	System  bool   // system-scoped (all)
}

// Password is the persona's password.
func (p Persona) Password() string { return p.Name }

// The personas of test/keystone.sh.
var (
	Admin        = Persona{Name: "admin", Project: "admin"}
	SystemAdmin  = Persona{Name: "admin", System: true}
	Glance       = Persona{Name: "glance", Project: "service"}
	Nova         = Persona{Name: "nova", Project: "service"}
	AlphaAdmin   = Persona{Name: "alpha-admin", Project: "alpha"}
	AlphaMember  = Persona{Name: "alpha-member", Project: "alpha"}
	AlphaReader  = Persona{Name: "alpha-reader", Project: "alpha"}
	BetaAdmin    = Persona{Name: "beta-admin", Project: "beta"}
	BetaMember   = Persona{Name: "beta-member", Project: "beta"}
	BetaReader   = Persona{Name: "beta-reader", Project: "beta"}
	SystemReader = Persona{Name: "system-reader", System: true}
	DomainAdmin  = Persona{Name: "domain-admin", Domain: DefaultDomain}
)

// Unscoped is p logging in without a scope.
func (p Persona) Unscoped() Persona { return Persona{Name: p.Name} }

var (
	reachOnce sync.Once
	reachErr  error
)

// Require stops tb unless Keystone answers GET /v3: it skips on a
// developer's machine and fails under CI=true.
func Require(tb testing.TB) {
	tb.Helper()
	reachOnce.Do(func() {
		client := &http.Client{Timeout: 5 * time.Second}
		resp, err := client.Get(AuthURL)
		if err != nil {
			reachErr = err
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			reachErr = &statusError{resp.Status}
		}
	})
	if reachErr != nil {
		require.Missing(tb, "Keystone is not answering at %s (%v); bash test/keystone.sh starts it", AuthURL, reachErr)
	}
}

type statusError struct{ status string }

func (e *statusError) Error() string { return "GET answered " + e.status }

// AuthOptions are p's password credentials in its own scope.
func (p Persona) AuthOptions() gophercloud.AuthOptions {
	ao := gophercloud.AuthOptions{
		IdentityEndpoint: AuthURL,
		Username:         p.Name,
		Password:         p.Password(),
		DomainID:         DefaultDomain,
	}
	switch {
	case p.Project != "":
		ao.Scope = &gophercloud.AuthScope{ProjectName: p.Project, DomainID: DefaultDomain}
	case p.Domain != "":
		ao.Scope = &gophercloud.AuthScope{DomainID: p.Domain}
	case p.System:
		ao.Scope = &gophercloud.AuthScope{System: true}
	}
	return ao
}

// Token is a token Keystone issued.
type Token struct {
	ID        string
	ExpiresAt time.Time
	// ProjectID is the id of the project it is scoped to, if any.
	ProjectID string
}

// MustToken logs p in and returns its token.
func MustToken(tb testing.TB, p Persona) Token {
	tb.Helper()
	ao := p.AuthOptions()
	return mustCreate(tb, &ao, "logging in as "+p.Name)
}

func mustCreate(tb testing.TB, ao *gophercloud.AuthOptions, what string) Token {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := identityClient()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	r := tokens.Create(ctx, client, ao)
	id, err := r.ExtractTokenID()
	if err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
	// Not ExtractToken: a token capped at an application credential's
	// expiry has a naive UTC expires_at, which it cannot parse.
	var body struct {
		ExpiresAt string `json:"expires_at"`
		Project   struct {
			ID string `json:"id"`
		} `json:"project"`
	}
	if err := r.ExtractInto(&body); err != nil { // the object under "token"
		tb.Fatalf("%s: %v", what, err)
	}
	expires, err := time.Parse(time.RFC3339Nano, body.ExpiresAt)
	if err != nil {
		expires, err = time.ParseInLocation("2006-01-02T15:04:05.999999999", body.ExpiresAt, time.UTC)
	}
	if err != nil {
		tb.Fatalf("%s: expires_at: %v", what, err)
	}
	return Token{ID: id, ExpiresAt: expires, ProjectID: body.Project.ID}
}

// identityClient is an unauthenticated identity client: enough to log in.
func identityClient() (*gophercloud.ServiceClient, error) {
	provider, err := openstack.NewClient(AuthURL)
	if err != nil {
		return nil, err
	}
	provider.HTTPClient = http.Client{Timeout: 30 * time.Second}
	return openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{})
}

// MustClient is an identity client acting as p.
func MustClient(tb testing.TB, p Persona) *gophercloud.ServiceClient {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	provider, err := openstack.NewClient(AuthURL)
	if err != nil {
		tb.Fatal(err)
	}
	provider.HTTPClient = http.Client{Timeout: 30 * time.Second}
	if err := openstack.Authenticate(ctx, provider, p.AuthOptions()); err != nil {
		tb.Fatalf("logging in as %s: %v", p.Name, err)
	}
	client, err := openstack.NewIdentityV3(provider, gophercloud.EndpointOpts{})
	if err != nil {
		tb.Fatal(err)
	}
	return client
}

// MustRevoke revokes token in Keystone (DELETE /v3/auth/tokens, the token
// revoking itself): from then on Keystone answers 404 for it.
func MustRevoke(tb testing.TB, token string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := identityClient()
	if err != nil {
		tb.Fatal(err)
	}
	client.SetToken(token)
	if err := tokens.Revoke(ctx, client, token).Err; err != nil {
		tb.Fatalf("revoking a token: %v", err)
	}
}

// MustShortLivedToken returns a token of p (project-scoped) that expires
// after about lifetime: Keystone caps the expiry of a token issued for an
// application credential at the credential's own, so the token is as
// real as any other and simply runs out. The credential is deleted when
// the test ends.
func MustShortLivedToken(tb testing.TB, p Persona, lifetime time.Duration) Token {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := MustClient(tb, p)
	own := tokens.Get(ctx, client, client.Token())
	user, err := own.ExtractUser()
	if err != nil {
		tb.Fatalf("reading %s's own token: %v", p.Name, err)
	}
	tokenRoles, err := own.ExtractRoles()
	if err != nil {
		tb.Fatalf("reading %s's roles: %v", p.Name, err)
	}
	// The roles are named although they are the token's: left to its
	// default, Keystone (Zed) now and then refused the credential for a
	// role the user does not hold (admin for beta-reader).
	var roles []applicationcredentials.Role
	for _, r := range tokenRoles {
		roles = append(roles, applicationcredentials.Role{ID: r.ID})
	}
	expires := time.Now().UTC().Add(lifetime)
	cred, err := applicationcredentials.Create(ctx, client, user.ID, applicationcredentials.CreateOpts{
		Name:      "short-lived-" + randomHex(6),
		ExpiresAt: &expires,
		Roles:     roles,
	}).Extract()
	if err != nil {
		tb.Fatalf("creating an application credential for %s: %v", p.Name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = applicationcredentials.Delete(ctx, client, user.ID, cred.ID).ExtractErr()
	})
	return mustCreate(tb, &gophercloud.AuthOptions{
		IdentityEndpoint:            AuthURL,
		ApplicationCredentialID:     cred.ID,
		ApplicationCredentialSecret: cred.Secret,
	}, "logging in with "+p.Name+"'s application credential")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AuthtokenSection is a [keystone_authtoken] section for glance-api.conf
// that validates tokens as the glance service user; extra options are
// added or override.
func AuthtokenSection(extra map[string]string) map[string]string {
	s := map[string]string{
		"www_authenticate_uri": URL,
		"auth_url":             URL,
		"auth_type":            "password",
		"username":             Glance.Name,
		"password":             Glance.Password(),
		"user_domain_id":       DefaultDomain,
		"project_name":         Glance.Project,
		"project_domain_id":    DefaultDomain,
		"region_name":          Region,
		"interface":            "internal",
	}
	for k, v := range extra {
		s[k] = v
	}
	return s
}

// AuthtokenINI is AuthtokenSection as the text of a glance-api.conf
// section, options in name order.
func AuthtokenINI(extra map[string]string) string {
	s := AuthtokenSection(extra)
	var b strings.Builder
	b.WriteString("[keystone_authtoken]\n")
	for _, k := range slices.Sorted(maps.Keys(s)) {
		b.WriteString(k + " = " + s[k] + "\n")
	}
	return b.String()
}
