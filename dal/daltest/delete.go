package daltest

import (
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

func testDelete(t *testing.T, s *suite) {
	later := base.Add(48 * time.Hour)
	withChildren := func(name string) *domain.Image {
		img := s.create(t, s.image(name, func(i *domain.Image) {
			i.Status, i.Visibility = domain.StatusActive, domain.VisibilityPublic
			i.Tags = []string{"t1", "t2"}
			i.Properties = domain.Properties{{Name: "p", Value: "v"}}
			i.Locations = []domain.Location{{URL: "file:///" + name, Metadata: map[string]any{"store": "file"}}}
		}))
		s.b.AddMember(t, img.ID, "p2", "accepted")
		return img
	}
	// live counts img's rows of table that are not soft-deleted.
	live := func(t *testing.T, table, id string) int {
		return s.count(t, "SELECT COUNT(*) FROM "+table+" WHERE image_id = ? AND deleted = 0", id)
	}

	for _, c := range []struct {
		to             domain.Status
		locationStatus string
	}{{domain.StatusDeleted, "deleted"}, {domain.StatusPendingDelete, "pending_delete"}} {
		t.Run("to "+string(c.to), func(t *testing.T) {
			img := withChildren("del-" + string(c.to))
			if err := s.repo.Delete(s.ctx, img.ID, domain.StatusActive, c.to, later); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			_, err := s.repo.Get(s.ctx, img.ID, admin)
			wantKind(t, err, domain.KindNotFound, "Get after Delete")
			for _, v := range []domain.Viewer{admin, project("p2")} {
				for _, listed := range s.list(t, domain.ImageQuery{Viewer: v, Filter: domain.ImageFilter{Visibility: "all"}}) {
					if listed.ID == img.ID {
						t.Fatal("a deleted image is listed")
					}
				}
			}
			// Rows stay, soft-deleted, as Glance keeps them.
			var status string
			var deleted bool
			if err := s.b.SQL.QueryRow("SELECT status, deleted FROM images WHERE id = ?", img.ID).Scan(&status, &deleted); err != nil {
				t.Fatal(err)
			}
			if status != string(c.to) || !deleted {
				t.Fatalf("image row: status %s deleted %v", status, deleted)
			}
			for _, table := range []string{"image_tags", "image_properties", "image_members", "image_locations"} {
				if n := live(t, table, img.ID); n != 0 {
					t.Errorf("%s: %d rows not soft-deleted", table, n)
				}
				if n := s.count(t, "SELECT COUNT(*) FROM "+table+" WHERE image_id = ? AND deleted_at IS NULL", img.ID); n != 0 {
					t.Errorf("%s: %d deleted rows without deleted_at", table, n)
				}
			}
			if n := s.count(t, "SELECT COUNT(*) FROM image_locations WHERE image_id = ? AND status = ?", img.ID, c.locationStatus); n != 1 {
				t.Errorf("%d locations in status %s, want 1", n, c.locationStatus)
			}
		})
	}

	t.Run("a status that moved conflicts and deletes nothing", func(t *testing.T) {
		img := withChildren("moved")
		err := s.repo.Delete(s.ctx, img.ID, domain.StatusQueued, domain.StatusDeleted, later)
		wantKind(t, err, domain.KindConflict, "Delete expecting the wrong status")
		got := s.get(t, img.ID)
		if got.Status != domain.StatusActive || len(got.Tags) != 2 || len(got.Locations) != 1 {
			t.Fatalf("image changed: %+v", got)
		}
		if n := live(t, "image_members", img.ID); n != 1 {
			t.Fatalf("%d live memberships, want 1", n)
		}
	})

	t.Run("absent or already deleted images are not found", func(t *testing.T) {
		img := withChildren("twice")
		if err := s.repo.Delete(s.ctx, img.ID, domain.StatusActive, domain.StatusDeleted, later); err != nil {
			t.Fatal(err)
		}
		err := s.repo.Delete(s.ctx, img.ID, domain.StatusDeleted, domain.StatusDeleted, later)
		wantKind(t, err, domain.KindNotFound, "second Delete")
		err = s.repo.Delete(s.ctx, NewID(), domain.StatusActive, domain.StatusDeleted, later)
		wantKind(t, err, domain.KindNotFound, "Delete of an unknown id")
	})
}
