package authtoken

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/keystonetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }

// startServer runs the glance binary with a keystone flavor validating
// tokens as the glance service user; authtoken overrides options of
// [keystone_authtoken], defaults adds [DEFAULT] options.
func startServer(t *testing.T, authtoken, defaults map[string]string) *glancetest.Server {
	t.Helper()
	return glancetest.MustStart(t, glancetest.Config{
		Dir: t.TempDir(),
		Options: map[string]map[string]string{
			"DEFAULT":            defaults,
			"paste_deploy":       {"flavor": "keystone"},
			"keystone_authtoken": keystonetest.AuthtokenSection(authtoken),
		},
	})
}

// mustBeUnauthorized checks a 401 as Glance under keystonemiddleware
// answers it: WebOb's page, and the header telling clients where to log
// in.
func mustBeUnauthorized(t *testing.T, what string, code int, h http.Header, body []byte) {
	t.Helper()
	if code != http.StatusUnauthorized {
		t.Errorf("%s: %d, want 401; body %.500s", what, code, body)
		return
	}
	if got, want := h.Get("WWW-Authenticate"), `Keystone uri="`+keystonetest.URL+`"`; got != want {
		t.Errorf("%s: WWW-Authenticate %q, want %q", what, got, want)
	}
	if !strings.Contains(string(body), "This server could not verify that you are authorized to access the document you requested.") {
		t.Errorf("%s: 401 body %s", what, body)
	}
}

func mustStatus(t *testing.T, what string, code int, body []byte, want int) {
	t.Helper()
	if code != want {
		t.Errorf("%s: %d, want %d; body %.500s", what, code, want, body)
	}
}

