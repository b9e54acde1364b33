// Package e2e drives our server with the real OpenStack clients (the
// openstack CLI, the glance CLI, openstacksdk and gophercloud, whose
// own image acceptance suite runs too) exactly as users run them, and
// checks what a user would notice. Each test starts its own server
// with a SQLite database and a filesystem store in a temporary
// directory, on a free loopback port; those that find the image
// service through the real Keystone's catalog run their server where
// it lists it (127.0.0.1:19292, one at a time under a machine-wide
// lock). Tests skip, saying why, when a client or Keystone is missing
// (under CI=true they fail instead); test/setup.sh installs and starts
// them.
package e2e

import (
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }
