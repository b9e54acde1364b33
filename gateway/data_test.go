package gateway

import (
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/go-glance/glance/domain"
)

const multiRange = "Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead."

func TestParseRange(t *testing.T) {
	ok := []struct {
		in   string
		want domain.ByteRange
	}{
		{"bytes=0-9", domain.ByteRange{First: 0, Last: 9}},
		{"bytes=999-999", domain.ByteRange{First: 999, Last: 999}},
		{"bytes=990-", domain.ByteRange{First: 990, Last: -1}},
		{"bytes=-10", domain.ByteRange{Suffix: 10}},
		// WebOb reads "-0" as start 0: the whole image.
		{"bytes=-0", domain.ByteRange{First: 0, Last: -1}},
		{"BYTES = 1 - 2", domain.ByteRange{First: 1, Last: 2}},
		{"Bytes=00010-00020", domain.ByteRange{First: 10, Last: 20}},
		// WebOb matches a prefix and ignores the rest.
		{"bytes=0-10abc", domain.ByteRange{First: 0, Last: 10}},
		{"bytes=0-1-2", domain.ByteRange{First: 0, Last: 1}},
		// Past int64 the range is still past any image's end.
		{"bytes=0-99999999999999999999", domain.ByteRange{First: 0, Last: math.MaxInt64}},
		{"bytes=99999999999999999999-", domain.ByteRange{First: math.MaxInt64, Last: -1}},
		{"bytes=-99999999999999999999", domain.ByteRange{Suffix: math.MaxInt64}},
	}
	for _, c := range ok {
		got, err := parseRange(c.in)
		if err != nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("parseRange(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	bad := []struct {
		in     string
		status int
		msg    string
	}{
		{"bytes=9-0", 416, "Invalid Range header."},
		{"bytes=99999999999999999999-99999999999999999998", 416, "Invalid Range header."},
		{"bytes=abc", 416, "Invalid Range header."},
		{"bytes=", 416, "Invalid Range header."},
		{"bytes=-", 416, "Invalid Range header."},
		{"bytes=+5-", 416, "Invalid Range header."},
		{"bytes=\t0-1", 416, "Invalid Range header."},
		{"bytes 0-1", 416, "Invalid Range header."},
		{"items=0-1", 416, "Invalid Range header."},
		{"", 416, "Invalid Range header."},
		{"bytes=0-1,5-6", 400, multiRange},
		{"bytes=0-1,", 400, multiRange},
		{"items=0-1,2-3", 400, multiRange},
	}
	for _, c := range bad {
		_, err := parseRange(c.in)
		wantError(t, err, c.status, c.msg)
	}
}

func TestParseContentRange(t *testing.T) {
	ok := []struct {
		in   string
		want domain.ByteRange
	}{
		{"bytes 10-19/*", domain.ByteRange{First: 10, Last: 19}},
		{"bytes 10-19/1000", domain.ByteRange{First: 10, Last: 19}},
		{"bytes 10-19/20", domain.ByteRange{First: 10, Last: 19}},
		{"bytes 5-5/*", domain.ByteRange{First: 5, Last: 5}},
		{"bytes 0-9/*junk", domain.ByteRange{First: 0, Last: 9}},
	}
	for _, c := range ok {
		got, err := parseContentRange(c.in)
		if err != nil || !reflect.DeepEqual(*got, c.want) {
			t.Errorf("parseContentRange(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"bytes 10-19/19", "bytes 10-19/5", "bytes 19-10/*", "bytes */*", "bytes */100",
		"bytes 10-19", "bytes=10-19/*", "Bytes 10-19/*", "bytes  10-19/*", "bytes 10-19/abc", "bytes -19/*", ""} {
		_, err := parseContentRange(in)
		wantError(t, err, 416, "Invalid Content-Range header.")
	}
}

func TestRequestedRange(t *testing.T) {
	cases := []struct {
		name   string
		header http.Header
		want   *domain.ByteRange
		status int
	}{
		{"none", http.Header{}, nil, 0},
		{"range", http.Header{"Range": {"bytes=0-9"}}, &domain.ByteRange{First: 0, Last: 9}, 0},
		{"content-range", http.Header{"Content-Range": {"bytes 10-19/*"}}, &domain.ByteRange{First: 10, Last: 19}, 0},
		{"range wins", http.Header{"Range": {"bytes=-5"}, "Content-Range": {"bytes 10-19/*"}}, &domain.ByteRange{Suffix: 5}, 0},
		// A header that is sent counts, even empty.
		{"empty range", http.Header{"Range": {""}}, nil, 416},
		{"empty content-range", http.Header{"Content-Range": {""}}, nil, 416},
		{"two ranges", http.Header{"Range": {"bytes=0-1", "bytes=5-6"}}, nil, 400},
		{"bad range, good content-range", http.Header{"Range": {"bytes=x"}, "Content-Range": {"bytes 10-19/*"}}, nil, 416},
	}
	for _, c := range cases {
		got, err := requestedRange(c.header)
		if c.status != 0 {
			if err == nil || errStatus(err) != c.status {
				t.Errorf("%s: got %+v, %v; want status %d", c.name, got, err, c.status)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

// checkRange checks an accepted range is one the download can serve:
// a positive suffix, or a start with no end or an end not before it.
func checkRange(t *testing.T, in string, br *domain.ByteRange) {
	t.Helper()
	switch {
	case br.Suffix > 0:
		if br.First != 0 || br.Last != 0 {
			t.Fatalf("%q: %+v", in, *br)
		}
	case br.Suffix < 0 || br.First < 0 || br.Last != -1 && br.Last < br.First:
		t.Fatalf("%q: %+v", in, *br)
	}
}

// formatRange writes br back as a Range header.
func formatRange(br domain.ByteRange) string {
	switch {
	case br.Suffix > 0:
		return "bytes=-" + strconv.FormatInt(br.Suffix, 10)
	case br.Last < 0:
		return "bytes=" + strconv.FormatInt(br.First, 10) + "-"
	}
	return "bytes=" + strconv.FormatInt(br.First, 10) + "-" + strconv.FormatInt(br.Last, 10)
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=990-", "bytes=-10", "bytes=-0", "bytes=0-0", "BYTES = 1 - 2",
		"bytes=9-0", "bytes=abc", "bytes=", "bytes=-", "bytes=0-1,5-6", "items=0-1", "bytes=0-10abc",
		"bytes=0-99999999999999999999", "bytes=+5-", "bytes=1048576-2097151", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		br, err := parseRange(in)
		if err != nil {
			want := 416
			if strings.Contains(in, ",") {
				want = 400
			}
			if errStatus(err) != want {
				t.Fatalf("%q: status %d, want %d", in, errStatus(err), want)
			}
			return
		}
		if strings.Contains(in, ",") || !strings.EqualFold(in[:5], "bytes") {
			t.Fatalf("%q accepted", in)
		}
		checkRange(t, in, br)
		// The range written back reads the same.
		out := formatRange(*br)
		again, err := parseRange(out)
		if err != nil || *again != *br {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", in, *br, out, again, err)
		}
	})
}

func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 10-19/*", "bytes 10-19/1000", "bytes 10-19/19", "bytes 19-10/*", "bytes */*",
		"bytes 10-19", "bytes 0-0/1", "bytes 0-99999999999999999999/*", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		br, err := parseContentRange(in)
		if err != nil {
			if errStatus(err) != 416 {
				t.Fatalf("%q: status %d, want 416", in, errStatus(err))
			}
			return
		}
		if !strings.HasPrefix(in, "bytes ") || br.Suffix != 0 || br.First < 0 || br.Last < br.First {
			t.Fatalf("%q: %+v", in, *br)
		}
		out := "bytes " + strconv.FormatInt(br.First, 10) + "-" + strconv.FormatInt(br.Last, 10) + "/*"
		again, err := parseContentRange(out)
		if err != nil || *again != *br {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", in, *br, out, again, err)
		}
	})
}
