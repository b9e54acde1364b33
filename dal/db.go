package dal

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

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
	gorm     *gorm.DB
	prepared *gorm.DB
	sql      *sql.DB
	// writeSlot admits one write transaction at a time on SQLite, which
	// allows only one writer anyway: waiting here is fair and prompt,
	// where waiting in SQLite's busy handler polls with growing sleeps.
	writeSlot chan struct{}
}

// Open connects to the database named by connection, a SQLAlchemy URL as
// in glance-api.conf [database] connection: sqlite:////abs/path.sqlite,
// sqlite:///relative.sqlite, sqlite:// (in memory), or
// mysql+pymysql://user:password@host:port/db?charset=utf8 (also
// mysql://, ?unix_socket=/path with no host). It does not create the
// schema; see Sync. Returns an error naming [database] connection for a
// malformed or unsupported URL, or the driver's error when the database
// cannot be reached.
func Open(ctx context.Context, connection string) (*DB, error) {
	t, err := parseConnection(connection)
	if err != nil {
		return nil, err
	}
	var dialector gorm.Dialector
	switch t.dialect {
	case sqlite:
		if t.file != "" {
			if err := os.MkdirAll(filepath.Dir(t.file), 0o750); err != nil {
				return nil, fmt.Errorf("[database] connection: cannot create the SQLite directory: %w", err)
			}
		}
		dialector = gormsqlite.Open(t.dsn)
	case mysqlDialect:
		// Skipping the version query keeps Open from touching the
		// server before the ping below, which honours ctx.
		dialector = gormmysql.New(gormmysql.Config{DSN: t.dsn, SkipInitializeWithVersion: true})
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
	db := &DB{dialect: t.dialect, gorm: g, sql: sqlDB, prepared: g.Session(&gorm.Session{PrepareStmt: t.dialect == sqlite})}
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
	return db.sql.Close()
}

// maxDeadlockRetries bounds how often a MySQL transaction chosen as a
// deadlock victim reruns before its error is returned.
const maxDeadlockRetries = 5

// write runs fn in one write transaction, committed if fn returns nil.
// On MySQL a deadlock victim reruns from the start, so fn must not keep
// state between runs.
func (db *DB) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
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
// the function that frees it.
func (db *DB) acquireWrite(ctx context.Context) (release func(), err error) {
	if db.writeSlot == nil {
		return func() {}, nil
	}
	select {
	case db.writeSlot <- struct{}{}:
		return func() { <-db.writeSlot }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
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
