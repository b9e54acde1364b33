package interop

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/test/require"
	"github.com/go-sql-driver/mysql"
)

// mariaDB is a MariaDB server reachable as root without a password.
type mariaDB struct {
	admin *sql.DB
	how   string
	// urlFor is the [database] connection URL of database name, in the
	// SQLAlchemy form both servers read.
	urlFor func(name string) string
}

// mariaDBRoutes are the ways in, in order of preference: TCP is what
// the services use in production; Debian's own package only lets root
// in over the unix socket.
var mariaDBRoutes = []struct {
	how, net, addr string
	url            func(string) string
}{
	{"tcp 127.0.0.1:3306", "tcp", "127.0.0.1:3306", func(db string) string {
		return "mysql+pymysql://root@127.0.0.1/" + db
	}},
	{"unix socket /run/mysqld/mysqld.sock", "unix", "/run/mysqld/mysqld.sock", func(db string) string {
		return "mysql+pymysql://root@localhost/" + db + "?unix_socket=/run/mysqld/mysqld.sock"
	}},
}

var maria struct {
	once sync.Once
	db   *mariaDB
	why  []string
}

// mustMariaDB returns the server, or skips the test (fails it under
// CI) when none answers.
func mustMariaDB(t *testing.T) *mariaDB {
	t.Helper()
	maria.once.Do(func() {
		for _, r := range mariaDBRoutes {
			cfg := mysql.NewConfig()
			cfg.User, cfg.Net, cfg.Addr = "root", r.net, r.addr
			cfg.Timeout = 5 * time.Second
			db, err := sql.Open("mysql", cfg.FormatDSN())
			if err == nil {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err = db.PingContext(ctx)
				cancel()
			}
			if err != nil {
				if db != nil {
					db.Close()
				}
				maria.why = append(maria.why, fmt.Sprintf("%s: %v", r.how, err))
				continue
			}
			db.SetMaxOpenConns(2)
			maria.db = &mariaDB{admin: db, how: r.how, urlFor: r.url}
			return
		}
	})
	if maria.db == nil {
		require.Missing(t, "no MariaDB server lets root in without a password (run test/setup.sh): %s", strings.Join(maria.why, "; "))
	}
	return maria.db
}

// mustCreateDatabase creates an empty database with a unique name that
// starts with prefix, drops it when the test ends (after the servers
// using it have stopped), and returns its connection URL.
func (m *mariaDB) mustCreateDatabase(t *testing.T, prefix string) string {
	t.Helper()
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatal(err)
	}
	name := prefix + "_" + hex.EncodeToString(suffix)
	if _, err := m.admin.Exec("CREATE DATABASE `" + name + "`"); err != nil {
		t.Fatalf("creating database %s (MariaDB via %s): %v", name, m.how, err)
	}
	t.Cleanup(func() {
		if _, err := m.admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	t.Logf("database %s on MariaDB via %s", name, m.how)
	return m.urlFor(name)
}
