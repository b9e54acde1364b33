package dal

import (
	"context"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"time"
)

// boundedConnector gives each new MySQL connection (dial, handshake,
// session settings) at most wait in all. The driver's read timeout alone
// would let database/sql retry a silent server's handshake three times.
type boundedConnector struct {
	driver.Connector
	wait time.Duration
}

func (c boundedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, c.wait)
	defer cancel()
	return c.Connector.Connect(ctx)
}

// mysqlLogger sends the driver's own messages (a connection that timed
// out, a packet out of order) to the service log as warnings, instead of
// to stderr in another format.
type mysqlLogger struct{ log *slog.Logger }

func (l mysqlLogger) Print(v ...any) {
	l.log.Warn("MySQL driver: " + fmt.Sprint(v...))
}
