package daltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/require"
	"github.com/go-sql-driver/mysql"
	_ "github.com/mattn/go-sqlite3" // the driver behind raw SQLite handles

	"github.com/go-glance/glance/dal"
)

// Backend is a database under test: the DB the repositories use, and a
// separate raw connection to the same database for what the
// repositories do not cover (memberships, checks on stored rows).
type Backend struct {
	DB *dal.DB
	// SQL is a raw connection; use ? placeholders.
	SQL *sql.DB
	// Dialect is "sqlite" or "mysql".
	Dialect string
	// URL is the [database] connection of the database.
	URL string
}

// MySQLServerEnv names the environment variable holding the SQLAlchemy
// URL (without database) of the MariaDB server tests use.
const MySQLServerEnv = "GLANCE_TEST_MYSQL_URL"

const defaultMySQLServer = "mysql+pymysql://root@127.0.0.1:3306/"

// NewSQLiteURL returns the [database] connection of a fresh SQLite file
// in tb's temporary directory.
func NewSQLiteURL(tb testing.TB) string {
	tb.Helper()
	return "sqlite:///" + filepath.Join(tb.TempDir(), "glance.sqlite")
}

// NewMariaDBURL creates a uniquely named, empty database on the test
// MariaDB server, drops it when tb ends, and returns its [database]
// connection. It skips tb (fails it under CI) when the server is
// unreachable.
func NewMariaDBURL(tb testing.TB) string {
	tb.Helper()
	server := os.Getenv(MySQLServerEnv)
	if server == "" {
		server = defaultMySQLServer
	}
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s: %v", MySQLServerEnv, err)
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.Timeout = 3 * time.Second
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		tb.Fatalf("open MariaDB server: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		require.Missing(tb, "MariaDB is not reachable at %s (set %s to use another server): %v", u.Host, MySQLServerEnv, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "glance_test_" + hex.EncodeToString(b[:])
	// utf8, as Glance's installation guides create the database.
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8"); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("mysql", cfg.FormatDSN())
		if err != nil {
			tb.Errorf("drop database %s: %v", name, err)
			return
		}
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name); err != nil {
			tb.Errorf("drop database %s: %v", name, err)
		}
	})
	v := url.Values{"charset": {"utf8"}}
	return (&url.URL{Scheme: "mysql+pymysql", User: u.User, Host: u.Host, Path: "/" + name, RawQuery: v.Encode()}).String()
}

// OpenSQLite returns a synced Backend on a fresh SQLite file.
func OpenSQLite(tb testing.TB) Backend {
	tb.Helper()
	return Open(tb, NewSQLiteURL(tb))
}

// OpenMariaDB returns a synced Backend on a fresh MariaDB database,
// skipping tb (failing it under CI) when the server is unreachable.
func OpenMariaDB(tb testing.TB) Backend {
	tb.Helper()
	return Open(tb, NewMariaDBURL(tb))
}

// Open opens the database at connection, syncs its schema, and closes
// it when tb ends.
func Open(tb testing.TB, connection string) Backend {
	tb.Helper()
	b := Connect(tb, connection)
	if err := b.DB.Sync(context.Background()); err != nil {
		tb.Fatalf("Sync: %v", err)
	}
	return b
}

// Connect opens the database at connection as it is, without syncing
// its schema, and closes it when tb ends.
func Connect(tb testing.TB, connection string) Backend {
	tb.Helper()
	// The suite checks what contention does to the rows, not how long
	// a caller waits: 32 writers of one MariaDB row on a loaded machine
	// can queue past the default pool timeout (the fault tests in
	// cmd/glance check that bound).
	db, err := dal.OpenWith(context.Background(), connection, dal.Options{PoolTimeout: time.Minute})
	if err != nil {
		tb.Fatalf("dal.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	raw, dialect, err := openRaw(connection)
	if err != nil {
		tb.Fatalf("open raw connection: %v", err)
	}
	tb.Cleanup(func() { raw.Close() })
	return Backend{DB: db, SQL: raw, Dialect: dialect, URL: connection}
}

// openRaw opens a database/sql handle on the database of a sqlite:///
// or mysql+pymysql:// URL as NewSQLiteURL and NewMariaDBURL make them.
func openRaw(connection string) (*sql.DB, string, error) {
	if path, ok := strings.CutPrefix(connection, "sqlite:///"); ok {
		db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=30000&_foreign_keys=1")
		return db, "sqlite", err
	}
	u, err := url.Parse(connection)
	if err != nil {
		return nil, "", err
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = u.Path[1:]
	cfg.ParseTime = true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	return db, "mysql", err
}

// Exec runs a statement on the raw connection, failing tb on error.
func (b Backend) Exec(tb testing.TB, query string, args ...any) {
	tb.Helper()
	if _, err := b.SQL.Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// Stamp is t as Glance stores it: the SQLAlchemy text form, which
// SQLite keeps as is and MySQL parses.
func Stamp(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000000")
}

// AddMember shares image with project in status, as Glance's members
// API stores it.
func (b Backend) AddMember(tb testing.TB, image, project, status string) {
	tb.Helper()
	now := Stamp(time.Now())
	b.Exec(tb, `INSERT INTO image_members (image_id, member, can_share, status, created_at, updated_at, deleted)
		VALUES (?, ?, 0, ?, ?, ?, 0)`, image, project, status, now, now)
}

// DeleteMember soft-deletes a membership, as Glance's members API does.
func (b Backend) DeleteMember(tb testing.TB, image, project string) {
	tb.Helper()
	b.Exec(tb, `UPDATE image_members SET deleted = 1, deleted_at = ? WHERE image_id = ? AND member = ?`,
		Stamp(time.Now()), image, project)
}

// String names the backend in test output.
func (b Backend) String() string { return fmt.Sprintf("%s database", b.Dialect) }
