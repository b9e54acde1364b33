package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/keystonetest"
)

// passwordCLI is the openstack CLI logging in to the real Keystone as p
// with OS_* variables, as a user's openrc sets them: no endpoint is
// given, so the CLI finds the image service in the catalog.
func passwordCLI(t *testing.T, p keystonetest.Persona) *cli {
	t.Helper()
	c := newCLI(t, requireTool(t, "openstack", "python3-openstackclient"))
	c.extraEnv = []string{
		"OS_AUTH_URL=" + keystonetest.AuthURL,
		"OS_IDENTITY_API_VERSION=3",
		"OS_AUTH_TYPE=password",
		"OS_USERNAME=" + p.Name,
		"OS_PASSWORD=" + p.Password(),
		"OS_USER_DOMAIN_ID=" + keystonetest.DefaultDomain,
		"OS_REGION_NAME=" + keystonetest.Region,
		"OS_INTERFACE=public",
	}
	switch {
	case p.System:
		c.extraEnv = append(c.extraEnv, "OS_SYSTEM_SCOPE=all")
	case p.Domain != "":
		c.extraEnv = append(c.extraEnv, "OS_DOMAIN_ID="+p.Domain)
	default:
		c.extraEnv = append(c.extraEnv, "OS_PROJECT_NAME="+p.Project, "OS_PROJECT_DOMAIN_ID="+keystonetest.DefaultDomain)
	}
	return c
}

// tokenCLI is the glance CLI sending token straight to the server, as a
// client holding a token it got elsewhere does.
func tokenCLI(t *testing.T, srv *glancetest.Server, token string) *cli {
	t.Helper()
	c := glanceCLI(t, srv)
	c.base = []string{"--os-image-url", srv.URL, "--os-auth-token", token}
	return c
}

// TestOpenStackCLIWithKeystone runs the server as Keystone's catalog
// lists it and lets the openstack CLI log in with a password, find the
// image service and use it, as alpha-member and beta-member.
func osShow(t *testing.T, c *cli, id string) map[string]any {
	t.Helper()
	var shown map[string]any
	osJSON(t, c, &shown, "image", "show", id)
	return shown
}

// TestPolicyFileWithKeystone: an operator's policy.yaml changes what
// real Keystone tokens may do, without a code change.
func TestPolicyFileWithKeystone(t *testing.T) {
	keystonetest.Require(t)
	t.Parallel()
	srv := glancetest.MustStart(t, glancetest.Config{
		Dir:    t.TempDir(),
		Policy: `"get_images": "role:admin"` + "\n",
		Options: map[string]map[string]string{
			"paste_deploy":       {"flavor": "keystone"},
			"keystone_authtoken": keystonetest.AuthtokenSection(nil),
		},
	})
	member := tokenCLI(t, srv, keystonetest.MustToken(t, keystonetest.AlphaMember).ID)
	if r := member.mustFail(t, "image-list"); !strings.Contains(r.stderr, "403") {
		t.Errorf("alpha-member lists under get_images: role:admin; want a 403:\n%s", r)
	}
	admin := tokenCLI(t, srv, keystonetest.MustToken(t, keystonetest.AlphaAdmin).ID)
	admin.mustRun(t, "image-list")
}

