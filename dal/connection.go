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

// target is a parsed [database] connection: the dialect and what its
// driver needs.
type target struct {
	dialect dialect
	dsn     string
	// file is the SQLite database file; empty for MySQL and in-memory.
	file string
	// where names the database in logs without its password: the
	// SQLite file, or the MySQL server address and database.
	where string
	// createDSN opens the SQLite file creating it; dsn only opens it.
	createDSN string
	// mysql is the driver config behind dsn, for MySQL.
	mysql *mysql.Config
}

// parseConnection turns a SQLAlchemy database URL, as glance-api.conf
// [database] connection holds it, into a driver target. Errors name the
// option but never echo the URL, which may carry a password. o's
// PoolTimeout is SQLite's busy timeout and MySQL's lock wait, from which
// the MySQL connect and read timeouts follow.
func parseConnection(connection string, o Options) (target, error) {
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
		return sqliteTarget(rest, o.PoolTimeout)
	case "mysql", "mariadb":
		return mysqlTarget(connection, o)
	}
	return target{}, fmt.Errorf("[database] connection: unsupported database %q (supported: sqlite, mysql, mariadb)", scheme)
}

// sqliteTarget handles what follows "sqlite://": "" is an in-memory
// database, "/relative.sqlite" a relative path and "//abs/path" an
// absolute one, as in SQLAlchemy. Query parameters are SQLAlchemy's and
// do not apply here.
func sqliteTarget(rest string, wait time.Duration) (target, error) {
	path, _, _ := strings.Cut(rest, "?")
	params := url.Values{}
	params.Set("_txlock", "immediate")
	params.Set("_foreign_keys", "1")
	// database/sql never shares a connection between goroutines, so
	// SQLite's own per-call locking would be pure cost.
	params.Set("_mutex", "no")
	// Another process holding the write lock (glance-manage, a backup)
	// makes a writer fail with "database is locked" after this wait.
	params.Set("_busy_timeout", fmt.Sprint(wait.Milliseconds()))
	if path == "" || path == "/" || path == "/:memory:" {
		// A private name keeps two in-memory databases of one process
		// apart; shared cache lets every pooled connection see it.
		var b [8]byte
		_, _ = rand.Read(b[:])
		params.Set("mode", "memory")
		params.Set("cache", "shared")
		return target{dialect: sqlite, where: "an in-memory SQLite database", dsn: "file:glance-" + hex.EncodeToString(b[:]) + "?" + params.Encode()}, nil
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
	uri := "file:" + (&url.URL{Path: path}).EscapedPath() + "?"
	create := uri + params.Encode()
	// Pooled connections only open the file, never create it: one
	// opened after the file was deleted must fail, not start an empty
	// database beside the one the others still use.
	params.Set("mode", "rw")
	return target{dialect: sqlite, file: path, where: path, dsn: uri + params.Encode(), createDSN: create}, nil
}

// mysqlTarget handles mysql[+driver]://user:password@host:port/db?query,
// including ?unix_socket=/path with or without a host.
func mysqlTarget(connection string, o Options) (target, error) {
	wait := o.PoolTimeout
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
		// A row locked by another transaction fails this one with
		// error 1205 after the wait, not InnoDB's default 50 s.
		"innodb_lock_wait_timeout": fmt.Sprint(lockWaitSeconds(wait)),
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// A compare-and-swap UPDATE that rewrites identical values must
	// still count its row as found.
	cfg.ClientFoundRows = true
	// A server that accepts and never answers is cut off, not waited
	// for: the read limit leaves room for a lock wait to end first.
	cfg.InterpolateParams = charset == "utf8" || charset == "utf8mb4" // one round trip per statement (see DB.prepared); safe for these charsets only
	cfg.Timeout = wait
	if !o.NoReadTimeout {
		cfg.ReadTimeout = 2 * time.Duration(lockWaitSeconds(wait)) * time.Second
		cfg.WriteTimeout = cfg.ReadTimeout
	}
	return target{dialect: mysqlDialect, where: "MySQL database " + cfg.DBName + " on " + cfg.Addr, dsn: cfg.FormatDSN(), mysql: cfg}, nil
}

// lockWaitSeconds is wait in whole seconds, at least one, as
// innodb_lock_wait_timeout takes it.
func lockWaitSeconds(wait time.Duration) int64 {
	return max(1, int64((wait+time.Second-1)/time.Second))
}
