package daltest

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

func testUpdate(t *testing.T, s *suite) {
	later := base.Add(24 * time.Hour)
	update := func(t *testing.T, id string, v domain.Viewer, change func(*domain.Image) error) *domain.Image {
		t.Helper()
		img, err := s.repo.Update(s.ctx, id, v, later, change)
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		return img
	}

	t.Run("attributes", func(t *testing.T) {
		img := s.create(t, s.image("before", func(i *domain.Image) { i.DiskFormat = ptr("raw") }))
		got := update(t, img.ID, admin, func(i *domain.Image) error {
			i.Name, i.MinDisk, i.MinRAM = ptr("after"), 5, 512
			i.Visibility, i.Protected, i.Hidden = domain.VisibilityPublic, true, true
			i.Owner, i.DiskFormat, i.ContainerFormat = ptr("p9"), nil, ptr("ovf")
			i.Size, i.VirtualSize = ptr(int64(7)), ptr(int64(8))
			i.Checksum, i.HashAlgo, i.HashValue = ptr("c"), ptr("sha512"), ptr("h")
			i.Status = domain.StatusSaving
			return nil
		})
		want := img.Clone()
		want.Name, want.MinDisk, want.MinRAM = ptr("after"), 5, 512
		want.Visibility, want.Protected, want.Hidden = domain.VisibilityPublic, true, true
		want.Owner, want.DiskFormat, want.ContainerFormat = ptr("p9"), nil, ptr("ovf")
		want.Size, want.VirtualSize = ptr(int64(7)), ptr(int64(8))
		want.Checksum, want.HashAlgo, want.HashValue = ptr("c"), ptr("sha512"), ptr("h")
		want.Status, want.UpdatedAt = domain.StatusSaving, later
		sameImage(t, want, got)
		sameImage(t, want, s.get(t, img.ID))
	})

	t.Run("updated_at moves even when nothing else does", func(t *testing.T) {
		img := s.create(t, s.image("idle"))
		got := update(t, img.ID, admin, func(*domain.Image) error { return nil })
		if !got.UpdatedAt.Truncate(time.Second).Equal(later) || !got.CreatedAt.Equal(img.CreatedAt.Truncate(time.Second)) {
			t.Fatalf("created %v updated %v, want %v and %v", got.CreatedAt, got.UpdatedAt, img.CreatedAt, later)
		}
	})

	t.Run("tags", func(t *testing.T) {
		img := s.create(t, s.image("tags", func(i *domain.Image) { i.Tags = []string{"keep", "drop"} }))
		got := update(t, img.ID, admin, func(i *domain.Image) error {
			i.RemoveTag("drop")
			i.AddTag("new")
			return nil
		})
		if !slices.Equal(got.Tags, []string{"keep", "new"}) {
			t.Fatalf("tags %q, want [keep new]", got.Tags)
		}
		if n := len(s.list(t, domain.ImageQuery{Viewer: admin, Filter: domain.ImageFilter{Tags: []string{"drop"}}})); n != 0 {
			t.Fatalf("a removed tag still lists %d images", n)
		}
		// A removed tag can come back.
		got = update(t, img.ID, admin, func(i *domain.Image) error { i.AddTag("drop"); return nil })
		if !slices.Equal(got.Tags, []string{"keep", "new", "drop"}) {
			t.Fatalf("tags %q, want [keep new drop]", got.Tags)
		}
		if n := s.count(t, "SELECT COUNT(*) FROM image_tags WHERE image_id = ? AND value = 'drop' AND deleted = 1 AND deleted_at IS NOT NULL", img.ID); n != 1 {
			t.Fatalf("%d soft-deleted rows of the removed tag, want 1", n)
		}
	})

	t.Run("properties", func(t *testing.T) {
		img := s.create(t, s.image("props", func(i *domain.Image) {
			i.Properties = domain.Properties{{Name: "a", Value: "1"}, {Name: "b", Value: "2"}, {Name: "c", Value: "3"}}
		}))
		got := update(t, img.ID, admin, func(i *domain.Image) error {
			i.Properties.Set("a", "one")
			i.Properties.Delete("b")
			i.Properties.Set("d", "4")
			return nil
		})
		want := domain.Properties{{Name: "a", Value: "one"}, {Name: "c", Value: "3"}, {Name: "d", Value: "4"}}
		if !slices.Equal(got.Properties, want) {
			t.Fatalf("properties %v, want %v", got.Properties, want)
		}
		if n := len(s.list(t, domain.ImageQuery{Viewer: admin, Filter: domain.ImageFilter{Conditions: []domain.Condition{
			{Field: "b", Property: true, Op: domain.OpEq, Values: []any{"2"}}}}})); n != 0 {
			t.Fatalf("a removed property still lists %d images", n)
		}

		// b's row is soft-deleted and the unique index on (image_id,
		// name) spans it: adding b again must revive that row.
		got = update(t, img.ID, admin, func(i *domain.Image) error { i.Properties.Set("b", "again"); return nil })
		if v, ok := got.Properties.Get("b"); !ok || v != "again" {
			t.Fatalf("b = %q, %v after adding it back", v, ok)
		}
		if n := s.count(t, "SELECT COUNT(*) FROM image_properties WHERE image_id = ? AND name = 'b'", img.ID); n != 1 {
			t.Fatalf("%d rows for b, want its one row revived", n)
		}
		// And removed again, and back once more.
		update(t, img.ID, admin, func(i *domain.Image) error { i.Properties.Delete("b"); return nil })
		got = update(t, img.ID, admin, func(i *domain.Image) error { i.Properties.Set("b", "third"); return nil })
		if v, _ := got.Properties.Get("b"); v != "third" {
			t.Fatalf("b = %q, want third", v)
		}
	})

	t.Run("locations", func(t *testing.T) {
		img := s.create(t, s.image("locs"))
		got := update(t, img.ID, admin, func(i *domain.Image) error {
			i.Locations = append(i.Locations,
				domain.Location{URL: "file:///a", Metadata: map[string]any{"store": "file"}},
				domain.Location{URL: "file:///b", Metadata: map[string]any{"store": "other"}})
			return nil
		})
		if len(got.Locations) != 2 || got.Locations[0].ID == 0 || got.Locations[0].Store() != "file" || got.Locations[1].URL != "file:///b" {
			t.Fatalf("locations %+v", got.Locations)
		}
		first, second := got.Locations[0], got.Locations[1]

		got = update(t, img.ID, admin, func(i *domain.Image) error {
			i.Locations[1].Metadata["store"] = "moved"
			i.Locations = i.Locations[1:]
			return nil
		})
		if len(got.Locations) != 1 || got.Locations[0].ID != second.ID || got.Locations[0].Store() != "moved" {
			t.Fatalf("locations %+v, want only the second, with new metadata", got.Locations)
		}
		var status string
		var deleted bool
		if err := s.b.SQL.QueryRow("SELECT status, deleted FROM image_locations WHERE id = ?", first.ID).Scan(&status, &deleted); err != nil {
			t.Fatal(err)
		}
		if status != "deleted" || !deleted {
			t.Fatalf("removed location is %s, deleted=%v; want deleted, true", status, deleted)
		}
	})

	t.Run("locations inserted first and replaced", func(t *testing.T) {
		img := s.create(t, s.image("relocated", func(i *domain.Image) {
			i.Locations = []domain.Location{{URL: "file:///old", Metadata: map[string]any{"store": "file"}}}
		}))
		meta := map[string]any{"store": "web", "nested": map[string]any{"n": json.Number("12345678901234567890")}}
		got := update(t, img.ID, admin, func(i *domain.Image) error {
			i.Locations = append([]domain.Location{{URL: "http://example.com/x", Metadata: meta}}, i.Locations...)
			return nil
		})
		// The answer keeps the order the change gave; a load gives the
		// rows' order, as Glance's database does.
		if len(got.Locations) != 2 || got.Locations[0].URL != "http://example.com/x" || got.Locations[0].ID <= got.Locations[1].ID {
			t.Fatalf("locations %+v", got.Locations)
		}
		loaded, err := s.repo.Get(s.ctx, img.ID, admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(loaded.Locations) != 2 || loaded.Locations[1].URL != "http://example.com/x" ||
			loaded.Locations[1].Metadata["nested"].(map[string]any)["n"] != json.Number("12345678901234567890") {
			t.Fatalf("loaded locations %+v", loaded.Locations)
		}
		// Replacing gives new rows; the old ones are marked deleted.
		update(t, img.ID, admin, func(i *domain.Image) error {
			i.Locations = []domain.Location{{URL: "http://example.com/y", Metadata: map[string]any{}}}
			return nil
		})
		if n := s.count(t, "SELECT COUNT(*) FROM image_locations WHERE image_id = ? AND status = 'active' AND deleted = 0", img.ID); n != 1 {
			t.Fatalf("%d active locations, want 1", n)
		}
		if n := s.count(t, "SELECT COUNT(*) FROM image_locations WHERE image_id = ? AND status = 'deleted' AND deleted = 1", img.ID); n != 2 {
			t.Fatalf("%d deleted locations, want 2", n)
		}
	})

	t.Run("a failing change stores nothing and returns its error", func(t *testing.T) {
		img := s.create(t, s.image("fail", func(i *domain.Image) { i.Tags = []string{"t"} }))
		boom := domain.Errorf(domain.KindForbidden, "no")
		_, err := s.repo.Update(s.ctx, img.ID, admin, later, func(i *domain.Image) error {
			i.Name = ptr("changed")
			i.Tags = nil
			i.Properties.Set("p", "v")
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want the change's error", err)
		}
		sameImage(t, img, s.get(t, img.ID))
	})

	t.Run("a change that breaks the state machine conflicts", func(t *testing.T) {
		img := s.create(t, s.image("sm"))
		_, err := s.repo.Update(s.ctx, img.ID, admin, later, func(i *domain.Image) error {
			return i.MoveTo(domain.StatusDeactivated)
		})
		wantKind(t, err, domain.KindConflict, "queued to deactivated")
	})

	t.Run("invisible, absent and deleted images are not found", func(t *testing.T) {
		private := s.create(t, s.image("private", func(i *domain.Image) { i.Visibility = domain.VisibilityPrivate }))
		gone := s.create(t, s.image("gone"))
		if err := s.repo.Delete(s.ctx, gone.ID, domain.StatusQueued, domain.StatusDeleted, later); err != nil {
			t.Fatal(err)
		}
		called := false
		change := func(*domain.Image) error { called = true; return nil }
		for _, c := range []struct {
			id string
			v  domain.Viewer
		}{{private.ID, project("p2")}, {NewID(), admin}, {gone.ID, admin}} {
			_, err := s.repo.Update(s.ctx, c.id, c.v, later, change)
			wantKind(t, err, domain.KindNotFound, "Update")
		}
		if called {
			t.Fatal("change ran on an image that is not there")
		}
	})

	t.Run("the change works on a copy", func(t *testing.T) {
		img := s.create(t, s.image("copy", func(i *domain.Image) { i.Tags = []string{"t"} }))
		var seen *domain.Image
		got := update(t, img.ID, project("p1"), func(i *domain.Image) error {
			seen = i
			i.Tags[0] = "u"
			return nil
		})
		if seen == got {
			t.Fatal("Update returned the image the change held")
		}
		if !slices.Equal(got.Tags, []string{"u"}) {
			t.Fatalf("tags %q", got.Tags)
		}
	})
}
