package gateway

import (
	"math"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-glance/glance/domain"
)

func TestParseQuery(t *testing.T) {
	cases := []struct {
		raw  string
		want []param
	}{
		{"", nil},
		{"limit=2&marker=abc&limit=3", []param{{"limit", "2"}, {"marker", "abc"}, {"limit", "3"}}},
		{"tag=a&tag=b", []param{{"tag", "a"}, {"tag", "b"}}},
		// WebOb splits on ";" too and skips empty pairs.
		{"limit=1;marker=x&&;", []param{{"limit", "1"}, {"marker", "x"}}},
		{"os_hidden&visibility=", []param{{"os_hidden", ""}, {"visibility", ""}}},
		{"=v&a=b=c", []param{{"", "v"}, {"a", "b=c"}}},
		{"name=a+b%2Bc%2c%22", []param{{"name", `a b+c,"`}}},
		{"name=n%C3%A9v", []param{{"name", "név"}}},
		// A "%" that starts no escape stays as sent.
		{"name=100%25&q=%zz&r=%4&s=%", []param{{"name", "100%"}, {"q", "%zz"}, {"r", "%4"}, {"s", "%"}}},
	}
	for _, c := range cases {
		got, err := parseQuery(c.raw)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseQuery(%q) = %q, %v; want %q", c.raw, got, err, c.want)
		}
	}
	for _, raw := range []string{"name=%ff", "a%C3=1", "name=%ED%A0%80"} {
		_, err := parseQuery(raw)
		wantError(t, err, 400, "Error decoding your request. Either the URL or the request body contained characters that could not be decoded by Glance")
	}
}

// listRequest parses a raw query the way listImages does.
func listRequest(raw string) (domain.ListRequest, error) {
	params, err := parseQuery(raw)
	if err != nil {
		return domain.ListRequest{}, err
	}
	return parseListRequest(params)
}

func TestParseListRequest(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cond := func(field string, op domain.FilterOp, values ...any) domain.Condition {
		return domain.Condition{Field: field, Op: op, Values: values}
	}
	prop := func(field, value string) domain.Condition {
		return domain.Condition{Field: field, Property: true, Op: domain.OpEq, Values: []any{value}}
	}
	byDate := []domain.SortKey{{Key: "created_at", Desc: true}}
	plain := func(mod func(r *domain.ListRequest)) domain.ListRequest {
		r := domain.ListRequest{Limit: -1, Sort: byDate}
		r.Filter.MemberStatus = "accepted"
		if mod != nil {
			mod(&r)
		}
		return r
	}
	ok := []struct {
		raw  string
		want domain.ListRequest
	}{
		{"", plain(nil)},
		{"limit=10&marker=abc", plain(func(r *domain.ListRequest) { r.Limit, r.Marker = 10, "abc" })},
		{"limit=0", plain(func(r *domain.ListRequest) { r.Limit = 0 })},
		{"limit=+5+", plain(func(r *domain.ListRequest) { r.Limit = 5 })},
		// Too large for an int still means "as many as allowed".
		{"limit=99999999999999999999", plain(func(r *domain.ListRequest) { r.Limit = math.MaxInt })},
		{"member_status=all", plain(func(r *domain.ListRequest) { r.Filter.MemberStatus = "all" })},
		{"tag=a&tag=+b+", plain(func(r *domain.ListRequest) { r.Filter.Tags = []string{"a", "b"} })},
		{"visibility=community", plain(func(r *domain.ListRequest) { r.Filter.Visibility = "community" })},
		{"visibility=", plain(nil)},
		{"os_hidden=TRUE", plain(func(r *domain.ListRequest) { r.Filter.Hidden = true })},
		{"protected=false", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("protected", domain.OpEq, false)}
		})},
		{"name=alpha", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("name", domain.OpEq, "alpha")}
		})},
		{"name=eq:x:y", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("name", domain.OpEq, "x:y")}
		})},
		{"id=in:a,b", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("id", domain.OpIn, "a", "b")}
		})},
		{"name=in:%22a,b%22,c", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("name", domain.OpIn, "a,b", "c")}
		})},
		{"status=in:", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{{Field: "status", Op: domain.OpIn, Values: []any{}}}
		})},
		// A repeated filter counts once, with its last value.
		{"name=a&name=b", plain(func(r *domain.ListRequest) { r.Filter.Conditions = []domain.Condition{cond("name", domain.OpEq, "b")} })},
		{"created_at=gt:2020-01-02T00:00:00Z", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("created_at", domain.OpGt, at("2020-01-02T00:00:00Z"))}
		})},
		{"updated_at=2020-01-02T01:00:00%2B02:00", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("updated_at", domain.OpEq, at("2020-01-01T23:00:00Z"))}
		})},
		{"created_at=lte:2020-01-02", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("created_at", domain.OpLte, at("2020-01-02T00:00:00Z"))}
		})},
		{"size_min=10&size_max=20&size_min=5", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("size", domain.OpGte, int64(5)), cond("size", domain.OpLte, int64(20))}
		})},
		{"min_ram=512&owner=p1&checksum=c", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{cond("min_ram", domain.OpEq, int64(512)), cond("owner", domain.OpEq, "p1"), cond("checksum", domain.OpEq, "c")}
		})},
		{"hw_disk_bus=scsi&os_distro=", plain(func(r *domain.ListRequest) {
			r.Filter.Conditions = []domain.Condition{prop("hw_disk_bus", "scsi"), prop("os_distro", "")}
		})},

		{"sort=name:asc,size", plain(func(r *domain.ListRequest) { r.Sort = []domain.SortKey{{Key: "name"}, {Key: "size", Desc: true}} })},
		{"sort=+name+:+asc+", plain(func(r *domain.ListRequest) { r.Sort = []domain.SortKey{{Key: "name"}} })},
		{"sort=name:", plain(func(r *domain.ListRequest) { r.Sort = []domain.SortKey{{Key: "name", Desc: true}} })},
		{"sort=name:+", plain(func(r *domain.ListRequest) { r.Sort = []domain.SortKey{{Key: "name", Desc: true}} })},
		{"sort_key=name", plain(func(r *domain.ListRequest) { r.Sort = []domain.SortKey{{Key: "name", Desc: true}} })},
		// One sort_dir applies to every key; several pair with the keys.
		{"sort_key=name&sort_key=size&sort_dir=asc", plain(func(r *domain.ListRequest) { r.Sort = []domain.SortKey{{Key: "name"}, {Key: "size"}} })},
		{"sort_key=name&sort_dir=asc&sort_key=size&sort_dir=desc", plain(func(r *domain.ListRequest) {
			r.Sort = []domain.SortKey{{Key: "name"}, {Key: "size", Desc: true}}
		})},
		{"sort_dir=asc", plain(func(r *domain.ListRequest) { r.Sort = []domain.SortKey{{Key: "created_at"}} })},
	}
	for _, c := range ok {
		got, err := listRequest(c.raw)
		if err != nil {
			t.Errorf("%q: %v", c.raw, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", c.raw, got, c.want)
		}
	}

	bad := []struct{ raw, msg string }{
		{"limit=abc", "limit param must be an integer"},
		{"limit=1.5", "limit param must be an integer"},
		{"limit=-1", "limit param must be positive"},
		{"limit=-99999999999999999999", "limit param must be positive"},
		{"member_status=bogus", "Invalid status: bogus"},
		{"visibility=everyone", "Invalid visibility value: everyone"},
		{"os_hidden=maybe", "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'."},
		{"protected=True", "Invalid value 'True' for 'protected' filter. Valid values are 'true' or 'false'."},
		{"changes-since=2020-01-01T00:00:00Z", `The "changes-since" filter is no longer available on v2.`},
		{"name=x:y", "Unable to filter by unknown operator 'x'."},
		{"status=like:active", "Unable to filter by unknown operator 'like'."},
		{"name=in:%22a", "Invalid filter value \"a. The quote is not closed."},
		{"created_at=gt:notadate", `Bad "created_at" query filter format. Use ISO 8601 DateTime notation.`},
		{"updated_at=bad", `Bad "updated_at" query filter format. Use ISO 8601 DateTime notation.`},
		// Glance's evaluate_filter_op has its own wording.
		{"created_at=after:2020-01-02T00:00:00Z", "Unable to filter on a unknown operator."},
		{"created_at=in:2020-01-02", "Unable to filter on a unknown operator."},
		{"size_min=abc", "Unable to filter on a range with a non-numeric value."},
		{"virtual_size_max=1.5", "Unable to filter on a range with a non-numeric value."},
		{"sort_key=bogus", "Invalid sort key: bogus. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at."},
		{"sort=name:up", "Invalid sort direction: up"},
		// The whole list is stripped, then each direction given.
		{"sort=name:+,size", "Invalid sort direction: "},
		{"sort=", "Invalid sort key: ."},
		{"sort_dir=up", "Invalid sort direction: up"},
		{"sort=name&sort_key=name", "Old and new sorting syntax cannot be combined"},
		{"sort_dir=asc&sort=name", "Old and new sorting syntax cannot be combined"},
		{"sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc", "Number of sort dirs does not match the number of sort keys"},
		{"sort_dir=asc&sort_dir=desc", "Number of sort dirs does not match the number of sort keys"},
		{"name=%ff", "could not be decoded by Glance"},
	}
	for _, c := range bad {
		t.Run(c.raw, func(t *testing.T) {
			_, err := listRequest(c.raw)
			wantError(t, err, 400, c.msg)
		})
	}
}

