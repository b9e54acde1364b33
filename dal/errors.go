package dal

import (
	"errors"
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
)

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

// internal keeps a domain error as it is and wraps any other as an
// internal error whose cause is logged, never shown to clients.
func internal(err error, message string) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return domain.Wrap(err, message)
}
