package dal

import (
	"encoding/json"
	"time"
)

// dialect is the SQL flavour of a database.
type dialect int

const (
	sqlite dialect = iota
	mysqlDialect
)

func (d dialect) String() string {
	if d == sqlite {
		return "sqlite"
	}
	return "mysql"
}

// sqliteTimeLayout is how SQLAlchemy stores DATETIME on SQLite: naive UTC
// with exactly six fraction digits. Glance reads nothing else, and the
// fixed width makes text comparison order by time.
const sqliteTimeLayout = "2006-01-02 15:04:05.000000"

// at is the parameter value that stores t in a DATETIME column. MySQL
// DATETIME keeps whole seconds; truncating here rather than leaving it
// to the server (MySQL rounds, MariaDB truncates) stores the same value
// on both.
func (d dialect) at(t time.Time) any {
	t = t.UTC()
	if d == sqlite {
		return t.Format(sqliteTimeLayout)
	}
	return t.Truncate(time.Second)
}

// forUpdate locks the rows a SELECT reads until the transaction ends.
// SQLite needs no clause: its write transactions begin IMMEDIATE, which
// already excludes every other writer.
func (d dialect) forUpdate() string {
	if d == mysqlDialect {
		return " FOR UPDATE"
	}
	return ""
}

// inIDs is the condition "IN ids" and its one argument. SQLite takes the
// ids as a single JSON array: a thousand parameters would each cost a
// conversion, an allocation and a call into C.
func (d dialect) inIDs(ids []string) (string, any) {
	if d == sqlite {
		text, _ := json.Marshal(ids) // strings always encode
		return "IN (SELECT value FROM json_each(?))", string(text)
	}
	return "IN ?", ids
}