// TestServerWithTokens drives a keystone-flavored server with tokens the
// real Keystone issued, refused ones included.
func TestServerWithTokens(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	srv := startServer(t, nil, nil)
	as := func(p keystonetest.Persona) glancetest.Client {
		return srv.Client.WithToken(keystonetest.MustToken(t, p).ID)
	}
	alphaMember, alphaReader, betaMember := as(keystonetest.AlphaMember), as(keystonetest.AlphaReader), as(keystonetest.BetaMember)
	alphaProject := keystonetest.MustToken(t, keystonetest.AlphaAdmin).ProjectID

	t.Run("refused", func(t *testing.T) {
		revoked := keystonetest.MustToken(t, keystonetest.AlphaMember).ID
		keystonetest.MustRevoke(t, revoked)
		for name, h := range map[string]http.Header{
			"no token":      nil,
			"empty token":   {"X-Auth-Token": {""}},
			"garbage token": {"X-Auth-Token": {"garbage"}},
			"revoked token": {"X-Auth-Token": {revoked}},
			// Identity headers a client sends are not believed.
			"trusted-auth headers": {"X-Identity-Status": {"Confirmed"}, "X-Roles": {"admin"}, "X-Project-Id": {alphaProject}},
		} {
			for _, r := range []struct{ method, path, body string }{
				{"GET", "/v2/images", ""},
				{"POST", "/v2/images", `{"name":"x"}`},
			} {
				hh := http.Header{"Content-Type": {"application/json"}}
				for k, v := range h {
					hh[k] = v
				}
				var body []byte
				if r.body != "" {
					body = []byte(r.body)
				}
				code, header, resp := srv.Client.Do(t, r.method, r.path, body, hh)
				mustBeUnauthorized(t, name+": "+r.method+" "+r.path, code, header, resp)
			}
		}
	})

	// The token's project owns what its user creates.
	private := alphaMember.MustCreate(t, map[string]any{"name": "alpha-private", "disk_format": "raw", "container_format": "bare"})
	if owner := private.String("owner"); owner != alphaProject {
		t.Fatalf("owner %q, want alpha's project %s", owner, alphaProject)
	}
	alphaMember.MustUpload(t, private.ID(), []byte("alpha's data"))

	for _, c := range []struct {
		name   string
		who    glancetest.Client
		method string
		path   string
		body   string
		want   int
	}{
		{"reader of the project sees it", alphaReader, "GET", "/v2/images/" + private.ID(), "", 200},
		{"reader cannot create", alphaReader, "POST", "/v2/images", `{"name":"x"}`, 403},
		{"member downloads", alphaMember, "GET", "/v2/images/" + private.ID() + "/file", "", 200},
		{"other project cannot see it", betaMember, "GET", "/v2/images/" + private.ID(), "", 404},
		{"other project cannot download it", betaMember, "GET", "/v2/images/" + private.ID() + "/file", "", 404},
	} {
		var body []byte
		if c.body != "" {
			body = []byte(c.body)
		}
		code, _, resp := c.who.Do(t, c.method, c.path, body, http.Header{"Content-Type": {"application/json"}})
		mustStatus(t, c.name, code, resp, c.want)
	}
	if glancetest.FindImage(betaMember.MustList(t, ""), private.ID()) != nil {
		t.Error("beta lists alpha's private image")
	}

	// The token's scope reaches policy, which enforces scope: image
	// rules are project-scoped, so system and domain tokens are refused
	// however strong their roles, while a project admin is admin.
	t.Run("scopes", func(t *testing.T) {
		id := private.ID()
		octet := http.Header{"Content-Type": {"application/octet-stream"}}
		patch := http.Header{"Content-Type": {"application/openstack-images-v2.1-json-patch"}}
		for _, who := range []keystonetest.Persona{keystonetest.SystemAdmin, keystonetest.SystemReader, keystonetest.DomainAdmin} {
			for _, c := range []struct {
				method, path string
				header       http.Header
				body         string
				want         int
			}{
				{"GET", "/v2/images", nil, "", 403},
				{"POST", "/v2/images", http.Header{"Content-Type": {"application/json"}}, `{"name":"x"}`, 403},
				{"GET", "/v2/images/" + id, nil, "", 404},
				{"PATCH", "/v2/images/" + id, patch, `[{"op":"replace","path":"/name","value":"x"}]`, 404},
				{"PUT", "/v2/images/" + id + "/file", octet, "x", 404},
				{"GET", "/v2/images/" + id + "/file", nil, "", 404},
				{"POST", "/v2/images/" + id + "/actions/deactivate", nil, "", 404},
				{"DELETE", "/v2/images/" + id, nil, "", 404},
			} {
				var body []byte
				if c.body != "" {
					body = []byte(c.body)
				}
				code, _, resp := as(who).Do(t, c.method, c.path, body, c.header)
				mustStatus(t, who.Name+" "+c.method+" "+c.path, code, resp, c.want)
			}
		}
		code, _, body := as(keystonetest.BetaAdmin).Do(t, "GET", "/v2/images/"+id, nil, nil)
		mustStatus(t, "a project admin of another project reads it", code, body, 200)
	})

	t.Run("X-Storage-Token", func(t *testing.T) {
		code, _, body := srv.Client.Do(t, "GET", "/v2/images/"+private.ID(), nil,
			http.Header{"X-Storage-Token": {keystonetest.MustToken(t, keystonetest.AlphaReader).ID}})
		mustStatus(t, "X-Storage-Token", code, body, 200)
	})
}

// TestLegacyPolicyWithKeystone: under Glance's configuration before
// secure RBAC (enforce_new_defaults and enforce_scope off), a
// system-scoped admin token is an admin.
func TestLegacyPolicyWithKeystone(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	srv := glancetest.MustStart(t, glancetest.Config{
		Dir: t.TempDir(),
		Options: map[string]map[string]string{
			"paste_deploy":       {"flavor": "keystone"},
			"oslo_policy":        {"enforce_new_defaults": "false", "enforce_scope": "false"},
			"keystone_authtoken": keystonetest.AuthtokenSection(nil),
		},
	})
	alpha := srv.Client.WithToken(keystonetest.MustToken(t, keystonetest.AlphaMember).ID)
	system := srv.Client.WithToken(keystonetest.MustToken(t, keystonetest.SystemAdmin).ID)
	img := alpha.MustCreate(t, map[string]any{"name": "alpha-private", "visibility": "private"})
	if glancetest.FindImage(system.MustList(t, ""), img.ID()) == nil {
		t.Error("the system admin does not list alpha's private image")
	}
	code, _, body := system.Do(t, "PATCH", "/v2/images/"+img.ID(), []byte(`[{"op":"replace","path":"/name","value":"renamed"}]`),
		http.Header{"Content-Type": {"application/openstack-images-v2.1-json-patch"}})
	mustStatus(t, "system admin renames alpha's image", code, body, 200)
}

