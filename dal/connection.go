package dal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// sqliteBusyTimeout is how long SQLite waits for another writer (for
// example a glance-manage run) before failing with "database is locked".
const sqliteBusyTimeout = 30 * time.Second

// target is a parsed [database] connection: the dialect and what its
// driver needs.
type target struct {
	dialect dialect
	dsn     string
	// file is the SQLite database file; empty for MySQL and in-memory.
	file string
}

// parseConnection turns a SQLAlchemy database URL, as glance-api.conf
// [database] connection holds it, into a driver target. Errors name the
// option but never echo the URL, which may carry a password.
func parseConnection(connection string) (target, error) {
	if strings.TrimSpace(connection) == "" {
		return target{}, errors.New("[database] connection is not set")
	}
	scheme, rest, ok := strings.Cut(connection, "://")
	if !ok {
		return target{}, errors.New("[database] connection is not a database URL (expected e.g. sqlite:////var/lib/glance/glance.sqlite or mysql+pymysql://user:password@host/glance)")
	}
	// SQLAlchemy names the DBAPI after a plus sign; every MySQL DBAPI
	// speaks the same protocol, so only the database part matters.
	db, _, _ := strings.Cut(strings.ToLower(scheme), "+")
	switch db {
	case "sqlite":
		return sqliteTarget(rest)
	case "mysql", "mariadb":
		return mysqlTarget(connection)
	}
	return target{}, fmt.Errorf("[database] connection: unsupported database %q (supported: sqlite, mysql, mariadb)", scheme)
}

// sqliteTarget handles what follows "sqlite://": "" is an in-memory
// database, "/relative.sqlite" a relative path and "//abs/path" an
// absolute one, as in SQLAlchemy. Query parameters are SQLAlchemy's and
// do not apply here.
func sqliteTarget(rest string) (target, error) {
	path, _, _ := strings.Cut(rest, "?")
	params := url.Values{}
	params.Set("_txlock", "immediate")
	params.Set("_foreign_keys", "1")
	// database/sql never shares a connection between goroutines, so
	// SQLite's own per-call locking would be pure cost.
	params.Set("_mutex", "no")
	params.Set("_busy_timeout", fmt.Sprint(sqliteBusyTimeout.Milliseconds()))
	if path == "" || path == "/" || path == "/:memory:" {
		// A private name keeps two in-memory databases of one process
		// apart; shared cache lets every pooled connection see it.
		var b [8]byte
		_, _ = rand.Read(b[:])
		params.Set("mode", "memory")
		params.Set("cache", "shared")
		return target{dialect: sqlite, dsn: "file:glance-" + hex.EncodeToString(b[:]) + "?" + params.Encode()}, nil
	}
	path = strings.TrimPrefix(path, "/")
	unescaped, err := url.PathUnescape(path)
	if err != nil {
		return target{}, fmt.Errorf("[database] connection: bad SQLite path: %v", err)
	}
	path = unescaped
	params.Set("_journal_mode", "WAL")
	params.Set("_synchronous", "NORMAL")
	// 16 MiB of page cache per connection (the default is 2 MiB) keeps
	// a listing's children pages in memory between requests.
	params.Set("_cache_size", "-16384")
	// The path goes into an SQLite URI, so ?, # and % must be escaped.
	return target{dialect: sqlite, file: path, dsn: "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + params.Encode()}, nil
}

// mysqlTarget handles mysql[+driver]://user:password@host:port/db?query,
// including ?unix_socket=/path with or without a host.
func mysqlTarget(connection string) (target, error) {
	u, err := url.Parse(connection)
	if err != nil {
		return target{}, errors.New("[database] connection: malformed MySQL URL")
	}
	cfg := mysql.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" {
		return target{}, errors.New("[database] connection: the MySQL URL names no database")
	}
	q := u.Query()
	switch {
	case q.Get("unix_socket") != "":
		cfg.Net, cfg.Addr = "unix", q.Get("unix_socket")
	default:
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "localhost"
		}
		if port == "" {
			port = "3306"
		}
		cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, port)
	}
	charset := q.Get("charset")
	if charset == "" {
		charset = "utf8"
	}
	cfg.Params = map[string]string{
		"charset": charset,
		// oslo.db's default mysql_sql_mode: refuse rather than truncate.
		"sql_mode": "'TRADITIONAL'",
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// A compare-and-swap UPDATE that rewrites identical values must
	// still count its row as found.
	cfg.ClientFoundRows = true
	cfg.InterpolateParams = charset == "utf8" || charset == "utf8mb4" // one round trip per statement (see DB.prepared); safe for these charsets only
	cfg.Timeout = 10 * time.Second
	return target{dialect: mysqlDialect, dsn: cfg.FormatDSN()}, nil
}
