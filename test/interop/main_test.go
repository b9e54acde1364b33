// Package interop proves that our server and Debian's real Glance
// (glance-api 25.1, Zed) can share one MariaDB database and one image
// directory: a schema created by either glance-manage is served by
// both, and images created, changed or deleted through one server are
// seen the same way through the other. Given the same property
// protection file, both give the same answers. It also runs the RBAC
// matrix of test/internal/rbacmatrix against Glance with the real
// Keystone's tokens, which proves the description our server is
// checked against in test/rbac right, cell by cell.
//
// The tests need glance-api, glance-manage and python3-pymysql, and a
// MariaDB server that lets root in without a password on 127.0.0.1:3306
// (or, failing that, over /run/mysqld/mysqld.sock); they skip, saying
// why, when something is missing (under CI=true they fail instead).
// The RBAC matrix also needs Keystone (test/keystone.sh) and
// python3-keystonemiddleware. test/setup.sh provides all of it. Each
// MariaDB test works in its own uniquely named database and drops it
// at the end.
package interop

import (
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }
