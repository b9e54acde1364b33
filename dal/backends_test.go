package dal_test

import (
	"testing"

	"github.com/go-glance/glance/dal/daltest"
)

// backends open a fresh synced database of each dialect; MariaDB skips
// when its server is unreachable.
var backends = []struct {
	name string
	open func(t *testing.T) daltest.Backend
}{
	{"sqlite", func(t *testing.T) daltest.Backend { return daltest.OpenSQLite(t) }},
	{"mariadb", func(t *testing.T) daltest.Backend { return daltest.OpenMariaDB(t) }},
}