// TestServerAnonymous: with allow_anonymous_access, a request without a
// valid token is Glance's read-only anonymous caller, as Glance decides
// it after keystonemiddleware (delay_auth_decision) let it through: no
// 401, and policy decides what an anonymous caller may read.
func TestServerAnonymous(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	srv := startServer(t, nil, map[string]string{"allow_anonymous_access": "true"})
	for name, h := range map[string]http.Header{
		"no token":      nil,
		"garbage token": {"X-Auth-Token": {"garbage"}},
	} {
		if code, _, body := srv.Client.Do(t, "GET", "/v2/images", nil, h); code == http.StatusUnauthorized {
			t.Errorf("%s: list: 401; want the anonymous caller to reach policy: %.300s", name, body)
		}
		hh := http.Header{"Content-Type": {"application/json"}}
		for k, v := range h {
			hh[k] = v
		}
		code, _, body := srv.Client.Do(t, "POST", "/v2/images", []byte(`{"name":"x"}`), hh)
		mustStatus(t, name+": create", code, body, http.StatusForbidden)
	}
}

// TestServerKeystoneUnavailable: when Keystone cannot be asked, requests
// get 503 within the configured bounds, never 401 (the token may well be
// good), and the log says why.
func TestServerKeystoneUnavailable(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	token := keystonetest.MustToken(t, keystonetest.AlphaMember).ID
	for name, url := range map[string]string{
		"closed port":     keystonetest.ClosedURL(t),
		"silent listener": keystonetest.SilentURL(t),
	} {
		t.Run(name, func(t *testing.T) {
			srv := startServer(t, map[string]string{
				"auth_url": url, "http_connect_timeout": "1", "http_request_max_retries": "1",
			}, nil)
			code, h, body := srv.Client.WithToken(token).Do(t, "GET", "/v2/images", nil, nil)
			mustStatus(t, name, code, body, http.StatusServiceUnavailable)
			if !strings.Contains(string(body), "The Keystone service is temporarily unavailable.") {
				t.Errorf("503 body: %s", body)
			}
			if got := h.Get("WWW-Authenticate"); got != "" {
				t.Errorf("a 503 names where to log in: %q", got)
			}
			if n := logCount(t, srv, "WARNING", "the service user cannot log in to Keystone at "+url); n != 1 {
				t.Errorf("%d WARNING lines give the cause, want 1", n)
			}
		})
	}
}

// logCount counts the lines of the server's log with level and text.
func logCount(t *testing.T, srv *glancetest.Server, level, text string) int {
	t.Helper()
	raw, err := os.ReadFile(srv.Config.LogFile())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, " "+level+" ") && strings.Contains(line, text) {
			n++
		}
	}
	return n
}

// TestServerNeedsServiceUser: a keystone flavor whose section cannot log
// the service user in stops the server at start, naming what is wrong.
func TestServerNeedsServiceUser(t *testing.T) {
	t.Parallel()
	cfg := glancetest.Config{Dir: t.TempDir(), Options: map[string]map[string]string{
		"paste_deploy":       {"flavor": "keystone+caching"},
		"keystone_authtoken": {"auth_type": "v3applicationcredential"},
	}}
	conf := glancetest.MustWriteConfig(t, cfg)
	out, err := glancetest.Run(time.Minute, nil, glancetest.MustBuild(t), "api", "--config-file", conf)
	if err == nil {
		t.Fatalf("the server started:\n%s", out)
	}
	for _, want := range []string{"flavor = keystone+caching", `[keystone_authtoken] auth_type: "v3applicationcredential" is not supported`,
		"[keystone_authtoken] auth_url", "[keystone_authtoken] password"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestServerWarnings: keystonemiddleware options the server reads but
// does not act on are named at start.
func TestServerWarnings(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	srv := startServer(t, map[string]string{
		"memcached_servers": "127.0.0.1:11211", "memcache_security_strategy": "ENCRYPT",
		"memcache_secret_key": "k", "service_token_roles_required": "true",
	}, nil)
	for _, option := range []string{"[keystone_authtoken] memcached_servers ", "[keystone_authtoken] memcache_security_strategy ",
		"[keystone_authtoken] memcache_secret_key "} {
		if n := logCount(t, srv, "WARNING", option); n != 1 {
			t.Errorf("%d WARNING lines name %s, want 1", n, option)
		}
	}
	if n := logCount(t, srv, "WARNING", "service_token_roles_required"); n != 0 {
		t.Error("warned about service_token_roles_required though it is set")
	}
}