func TestSplitFilterOp(t *testing.T) {
	cases := []struct{ expr, op, value string }{
		{"gt:2020-01-02T00:00:00Z", "gt", "2020-01-02T00:00:00Z"},
		{"in:a,b", "in", "a,b"},
		{"eq:x:y", "eq", "x:y"},
		{"x:y", "x", "y"},
		{":x", "", "x"},
		{"alpha", "eq", "alpha"},
		// A bare timestamp holds colons but is no operator.
		{"2020-01-02T00:00:00Z", "eq", "2020-01-02T00:00:00Z"},
		{"2020-01-02 10:00", "eq", "2020-01-02 10:00"},
		{"20200102T10:00+01", "eq", "20200102T10:00+01"},
	}
	for _, c := range cases {
		if op, value := splitFilterOp(c.expr); op != c.op || value != c.value {
			t.Errorf("splitFilterOp(%q) = %q, %q; want %q, %q", c.expr, op, value, c.op, c.value)
		}
	}
}

func TestParseISOTime(t *testing.T) {
	ok := []struct{ in, want string }{
		{"2020-01-02T03:04:05Z", "2020-01-02T03:04:05Z"},
		{"2020-01-02T03:04:05", "2020-01-02T03:04:05Z"},
		{"2020-01-02T03:04:05.123456789Z", "2020-01-02T03:04:05.123456Z"},
		{"2020-01-02T03:04:05,5Z", "2020-01-02T03:04:05.5Z"},
		{"2020-01-02T03:04:05+02:00", "2020-01-02T01:04:05Z"},
		{"2020-01-02T03:04:05+0200", "2020-01-02T01:04:05Z"},
		{"2020-01-02T03:04:05+02", "2020-01-02T01:04:05Z"},
		{"2020-01-02T03:04:05-05:30", "2020-01-02T08:34:05Z"},
		{"2020-01-02T00:30:00+01:00", "2020-01-01T23:30:00Z"},
		{"2020-01-02 03:04", "2020-01-02T03:04:00Z"},
		{"2020-01-02T03", "2020-01-02T03:00:00Z"},
		{"2020-01-02T03Z", "2020-01-02T03:00:00Z"},
		{"2020-01-02", "2020-01-02T00:00:00Z"},
		{"2020-1-2", "2020-01-02T00:00:00Z"},
		{"2020-01", "2020-01-01T00:00:00Z"},
		{"2020", "2020-01-01T00:00:00Z"},
		{"20200102T030405Z", "2020-01-02T03:04:05Z"},
		{"20200102", "2020-01-02T00:00:00Z"},
		{"2020-02-29", "2020-02-29T00:00:00Z"},
	}
	for _, c := range ok {
		got, err := parseISOTime(c.in)
		want, _ := time.Parse(time.RFC3339Nano, c.want)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseISOTime(%q) = %v, %v; want %v", c.in, got, err, want)
		}
	}
	for _, in := range []string{"", "notadate", "202001", "2020-01-02T3:04", "2020-02-30", "2021-02-29",
		"2020-13-01", "2020-00-10", "2020-01-02T24:00", "2020-01-02T10:60", "2020-01-02T10:00:60",
		"0000-01-01", "2020-01-02T03:04:05+24:00", "2020-01-02t03:04:05z", "2020-01-02T03:04:05ZZ",
		"2020-01-02T03:04:05 +01:00", "20-01-02", "2020/01/02"} {
		if got, err := parseISOTime(in); err == nil {
			t.Errorf("parseISOTime(%q) = %v, want an error", in, got)
		}
	}
}

