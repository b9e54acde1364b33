package dal

import (
	"fmt"
	"time"
)

// timestamp scans a nullable DATETIME column as naive UTC, whether the
// driver hands over a time.Time (MySQL with parseTime, SQLite columns
// declared DATETIME) or the text SQLAlchemy wrote (SQLite expressions).
type timestamp struct {
	Time  time.Time
	Valid bool
}

// timestampLayouts are the text forms found in Glance databases: the
// SQLAlchemy form, with or without fraction, and ISO 8601.
var timestampLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02",
}

// Scan implements sql.Scanner.
func (ts *timestamp) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*ts = timestamp{}
		return nil
	case time.Time:
		*ts = timestamp{Time: v.UTC(), Valid: true}
		return nil
	case string:
		return ts.parse(v)
	case []byte:
		return ts.parse(string(v))
	}
	return fmt.Errorf("dal: cannot scan %T as a timestamp", src)
}

func (ts *timestamp) parse(s string) error {
	for _, layout := range timestampLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			*ts = timestamp{Time: t.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("dal: cannot parse timestamp %q", s)
}
