package daltest

import (
	"strings"
	"testing"

	"github.com/go-glance/glance/domain"
)

func testGet(t *testing.T, s *suite) {
	t.Run("absent ids are not found", func(t *testing.T) {
		for _, id := range []string{NewID(), "", strings.Repeat("a", 37), "x' OR '1'='1"} {
			_, err := s.repo.Get(s.ctx, id, admin)
			wantKind(t, err, domain.KindNotFound, "Get("+id+")")
			wantMessage(t, err, "No image found with ID "+id)
		}
	})

	t.Run("an id longer than the column is not found", func(t *testing.T) {
		img := s.create(t, s.image("long"))
		_, err := s.repo.Get(s.ctx, img.ID+"-suffix", admin)
		wantKind(t, err, domain.KindNotFound, "Get with a too long id")
	})

	t.Run("deleted images are not found, even by admins", func(t *testing.T) {
		img := s.create(t, s.image("deleted"))
		if err := s.repo.Delete(s.ctx, img.ID, domain.StatusQueued, domain.StatusDeleted, base); err != nil {
			t.Fatal(err)
		}
		_, err := s.repo.Get(s.ctx, img.ID, admin)
		wantKind(t, err, domain.KindNotFound, "Get of a deleted image")
	})

	t.Run("rows Glance wrote are read as Glance reads them", func(t *testing.T) {
		img := s.create(t, s.image("raw", func(i *domain.Image) {
			i.Tags = []string{"kept"}
			i.Properties = domain.Properties{{Name: "kept", Value: "v"}}
		}))
		now := Stamp(base)
		// A NULL property value, soft-deleted children, a location
		// that is pending deletion, one with NULL metadata, and a tag
		// Glance stored twice.
		s.b.Exec(t, `INSERT INTO image_properties (image_id, name, value, created_at, deleted) VALUES (?, 'null', NULL, ?, 0)`, img.ID, now)
		s.b.Exec(t, `INSERT INTO image_properties (image_id, name, value, created_at, deleted, deleted_at) VALUES (?, 'gone', 'x', ?, 1, ?)`, img.ID, now, now)
		s.b.Exec(t, `INSERT INTO image_tags (image_id, value, created_at, deleted, deleted_at) VALUES (?, 'gone', ?, 1, ?)`, img.ID, now, now)
		s.b.Exec(t, `INSERT INTO image_tags (image_id, value, created_at, deleted) VALUES (?, 'kept', ?, 0)`, img.ID, now)
		s.b.Exec(t, `INSERT INTO image_locations (image_id, value, meta_data, status, created_at, deleted) VALUES (?, 'file:///pending', '{}', 'pending_delete', ?, 0)`, img.ID, now)
		s.b.Exec(t, `INSERT INTO image_locations (image_id, value, meta_data, status, created_at, deleted, deleted_at) VALUES (?, 'file:///deleted', '{}', 'deleted', ?, 1, ?)`, img.ID, now, now)
		s.b.Exec(t, `INSERT INTO image_locations (image_id, value, meta_data, status, created_at, deleted) VALUES (?, 'file:///null', NULL, 'active', ?, 0)`, img.ID, now)
		s.b.Exec(t, `INSERT INTO image_locations (image_id, value, meta_data, status, created_at, deleted) VALUES (?, 'file:///py', '{"store": "fast", "size": 12345678901234}', 'active', ?, 0)`, img.ID, now)

		got := s.get(t, img.ID)
		if strings.Join(got.Tags, ",") != "kept" {
			t.Errorf("tags %q, want only kept, once", got.Tags)
		}
		want := domain.Properties{{Name: "kept", Value: "v"}, {Name: "null", Value: ""}}
		if len(got.Properties) != 2 || got.Properties[0] != want[0] || got.Properties[1] != want[1] {
			t.Errorf("properties %v, want %v", got.Properties, want)
		}
		if len(got.Locations) != 2 || got.Locations[0].URL != "file:///null" || got.Locations[1].URL != "file:///py" {
			t.Fatalf("locations %+v, want the two active ones in row order", got.Locations)
		}
		if got.Locations[0].Metadata == nil || len(got.Locations[0].Metadata) != 0 {
			t.Errorf("NULL metadata read as %#v, want an empty map", got.Locations[0].Metadata)
		}
		if got.Locations[1].Store() != "fast" {
			t.Errorf("store %q, want fast", got.Locations[1].Store())
		}
	})
}

// testVisibility checks who may Get which image.
func testVisibility(t *testing.T, s *suite) {
	mk := func(name string, vis domain.Visibility, owner *string) *domain.Image {
		return s.create(t, s.image(name, func(i *domain.Image) { i.Visibility, i.Owner = vis, owner }))
	}
	p1 := ptr("p1")
	images := []*domain.Image{
		mk("public", domain.VisibilityPublic, p1),
		mk("community", domain.VisibilityCommunity, p1),
		mk("private", domain.VisibilityPrivate, p1),
		mk("shared-unshared", domain.VisibilityShared, p1),
		mk("shared-accepted", domain.VisibilityShared, p1),
		mk("shared-pending", domain.VisibilityShared, p1),
		mk("shared-rejected", domain.VisibilityShared, p1),
		mk("shared-revoked", domain.VisibilityShared, p1),
		mk("private-member", domain.VisibilityPrivate, p1),
		mk("ownerless", domain.VisibilityPrivate, nil),
	}
	byName := map[string]*domain.Image{}
	for _, img := range images {
		byName[*img.Name] = img
	}
	s.b.AddMember(t, byName["shared-accepted"].ID, "p2", "accepted")
	s.b.AddMember(t, byName["shared-pending"].ID, "p2", "pending")
	s.b.AddMember(t, byName["shared-rejected"].ID, "p2", "rejected")
	s.b.AddMember(t, byName["shared-revoked"].ID, "p2", "accepted")
	s.b.DeleteMember(t, byName["shared-revoked"].ID, "p2")
	// A membership only counts for shared images.
	s.b.AddMember(t, byName["private-member"].ID, "p2", "accepted")

	all := []string{"public", "community", "private", "shared-unshared", "shared-accepted",
		"shared-pending", "shared-rejected", "shared-revoked", "private-member", "ownerless"}
	cases := []struct {
		name    string
		viewer  domain.Viewer
		visible []string
	}{
		{"admin", admin, all},
		{"admin of a project", domain.Viewer{ProjectID: "p9", Admin: true}, all},
		{"owner", project("p1"), all[:9]},
		{"member, whatever the membership status", project("p2"),
			[]string{"public", "community", "shared-accepted", "shared-pending", "shared-rejected"}},
		{"other project", project("p3"), []string{"public", "community"}},
		{"no project", anon, []string{"public", "community"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, name := range all {
				img := byName[name]
				got, err := s.repo.Get(s.ctx, img.ID, c.viewer)
				want := false
				for _, v := range c.visible {
					want = want || v == name
				}
				switch {
				case want && err != nil:
					t.Errorf("%s: %v, want it visible", name, err)
				case want && got.ID != img.ID:
					t.Errorf("%s: got image %s", name, got.ID)
				case !want && err == nil:
					t.Errorf("%s: visible, want NotFound", name)
				case !want && !domain.IsKind(err, domain.KindNotFound):
					t.Errorf("%s: %v, want NotFound", name, err)
				}
			}
		})
	}
}
