package main

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	seq := func(n int) []time.Duration {
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = time.Duration(i + 1)
		}
		return d
	}
	for _, tc := range []struct {
		n    int
		p    float64
		want time.Duration
	}{
		{0, 50, 0},
		{1, 50, 1}, {1, 99, 1},
		{2, 50, 1}, {2, 99, 2},
		{3, 50, 2},
		{4, 50, 2}, {4, 99, 4},
		{100, 50, 50}, {100, 99, 99}, {100, 100, 100},
		{1000, 99, 990},
		{101, 99, 100},
	} {
		if got := percentile(seq(tc.n), tc.p); got != tc.want {
			t.Errorf("p%v of 1..%d = %d, want %d", tc.p, tc.n, got, tc.want)
		}
	}
}

func TestTallyResult(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ts := make([]tally, 2)
	ts[0].add(t0, t0.Add(2*time.Second), nil, 1e6)
	ts[1].add(t0.Add(time.Second), t0.Add(4*time.Second), nil, 3e6)
	ts[1].add(t0.Add(time.Second), t0.Add(1500*time.Millisecond), &statusError{Code: 500}, 99)
	m := merge(ts)
	r := m.result("upload", "x")
	want := Result{Mode: "upload", Phase: "x", OK: 2, Err: 1, WallS: 4, Bytes: 4e6, MBs: 1, ReqS: 0.5, P50ms: 2000, P99ms: 3000}
	if r != want {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if len(m.errs) != 1 {
		t.Errorf("kept %d error messages, want 1", len(m.errs))
	}
}

func TestMedians(t *testing.T) {
	rs := []Result{
		{Run: 1, Mode: "list", Phase: "a", ReqS: 3, OK: 10},
		{Run: 1, Mode: "list", Phase: "b", ReqS: 7},
		{Run: 2, Mode: "list", Phase: "a", ReqS: 1, OK: 11},
		{Run: 2, Mode: "list", Phase: "b", ReqS: 5},
		{Run: 3, Mode: "list", Phase: "a", ReqS: 2, OK: 30},
	}
	m := medians(rs)
	if len(m) != 2 || m[0].Phase != "a" || m[1].Phase != "b" || !m[0].Median {
		t.Fatalf("got %+v", m)
	}
	if m[0].ReqS != 2 || m[0].OK != 11 || m[1].ReqS != 6 {
		t.Errorf("medians a: req/s %v ok %v, b: req/s %v; want 2, 11, 6", m[0].ReqS, m[0].OK, m[1].ReqS)
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"4096", 4096}, {"1KiB", 1024}, {"64MiB", 64 << 20}, {"1GiB", 1 << 30},
		{"1gib", 1 << 30}, {"2G", 2 << 30}, {"1.5GiB", 3 << 29}, {"100MB", 100e6}, {"1GB", 1e9}, {"10 KB", 10e3}, {"7B", 7},
	} {
		got, err := parseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1", "lots", "NaN", "1e30GiB", "inf"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) did not fail", bad)
		}
	}
	for n, want := range map[int64]string{1 << 30: "1GiB", 64 << 20: "64MiB", 3 << 29: "1536MiB", 1536: "1536B", 1000: "1000B", 0: "0B"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
