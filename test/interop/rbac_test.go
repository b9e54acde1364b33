package interop

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/keystonetest"
	"github.com/go-glance/glance/test/internal/rbacmatrix"
	"github.com/go-glance/glance/test/require"
)

// glanceWorkers is how many cells run at once against Glance: its one
// eventlet process on SQLite.
const glanceWorkers = 4

// TestRBACMatrixAgainstGlance runs the RBAC matrix against Debian's
// real Glance (Zed) validating the same Keystone's tokens, once under
// each policy mode, and checks every cell's answer against the
// description the matrix computes its expectations from. The same
// description checks our server in test/rbac, so the two agree cell by
// cell.
func TestRBACMatrixAgainstGlance(t *testing.T) {
	t.Parallel()
	requireRealGlance(t)
	keystonetest.Require(t)
	if _, err := os.Stat(debianPasteConfig); err != nil {
		require.Missing(t, "Debian's %s, with Glance's keystone pipeline, is missing (package glance-api): %v", debianPasteConfig, err)
	}
	if out, err := glancetest.Run(time.Minute, nil, "/usr/bin/python3", "-c", "import keystonemiddleware.auth_token"); err != nil {
		require.Missing(t, "python3-keystonemiddleware is not installed (test/setup.sh installs it): %v\n%s", err, out)
	}
	who := rbacmatrix.MustCallers(t)
	for _, mode := range rbacmatrix.Modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			// An empty policy directory: nothing from /etc/glance/policy.d.
			policyDir := filepath.Join(dir, "policy.d")
			if err := os.MkdirAll(policyDir, 0o755); err != nil {
				t.Fatal(err)
			}
			policy := mode.PolicyOptions()
			policy["policy_dirs"] = policyDir
			g := newRealGlance(t, dir, "sqlite:///"+filepath.Join(memoryDir(t), "glance.sqlite"), filepath.Join(dir, "images"))
			g.mustConfigure(t, map[string]map[string]string{
				"DEFAULT":            {"enforce_secure_rbac": strconv.FormatBool(mode == rbacmatrix.Secure)},
				"paste_deploy":       {"flavor": "keystone"},
				"keystone_authtoken": keystonetest.AuthtokenSection(nil),
				"oslo_policy":        policy,
			})
			g.mustManage(t, "db_sync")
			client := g.mustStart(t)
			cells := rbacmatrix.Cells(mode)
			got, stats := rbacmatrix.Run(client.Endpoint, who, cells, glanceWorkers)
			t.Logf("Glance, %s defaults: %s", mode, stats)
			rbacmatrix.Check(t, "Glance", cells, got)
		})
	}
}

// memoryDir is a temporary directory in memory (/dev/shm) when the
// machine has one, else on disk: Glance commits every write to SQLite
// with an fsync, which on disk costs it more than the request's work.
func memoryDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "glance-rbac-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
