package main

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// mustListFixture starts a server (no auth: Glance's admin context
// without a project) holding seven images that the filters and sort keys
// tell apart, with created_at 2020-01-0N and updated_at 2021-01-0N for
// the Nth. It returns the client and the image ids by name.
func mustListFixture(t *testing.T) (api, map[string]string) {
	t.Helper()
	base, dir := MustStartServerIn(t, mustPolicyFile(t, `publicize_image: "is_admin:True"`))
	a := api{base: base}
	fixtures := []struct {
		name, body string
		size       int
	}{
		{"alpha", `{"name":"alpha","visibility":"public","disk_format":"raw","container_format":"bare","tags":["a","b"],"os_distro":"ubuntu"}`, 10},
		{"beta", `{"name":"beta","visibility":"private","disk_format":"raw","container_format":"ovf","tags":["a"],"os_distro":"fedora","protected":true,"min_ram":512}`, 100},
		{"gamma", `{"name":"gamma","visibility":"shared","disk_format":"qcow2","container_format":"bare","tags":["b"],"os_distro":"ubuntu","hw_disk_bus":"scsi","owner":"proj-x"}`, 0},
		{"delta", `{"name":"delta","visibility":"community","disk_format":"iso","container_format":"bare","owner":"proj-x"}`, 0},
		{"hidden", `{"name":"hidden","os_hidden":true,"disk_format":"raw","container_format":"bare","tags":["a"]}`, 0},
		{"a,b", `{"name":"a,b"}`, 0},
		{"x:y", `{"name":"x:y"}`, 0},
	}
	db := mustOpenDB(t, dir)
	ids := map[string]string{}
	for i, f := range fixtures {
		img := a.create(t, f.body)
		ids[f.name] = img.ID
		if f.size > 0 {
			a.upload(t, img.ID, []byte(strings.Repeat(f.name[:1], f.size)))
		}
		// Fixed, distinct times make the date filters exact.
		mustExec(t, db, `UPDATE images SET created_at = ?, updated_at = ? WHERE id = ?`,
			fmt.Sprintf("2020-01-0%d 00:00:00.000000", i+1), fmt.Sprintf("2021-01-0%d 00:00:00.000000", i+1), img.ID)
	}
	return a, ids
}

// listCase is one GET /v2/images: the names it lists, in order, or the
// error status and the message Glance gives.
type listCase struct {
	query  string
	want   []string
	status int
	msg    string
}

func runListCases(t *testing.T, a api, cases []listCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			resp, body := a.do(t, "GET", "/v2/images?"+c.query, nil, "")
			if c.status != 0 {
				mustStatus(t, c.query, resp, body, c.status)
				if !strings.Contains(text(body), c.msg) {
					t.Errorf("body lacks %q:\n%s", c.msg, body)
				}
				return
			}
			mustStatus(t, c.query, resp, body, http.StatusOK)
			var p page
			mustDecode(t, body, &p)
			if got := p.names(); !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("listed %q, want %q", got, c.want)
			}
			if p.Next != "" {
				t.Errorf("next link %q on a short page", p.Next)
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	a, ids := mustListFixture(t)
	sum := md5.Sum([]byte(strings.Repeat("a", 10)))
	alphaMD5 := hex.EncodeToString(sum[:])
	// Newest first; community images hide from a caller without a
	// project unless asked for, hidden ones unless os_hidden=true.
	all := []string{"x:y", "a,b", "gamma", "beta", "alpha"}
	const badOp = "Unable to filter by unknown operator"
	runListCases(t, a, []listCase{
		{query: "", want: all},
		{query: query("name", "alpha"), want: []string{"alpha"}},
		{query: query("name", "eq:alpha"), want: []string{"alpha"}},
		{query: query("name", "in:alpha,gamma"), want: []string{"gamma", "alpha"}},
		{query: query("name", `in:"a,b",beta`), want: []string{"a,b", "beta"}},
		{query: query("name", "eq:x:y"), want: []string{"x:y"}},
		{query: query("name", "x:y"), status: 400, msg: badOp + " 'x'."},
		{query: query("name", `in:"a,b"x`), status: 400, msg: "There is no comma after closing quotation mark."},
		{query: query("name", "alpha", "status", "queued"), want: nil},

		{query: "visibility=public", want: []string{"alpha"}},
		{query: "visibility=private", want: []string{"beta"}},
		{query: "visibility=shared", want: []string{"x:y", "a,b", "gamma"}},
		{query: "visibility=community", want: []string{"delta"}},
		{query: "visibility=all", want: []string{"x:y", "a,b", "delta", "gamma", "beta", "alpha"}},
		{query: "visibility=everyone", status: 400, msg: "Invalid visibility value: everyone"},
		{query: "member_status=maybe", status: 400, msg: "Invalid status: maybe"},

		{query: "owner=proj-x", want: []string{"gamma"}},
		{query: "owner=proj-x&visibility=all", want: []string{"delta", "gamma"}},

		{query: "status=active", want: []string{"beta", "alpha"}},
		{query: "status=queued", want: []string{"x:y", "a,b", "gamma"}},
		{query: query("status", "in:active,queued"), want: all},
		{query: query("status", "like:active"), status: 400, msg: badOp + " 'like'."},

		{query: "tag=a", want: []string{"beta", "alpha"}},
		{query: "tag=b", want: []string{"gamma", "alpha"}},
		{query: "tag=a&tag=b", want: []string{"alpha"}},
		{query: "tag=b&tag=a&tag=nope", want: nil},

		{query: "size_min=50", want: []string{"beta"}},
		{query: "size_max=50", want: []string{"alpha"}},
		{query: "size_min=10&size_max=100", want: []string{"beta", "alpha"}},
		{query: "size_min=11&size_max=99", want: nil},
		{query: "size_min=abc", status: 400, msg: "Unable to filter on a range with a non-numeric value."},
		{query: "size_max=1.5", status: 400, msg: "Unable to filter on a range with a non-numeric value."},

		{query: "protected=true", want: []string{"beta"}},
		{query: "protected=false", want: []string{"x:y", "a,b", "gamma", "alpha"}},
		{query: "protected=True", status: 400, msg: "Invalid value 'True' for 'protected' filter. Valid values are 'true' or 'false'."},

		{query: "os_hidden=true", want: []string{"hidden"}},
		{query: "os_hidden=TRUE", want: []string{"hidden"}},
		{query: "os_hidden=false", want: all},
		{query: "os_hidden=maybe", status: 400, msg: "Invalid value 'maybe' for 'os_hidden' filter. Valid values are 'true' or 'false'."},

		{query: "container_format=ovf", want: []string{"beta"}},
		{query: query("container_format", "in:ovf,bare"), want: []string{"gamma", "beta", "alpha"}},
		{query: "disk_format=raw", want: []string{"beta", "alpha"}},
		{query: query("disk_format", "in:qcow2,iso", "visibility", "all"), want: []string{"delta", "gamma"}},

		{query: "id=" + ids["gamma"], want: []string{"gamma"}},
		{query: query("id", "in:"+ids["alpha"]+","+ids["beta"]), want: []string{"beta", "alpha"}},

		{query: query("created_at", "gt:2020-01-02T00:00:00Z"), want: []string{"x:y", "a,b", "gamma"}},
		{query: query("created_at", "gte:2020-01-02T00:00:00Z"), want: []string{"x:y", "a,b", "gamma", "beta"}},
		{query: query("created_at", "lt:2020-01-02T00:00:00Z"), want: []string{"alpha"}},
		{query: query("created_at", "lte:2020-01-02T00:00:00Z"), want: []string{"beta", "alpha"}},
		{query: query("created_at", "eq:2020-01-02T00:00:00Z"), want: []string{"beta"}},
		{query: query("created_at", "2020-01-02T00:00:00Z"), want: []string{"beta"}},
		{query: query("created_at", "neq:2020-01-02T00:00:00Z"), want: []string{"x:y", "a,b", "gamma", "alpha"}},
		// An offset is normalised to UTC: this is 2020-01-01T23:00Z.
		{query: query("created_at", "lt:2020-01-02T01:00:00+02:00"), want: []string{"alpha"}},
		{query: query("created_at", "gt:notadate"), status: 400, msg: `Bad "created_at" query filter format. Use ISO 8601 DateTime notation.`},
		{query: query("created_at", "after:2020-01-02T00:00:00Z"), status: 400, msg: "Unable to filter on a unknown operator."},
		{query: query("updated_at", "gte:2021-01-06T00:00:00Z"), want: []string{"x:y", "a,b"}},
		{query: query("updated_at", "lt:2021-01-02T00:00:00Z"), want: []string{"alpha"}},
		{query: query("updated_at", "bad"), status: 400, msg: `Bad "updated_at" query filter format.`},
		{query: query("changes-since", "2020-01-01T00:00:00Z"), status: 400, msg: `The "changes-since" filter is no longer available on v2.`},

		// Any other key is an additional property, compared for equality.
		{query: "os_distro=ubuntu", want: []string{"gamma", "alpha"}},
		{query: "os_distro=ubuntu&hw_disk_bus=scsi", want: []string{"gamma"}},
		{query: "os_distro=debian", want: nil},
		// Other image columns are equality filters too.
		{query: "min_ram=512", want: []string{"beta"}},
		{query: "checksum=" + alphaMD5, want: []string{"alpha"}},
	})
}

func TestListSorting(t *testing.T) {
	a, ids := mustListFixture(t)
	byID := []string{"x:y", "a,b", "gamma", "beta", "alpha"}
	slices.SortFunc(byID, func(x, y string) int { return strings.Compare(ids[x], ids[y]) })
	runListCases(t, a, []listCase{
		{query: "sort_key=name&sort_dir=asc", want: []string{"a,b", "alpha", "beta", "gamma", "x:y"}},
		{query: "sort_key=name", want: []string{"x:y", "gamma", "beta", "alpha", "a,b"}},
		{query: "sort=name", want: []string{"x:y", "gamma", "beta", "alpha", "a,b"}},
		{query: query("sort", "name:asc"), want: []string{"a,b", "alpha", "beta", "gamma", "x:y"}},
		{query: "sort_key=created_at&sort_dir=asc", want: []string{"alpha", "beta", "gamma", "a,b", "x:y"}},
		{query: "sort_key=updated_at", want: []string{"x:y", "a,b", "gamma", "beta", "alpha"}},
		{query: "sort_key=id&sort_dir=asc", want: byID},
		// Images without a size sort first going up, as in MySQL and
		// SQLite; one dir per key.
		{query: "sort_key=size&sort_dir=asc&sort_key=name&sort_dir=desc", want: []string{"x:y", "gamma", "a,b", "alpha", "beta"}},
		{query: query("sort", "size:asc,name:desc"), want: []string{"x:y", "gamma", "a,b", "alpha", "beta"}},
		// A single sort_dir applies to every key.
		{query: "sort_key=disk_format&sort_key=name&sort_dir=asc", want: []string{"a,b", "x:y", "gamma", "alpha", "beta"}},
		{query: "sort_key=status&sort_key=name&sort_dir=asc", want: []string{"alpha", "beta", "a,b", "gamma", "x:y"}},
		{query: query("sort", "container_format:asc,name:asc"), want: []string{"a,b", "x:y", "alpha", "gamma", "beta"}},
		{query: "sort_key=bogus", status: 400, msg: "Invalid sort key: bogus. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at."},
		{query: "sort_key=os_distro", status: 400, msg: "Invalid sort key: os_distro."},
		{query: "sort_dir=sideways", status: 400, msg: "Invalid sort direction: sideways"},
		{query: query("sort", "name:sideways"), status: 400, msg: "Invalid sort direction: sideways"},
		{query: query("sort", "bogus:asc"), status: 400, msg: "Invalid sort key: bogus."},
		{query: "sort=name&sort_key=name", status: 400, msg: "Old and new sorting syntax cannot be combined"},
		{query: "sort=name&sort_dir=asc", status: 400, msg: "Old and new sorting syntax cannot be combined"},
		{query: "sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc", status: 400, msg: "Number of sort dirs does not match the number of sort keys"},
	})
}

// walk follows next links from path and returns every image listed, in
// order, checking each page's first and schema links.
func walk(t *testing.T, a api, path, first string) []image {
	t.Helper()
	var out []image
	for pages := 0; path != ""; pages++ {
		if pages > 100 {
			t.Fatalf("no end to the next links")
		}
		p := a.list(t, path)
		if p.First != first || p.Schema != "/v2/schemas/images" {
			t.Errorf("%s: first %q schema %q, want %q and /v2/schemas/images", path, p.First, p.Schema, first)
		}
		out = append(out, p.Images...)
		path = p.Next
	}
	return out
}

func idsOf(images []image) []string {
	out := make([]string, len(images))
	for i, img := range images {
		out[i] = img.ID
	}
	return out
}

func TestListPagination(t *testing.T) {
	base := MustStartServer(t, "")
	a := api{base: base}
	const n = 30
	created := map[string]bool{}
	for i := range n {
		created[a.create(t, fmt.Sprintf(`{"name":"img-%02d"}`, i)).ID] = true
	}
	whole := a.list(t, "/v2/images?limit=1000")
	if len(whole.Images) != n || whole.Next != "" {
		t.Fatalf("limit=1000 listed %d images, next %q; want %d and none", len(whole.Images), whole.Next, n)
	}
	for _, img := range whole.Images {
		if !created[img.ID] {
			t.Fatalf("listed %s, which was never created", img.ID)
		}
	}

	t.Run("default limit is 25", func(t *testing.T) {
		p := a.list(t, "/v2/images")
		if len(p.Images) != 25 {
			t.Fatalf("listed %d images, want 25", len(p.Images))
		}
		if want := "/v2/images?marker=" + p.Images[24].ID; p.Next != want || p.First != "/v2/images" {
			t.Errorf("next %q first %q, want %q and /v2/images", p.Next, p.First, want)
		}
		rest := a.list(t, p.Next)
		if len(rest.Images) != n-25 || rest.Next != "" {
			t.Errorf("second page: %d images, next %q", len(rest.Images), rest.Next)
		}
	})

	walks := []struct {
		path, first string
		want        []string
	}{
		// 7 does not divide 30: the last page is short and has no next.
		{"/v2/images?limit=7", "/v2/images?limit=7", idsOf(whole.Images)},
		// 6 does: a full last page links to an empty one.
		{"/v2/images?sort_key=name&sort_dir=asc&limit=6", "/v2/images?sort_key=name&sort_dir=asc&limit=6", nil},
		{"/v2/images?sort=name%3Adesc&limit=8", "/v2/images?sort=name%3Adesc&limit=8", nil},
		{"/v2/images?limit=1", "/v2/images?limit=1", idsOf(whole.Images)},
	}
	for _, w := range walks {
		t.Run(w.path, func(t *testing.T) {
			got := walk(t, a, w.path, w.first)
			seen := map[string]bool{}
			for _, img := range got {
				if seen[img.ID] {
					t.Fatalf("%s listed twice", img.ID)
				}
				seen[img.ID] = true
			}
			if len(got) != n {
				t.Fatalf("walk listed %d images, want %d", len(got), n)
			}
			if w.want != nil && !slices.Equal(idsOf(got), w.want) {
				t.Errorf("walk order differs from one page's")
			}
			names := make([]string, len(got))
			for i, img := range got {
				names[i] = img.name()
			}
			if strings.Contains(w.path, "name") {
				asc := slices.Sorted(slices.Values(names))
				if strings.Contains(w.path, "desc") {
					slices.Reverse(asc)
				}
				if !slices.Equal(names, asc) {
					t.Errorf("walk by name listed %q", names)
				}
			}
		})
	}

	t.Run("next puts the marker last", func(t *testing.T) {
		// Glance builds the links from a dict of the query: marker is
		// dropped from first and appended to next; a repeated key keeps
		// its first place and its last value.
		marker := whole.Images[3].ID
		p := a.list(t, "/v2/images?marker="+marker+"&tag=x&limit=2&tag=y")
		if p.First != "/v2/images?tag=y&limit=2" {
			t.Errorf("first %q", p.First)
		}
		if len(p.Images) != 0 || p.Next != "" {
			t.Errorf("tagged page: %d images, next %q", len(p.Images), p.Next)
		}
		p = a.list(t, "/v2/images?marker="+marker+"&limit=2")
		if want := "/v2/images?limit=2&marker=" + whole.Images[5].ID; p.Next != want {
			t.Errorf("next %q, want %q", p.Next, want)
		}
		if !slices.Equal(idsOf(p.Images), idsOf(whole.Images[4:6])) {
			t.Errorf("page after marker is not the next two images")
		}
	})

	runListCases(t, a, []listCase{
		{query: "limit=0", want: nil},
		{query: "marker=" + whole.Images[n-1].ID, want: nil},
		{query: "marker=00000000-0000-0000-0000-000000000000", status: 400, msg: "No image found with ID 00000000-0000-0000-0000-000000000000"},
		{query: "marker=not-an-id", status: 400, msg: "not-an-id"},
		{query: "limit=abc", status: 400, msg: "limit param must be an integer"},
		{query: "limit=-1", status: 400, msg: "limit param must be positive"},
	})
}

func TestListLimitMax(t *testing.T) {
	a := api{base: MustStartServer(t, "api_limit_max = 4")}
	for i := range 6 {
		a.create(t, fmt.Sprintf(`{"name":"img-%d"}`, i))
	}
	for _, c := range []struct {
		query string
		want  int
	}{
		{"", 4}, // the default 25, capped
		{"?limit=100", 4},
		{"?limit=4", 4},
		{"?limit=3", 3},
	} {
		p := a.list(t, "/v2/images"+c.query)
		if len(p.Images) != c.want || p.Next == "" {
			t.Errorf("%q: %d images, next %q; want %d and a next link", c.query, len(p.Images), p.Next, c.want)
		}
	}
	if got := walk(t, a, "/v2/images?limit=100", "/v2/images?limit=100"); len(got) != 6 {
		t.Errorf("walk listed %d images, want 6", len(got))
	}
}

// TestListVisibility lists as different projects (trusted-auth) to check
// Glance's visible set: public and community images, the caller's own,
// and shared images by membership status.
func TestListVisibility(t *testing.T) {
	base := MustStartServer(t, "[paste_deploy]\nflavor = trusted-auth\n")
	admin := api{base: base, header: identity("admin-project", "admin,member,reader")}
	projA := api{base: base, header: identity("A", "member,reader")}
	projB := api{base: base, header: identity("B", "member,reader")}
	readerB := api{base: base, header: identity("B", "reader")}
	projC := api{base: base, header: identity("C", "member,reader")}

	ids := map[string]string{}
	for _, c := range []struct {
		who  api
		body string
	}{
		{projA, `{"name":"a-private","visibility":"private"}`},
		{projA, `{"name":"a-accepted","visibility":"shared"}`},
		{projA, `{"name":"a-pending","visibility":"shared"}`},
		{projA, `{"name":"a-rejected","visibility":"shared"}`},
		{projA, `{"name":"a-unshared","visibility":"shared"}`},
		{projA, `{"name":"a-community","visibility":"community"}`},
		{admin, `{"name":"a-public","visibility":"public","owner":"A"}`},
		{projB, `{"name":"b-private","visibility":"private"}`},
	} {
		img := c.who.create(t, c.body)
		ids[img.name()] = img.ID
	}
	// Memberships through the members API: A shares, B answers.
	for _, m := range []struct{ image, status string }{
		{"a-accepted", "accepted"}, {"a-pending", "pending"}, {"a-rejected", "rejected"},
	} {
		id := ids[m.image]
		resp, body := projA.do(t, "POST", "/v2/images/"+id+"/members", jsonType, `{"member":"B"}`)
		mustStatus(t, "share "+m.image, resp, body, http.StatusOK)
		if m.status != "pending" {
			resp, body = projB.do(t, "PUT", "/v2/images/"+id+"/members/B", jsonType, `{"status":"`+m.status+`"}`)
			mustStatus(t, "answer "+m.image, resp, body, http.StatusOK)
		}
	}
	allOfA := []string{"a-accepted", "a-community", "a-pending", "a-private", "a-public", "a-rejected", "a-unshared"}
	cases := []struct {
		who   string
		as    api
		query string
		want  []string
	}{
		{"A", projA, "", allOfA},
		{"A", projA, "visibility=all", allOfA},
		{"A", projA, "visibility=community", []string{"a-community"}},
		{"B", projB, "", []string{"a-accepted", "a-public", "b-private"}},
		{"B reader", readerB, "", []string{"a-accepted", "a-public", "b-private"}},
		{"B", projB, "member_status=pending", []string{"a-pending", "a-public", "b-private"}},
		{"B", projB, "member_status=rejected", []string{"a-public", "a-rejected", "b-private"}},
		{"B", projB, "member_status=all", []string{"a-accepted", "a-pending", "a-public", "a-rejected", "b-private"}},
		{"B", projB, "visibility=shared", []string{"a-accepted"}},
		{"B", projB, "visibility=shared&member_status=all", []string{"a-accepted", "a-pending", "a-rejected"}},
		{"B", projB, "visibility=private", []string{"b-private"}},
		{"B", projB, "visibility=public", []string{"a-public"}},
		{"B", projB, "visibility=community", []string{"a-community"}},
		{"B", projB, "visibility=all", []string{"a-accepted", "a-community", "a-public", "b-private"}},
		{"C", projC, "", []string{"a-public"}},
		{"C", projC, "visibility=all", []string{"a-community", "a-public"}},
		{"C", projC, "visibility=shared&member_status=all", nil},
		// Admins see every project's images; member_status does not
		// apply to them, and others' community images still need asking.
		{"admin", admin, "", []string{"a-accepted", "a-pending", "a-private", "a-public", "a-rejected", "a-unshared", "b-private"}},
		{"admin", admin, "visibility=shared&member_status=rejected", []string{"a-accepted", "a-pending", "a-rejected", "a-unshared"}},
		{"admin", admin, "owner=B", []string{"b-private"}},
	}
	for _, c := range cases {
		t.Run(c.who+" "+c.query, func(t *testing.T) {
			got := c.as.list(t, "/v2/images?"+c.query).names()
			slices.Sort(got)
			if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("listed %q, want %q", got, c.want)
			}
		})
	}

	t.Run("marker", func(t *testing.T) {
		// A marker the caller cannot see is answered as one that does not
		// exist, so that a marker cannot probe for other projects'
		// images (Glance's 403 would); a shared image the caller is a
		// member of is visible whatever the member status.
		resp, body := projB.do(t, "GET", "/v2/images?marker="+ids["a-private"], nil, "")
		mustStatus(t, "invisible marker", resp, body, http.StatusBadRequest)
		if want := "No image found with ID " + ids["a-private"]; !strings.Contains(string(body), want) {
			t.Errorf("invisible marker: body lacks %q:\n%s", want, body)
		}
		resp, body = projB.do(t, "GET", "/v2/images?marker="+ids["a-pending"], nil, "")
		mustStatus(t, "pending member's marker", resp, body, http.StatusOK)
	})
}
