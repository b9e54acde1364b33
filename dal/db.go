package dal

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	gormsqlite "gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DB is an open Glance database. It is safe for concurrent use.
type DB struct {
	dialect dialect
	// gorm runs DDL and one-off statements; prepared runs the
	// repository's statements, which repeat, through a statement cache
	// on SQLite. MySQL statements go as text with their parameters
	// interpolated by the driver, one round trip each: a statement
	// prepared inside a transaction is prepared, run and closed again
	// in every later one (database/sql's Tx.Stmt), three round trips.
	// The hottest reads outside transactions are prepared (stmts).
	gorm     *gorm.DB
	prepared *gorm.DB
	sql      *sql.DB
	// stmts are the few MySQL reads prepared on the server.
	stmts preparedStatements
	// writeSlot admits one write transaction at a time on SQLite, which
	// allows only one writer anyway: waiting here is fair and prompt,
	// where waiting in SQLite's busy handler polls with growing sleeps.
	writeSlot chan struct{}
	// wait bounds the wait for the write slot (Options.PoolTimeout).
	wait time.Duration
	// where names the database in logs (see target.where).
	where string
	// file watches the SQLite file for deletion or replacement.
	file *fileWatch
}

// Options tunes how a DB waits; the zero value takes the defaults.
type Options struct {
	// PoolTimeout bounds how long a statement waits for the database
	// ([database] pool_timeout): for the write slot and SQLite's write
	// lock, for a MySQL row lock, to connect to MySQL, and twice it for
	// a MySQL server to answer. Past it the call fails with
	// domain.KindUnavailable. Default DefaultPoolTimeout.
	PoolTimeout time.Duration
	// NoReadTimeout lifts the limit on how long a MySQL server may take to
	// answer one statement, for schema upgrades (glance-manage) whose
	// ALTER TABLE may rightly run for minutes.
	NoReadTimeout bool
	// Logger receives the one ERROR line when the SQLite file is
	// deleted or replaced; default slog.Default().
	Logger *slog.Logger
}

// DefaultPoolTimeout is Options.PoolTimeout when none is given: long
// enough for any queue of healthy writes, short enough that a client
// sees 503 before it gives up.
const DefaultPoolTimeout = 5 * time.Second

// Open connects to the database named by connection, a SQLAlchemy URL as
// in glance-api.conf [database] connection: sqlite:////abs/path.sqlite,
// sqlite:///relative.sqlite, sqlite:// (in memory), or
// mysql+pymysql://user:password@host:port/db?charset=utf8 (also
// mysql://, ?unix_socket=/path with no host). It does not create the
// schema; see Sync. Returns an error naming [database] connection for a
// malformed or unsupported URL, or the driver's error when the database
// cannot be reached.
func Open(ctx context.Context, connection string) (*DB, error) {
	return OpenWith(ctx, connection, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, connection string, o Options) (*DB, error) {
	if o.PoolTimeout <= 0 {
		o.PoolTimeout = DefaultPoolTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	t, err := parseConnection(connection, o)
	if err != nil {
		return nil, err
	}
	var dialector gorm.Dialector
	var watch *fileWatch
	switch t.dialect {
	case sqlite:
		if t.file == "" {
			dialector = gormsqlite.Open(t.dsn)
			break
		}
		if err := createSQLite(ctx, t); err != nil {
			return nil, err
		}
		// What is at the path now is the file every pooled connection
		// must work on.
		if watch, err = watchFile(t.file, o.Logger); err != nil {
			return nil, fmt.Errorf("[database] connection: %w", err)
		}
		dialector = gormsqlite.New(gormsqlite.Config{Conn: sql.OpenDB(watchedConnector{t.dsn, watch})})
	case mysqlDialect:
		t.mysql.Logger = mysqlLogger{o.Logger}
		connector, err := mysql.NewConnector(t.mysql)
		if err != nil {
			return nil, fmt.Errorf("[database] connection: %w", err)
		}
		// Skipping the version query keeps Open from touching the
		// server before the ping below, which honours ctx.
		dialector = gormmysql.New(gormmysql.Config{Conn: sql.OpenDB(boundedConnector{connector, o.PoolTimeout}),
			DSNConfig: t.mysql, SkipInitializeWithVersion: true})
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
		PrepareStmtMaxSize:     256,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", t.dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", t.dialect, err)
	}
	db := &DB{dialect: t.dialect, gorm: g, sql: sqlDB, prepared: g.Session(&gorm.Session{PrepareStmt: t.dialect == sqlite}),
		wait: o.PoolTimeout, where: t.where, file: watch}
	db.configurePool(t)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", t.dialect, err)
	}
	return db, nil
}

