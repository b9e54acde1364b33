package rbac

import (
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/keystonetest"
	"github.com/go-glance/glance/test/internal/rbacmatrix"
)

// workers is how many cells run at once: enough to keep a server busy
// on a 2-core machine.
const workers = 4

func TestMatrix(t *testing.T) {
	keystonetest.Require(t)
	who := rbacmatrix.MustCallers(t)
	for _, mode := range rbacmatrix.Modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			srv := glancetest.MustStart(t, glancetest.Config{
				Dir: t.TempDir(),
				Options: map[string]map[string]string{
					"paste_deploy":       {"flavor": "keystone"},
					"keystone_authtoken": keystonetest.AuthtokenSection(nil),
					"oslo_policy":        mode.PolicyOptions(),
				},
			})
			cells := rbacmatrix.Cells(mode)
			got, stats := rbacmatrix.Run(srv.URL, who, cells, workers)
			t.Logf("%s defaults: %s", mode, stats)
			rbacmatrix.Check(t, "our server", cells, got)
		})
	}
}