func TestSplitQuoted(t *testing.T) {
	ok := []struct {
		in   string
		want []string
	}{
		{"a,b", []string{"a", "b"}},
		{"a", []string{"a"}},
		{`"a,b",c`, []string{"a,b", "c"}},
		{`c,"a,b"`, []string{"c", "a,b"}},
		{`"a,b"`, []string{"a,b"}},
		{"", []string{}},
		{"a,,b", []string{"a", "", "b"}},
		{",a", []string{"", "a"}},
		// A trailing comma ends the list; it adds no empty value.
		{"a,", []string{"a"}},
		{`"a",`, []string{"a"}},
		{",", []string{""}},
		{`""`, []string{""}},
		// Backslash escapes are kept as sent, and a quote after a
		// backslash is no quote.
		{`"a\"b",c`, []string{`a\"b`, "c"}},
		{`a\"b`, []string{`a\"b`}},
		{`"a b",'c'`, []string{"a b", "'c'"}},
	}
	for _, c := range ok {
		got, err := splitQuoted(c.in)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitQuoted(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, msg string }{
		{`"a`, `Invalid filter value "a. The quote is not closed.`},
		{`a,"b`, "The quote is not closed."},
		{`"a\"`, "The quote is not closed."},
		{`a"b"`, `Invalid filter value a"b". There is no comma before opening quotation mark.`},
		{`"a"b`, `Invalid filter value "a"b. There is no comma after closing quotation mark.`},
		{`"a,b"x,c`, "There is no comma after closing quotation mark."},
	}
	for _, c := range bad {
		_, err := splitQuoted(c.in)
		wantError(t, err, 400, c.msg)
	}
}

func TestPageLink(t *testing.T) {
	cases := []struct{ raw, marker, want string }{
		{"", "", "/v2/images"},
		{"", "m2", "/v2/images?marker=m2"},
		{"marker=m1", "", "/v2/images"},
		{"limit=2", "", "/v2/images?limit=2"},
		// One entry per key, where it first appeared, with its last value.
		{"tag=x&limit=2&tag=y", "", "/v2/images?tag=y&limit=2"},
		{"sort_key=name&sort_dir=asc&sort_key=size", "", "/v2/images?sort_key=size&sort_dir=asc"},
		// The marker is dropped from first and set last in next.
		{"marker=m1&limit=2", "", "/v2/images?limit=2"},
		{"marker=m1&limit=2", "m2", "/v2/images?limit=2&marker=m2"},
		{"limit=2&marker=m1&name=a", "m2", "/v2/images?limit=2&name=a&marker=m2"},
		// Values are quoted as Python's urlencode quotes them.
		{"name=a+b/c:d%2C%22~", "", "/v2/images?name=a+b%2Fc%3Ad%2C%22~"},
		{"name=n%C3%A9v", "", "/v2/images?name=n%C3%A9v"},
		{"sort=name:desc", "", "/v2/images?sort=name%3Adesc"},
		{"os_hidden", "", "/v2/images?os_hidden="},
	}
	for _, c := range cases {
		params, err := parseQuery(c.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := pageLink(params, c.marker); got != c.want {
			t.Errorf("pageLink(%q, %q) = %q, want %q", c.raw, c.marker, got, c.want)
		}
	}
}

// Queries in the forms the openstack CLI, glanceclient, openstacksdk,
// gophercloud and tempest send, and the mistakes users make.
var listSeeds = []string{
	"", "limit=20", "limit=1000&sort_key=name&sort_dir=asc", "limit=25&marker=a6b3bb4a-5b3b-4b9e-8f3c-1d2c3e4f5a6b",
	"sort=name:asc,status:desc", "sort=created_at:desc&limit=20", "sort_key=created_at&sort_dir=desc&sort_key=id",
	"visibility=public", "visibility=shared&member_status=pending", "visibility=all", "owner=3fe3ac3f1a0e4d30a4b8d5e1c0d5b8a3",
	"name=cirros-0.6.2-x86_64-disk", "name=in:cirros,ubuntu", "name=in:%22a,b%22,c", "name=eq:x:y",
	"id=in:6d1a1c2b-3b4c-4d5e-8f9a-0b1c2d3e4f5a,7e2b2d3c-4c5d-4e6f-9a0b-1c2d3e4f5a6b", "status=active",
	"status=in:active,queued", "disk_format=qcow2&container_format=bare", "tag=a&tag=b", "protected=true",
	"os_hidden=true", "size_min=1024&size_max=1073741824", "min_ram=512", "created_at=gt:2020-01-02T00:00:00Z",
	"updated_at=lte:2020-01-02T01:00:00%2B02:00", "created_at=2020-01-02", "hw_disk_bus=scsi&os_distro=ubuntu",
	"changes-since=2020-01-01T00:00:00Z", "limit=-1", "limit=abc", "sort=name&sort_key=name", "sort_key=bogus",
	"sort_dir=asc&sort_dir=desc", "name=%ff", "limit=1;marker=x", "q=%zz&r=%", "name=in:%22a",
	"created_at=in:2020-01-02", "limit=99999999999999999999",
}

func FuzzListQuery(f *testing.F) {
	for _, s := range listSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		params, err := parseQuery(raw)
		if err != nil {
			if errStatus(err) != 400 {
				t.Fatalf("%q: status %d, want 400", raw, errStatus(err))
			}
			return
		}
		// Parameters decode to text and survive being quoted again.
		var enc []string
		for _, p := range params {
			if !utf8.ValidString(p.key) || !utf8.ValidString(p.value) {
				t.Fatalf("%q: parameter %q is not UTF-8", raw, p)
			}
			enc = append(enc, url.QueryEscape(p.key)+"="+url.QueryEscape(p.value))
		}
		if again, err := parseQuery(strings.Join(enc, "&")); err != nil || !slices.Equal(again, params) {
			t.Fatalf("%q -> %q -> %q, %v", raw, params, again, err)
		}
		checkPageLinks(t, params)

		req, err := parseListRequest(params)
		if err != nil {
			if errStatus(err) != 400 {
				t.Fatalf("%q: status %d %q, want 400", raw, errStatus(err), errText(err))
			}
			return
		}
		checkListRequest(t, raw, req)
	})
}

