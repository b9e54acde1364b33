package dal

import (
	"context"
	"database/sql/driver"

	"github.com/mattn/go-sqlite3"
)

// watchedConnector opens a pooled SQLite connection only while the path
// still names the file the database was opened on: a connection opened
// after the file was replaced would read another database, and reads
// check nothing else (they stay free of a stat per request).
type watchedConnector struct {
	dsn   string
	watch *fileWatch
}

func (c watchedConnector) Connect(context.Context) (driver.Conn, error) {
	if err := c.watch.check(); err != nil {
		return nil, err
	}
	return c.Driver().Open(c.dsn)
}

func (watchedConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }
