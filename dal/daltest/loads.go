package daltest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

// testLoads checks what one load returns and that a write returns what
// a later load reads, since writes do not read back.
func testLoads(t *testing.T, s *suite) {
	t.Run("children come in row order, whatever index serves them", func(t *testing.T) {
		made := map[string]*domain.Image{}
		for _, name := range []string{"order-1", "order-2"} {
			img := s.create(t, s.image(name, func(i *domain.Image) {
				i.Tags = []string{"zz", "aa", "mm", "ordered"}
				i.Properties = domain.Properties{{Name: "zz", Value: name}, {Name: "aa", Value: "2"}, {Name: "mm", Value: "3"}}
				i.Locations = []domain.Location{{URL: "file:///z/" + name, Metadata: map[string]any{"store": "z"}},
					{URL: "file:///a/" + name, Metadata: map[string]any{"store": "a"}}}
			}))
			sameImage(t, img, s.get(t, img.ID))
			made[img.ID] = img
		}
		// A page loads the children of all its images at once.
		page := s.list(t, domain.ImageQuery{Viewer: admin, Filter: domain.ImageFilter{Tags: []string{"ordered"}}})
		if len(page) != len(made) {
			t.Fatalf("listed %d images, want %d", len(page), len(made))
		}
		for _, got := range page {
			sameImage(t, made[got.ID], got)
		}
	})

	t.Run("children larger than one aggregate load whole", func(t *testing.T) {
		// 24 values of 60 KB: 1.4 MB, past MariaDB's default
		// group_concat_max_len, which also bounds JSON_ARRAYAGG.
		img := s.create(t, s.image("large", func(i *domain.Image) {
			for n := range 24 {
				i.Properties = append(i.Properties, domain.Property{Name: fmt.Sprintf("p%02d", n), Value: strings.Repeat(string(rune('a'+n)), 60000)})
			}
			i.Tags = []string{"t"}
			i.Locations = []domain.Location{{URL: "file:///large", Metadata: map[string]any{"store": "file"}}}
		}))
		sameImage(t, img, s.get(t, img.ID))
		if page := s.list(t, domain.ImageQuery{Viewer: admin, Filter: domain.ImageFilter{Tags: []string{"t"}}}); len(page) != 1 {
			t.Fatalf("listed %d images", len(page))
		} else {
			sameImage(t, img, page[0])
		}
	})

	later := base.Add(48 * time.Hour).Add(123456789 * time.Nanosecond)

	t.Run("Update returns what a load reads after it", func(t *testing.T) {
		img := s.create(t, s.image("update", func(i *domain.Image) {
			i.Tags = []string{"a"}
			i.Properties = domain.Properties{{Name: "a", Value: "1"}}
		}))
		got, err := s.repo.Update(s.ctx, img.ID, admin, later, func(i *domain.Image) error {
			i.AddTag("b")
			i.Properties.Set("b", "2")
			i.Locations = append(i.Locations, domain.Location{URL: "file:///u", Metadata: map[string]any{"store": "file"}})
			i.Status = domain.StatusSaving
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sameExactly(t, s.get(t, img.ID), got)
	})

	t.Run("UpdateLoaded writes over a stale image, keeping what others changed", func(t *testing.T) {
		img := s.create(t, s.image("stale", func(i *domain.Image) { i.Tags = []string{"a"} }))
		loaded := s.get(t, img.ID)
		if _, err := s.repo.Update(s.ctx, img.ID, admin, later, func(i *domain.Image) error {
			i.Name = ptr("renamed")
			i.AddTag("other")
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := s.repo.UpdateLoaded(s.ctx, loaded, later, func(i *domain.Image) error {
			i.Size = ptr(int64(10))
			i.Locations = append(i.Locations, domain.Location{URL: "file:///l", Metadata: map[string]any{"store": "file"}})
			i.Status = domain.StatusSaving
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		stored := s.get(t, img.ID)
		if text(stored.Name) != "renamed" || strings.Join(stored.Tags, ",") != "a,other" {
			t.Fatalf("the concurrent change was lost: name %s, tags %q", text(stored.Name), stored.Tags)
		}
		if stored.Status != domain.StatusSaving || stored.Size == nil || *stored.Size != 10 {
			t.Fatalf("stored %s size %v", stored.Status, stored.Size)
		}
		if len(got.Locations) != 1 || got.Locations[0].ID != stored.Locations[0].ID || !got.UpdatedAt.Equal(stored.UpdatedAt) {
			t.Fatalf("returned location %v at %v, stored %v at %v", got.Locations, got.UpdatedAt, stored.Locations, stored.UpdatedAt)
		}
	})

	t.Run("UpdateLoaded conflicts when the status moved and finds no deleted image", func(t *testing.T) {
		img := s.create(t, s.image("moved"))
		loaded := s.get(t, img.ID)
		toSaving := func(i *domain.Image) error { i.Status = domain.StatusSaving; return nil }
		if _, err := s.repo.UpdateLoaded(s.ctx, loaded, later, toSaving); err != nil {
			t.Fatal(err)
		}
		_, err := s.repo.UpdateLoaded(s.ctx, loaded, later, func(i *domain.Image) error {
			i.AddTag("lost")
			return toSaving(i)
		})
		wantKind(t, err, domain.KindConflict, "UpdateLoaded from a moved status")
		if got := s.get(t, img.ID); len(got.Tags) != 0 {
			t.Fatalf("a conflicting write stored tags %q", got.Tags)
		}
		if err := s.repo.Delete(s.ctx, img.ID, domain.StatusSaving, domain.StatusDeleted, later); err != nil {
			t.Fatal(err)
		}
		_, err = s.repo.UpdateLoaded(s.ctx, s.image("gone", func(i *domain.Image) { i.ID = img.ID; i.Status = domain.StatusSaving }), later, toSaving)
		wantKind(t, err, domain.KindNotFound, "UpdateLoaded of a deleted image")
	})
}

// sameExactly fails t unless want and got are equal to the last detail
// a load shows: times to the precision the column keeps, location ids.
func sameExactly(t *testing.T, want, got *domain.Image) {
	t.Helper()
	wj, _ := json.MarshalIndent(want, "", " ")
	gj, _ := json.MarshalIndent(got, "", " ")
	if string(wj) != string(gj) {
		t.Fatalf("image differs:\nloaded   %s\nreturned %s", wj, gj)
	}
}
