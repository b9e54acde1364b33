package keystone

// The validator against the real Keystone is tested in test/authtoken;
// these tests cover the parts that need no Keystone.

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/gophercloud/gophercloud/v2"
)

func TestCacheKeepsUntilItsTime(t *testing.T) {
	c := newCache(10)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := &token{caller: &domain.Caller{UserID: "u"}}
	c.put(keyOf("a"), tok, now.Add(time.Minute), now)
	if got, ok := c.get(keyOf("a"), now.Add(59*time.Second)); !ok || got != tok {
		t.Fatalf("get before its time: %v, %v", got, ok)
	}
	if _, ok := c.get(keyOf("a"), now.Add(time.Minute)); ok {
		t.Error("entry still served at its end")
	}
	if _, ok := c.get(keyOf("b"), now); ok {
		t.Error("a token never put is served")
	}
	c.put(keyOf("c"), tok, now, now)
	if c.len() != 1 {
		t.Errorf("an entry already over was kept: %d entries", c.len())
	}
}

// TestCacheIsBounded checks that a flood of distinct tokens cannot grow
// the cache past its size, and that expired entries go first.
func TestCacheIsBounded(t *testing.T) {
	const max = 100
	c := newCache(max)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tok := &token{caller: &domain.Caller{}}
	for i := range 50 {
		c.put(keyOf("old"+strconv.Itoa(i)), tok, now.Add(time.Second), now)
	}
	later := now.Add(time.Minute)
	for i := range 10 * max {
		c.put(keyOf("new"+strconv.Itoa(i)), tok, later.Add(time.Hour), later)
		if n := c.len(); n > max {
			t.Fatalf("%d entries after %d inserts; bound %d", n, i+1, max)
		}
	}
	last := keyOf("new" + strconv.Itoa(10*max-1))
	if _, ok := c.get(last, later); !ok {
		t.Error("the newest entry is missing")
	}
}

func TestFlightsShareOneCall(t *testing.T) {
	var f flights
	var calls atomic.Int32
	release := make(chan struct{})
	want := &token{caller: &domain.Caller{UserID: "u"}}
	key := flightKey{token: keyOf("t")}
	var wg sync.WaitGroup
	results := make([]*token, 10)
	for i := range results {
		wg.Go(func() {
			results[i], _ = f.do(context.Background(), key, time.Minute, func(context.Context) (*token, error) {
				calls.Add(1)
				<-release
				return want, nil
			})
		})
	}
	// Let every caller join before the one call ends.
	for {
		f.mu.Lock()
		joined := 0
		if fl := f.pending[key]; fl != nil {
			joined = fl.callers
		}
		f.mu.Unlock()
		if joined == len(results) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	for _, r := range results {
		if r != want {
			t.Fatalf("a caller got %v", r)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d calls for %d concurrent callers; want 1", n, len(results))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pending) != 0 {
		t.Errorf("%d flights left pending", len(f.pending))
	}
}

func TestFlightWaiterLeavesWithItsContext(t *testing.T) {
	var f flights
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.do(ctx, flightKey{token: keyOf("t")}, time.Minute, func(context.Context) (*token, error) {
		<-release
		return nil, nil
	})
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindUnavailable {
		t.Errorf("error %v, want KindUnavailable", err)
	}
}

func TestFlightRunsWithinItsBound(t *testing.T) {
	var f flights
	_, err := f.do(context.Background(), flightKey{token: keyOf("t")}, time.Millisecond, func(ctx context.Context) (*token, error) {
		<-ctx.Done()
		return nil, unavailable(ctx.Err())
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the bound's deadline", err)
	}
}

func TestParseToken(t *testing.T) {
	body := `{"token": {"expires_at": "2030-01-02T03:04:05.000000Z",
		"user": {"id": "u1", "name": "alice", "domain": {"id": "d1", "name": "D"}},
		"project": {"id": "p1", "name": "proj", "domain": {"id": "d2"}},
		"roles": [{"id": "r1", "name": "Member"}, {"id": "r2", "name": "READER"}],
		"catalog": []}}`
	tok, err := parseToken([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Caller{UserID: "u1", UserName: "alice", UserDomainID: "d1",
		ProjectID: "p1", ProjectName: "proj", ProjectDomainID: "d2", Roles: []string{"member", "reader"}}
	if c := *tok.caller; c.UserID != want.UserID || c.UserName != want.UserName || c.UserDomainID != want.UserDomainID ||
		c.ProjectID != want.ProjectID || c.ProjectName != want.ProjectName || c.ProjectDomainID != want.ProjectDomainID ||
		!slices.Equal(c.Roles, want.Roles) {
		t.Errorf("caller %+v\nwant %+v", c, want)
	}
	if !tok.expires.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("expires %v", tok.expires)
	}

	t.Run("system and domain scopes", func(t *testing.T) {
		tok, err := parseToken([]byte(`{"token": {"expires_at": "2030-01-02T03:04:05Z", "user": {"id": "u"},
			"system": {"all": true}, "roles": [{"name": "reader"}]}}`))
		if err != nil || tok.caller.SystemScope != "all" || tok.caller.ProjectID != "" {
			t.Errorf("system: %+v, %v", tok, err)
		}
		tok, err = parseToken([]byte(`{"token": {"expires_at": "2030-01-02T03:04:05Z", "user": {"id": "u"},
			"domain": {"id": "default", "name": "Default"}}}`))
		if err != nil || tok.caller.DomainID != "default" {
			t.Errorf("domain: %+v, %v", tok, err)
		}
	})
	t.Run("naive expiry of an application credential's token", func(t *testing.T) {
		tok, err := parseToken([]byte(`{"token": {"expires_at": "2030-01-02T03:04:05.089057", "user": {"id": "u"}}}`))
		if err != nil || !tok.expires.Equal(time.Date(2030, 1, 2, 3, 4, 5, 89057000, time.UTC)) {
			t.Errorf("expires %v, %v", tok, err)
		}
	})
	for name, bad := range map[string]string{
		"no user":    `{"token": {"expires_at": "2030-01-02T03:04:05Z"}}`,
		"no expiry":  `{"token": {"user": {"id": "u"}}}`,
		"bad expiry": `{"token": {"expires_at": "tomorrow", "user": {"id": "u"}}}`,
		"not JSON":   `<html>`,
		"empty":      ``,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseToken([]byte(bad)); err == nil {
				t.Error("parsed")
			}
		})
	}
}

func TestBindRules(t *testing.T) {
	none := map[string]json.RawMessage(nil)
	kerberos := map[string]json.RawMessage{"kerberos": json.RawMessage(`"alice@REALM"`)}
	x509 := map[string]json.RawMessage{"x509": json.RawMessage(`"cert"`)}
	tests := []struct {
		mode string
		bind map[string]json.RawMessage
		want bool
	}{
		{"disabled", none, true}, {"disabled", kerberos, true},
		{"permissive", none, true}, {"permissive", x509, true}, {"permissive", kerberos, false},
		{"strict", none, true}, {"strict", x509, false},
		{"required", none, false}, {"required", x509, false},
		{"x509", none, false}, {"x509", x509, false}, {"kerberos", kerberos, false},
	}
	for _, tt := range tests {
		if got := bindAccepted(tt.mode, tt.bind); got != tt.want {
			t.Errorf("mode %s, bind %v: %v, want %v", tt.mode, tt.bind, got, tt.want)
		}
	}
}

func TestAuthOptions(t *testing.T) {
	ao := authOptions("http://k:5000", Credentials{Username: "glance", Password: "p", UserDomainID: "default",
		ProjectName: "service", ProjectDomainName: "Default"})
	if ao.DomainID != "default" || ao.Scope == nil || ao.Scope.ProjectName != "service" || ao.Scope.DomainName != "Default" || !ao.AllowReauth {
		t.Errorf("project by name: %+v scope %+v", ao, ao.Scope)
	}
	ao = authOptions("http://k:5000", Credentials{UserID: "u", Password: "p", UserDomainID: "ignored", System: true})
	if ao.DomainID != "" || ao.Scope == nil || !ao.Scope.System {
		t.Errorf("system: %+v scope %+v", ao, ao.Scope)
	}
	if ao := authOptions("http://k:5000", Credentials{UserID: "u", Password: "p"}); ao.Scope != nil {
		t.Errorf("unscoped got scope %+v", ao.Scope)
	}
	for in, want := range map[string]gophercloud.Availability{"publicURL": "public", "admin": "admin", "internal": "internal", "": "internal", "bogus": "internal"} {
		if got := availability(in, gophercloud.AvailabilityInternal); got != want {
			t.Errorf("availability(%q) = %q, want %q", in, got, want)
		}
	}
	if got := availability("", gophercloud.AvailabilityPublic); got != gophercloud.AvailabilityPublic {
		t.Errorf("availability with default public = %q", got)
	}
}

func TestBackoffAndBound(t *testing.T) {
	for n, want := range map[uint]time.Duration{1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 8: time.Minute, 20: time.Minute} {
		if got := backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
	id := &identity{opts: Options{Timeout: time.Second, Retries: 2}}
	if got, want := id.bound(), 2*(3*time.Second+1500*time.Millisecond); got != want {
		t.Errorf("bound %v, want %v", got, want)
	}
}

// TestEmptyTokenNeedsNoKeystone checks that a request without a token is
// refused without a call (the auth URL here accepts nothing).
func TestEmptyTokenNeedsNoKeystone(t *testing.T) {
	v, err := New(Options{AuthURL: "http://127.0.0.1:1", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Validate(context.Background(), " ", "")
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.KindUnauthorized {
		t.Errorf("error %v, want KindUnauthorized", err)
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without an auth URL succeeded")
	}
}

// BenchmarkValidateCached is the cost of a request whose token is in the
// cache: one SHA-256 of a Fernet-sized token and one map lookup.
func BenchmarkValidateCached(b *testing.B) {
	v, err := New(Options{AuthURL: "http://127.0.0.1:1", CacheTime: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	raw := "gAAAAAB" + strings.Repeat("x", 176) // Keystone's Fernet tokens are ~183 bytes
	now := time.Now()
	v.cache.put(keyOf(raw), &token{caller: &domain.Caller{UserID: "u", ProjectID: "p", Roles: []string{"member", "reader"}},
		expires: now.Add(time.Hour)}, now.Add(time.Hour), now)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Validate(ctx, raw, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
}