// checkPageLinks checks first and next links against the query: each key
// once, in first-seen order, with its last value; marker only in next,
// and last there.
func checkPageLinks(t *testing.T, params []param) {
	t.Helper()
	var keys []string
	last := map[string]string{}
	for _, p := range params {
		if p.key == "marker" {
			continue
		}
		if _, seen := last[p.key]; !seen {
			keys = append(keys, p.key)
		}
		last[p.key] = p.value
	}
	for _, marker := range []string{"", "a6b3bb4a-5b3b-4b9e-8f3c-1d2c3e4f5a6b"} {
		link := pageLink(params, marker)
		path, query, _ := strings.Cut(link, "?")
		if path != "/v2/images" {
			t.Fatalf("%q: link %q", params, link)
		}
		got, err := parseQuery(query)
		if err != nil {
			t.Fatalf("%q: link %q: %v", params, link, err)
		}
		want := make([]param, 0, len(keys)+1)
		for _, k := range keys {
			want = append(want, param{k, last[k]})
		}
		if marker != "" {
			want = append(want, param{"marker", marker})
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%q: link %q has %q, want %q", params, link, got, want)
		}
	}
}

// checkListRequest checks that an accepted query yields only values the
// service understands.
func checkListRequest(t *testing.T, raw string, req domain.ListRequest) {
	t.Helper()
	if req.Limit < -1 {
		t.Fatalf("%q: limit %d", raw, req.Limit)
	}
	f := req.Filter
	if !slices.Contains([]string{"pending", "accepted", "rejected", "all"}, f.MemberStatus) {
		t.Fatalf("%q: member status %q", raw, f.MemberStatus)
	}
	if !slices.Contains([]string{"", "community", "public", "private", "shared", "all"}, f.Visibility) {
		t.Fatalf("%q: visibility %q", raw, f.Visibility)
	}
	if len(req.Sort) == 0 {
		t.Fatalf("%q: no sort keys", raw)
	}
	for _, k := range req.Sort {
		if !slices.Contains(domain.SortKeys, k.Key) {
			t.Fatalf("%q: sort key %q", raw, k.Key)
		}
	}
	for _, c := range f.Conditions {
		switch c.Op {
		case domain.OpEq, domain.OpNeq, domain.OpGt, domain.OpGte, domain.OpLt, domain.OpLte:
			if len(c.Values) != 1 {
				t.Fatalf("%q: %+v", raw, c)
			}
		case domain.OpIn:
		default:
			t.Fatalf("%q: operator %q", raw, c.Op)
		}
		if c.Op != domain.OpEq && c.Op != domain.OpIn && c.Field != "created_at" && c.Field != "updated_at" &&
			!(intColumns[c.Field] && (c.Op == domain.OpGte || c.Op == domain.OpLte)) {
			t.Fatalf("%q: %+v", raw, c)
		}
		for _, v := range c.Values {
			var ok bool
			switch {
			case c.Property, stringColumns[c.Field], c.Field == "name", c.Field == "id", c.Field == "status",
				c.Field == "container_format", c.Field == "disk_format":
				_, ok = v.(string)
			case intColumns[c.Field]:
				_, ok = v.(int64)
			case c.Field == "protected":
				_, ok = v.(bool)
			case c.Field == "created_at", c.Field == "updated_at":
				var at time.Time
				at, ok = v.(time.Time)
				ok = ok && at.Location() == time.UTC
			}
			if !ok {
				t.Fatalf("%q: %+v holds %T", raw, c, v)
			}
		}
	}
}

func FuzzSplitQuoted(f *testing.F) {
	for _, s := range []string{"a,b", `"a,b",c`, "", "a,", ",", "a,,b", `""`, `"a\"b",c`, `a\"b`,
		`"a`, `a"b"`, `"a"b`, "cirros,ubuntu", `"x,y","z"`, "\"a\nb\",c", `\`, `"\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := splitQuoted(v)
		if err != nil {
			if errStatus(err) != 400 || !strings.HasPrefix(errText(err), "Invalid filter value "+v+". ") {
				t.Fatalf("%q: %d %q", v, errStatus(err), errText(err))
			}
			if !strings.Contains(v, `"`) {
				t.Fatalf("%q refused without a quote", v)
			}
			return
		}
		// Without quotes a list is its comma-separated parts; a final
		// comma adds nothing.
		if !strings.Contains(v, `"`) {
			want := []string{}
			if v != "" {
				want = strings.Split(strings.TrimSuffix(v, ","), ",")
				if v == "," {
					want = []string{""}
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%q split into %q, want %q", v, got, want)
			}
		}
		// Quoting the parts of any list gives the list back.
		items := strings.Split(v, "|")
		quoted := make([]string, len(items))
		for i, it := range items {
			if strings.ContainsAny(it, `"\`) {
				return
			}
			quoted[i] = `"` + it + `"`
		}
		if back, err := splitQuoted(strings.Join(quoted, ",")); err != nil || !slices.Equal(back, items) {
			t.Fatalf("%q quoted split into %q, %v", items, back, err)
		}
	})
}

func FuzzParseISOTime(f *testing.F) {
	for _, s := range []string{"2020-01-02T03:04:05Z", "2020-01-02T03:04:05.123456Z", "2020-01-02T03:04:05+02:00",
		"2020-01-02T03:04:05+0200", "2020-01-02T03:04:05-05", "2020-01-02 03:04", "2020-01-02", "2020-1-2",
		"2020", "20200102T030405Z", "202001", "2020-02-30", "0000-01-01", "2016-01-01T00:00:00,5Z", "notadate"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseISOTime(s)
		// Whatever Go reads as RFC 3339 (from year 1) Glance reads too,
		// as the same instant to the microsecond.
		if rfc, rerr := time.Parse(time.RFC3339Nano, s); rerr == nil && rfc.Year() >= 1 {
			if err != nil || !got.Equal(rfc.Truncate(time.Microsecond)) {
				t.Fatalf("%q: got %v, %v; Go's RFC 3339 reads %v", s, got, err, rfc)
			}
		}
		if err != nil {
			return
		}
		if got.Location() != time.UTC || got.Nanosecond()%1000 != 0 {
			t.Fatalf("%q: %v is not UTC to the microsecond", s, got)
		}
		// A date that holds colons is an equality, not "op:value".
		if op, value := splitFilterOp(s); op != "eq" || value != s {
			t.Fatalf("%q: split as %q, %q", s, op, value)
		}
		canon := got.Format("2006-01-02T15:04:05.000000Z")
		if again, err := parseISOTime(canon); err != nil || !again.Equal(got) {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, got, canon, again, err)
		}
	})
}
