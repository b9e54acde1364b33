// Package e2e drives our server with the real OpenStack clients (the
// openstack CLI, the glance CLI and openstacksdk) exactly as users run
// them, and checks what a user would notice. Each test starts its own
// server on a free loopback port with a SQLite database and a
// filesystem store in a temporary directory; the one that logs in to
// the real Keystone runs its server where Keystone's catalog lists the
// image service (127.0.0.1:19292, under a machine-wide lock). Tests
// skip, saying why, when a client or Keystone is missing (under CI=true
// they fail instead); test/setup.sh installs and starts them.
package e2e

import (
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }
