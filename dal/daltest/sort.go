package daltest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

// sortFixtures creates images whose sort keys are often NULL, empty or
// equal, and returns them. Names are the same lower-case ASCII in every
// collation.
func sortFixtures(t *testing.T, s *suite) []*domain.Image {
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	names := []*string{nil, ptr(""), ptr("a"), ptr("b"), ptr("c")}
	formats := []*string{nil, ptr("raw"), ptr("qcow2")}
	sizes := []*int64{nil, ptr(int64(0)), ptr(int64(5)), ptr(int64(100))}
	statuses := []domain.Status{domain.StatusQueued, domain.StatusActive, domain.StatusSaving}
	var images []*domain.Image
	for i := 0; i < 20; i++ {
		img := s.image("", func(img *domain.Image) {
			img.Name = names[i%len(names)]
			img.DiskFormat = formats[i%len(formats)]
			img.ContainerFormat = formats[(i/2)%len(formats)]
			img.Size = sizes[(i*3)%len(sizes)]
			img.Status = statuses[(i/3)%len(statuses)]
			// Pairs share a creation time, so id breaks the tie.
			img.CreatedAt = at(i / 2)
			img.UpdatedAt = at(100 - i/3)
		})
		images = append(images, s.create(t, img))
	}
	// Some rows Glance left without updated_at.
	for _, img := range images[:4] {
		s.b.Exec(t, "UPDATE images SET updated_at = NULL WHERE id = ?", img.ID)
		img.UpdatedAt = time.Time{}
	}
	return images
}

// sortSpecs are the orders the sort and paging tests check: every key
// both ways, and combinations.
func sortSpecs() [][]domain.SortKey {
	var specs [][]domain.SortKey
	for _, k := range domain.SortKeys {
		specs = append(specs, []domain.SortKey{{Key: k}}, []domain.SortKey{{Key: k, Desc: true}})
	}
	return append(specs,
		[]domain.SortKey{{Key: "name"}, {Key: "size", Desc: true}},
		[]domain.SortKey{{Key: "disk_format", Desc: true}, {Key: "created_at"}},
		[]domain.SortKey{{Key: "status"}, {Key: "updated_at", Desc: true}},
		[]domain.SortKey{{Key: "updated_at"}, {Key: "name", Desc: true}},
		[]domain.SortKey{{Key: "size"}, {Key: "name"}, {Key: "created_at", Desc: true}, {Key: "id", Desc: true}},
		[]domain.SortKey{{Key: "container_format"}, {Key: "disk_format"}, {Key: "created_at", Desc: true}, {Key: "id"}},
	)
}

func specName(spec []domain.SortKey) string {
	var parts []string
	for _, k := range spec {
		dir := "asc"
		if k.Desc {
			dir = "desc"
		}
		parts = append(parts, k.Key+":"+dir)
	}
	return strings.Join(parts, ",")
}

