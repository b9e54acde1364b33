package dal

import (
	"context"
	"database/sql"
	"sync"

	"gorm.io/gorm"
)

// queryFunc runs one statement and returns its rows.
type queryFunc func(query string, args ...any) (*sql.Rows, error)

// gormQuery runs statements through q, inside its transaction if any.
func gormQuery(q *gorm.DB) queryFunc {
	return func(query string, args ...any) (*sql.Rows, error) {
		return q.Raw(query, args...).Rows()
	}
}

// preparedStatements holds the MySQL statements of the hottest reads,
// prepared on the server (database/sql prepares each once per pooled
// connection). A prepared statement runs in one round trip, as an
// interpolated one does, but the server parses and plans it once and
// answers in the binary protocol: for the one-statement image load
// that is about a third less server CPU and half the client's, gorm's
// callbacks included. Only statements outside transactions can use
// them (a statement prepared for a transaction is prepared and closed
// again in each one), and only a handful of texts are ever prepared
// here, far below the server's max_prepared_stmt_count.
type preparedStatements struct {
	byQuery sync.Map // query text → *sql.Stmt
	// trace, when set (by tests), is called with every statement run.
	trace func(query string)
}

// preparedQuery runs statements as prepared statements on the pool,
// outside any transaction, under ctx.
func (db *DB) preparedQuery(ctx context.Context) queryFunc {
	return func(query string, args ...any) (*sql.Rows, error) {
		stmt, err := db.statement(ctx, query)
		if err != nil {
			return nil, err
		}
		if db.stmts.trace != nil {
			db.stmts.trace(query)
		}
		return stmt.QueryContext(ctx, args...)
	}
}

// statement returns query prepared, preparing it the first time.
func (db *DB) statement(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.stmts.byQuery.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.byQuery.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}
