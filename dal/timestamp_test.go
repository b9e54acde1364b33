package dal

import (
	"testing"
	"time"
)

func TestTimestampScan(t *testing.T) {
	want := time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC)
	cases := []struct {
		src  any
		want time.Time
	}{
		{"2024-02-29 23:59:58.123456", want},
		{[]byte("2024-02-29 23:59:58.123456"), want},
		{"2024-02-29 23:59:58", want.Truncate(time.Second)},
		{"2024-02-29T23:59:58.123456", want},
		{"2024-02-29T23:59:58.123456Z", want},
		{"2024-03-01T00:59:58.123456+01:00", want},
		{want.In(time.FixedZone("x", 7200)), want},
	}
	for _, c := range cases {
		var ts timestamp
		if err := ts.Scan(c.src); err != nil || !ts.Valid || !ts.Time.Equal(c.want) || ts.Time.Location() != time.UTC {
			t.Errorf("%v: got %v (valid %v), %v; want %v", c.src, ts.Time, ts.Valid, err, c.want)
		}
	}
	var ts timestamp
	if err := ts.Scan(nil); err != nil || ts.Valid {
		t.Errorf("NULL: valid %v, %v", ts.Valid, err)
	}
	for _, bad := range []any{"2024-02-30 00:00:00.000000", "2024-13-01 00:00:00.000000", "yesterday", 42} {
		if err := ts.Scan(bad); err == nil {
			t.Errorf("%v: scanned as %v", bad, ts.Time)
		}
	}
}

// TestSQLAlchemyTimeMatchesTimeParse compares the fast path with
// time.Parse over a spread of instants.
func TestSQLAlchemyTimeMatchesTimeParse(t *testing.T) {
	at := time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC)
	for i := 0; i < 5000; i++ {
		at = at.Add(7*time.Hour + 13*time.Minute + 17*time.Second + 123457*time.Microsecond)
		s := at.Format(sqliteTimeLayout)
		got, ok := parseSQLAlchemyTime(s)
		want, err := time.Parse(sqliteTimeLayout, s)
		if !ok || err != nil || !got.Equal(want) {
			t.Fatalf("%s: got %v %v, want %v %v", s, got, ok, want, err)
		}
	}
}