// expectedOrder sorts images as the listing must: NULL text as ”, NULL
// sizes as 0, a NULL updated_at first, ties broken by id in the last
// key's direction.
func expectedOrder(images []*domain.Image, spec []domain.SortKey) []*domain.Image {
	keys := slices.Clone(spec)
	if !slices.ContainsFunc(keys, func(k domain.SortKey) bool { return k.Key == "id" }) {
		keys = append(keys, domain.SortKey{Key: "id", Desc: keys[len(keys)-1].Desc})
	}
	out := slices.Clone(images)
	slices.SortStableFunc(out, func(a, b *domain.Image) int {
		for _, k := range keys {
			c := compareKey(k.Key, a, b)
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

func compareKey(key string, a, b *domain.Image) int {
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	num := func(n *int64) int64 {
		if n == nil {
			return 0
		}
		return *n
	}
	switch key {
	case "name":
		return strings.Compare(str(a.Name), str(b.Name))
	case "status":
		return strings.Compare(string(a.Status), string(b.Status))
	case "container_format":
		return strings.Compare(str(a.ContainerFormat), str(b.ContainerFormat))
	case "disk_format":
		return strings.Compare(str(a.DiskFormat), str(b.DiskFormat))
	case "size":
		return cmp.Compare(num(a.Size), num(b.Size))
	case "id":
		return strings.Compare(a.ID, b.ID)
	case "created_at":
		return a.CreatedAt.Compare(b.CreatedAt)
	case "updated_at":
		return a.UpdatedAt.Compare(b.UpdatedAt) // the zero time is NULL
	}
	panic("unknown sort key " + key)
}

func ids(images []*domain.Image) []string {
	out := make([]string, len(images))
	for i, img := range images {
		out[i] = img.ID
	}
	return out
}

func testListSort(t *testing.T, s *suite) {
	images := sortFixtures(t, s)
	for _, spec := range sortSpecs() {
		t.Run(specName(spec), func(t *testing.T) {
			got := s.list(t, domain.ImageQuery{Viewer: admin, Sort: spec})
			want := expectedOrder(images, spec)
			if !slices.Equal(ids(got), ids(want)) {
				t.Fatalf("order differs:\n%s", orderDiff(spec, want, got))
			}
		})
	}

	// The rules spelled out, independent of expectedOrder.
	t.Run("NULL names sort with empty ones", func(t *testing.T) {
		got := s.list(t, domain.ImageQuery{Viewer: admin, Sort: []domain.SortKey{{Key: "name"}}})
		for i, img := range got[:8] {
			if img.Name != nil && *img.Name != "" {
				t.Fatalf("position %d is named %q before all NULL and empty names", i, *img.Name)
			}
		}
	})
	t.Run("NULL sizes sort with zero", func(t *testing.T) {
		got := s.list(t, domain.ImageQuery{Viewer: admin, Sort: []domain.SortKey{{Key: "size", Desc: true}}})
		tail := got[len(got)-10:]
		for _, img := range tail {
			if img.Size != nil && *img.Size != 0 {
				t.Fatalf("size %d among the NULL and zero sizes at the end", *img.Size)
			}
		}
	})
	t.Run("a NULL updated_at sorts first", func(t *testing.T) {
		got := s.list(t, domain.ImageQuery{Viewer: admin, Sort: []domain.SortKey{{Key: "updated_at"}}})
		for _, img := range got[:4] {
			if !img.UpdatedAt.IsZero() {
				t.Fatalf("updated_at %v before the NULL ones", img.UpdatedAt)
			}
		}
	})
}

// testListPaging walks every order page by page, with every page size,
// as clients do with markers: the pages must add up to the full list,
// with no image twice and none missing.
func testListPaging(t *testing.T, s *suite) {
	images := sortFixtures(t, s)
	for _, spec := range sortSpecs() {
		t.Run(specName(spec), func(t *testing.T) {
			want := ids(expectedOrder(images, spec))
			for limit := 1; limit <= len(images)+1; limit++ {
				var got []string
				var after *domain.Image
				for pages := 0; ; pages++ {
					if pages > len(images)+1 {
						t.Fatalf("limit %d: paging does not end", limit)
					}
					page := s.list(t, domain.ImageQuery{Viewer: admin, Sort: spec, Limit: limit, After: after})
					if len(page) > limit {
						t.Fatalf("limit %d: page of %d", limit, len(page))
					}
					got = append(got, ids(page)...)
					if len(page) < limit {
						break
					}
					// The marker is looked up afresh, as the service does.
					after = s.get(t, page[len(page)-1].ID)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("limit %d: pages give %d images, want %d in order", limit, len(got), len(want))
				}
			}
		})
	}

	t.Run("visibility applies to every page", func(t *testing.T) {
		mine := s.create(t, s.image("mine", func(i *domain.Image) { i.Owner = ptr("p7"); i.Visibility = domain.VisibilityPrivate }))
		var seen []string
		var after *domain.Image
		for {
			page := s.list(t, domain.ImageQuery{Viewer: project("p7"), Limit: 1, After: after})
			if len(page) == 0 {
				break
			}
			seen = append(seen, page[0].ID)
			after = page[0]
		}
		if !slices.Equal(seen, []string{mine.ID}) {
			t.Fatalf("p7 paged through %d images, want only its own", len(seen))
		}
	})
}

func orderDiff(spec []domain.SortKey, want, got []*domain.Image) string {
	var b strings.Builder
	row := func(img *domain.Image) string {
		var parts []string
		for _, k := range spec {
			switch k.Key {
			case "name":
				parts = append(parts, fmt.Sprintf("name=%s", text(img.Name)))
			case "size":
				if img.Size == nil {
					parts = append(parts, "size=<nil>")
				} else {
					parts = append(parts, fmt.Sprintf("size=%d", *img.Size))
				}
			case "container_format":
				parts = append(parts, "container="+text(img.ContainerFormat))
			case "disk_format":
				parts = append(parts, "disk="+text(img.DiskFormat))
			case "status":
				parts = append(parts, "status="+string(img.Status))
			case "created_at":
				parts = append(parts, "created="+img.CreatedAt.Format(time.TimeOnly))
			case "updated_at":
				parts = append(parts, "updated="+img.UpdatedAt.Format(time.TimeOnly))
			}
		}
		return img.ID[:8] + " " + strings.Join(parts, " ")
	}
	for i := 0; i < max(len(want), len(got)); i++ {
		var w, g string
		if i < len(want) {
			w = row(want[i])
		}
		if i < len(got) {
			g = row(got[i])
		}
		mark := " "
		if w != g {
			mark = "!"
		}
		fmt.Fprintf(&b, "%s want %-60s got %s\n", mark, w, g)
	}
	return b.String()
}
