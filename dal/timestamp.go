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
	if t, ok := parseSQLAlchemyTime(s); ok {
		*ts = timestamp{Time: t, Valid: true}
		return nil
	}
	for _, layout := range timestampLayouts {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			*ts = timestamp{Time: t.UTC(), Valid: true}
			return nil
		}
	}
	return fmt.Errorf("dal: cannot parse timestamp %q", s)
}

// parseSQLAlchemyTime reads "2006-01-02 15:04:05.000000", the one form
// SQLAlchemy writes, digit by digit: a page of images holds thousands of
// timestamps, and time.Parse is many times slower.
func parseSQLAlchemyTime(s string) (time.Time, bool) {
	if len(s) != len(sqliteTimeLayout) || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
		s[13] != ':' || s[16] != ':' || s[19] != '.' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for i := from; i < to; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	var f [7]int
	spans := [7][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}, {20, 26}}
	for i, sp := range spans {
		n, ok := num(sp[0], sp[1])
		if !ok {
			return time.Time{}, false
		}
		f[i] = n
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return time.Time{}, false
	}
	t := time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*1000, time.UTC)
	// time.Date normalises impossible days (Feb 30) instead of failing.
	if t.Day() != f[2] {
		return time.Time{}, false
	}
	return t, true
}