func (db *DB) configurePool(t target) {
	switch {
	case t.dialect == mysqlDialect:
		// Up to oslo.db's ~50 connections, recycled hourly before the
		// server drops them. Every open connection may stay idle: with
		// fewer idle slots than concurrent requests, each burst closed
		// and reopened connections (handshake, statements prepared
		// again), which cost GET at c=32 several milliseconds of CPU.
		db.sql.SetMaxOpenConns(50)
		db.sql.SetMaxIdleConns(50)
		db.sql.SetConnMaxLifetime(time.Hour)
		db.sql.SetConnMaxIdleTime(10 * time.Minute)
	case t.file == "":
		// An in-memory database lives as long as a connection to it;
		// one connection also avoids shared-cache table locks, which
		// fail at once instead of waiting.
		db.sql.SetMaxOpenConns(1)
		db.sql.SetMaxIdleConns(1)
		db.sql.SetConnMaxLifetime(0)
		db.sql.SetConnMaxIdleTime(0)
		db.writeSlot = make(chan struct{}, 1)
	default:
		// WAL lets readers run beside the one writer.
		n := 2 * runtime.GOMAXPROCS(0)
		if n < 4 {
			n = 4
		}
		db.sql.SetMaxOpenConns(n)
		db.sql.SetMaxIdleConns(n)
		db.writeSlot = make(chan struct{}, 1)
	}
}

// Close closes the connection pool.
func (db *DB) Close() error {
	db.stmts.byQuery.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	return db.sql.Close()
}

// maxDeadlockRetries bounds how often a MySQL transaction chosen as a
// deadlock victim reruns before its error is returned.
const maxDeadlockRetries = 5

// write runs fn in one write transaction, committed if fn returns nil.
// On MySQL a deadlock victim reruns from the start, so fn must not keep
// state between runs.
func (db *DB) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if err := db.file.check(); err != nil {
		return err
	}
	release, err := db.acquireWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	for attempt := 0; ; attempt++ {
		err := db.prepared.WithContext(db.statementContext(ctx)).Transaction(fn)
		if err == nil || !isDeadlock(err) || attempt == maxDeadlockRetries {
			return err
		}
		select {
		case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// acquireWrite waits for the write slot, where there is one, and returns
// the function that frees it. Returns an Unavailable error when the slot
// stays taken for the pool timeout: its holder is stuck behind a lock
// another process holds, and queueing behind it would only add waits.
func (db *DB) acquireWrite(ctx context.Context) (release func(), err error) {
	if db.writeSlot == nil {
		return func() {}, nil
	}
	free := func() { <-db.writeSlot }
	select {
	case db.writeSlot <- struct{}{}:
		return free, nil
	default:
	}
	timer := time.NewTimer(db.wait)
	defer timer.Stop()
	select {
	case db.writeSlot <- struct{}{}:
		return free, nil
	case <-timer.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Where names the database for logs, without any password: the SQLite
// file, or the MySQL server and database.
func (db *DB) Where() string { return db.where }

// Check returns an Unavailable error when the database can no longer be
// used as opened: the SQLite file was deleted or replaced. It costs one
// stat and no query, so a health check may call it often.
func (db *DB) Check(context.Context) error {
	return db.file.check()
}

// read returns the handle for reads outside a transaction.
func (db *DB) read(ctx context.Context) *gorm.DB {
	return db.prepared.WithContext(db.statementContext(ctx))
}

// statementContext is the context statements run under. mattn's SQLite
// driver watches a cancellable context from a new goroutine for every
// step of every statement, which cost a listing of 1000 images a
// goroutine and two wake-ups per row, more than SQLite itself. SQLite
// statements are local and short (a page is at most api_limit_max
// rows), so they run to the end once started; waiting for the write
// slot still honours cancellation.
func (db *DB) statementContext(ctx context.Context) context.Context {
	if db.dialect == sqlite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// createSQLite creates the SQLite file (in WAL mode) and its directory
// if they do not exist yet, so that pooled connections need only open it.
func createSQLite(ctx context.Context, t target) error {
	if _, err := os.Stat(t.file); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(t.file), 0o750); err != nil {
		return fmt.Errorf("[database] connection: cannot create the SQLite directory: %w", err)
	}
	db, err := sql.Open("sqlite3", t.createDSN)
	if err != nil {
		return fmt.Errorf("create SQLite database: %w", err)
	}
	defer db.Close()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("create SQLite database: %w", err)
	}
	return nil
}
