// Package authtoken tests Keystone token validation (gateway/keystone)
// against the real Keystone of test/keystone.sh, with a transparent
// proxy in front of it where a test counts what is asked or needs
// Keystone to stall or fail.
package authtoken

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/gateway/keystone"
	"github.com/go-glance/glance/test/internal/keystonetest"
)

// options validate as the glance service user at authURL, with the
// cache on for five minutes and short bounds so failure tests end soon.
func options(authURL string) keystone.Options {
	return keystone.Options{
		AuthURL: authURL,
		Credentials: keystone.Credentials{
			Username: keystonetest.Glance.Name, Password: keystonetest.Glance.Password(),
			UserDomainID: keystonetest.DefaultDomain,
			ProjectName:  keystonetest.Glance.Project, ProjectDomainID: keystonetest.DefaultDomain,
		},
		Region:            keystonetest.Region,
		Interface:         "internal",
		Timeout:           5 * time.Second,
		Retries:           1,
		CacheTime:         5 * time.Minute,
		ServiceTokenRoles: []string{"service"},
	}
}

func mustValidator(tb testing.TB, opts keystone.Options) *keystone.Validator {
	tb.Helper()
	v, err := keystone.New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// validate runs one validation within a generous bound, so a validator
// that hangs fails the test instead of stalling the suite.
func validate(tb testing.TB, v *keystone.Validator, user, service string) (*domain.Caller, error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := v.Validate(ctx, user, service)
	if ctx.Err() != nil {
		tb.Fatalf("validation did not end within its bound: %v", err)
	}
	return c, err
}

func mustValid(tb testing.TB, v *keystone.Validator, user, service string) *domain.Caller {
	tb.Helper()
	c, err := validate(tb, v, user, service)
	if err != nil {
		tb.Fatalf("Validate: %v", err)
	}
	return c
}

// mustKind checks err is a *domain.Error of kind.
func mustKind(tb testing.TB, err error, kind domain.Kind) {
	tb.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != kind {
		tb.Fatalf("error %v, want kind %v", err, kind)
	}
}

func mustRefused(tb testing.TB, v *keystone.Validator, user, service string) {
	tb.Helper()
	c, err := validate(tb, v, user, service)
	if err == nil {
		tb.Fatalf("token accepted as %+v; want it refused", c)
	}
	mustKind(tb, err, domain.KindUnauthorized)
}

func mustUnavailable(tb testing.TB, v *keystone.Validator, user string) error {
	tb.Helper()
	_, err := validate(tb, v, user, "")
	mustKind(tb, err, domain.KindUnavailable)
	return err
}

func TestCallerOfEachScope(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	v := mustValidator(t, options(keystonetest.URL))

	t.Run("project", func(t *testing.T) {
		c := mustValid(t, v, keystonetest.MustToken(t, keystonetest.AlphaMember).ID, "")
		if c.UserID == "" || c.UserName != "alpha-member" || c.UserDomainID != "default" {
			t.Errorf("user: %+v", c)
		}
		if c.ProjectID == "" || c.ProjectName != "alpha" || c.ProjectDomainID != "default" {
			t.Errorf("project: %+v", c)
		}
		if c.DomainID != "" || c.SystemScope != "" || c.Scope() != "project" {
			t.Errorf("scope: %+v", c)
		}
		// Keystone expands implied roles: member brings reader.
		if got := sorted(c.Roles); !slices.Equal(got, []string{"member", "reader"}) {
			t.Errorf("roles %v, want member and reader", got)
		}
		if c.Admin || c.ServiceRoles != nil || c.RequestID != "" {
			t.Errorf("the validator decides identity only: %+v", c)
		}
	})
	t.Run("project admin", func(t *testing.T) {
		c := mustValid(t, v, keystonetest.MustToken(t, keystonetest.AlphaAdmin).ID, "")
		if got := sorted(c.Roles); !slices.Equal(got, []string{"admin", "member", "reader"}) {
			t.Errorf("roles %v", got)
		}
		if c.Admin {
			t.Error("Admin set: it is the gateway's is_admin hook that decides")
		}
	})
	t.Run("system", func(t *testing.T) {
		c := mustValid(t, v, keystonetest.MustToken(t, keystonetest.SystemReader).ID, "")
		if c.SystemScope != "all" || c.ProjectID != "" || c.DomainID != "" || c.Scope() != "system" {
			t.Errorf("scope: %+v", c)
		}
		if !slices.Equal(c.Roles, []string{"reader"}) {
			t.Errorf("roles %v", c.Roles)
		}
	})
	t.Run("domain", func(t *testing.T) {
		c := mustValid(t, v, keystonetest.MustToken(t, keystonetest.DomainAdmin).ID, "")
		if c.DomainID != "default" || c.ProjectID != "" || c.SystemScope != "" || c.Scope() != "domain" {
			t.Errorf("scope: %+v", c)
		}
		if !c.HasRole("admin") {
			t.Errorf("roles %v", c.Roles)
		}
	})
	t.Run("unscoped", func(t *testing.T) {
		c := mustValid(t, v, keystonetest.MustToken(t, keystonetest.AlphaMember.Unscoped()).ID, "")
		if c.UserName != "alpha-member" || c.Scope() != "" || len(c.Roles) != 0 {
			t.Errorf("unscoped: %+v", c)
		}
	})
	t.Run("surrounding whitespace", func(t *testing.T) {
		token := keystonetest.MustToken(t, keystonetest.BetaReader).ID
		if c := mustValid(t, v, " "+token+"\t", ""); c.ProjectName != "beta" {
			t.Errorf("caller %+v", c)
		}
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestRefusedTokens(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	opts := options(keystonetest.URL)
	opts.CacheTime = -1
	v := mustValidator(t, opts)

	for name, token := range map[string]string{
		"empty":       "",
		"blank":       "   ",
		"garbage":     "not-a-token",
		"fernet-like": "gAAAAABgarbagegarbagegarbagegarbagegarbagegarbagegarbage",
	} {
		t.Run(name, func(t *testing.T) { mustRefused(t, v, token, "") })
	}
	t.Run("revoked", func(t *testing.T) {
		token := keystonetest.MustToken(t, keystonetest.AlphaReader).ID
		mustValid(t, v, token, "")
		keystonetest.MustRevoke(t, token)
		mustRefused(t, v, token, "")
	})
	t.Run("expired", func(t *testing.T) {
		token := keystonetest.MustShortLivedToken(t, keystonetest.AlphaReader, 3*time.Second)
		mustValid(t, v, token.ID, "")
		sleepUntil(token.ExpiresAt.Add(time.Second))
		mustRefused(t, v, token.ID, "")
	})
}

// sleepUntil waits for a moment of the wall clock that Keystone shares.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

// TestCacheAsksKeystoneOnce counts the validations that reach Keystone.
func TestCacheAsksKeystoneOnce(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	proxy := keystonetest.StartProxy(t)
	v := mustValidator(t, options(proxy.URL))
	token := keystonetest.MustToken(t, keystonetest.AlphaMember).ID

	first := mustValid(t, v, token, "")
	if n := proxy.Validations(); n != 1 {
		t.Fatalf("%d validations reached Keystone for one token; want 1 (is the catalog's identity endpoint used?)", n)
	}
	for range 5 {
		if c := mustValid(t, v, token, ""); c != first {
			t.Fatalf("cached caller %+v differs from %+v", c, first)
		}
	}
	if n := proxy.Validations(); n != 1 {
		t.Errorf("%d validations after six requests with one token; want 1", n)
	}

	t.Run("concurrent requests share one validation", func(t *testing.T) {
		token := keystonetest.MustToken(t, keystonetest.BetaMember).ID
		before := proxy.Validations()
		var wg sync.WaitGroup
		var failed atomic.Int32
		for range 20 {
			wg.Go(func() {
				if _, err := v.Validate(context.Background(), token, ""); err != nil {
					failed.Add(1)
				}
			})
		}
		wg.Wait()
		if failed.Load() != 0 {
			t.Fatalf("%d of 20 concurrent validations failed", failed.Load())
		}
		if n := proxy.Validations() - before; n != 1 {
			t.Errorf("20 concurrent requests with a new token made %d validations; want 1", n)
		}
	})

	t.Run("cache off asks every time", func(t *testing.T) {
		opts := options(proxy.URL)
		opts.CacheTime = -1
		v := mustValidator(t, opts)
		before := proxy.Validations()
		for range 3 {
			mustValid(t, v, token, "")
		}
		if n := proxy.Validations() - before; n != 3 {
			t.Errorf("token_cache_time = -1: %d validations for 3 requests; want 3", n)
		}
	})
}

// clock is a settable clock for the validator.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestCachedTokenOutlivesRevocation documents keystonemiddleware's
// trade-off, kept here: a token revoked in Keystone stays usable until
// its cache entry runs out (token_cache_time), then is refused.
func TestCachedTokenOutlivesRevocation(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	clk := &clock{now: time.Now()}
	opts := options(keystonetest.URL)
	opts.Now = clk.Now
	v := mustValidator(t, opts)
	token := keystonetest.MustToken(t, keystonetest.AlphaMember).ID
	mustValid(t, v, token, "")
	keystonetest.MustRevoke(t, token)

	clk.Advance(opts.CacheTime - time.Second)
	mustValid(t, v, token, "") // still cached
	clk.Advance(2 * time.Second)
	mustRefused(t, v, token, "") // asked again: Keystone knows it is revoked
}

// TestCacheEndsAtTokenExpiry checks that a cached token is not trusted
// past its expires_at, however long token_cache_time is.
func TestCacheEndsAtTokenExpiry(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()

	t.Run("injected clock", func(t *testing.T) {
		proxy := keystonetest.StartProxy(t)
		clk := &clock{now: time.Now()}
		opts := options(proxy.URL)
		opts.Now = clk.Now
		opts.CacheTime = 24 * time.Hour
		v := mustValidator(t, opts)
		token := keystonetest.MustToken(t, keystonetest.AlphaMember)
		mustValid(t, v, token.ID, "")
		clk.now = token.ExpiresAt.Add(-time.Second)
		mustValid(t, v, token.ID, "")
		if n := proxy.Validations(); n != 1 {
			t.Fatalf("%d validations before expiry; want 1", n)
		}
		clk.Advance(2 * time.Second)
		mustRefused(t, v, token.ID, "")
		if n := proxy.Validations(); n != 2 {
			t.Errorf("%d validations; want the expired entry asked about again", n)
		}
	})

	t.Run("real expiry", func(t *testing.T) {
		opts := options(keystonetest.URL)
		opts.CacheTime = 24 * time.Hour
		v := mustValidator(t, opts)
		// The service user logs in now, not within the token's life.
		mustValid(t, v, keystonetest.MustToken(t, keystonetest.BetaReader).ID, "")
		token := mustValidShortLived(t, v, keystonetest.BetaReader, 3*time.Second)
		sleepUntil(token.ExpiresAt.Add(time.Second))
		mustRefused(t, v, token.ID, "")
	})
}

// mustValidShortLived returns a token of p living about lifetime that v
// accepted. A busy machine can take the whole lifetime to issue and
// validate one; a token refused only once it had expired is replaced,
// a few times at most, while a live token's refusal fails the test.
func mustValidShortLived(t *testing.T, v *keystone.Validator, p keystonetest.Persona, lifetime time.Duration) keystonetest.Token {
	t.Helper()
	for attempt := 1; ; attempt++ {
		token := keystonetest.MustShortLivedToken(t, p, lifetime)
		_, err := validate(t, v, token.ID, "")
		if err == nil {
			return token
		}
		if time.Now().Before(token.ExpiresAt) || attempt == 3 {
			t.Fatalf("Validate, attempt %d: %v", attempt, err)
		}
		t.Logf("attempt %d: the token expired before its validation answered (%v); trying another", attempt, err)
	}
}

func TestServiceTokens(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	user := keystonetest.MustToken(t, keystonetest.AlphaMember).ID
	nova := keystonetest.MustToken(t, keystonetest.Nova).ID         // holds the service role
	reader := keystonetest.MustToken(t, keystonetest.BetaReader).ID // valid, no service role
	expired := keystonetest.MustShortLivedToken(t, keystonetest.AlphaMember, 3*time.Second)

	lenient := mustValidator(t, options(keystonetest.URL))
	strictOpts := options(keystonetest.URL)
	strictOpts.ServiceTokenRolesRequired = true
	strict := mustValidator(t, strictOpts)

	t.Run("service role", func(t *testing.T) {
		for _, v := range []*keystone.Validator{lenient, strict} {
			c := mustValid(t, v, user, nova)
			if c.UserName != "alpha-member" || !slices.Equal(c.ServiceRoles, []string{"service"}) {
				t.Errorf("caller %+v; want alpha-member with service roles [service]", c)
			}
		}
	})
	t.Run("no service role, not required", func(t *testing.T) {
		c := mustValid(t, lenient, user, reader)
		if !slices.Equal(c.ServiceRoles, []string{"reader"}) {
			t.Errorf("service roles %v; want the token's roles", c.ServiceRoles)
		}
	})
	t.Run("no service role, required", func(t *testing.T) {
		c := mustValid(t, strict, user, reader)
		if c.ServiceRoles != nil || c.UserName != "alpha-member" {
			t.Errorf("caller %+v; want the user without service roles", c)
		}
	})
	t.Run("invalid service token is ignored", func(t *testing.T) {
		c := mustValid(t, lenient, user, "not-a-token")
		if c.ServiceRoles != nil {
			t.Errorf("service roles %v", c.ServiceRoles)
		}
	})
	t.Run("service token alone", func(t *testing.T) {
		mustRefused(t, lenient, "", nova)
	})
	t.Run("caller of the user token is not changed", func(t *testing.T) {
		if c := mustValid(t, lenient, user, ""); c.ServiceRoles != nil {
			t.Errorf("the cached caller got service roles: %+v", c)
		}
	})

	sleepUntil(expired.ExpiresAt.Add(time.Second))
	t.Run("expired user token with a service token", func(t *testing.T) {
		c := mustValid(t, strict, expired.ID, nova)
		if c.UserName != "alpha-member" || !slices.Equal(c.ServiceRoles, []string{"service"}) {
			t.Errorf("caller %+v", c)
		}
	})
	t.Run("expired user token alone", func(t *testing.T) {
		mustRefused(t, strict, expired.ID, "")
	})
	t.Run("expired user token with a token lacking the service role", func(t *testing.T) {
		mustRefused(t, lenient, expired.ID, reader)
	})
}

// TestKeystoneUnavailable checks that every way of not getting an answer
// is a 503 (KindUnavailable) within the validator's bound, never a
// refused token.
func TestKeystoneUnavailable(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	token := keystonetest.MustToken(t, keystonetest.AlphaMember).ID
	short := func(url string) keystone.Options {
		o := options(url)
		o.Timeout, o.Retries = time.Second, 1
		return o
	}

	t.Run("closed port", func(t *testing.T) {
		mustUnavailable(t, mustValidator(t, short(keystonetest.ClosedURL(t))), token)
	})
	t.Run("silent listener", func(t *testing.T) {
		mustUnavailable(t, mustValidator(t, short(keystonetest.SilentURL(t))), token)
	})
	t.Run("wrong service password", func(t *testing.T) {
		o := short(keystonetest.URL)
		o.Credentials.Password = "wrong"
		mustUnavailable(t, mustValidator(t, o), token)
	})

	// Through the proxy the healthy calls reach the real Keystone, which a
	// loaded machine can keep for more than a second: a roomier bound,
	// without retries, keeps each injected fault to one wait.
	proxy := keystonetest.StartProxy(t)
	o := options(proxy.URL)
	o.Timeout, o.Retries = 4*time.Second, 0
	o.CacheTime = -1
	v := mustValidator(t, o)
	mustValid(t, v, token, "") // the service user is logged in
	for _, fault := range []struct {
		name   string
		inject func()
	}{
		{"validation stalls", func() { proxy.Stall("/v3/auth/tokens") }},
		{"server error", func() { proxy.Fail("/v3/auth/tokens", 500) }},
		{"service unavailable", func() { proxy.Fail("/v3/auth/tokens", 503) }},
		{"service token refused even after logging in again", func() { proxy.Fail("/v3/auth/tokens", 401) }},
		{"service user may not validate", func() { proxy.Fail("/v3/auth/tokens", 403) }},
	} {
		t.Run(fault.name, func(t *testing.T) {
			fault.inject()
			defer proxy.Heal()
			mustUnavailable(t, v, token)
		})
	}
	t.Run("recovers", func(t *testing.T) {
		mustValid(t, v, token, "")
	})
	t.Run("client gives up first", func(t *testing.T) {
		proxy.Stall("/v3/auth/tokens")
		defer proxy.Heal()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := v.Validate(ctx, token, "")
		mustKind(t, err, domain.KindUnavailable)
	})
}