func TestOpenStackCLIWithKeystone(t *testing.T) {
	keystonetest.Require(t)
	keystonetest.LockImagePort(t)
	srv := glancetest.MustStart(t, glancetest.Config{
		Dir:  t.TempDir(),
		Port: keystonetest.ImagePort,
		Options: map[string]map[string]string{
			"paste_deploy":       {"flavor": "keystone"},
			"keystone_authtoken": keystonetest.AuthtokenSection(nil),
		},
	})
	alpha := passwordCLI(t, keystonetest.AlphaMember)
	beta := passwordCLI(t, keystonetest.BetaMember)
	path, data := glancetest.MustRandomFile(t, alpha.dir, "disk.img", 1<<20+4321)
	want := glancetest.DigestsOf(data)

	var created map[string]any
	osJSON(t, alpha, &created, "image", "create", "--disk-format", "raw", "--container-format", "bare",
		"--private", "--file", path, "alpha-image")
	id := str(created["id"])
	if id == "" {
		t.Fatalf("image create printed no id: %v", created)
	}
	var shown map[string]any
	osJSON(t, alpha, &shown, "image", "show", id)
	alphaProject := keystonetest.MustToken(t, keystonetest.AlphaMember).ProjectID
	for _, c := range []struct{ key, want string }{
		{"status", "active"},
		{"size", str(float64(want.Size))},
		{"checksum", want.MD5},
		{"owner", alphaProject},
		{"visibility", "private"},
	} {
		if got := str(field(shown, c.key)); got != c.want {
			t.Errorf("image show %s = %q; want %q", c.key, got, c.want)
		}
	}
	if list := alpha.mustRun(t, "image", "list", "-f", "value", "-c", "ID"); !strings.Contains(list, id) {
		t.Errorf("alpha's image list lacks its image %s:\n%s", id, list)
	}
	out := filepath.Join(alpha.dir, "saved.img")
	alpha.mustRun(t, "image", "save", "--file", out, id)
	mustSameFile(t, out, want)

	t.Run("other project", func(t *testing.T) {
		betaID := strings.TrimSpace(beta.mustRun(t, "image", "create", "--disk-format", "raw", "--container-format", "bare",
			"--private", "beta-image", "-f", "value", "-c", "id"))
		if list := alpha.mustRun(t, "image", "list", "-f", "value", "-c", "ID"); strings.Contains(list, betaID) {
			t.Errorf("alpha lists beta's private image %s:\n%s", betaID, list)
		}
		r := alpha.mustFail(t, "image", "show", betaID)
		if !strings.Contains(r.stderr, "No Image found") && !strings.Contains(r.stderr, "Could not find resource") {
			t.Errorf("alpha showing beta's image: want not found:\n%s", r)
		}
		if list := beta.mustRun(t, "image", "list", "-f", "value", "-c", "ID"); strings.Contains(list, id) {
			t.Errorf("beta lists alpha's private image:\n%s", list)
		}
	})

	// Secure RBAC: every image rule is project-scoped, so the cloud's
	// system-scoped admin gets Glance's 403 on the list and create and
	// 404 on an image, however strong its role.
	t.Run("system-scoped admin", func(t *testing.T) {
		system := passwordCLI(t, keystonetest.SystemAdmin)
		for _, args := range [][]string{
			{"image", "list"},
			{"image", "create", "--disk-format", "raw", "--container-format", "bare", "system-image"},
		} {
			if r := system.mustFail(t, args...); !strings.Contains(r.stderr, "403") {
				t.Errorf("system admin %s: want a 403:\n%s", strings.Join(args, " "), r)
			}
		}
		// The CLI looks an image up by id (404 here, as in Glance), then
		// by name through the list, which the scope refuses with 403.
		for _, args := range [][]string{
			{"image", "show", id},
			{"image", "set", "--name", "renamed", id},
			{"image", "save", "--file", filepath.Join(system.dir, "x"), id},
			{"image", "delete", id},
		} {
			system.mustFail(t, args...)
		}
		log, err := os.ReadFile(srv.Config.LogFile())
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(log), `"GET /v2/images/`+id+` HTTP/1.1" status: 404`); n < 4 {
			t.Errorf("the server answered %d GETs of the image with 404, want one per command", n)
		}
		if got := str(field(osShow(t, alpha, id), "name")); got != "alpha-image" {
			t.Errorf("after the system admin's attempts the image is named %q", got)
		}
	})

	t.Run("refused tokens", func(t *testing.T) {
		revoked := keystonetest.MustToken(t, keystonetest.AlphaMember).ID
		keystonetest.MustRevoke(t, revoked)
		for name, token := range map[string]string{"revoked": revoked, "garbage": "garbage-token"} {
			// glanceclient's words for a 401 (exc.Unauthorized).
			r := tokenCLI(t, srv, token).mustFail(t, "image-list")
			if !strings.Contains(r.stderr, "Invalid OpenStack Identity credentials.") {
				t.Errorf("%s token: want a 401 from the image service:\n%s", name, r)
			}
		}
		good := tokenCLI(t, srv, keystonetest.MustToken(t, keystonetest.AlphaReader).ID)
		if list := good.mustRun(t, "image-list"); !strings.Contains(list, id) {
			t.Errorf("a valid token sent the same way does not list alpha's image:\n%s", list)
		}
	})
}
