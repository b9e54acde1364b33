// Package rbac runs the RBAC matrix of test/internal/rbacmatrix against
// our server: a keystone-flavored server per policy mode (secure RBAC,
// legacy), the six personas' real Keystone tokens, and every cell's
// status code checked against the one description of Glance's
// semantics. It skips, saying why, without Keystone (under CI=true it
// fails); test/setup.sh starts Keystone.
package rbac

import (
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }
