package daltest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

// listFixtures creates the images the filter tests list, named a..m;
// see the comments for what sets each apart.
func listFixtures(t *testing.T, s *suite) {
	type fixture struct {
		name  string
		mod   func(*domain.Image)
		after func(img *domain.Image)
	}
	props := func(kv ...string) domain.Properties {
		var p domain.Properties
		for i := 0; i < len(kv); i += 2 {
			p = append(p, domain.Property{Name: kv[i], Value: kv[i+1]})
		}
		return p
	}
	fixtures := []fixture{
		// a: public, tagged x and y, two properties.
		{"a", func(i *domain.Image) {
			i.Visibility, i.Status, i.Size = domain.VisibilityPublic, domain.StatusActive, ptr(int64(10))
			i.DiskFormat, i.ContainerFormat = ptr("qcow2"), ptr("bare")
			i.Tags, i.Properties = []string{"x", "y"}, props("os", "linux", "arch", "x86_64")
		}, nil},
		// b: public and protected, tagged x.
		{"b", func(i *domain.Image) {
			i.Visibility, i.Status, i.Size, i.Protected = domain.VisibilityPublic, domain.StatusActive, ptr(int64(20)), true
			i.DiskFormat, i.Tags, i.Properties = ptr("raw"), []string{"x"}, props("os", "windows")
		}, nil},
		// c: private, queued, no size.
		{"c", func(i *domain.Image) { i.Visibility = domain.VisibilityPrivate }, nil},
		// d: shared by p1 with p2 (accepted), tagged y.
		{"d", func(i *domain.Image) {
			i.Status, i.Size, i.Tags = domain.StatusActive, ptr(int64(30)), []string{"y"}
		}, func(img *domain.Image) { s.b.AddMember(t, img.ID, "p2", "accepted") }},
		// e: community image of p2.
		{"e", func(i *domain.Image) {
			i.Visibility, i.Owner, i.Size = domain.VisibilityCommunity, ptr("p2"), ptr(int64(40))
		}, nil},
		// f: public but hidden.
		{"f", func(i *domain.Image) { i.Visibility, i.Hidden = domain.VisibilityPublic, true }, nil},
		// g: public but killed: never listed.
		{"g", func(i *domain.Image) { i.Visibility, i.Status = domain.VisibilityPublic, domain.StatusKilled }, nil},
		// h: public but deleted: never listed.
		{"h", func(i *domain.Image) { i.Visibility = domain.VisibilityPublic }, func(img *domain.Image) {
			if err := s.repo.Delete(s.ctx, img.ID, domain.StatusQueued, domain.StatusDeleted, base); err != nil {
				t.Fatal(err)
			}
		}},
		// i, j: shared by p3 with p2, pending and rejected.
		{"i", func(i *domain.Image) { i.Owner = ptr("p3") }, func(img *domain.Image) { s.b.AddMember(t, img.ID, "p2", "pending") }},
		{"j", func(i *domain.Image) { i.Owner = ptr("p3") }, func(img *domain.Image) { s.b.AddMember(t, img.ID, "p2", "rejected") }},
		// k: private image of p3; l: community image of p3.
		{"k", func(i *domain.Image) { i.Owner, i.Visibility = ptr("p3"), domain.VisibilityPrivate }, nil},
		{"l", func(i *domain.Image) { i.Owner, i.Visibility = ptr("p3"), domain.VisibilityCommunity }, nil},
		// m: public, with a comma in its name.
		{"m", func(i *domain.Image) { i.Visibility, i.Name = domain.VisibilityPublic, ptr("m,n") }, nil},
	}
	for _, f := range fixtures {
		img := s.create(t, s.image(f.name, f.mod))
		if f.after != nil {
			f.after(img)
		}
	}
}

func testListFilters(t *testing.T, s *suite) {
	listFixtures(t, s)
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	col := func(field string, op domain.FilterOp, values ...any) domain.Condition {
		return domain.Condition{Field: field, Op: op, Values: values}
	}
	prop := func(field string, op domain.FilterOp, values ...any) domain.Condition {
		return domain.Condition{Field: field, Property: true, Op: op, Values: values}
	}
	all := domain.ImageFilter{Visibility: "all"}
	with := func(f domain.ImageFilter, c ...domain.Condition) domain.ImageFilter {
		f.Conditions = c
		return f
	}
	cases := []struct {
		name   string
		viewer domain.Viewer
		filter domain.ImageFilter
		want   string
	}{
		// The base visible set and the visibility filter (§5.1).
		{"admin sees all but community", admin, domain.ImageFilter{}, "a b c d i j k m,n"},
		{"admin of p2 sees p2's community images", domain.Viewer{Admin: true, ProjectID: "p2"}, domain.ImageFilter{}, "a b c d e i j k m,n"},
		{"admin, visibility all", admin, all, "a b c d e i j k l m,n"},
		{"admin, shared", admin, domain.ImageFilter{Visibility: "shared"}, "d i j"},
		{"admin ignores member_status", admin, domain.ImageFilter{MemberStatus: "pending"}, "a b c d i j k m,n"},
		{"owner", project("p1"), domain.ImageFilter{}, "a b c d m,n"},
		{"owner, visibility all", project("p1"), all, "a b c d e l m,n"},
		{"owner, private", project("p1"), domain.ImageFilter{Visibility: "private"}, "c"},
		{"member sees accepted shares and own community", project("p2"), domain.ImageFilter{}, "a b d e m,n"},
		{"member, pending", project("p2"), domain.ImageFilter{MemberStatus: "pending"}, "a b e i m,n"},
		{"member, rejected", project("p2"), domain.ImageFilter{MemberStatus: "rejected"}, "a b e j m,n"},
		{"member, all statuses", project("p2"), domain.ImageFilter{MemberStatus: "all"}, "a b d e i j m,n"},
		{"member, shared", project("p2"), domain.ImageFilter{Visibility: "shared"}, "d"},
		{"member, shared, all statuses", project("p2"), domain.ImageFilter{Visibility: "shared", MemberStatus: "all"}, "d i j"},
		{"member, community", project("p2"), domain.ImageFilter{Visibility: "community"}, "e l"},
		{"member, public", project("p2"), domain.ImageFilter{Visibility: "public"}, "a b m,n"},
		{"member, private", project("p2"), domain.ImageFilter{Visibility: "private"}, ""},
		{"other project's private", project("p3"), domain.ImageFilter{Visibility: "private"}, "k"},
		{"no project", anon, domain.ImageFilter{}, "a b m,n"},
		{"no project, all", anon, all, "a b e l m,n"},
		{"hidden only", admin, domain.ImageFilter{Hidden: true}, "f"},
		// Column conditions, each operator.
		{"name eq", admin, with(all, col("name", domain.OpEq, "a")), "a"},
		{"name in, a value with a comma", admin, with(all, col("name", domain.OpIn, "a", "m,n", "zz")), "a m,n"},
		{"name neq", admin, with(all, col("name", domain.OpNeq, "a")), "b c d e i j k l m,n"},
		{"name gt", admin, with(all, col("name", domain.OpGt, "k")), "l m,n"},
		{"size gt", admin, with(all, col("size", domain.OpGt, int64(20))), "d e"},
		{"size gte (size_min)", admin, with(all, col("size", domain.OpGte, int64(20))), "b d e"},
		{"size lt skips null sizes", admin, with(all, col("size", domain.OpLt, int64(20))), "a"},
		{"size lte (size_max)", admin, with(all, col("size", domain.OpLte, int64(20))), "a b"},
		{"size range", admin, with(all, col("size", domain.OpGte, int64(15)), col("size", domain.OpLte, int64(35))), "b d"},
		{"size in", admin, with(all, col("size", domain.OpIn, int64(10), int64(40))), "a e"},
		{"created_at gt", admin, with(all, col("created_at", domain.OpGt, at(11))), "l m,n"},
		{"created_at gte", admin, with(all, col("created_at", domain.OpGte, at(11))), "k l m,n"},
		{"created_at lt", admin, with(all, col("created_at", domain.OpLt, at(2))), "a"},
		{"created_at lte", admin, with(all, col("created_at", domain.OpLte, at(2))), "a b"},
		{"created_at eq", admin, with(all, col("created_at", domain.OpEq, at(3))), "c"},
		{"created_at neq", admin, with(all, col("created_at", domain.OpNeq, at(3))), "a b d e i j k l m,n"},
		{"updated_at gt, with offset times", admin, with(all, col("updated_at", domain.OpGt, at(12).In(time.FixedZone("x", 3600)))), "m,n"},
		{"status", admin, with(all, col("status", domain.OpEq, "active")), "a b d"},
		{"status in", admin, with(all, col("status", domain.OpIn, "active", "killed")), "a b d"},
		{"disk_format", admin, with(all, col("disk_format", domain.OpEq, "raw")), "b"},
		{"container_format", admin, with(all, col("container_format", domain.OpEq, "bare")), "a"},
		{"protected", admin, with(all, col("protected", domain.OpEq, true)), "b"},
		{"owner", admin, with(all, col("owner", domain.OpEq, "p3")), "i j k l"},
		{"conditions narrow the visible set", project("p2"), with(domain.ImageFilter{Visibility: "all", MemberStatus: "all"}, col("owner", domain.OpEq, "p3")), "i j l"},
		// Property conditions.
		{"property eq", admin, with(all, prop("os", domain.OpEq, "linux")), "a"},
		{"property neq needs the property", admin, with(all, prop("os", domain.OpNeq, "linux")), "b"},
		{"property in", admin, with(all, prop("os", domain.OpIn, "linux", "windows")), "a b"},
		{"two properties", admin, with(all, prop("os", domain.OpEq, "linux"), prop("arch", domain.OpEq, "x86_64")), "a"},
		{"property and column", admin, with(all, prop("os", domain.OpEq, "windows"), col("size", domain.OpGte, int64(15))), "b"},
		{"absent property", admin, with(all, prop("nope", domain.OpEq, "linux")), ""},
		// Tags: every one given.
		{"tag x", admin, domain.ImageFilter{Tags: []string{"x"}}, "a b"},
		{"tags x and y", admin, domain.ImageFilter{Tags: []string{"x", "y"}}, "a"},
		{"tag y", admin, domain.ImageFilter{Tags: []string{"y"}}, "a d"},
		{"unknown tag", admin, domain.ImageFilter{Tags: []string{"x", "nope"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := names(s.list(t, domain.ImageQuery{Viewer: c.viewer, Filter: c.filter}))
			var want []string
			if c.want != "" {
				want = strings.Fields(c.want)
			}
			if !slices.Equal(sorted(got), sorted(want)) {
				t.Fatalf("got %v, want %v", sorted(got), want)
			}
		})
	}

	t.Run("the newest come first by default", func(t *testing.T) {
		got := names(s.list(t, domain.ImageQuery{Viewer: admin}))
		want := []string{"m,n", "k", "j", "i", "d", "c", "b", "a"}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})

	t.Run("limit", func(t *testing.T) {
		got := names(s.list(t, domain.ImageQuery{Viewer: admin, Limit: 3}))
		if !slices.Equal(got, []string{"m,n", "k", "j"}) {
			t.Fatalf("got %v", got)
		}
	})

	t.Run("bad queries are invalid", func(t *testing.T) {
		bad := []domain.ImageQuery{
			{Viewer: admin, Filter: with(all, col("no_such_column", domain.OpEq, "x"))},
			{Viewer: admin, Filter: with(all, col("name", "like", "x"))},
			{Viewer: admin, Filter: domain.ImageFilter{Visibility: "secret"}},
			{Viewer: project("p2"), Filter: domain.ImageFilter{MemberStatus: "maybe"}},
			{Viewer: admin, Sort: []domain.SortKey{{Key: "owner; DROP TABLE images"}}},
		}
		for i, q := range bad {
			_, err := s.repo.List(s.ctx, q)
			wantKind(t, err, domain.KindInvalid, fmt.Sprintf("bad query %d", i))
		}
		if n := s.count(t, "SELECT COUNT(*) FROM images"); n == 0 {
			t.Fatal("images vanished")
		}
	})
}
