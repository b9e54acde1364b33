package dal

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/mattn/go-sqlite3"

	"github.com/go-glance/glance/domain"
)

// MySQL server error numbers this package acts on.
const (
	mysqlDuplicateEntry = 1062
	mysqlDeadlock       = 1213
	mysqlNoSuchTable    = 1146
	mysqlLockWait       = 1205
)

// Errors a client sees as 503: the database is there but cannot serve
// this request now.
var (
	errBusy     = domain.Detailf(domain.KindUnavailable, "The image database is busy.")
	errFileGone = domain.Detailf(domain.KindUnavailable, "The image database is not available.")
)

// isUnavailable reports whether err is the database failing to answer in
// time rather than refusing the request: a lock held past the busy
// timeout or lock wait, or a server that cannot be reached or stopped
// answering.
func isUnavailable(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		// CANTOPEN: a new connection found the file gone.
		return se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked || se.Code == sqlite3.ErrCantOpen
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlLockWait
	}
	var ne net.Error
	return errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne)
}

// isDuplicate reports whether err is a primary-key or unique violation.
func isDuplicate(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey || se.ExtendedCode == sqlite3.ErrConstraintUnique
	}
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == mysqlDuplicateEntry
}

// isDeadlock reports whether err is InnoDB choosing this transaction as a
// deadlock victim, after which the whole transaction may simply rerun.
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == mysqlDeadlock
}

// isNoSuchTable reports whether err says a table does not exist.
func isNoSuchTable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlNoSuchTable
	}
	var se sqlite3.Error
	// SQLite has no code of its own for this; the message is stable.
	return errors.As(err, &se) && se.Code == sqlite3.ErrError && strings.Contains(se.Error(), "no such table")
}

// internal keeps a domain error as it is, makes a database that did not
// answer in time Unavailable, and wraps any other error as an internal
// error. Either way the cause is logged, never shown to clients.
func internal(err error, message string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if isUnavailable(err) {
		return &domain.Error{Kind: errBusy.Kind, Message: errBusy.Message, Detail: true, Err: err}
	}
	return domain.Wrap(err, message)
}
