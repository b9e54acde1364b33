package dal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestParseConnectionSQLite(t *testing.T) {
	cases := []struct {
		url, file string
	}{
		{"sqlite:////var/lib/glance/glance.sqlite", "/var/lib/glance/glance.sqlite"},
		{"sqlite:///glance.sqlite", "glance.sqlite"},
		{"sqlite:///data/glance.sqlite?timeout=20", "data/glance.sqlite"},
		{"sqlite:////tmp/with%20space/a?b#c.sqlite", "/tmp/with space/a"},
		{"sqlite:////tmp/odd%23name.sqlite", "/tmp/odd#name.sqlite"},
	}
	for _, c := range cases {
		tg, err := parseConnection(c.url, Options{PoolTimeout: 30 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		if tg.dialect != sqlite || tg.file != c.file {
			t.Errorf("%s: file %q, want %q", c.url, tg.file, c.file)
		}
		for _, want := range []string{"_txlock=immediate", "_journal_mode=WAL", "_foreign_keys=1", "_synchronous=NORMAL", "_busy_timeout=30000", "mode=rw"} {
			if !strings.Contains(tg.dsn, want) {
				t.Errorf("%s: DSN %q lacks %s", c.url, tg.dsn, want)
			}
		}
	}
}

func TestParseConnectionMemory(t *testing.T) {
	a, err := parseConnection("sqlite://", Options{PoolTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := parseConnection("sqlite://", Options{PoolTimeout: time.Second})
	if a.file != "" || !strings.Contains(a.dsn, "mode=memory") || !strings.Contains(a.dsn, "cache=shared") {
		t.Fatalf("in-memory DSN %q", a.dsn)
	}
	if a.dsn == b.dsn {
		t.Fatal("two in-memory databases share a name")
	}
}

func TestParseConnectionMySQL(t *testing.T) {
	cases := []struct {
		url                                string
		user, pass, net, addr, db, charset string
	}{
		{"mysql+pymysql://glance:s3cr%40t@db.example:3307/glance?charset=utf8",
			"glance", "s3cr@t", "tcp", "db.example:3307", "glance", "utf8"},
		{"mysql://glance:pw@10.0.0.1/glance", "glance", "pw", "tcp", "10.0.0.1:3306", "glance", "utf8"},
		{"mysql+pymysql://glance:pw@/glance?unix_socket=/run/mysqld/mysqld.sock",
			"glance", "pw", "unix", "/run/mysqld/mysqld.sock", "glance", "utf8"},
		{"mysql+mysqldb://root@[::1]:3306/g?charset=utf8mb4", "root", "", "tcp", "[::1]:3306", "g", "utf8mb4"},
		{"mariadb+pymysql://u:p@h/g", "u", "p", "tcp", "h:3306", "g", "utf8"},
	}
	for _, c := range cases {
		tg, err := parseConnection(c.url, Options{PoolTimeout: 30 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		cfg, err := mysql.ParseDSN(tg.dsn)
		if err != nil {
			t.Fatalf("%s: DSN %q: %v", c.url, tg.dsn, err)
		}
		got := []string{cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName, cfg.Params["charset"]}
		want := []string{c.user, c.pass, c.net, c.addr, c.db, c.charset}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", c.url, got, want)
		}
		if !cfg.ParseTime || cfg.Loc.String() != "UTC" || !cfg.ClientFoundRows {
			t.Errorf("%s: parseTime %v loc %v clientFoundRows %v", c.url, cfg.ParseTime, cfg.Loc, cfg.ClientFoundRows)
		}
	}
}

func TestParseConnectionErrors(t *testing.T) {
	for _, c := range []string{"", "postgresql://u:hunter2@h/g", "/var/lib/glance.sqlite", "mysql://u:hunter2@h/"} {
		_, err := parseConnection(c, Options{PoolTimeout: time.Second})
		if err == nil {
			t.Fatalf("%q: no error", c)
		}
		if !strings.Contains(err.Error(), "[database] connection") {
			t.Errorf("%q: error %q does not name the option", c, err)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error %q shows the password", c, err)
		}
	}
}

func TestOpenSQLiteCreatesDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	db, err := Open(context.Background(), "sqlite:///"+dir+"/glance.sqlite")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "glance.sqlite")); err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := db.sql.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q, %v", mode, err)
	}
	var fk int
	if err := db.sql.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys %d, %v", fk, err)
	}
}

func TestOpenMemory(t *testing.T) {
	ctx := context.Background()
	a, err := Open(ctx, "sqlite://")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, "sqlite://")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Version(ctx); err != nil || v != Revision {
		t.Fatalf("Version %q, %v", v, err)
	}
	if _, err := b.Version(ctx); err == nil {
		t.Fatal("the second in-memory database sees the first one's schema")
	}
}

func TestParseConnectionWaits(t *testing.T) {
	s, err := parseConnection("sqlite:////tmp/glance.sqlite", Options{PoolTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.dsn, "_busy_timeout=3000") {
		t.Errorf("SQLite DSN %q: busy timeout is not the pool timeout", s.dsn)
	}
	m, err := parseConnection("mysql://u:p@h/g", Options{PoolTimeout: 2500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(m.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timeout != 2500*time.Millisecond || cfg.ReadTimeout != 6*time.Second || cfg.WriteTimeout != 6*time.Second ||
		cfg.Params["innodb_lock_wait_timeout"] != "3" {
		t.Errorf("MySQL timeouts: connect %v, read %v, write %v, lock wait %q", cfg.Timeout, cfg.ReadTimeout,
			cfg.WriteTimeout, cfg.Params["innodb_lock_wait_timeout"])
	}
}

func TestParseConnectionNoReadTimeout(t *testing.T) {
	m, err := parseConnection("mysql://u:p@h/g", Options{PoolTimeout: time.Second, NoReadTimeout: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := mysql.ParseDSN(m.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ReadTimeout != 0 || cfg.WriteTimeout != 0 || cfg.Timeout != time.Second {
		t.Errorf("schema upgrades get read %v, write %v, connect %v", cfg.ReadTimeout, cfg.WriteTimeout, cfg.Timeout)
	}
}
