package daltest

import (
	"slices"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

// testPendingDeletes: the data a delete could not remove stays recorded
// as a pending_delete location of the deleted image until marked gone;
// images delayed_delete left pending_delete are not listed.
func testPendingDeletes(t *testing.T, s *suite) {
	pd, ok := s.repo.(domain.PendingDeletes)
	if !ok {
		t.Fatal("the image repository does not record pending deletes")
	}
	later := base.Add(48 * time.Hour)
	deleted := func(name string, to domain.Status) *domain.Image {
		img := s.create(t, s.image(name, func(i *domain.Image) {
			i.Status = domain.StatusActive
			i.Locations = []domain.Location{
				{URL: "s3://k:s@host/bucket/" + name, Metadata: map[string]any{"store": "objects"}},
				{URL: "file:///" + name, Metadata: map[string]any{}},
			}
		}))
		if err := s.repo.Delete(s.ctx, img.ID, domain.StatusActive, to, later); err != nil {
			t.Fatal(err)
		}
		return img
	}
	a := deleted("pending-a", domain.StatusDeleted)
	delayed := deleted("pending-delayed", domain.StatusPendingDelete)
	var aIDs, delayedIDs []int64
	for _, img := range []struct {
		id  string
		ids *[]int64
	}{{a.ID, &aIDs}, {delayed.ID, &delayedIDs}} {
		rows, err := s.b.SQL.Query("SELECT id FROM image_locations WHERE image_id = ? ORDER BY id", img.id)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			*img.ids = append(*img.ids, id)
		}
		rows.Close()
	}
	if got, err := pd.PendingDeletes(s.ctx, 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("PendingDeletes before any is recorded: %v, %v; want none (delayed deletes are the scrubber's)", got, err)
	}
	if err := pd.MarkPendingDelete(s.ctx, append(aIDs, delayedIDs...)); err != nil {
		t.Fatal(err)
	}
	got, err := pd.PendingDeletes(s.ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, l := range got {
		ids = append(ids, l.ID)
	}
	if !slices.Equal(ids, aIDs) || got[0].URL != "s3://k:s@host/bucket/pending-a" || got[0].Store() != "objects" {
		t.Fatalf("PendingDeletes = %+v, want the locations %v of the deleted image", got, aIDs)
	}
	if page, _ := pd.PendingDeletes(s.ctx, aIDs[0], 10); len(page) != 1 || page[0].ID != aIDs[1] {
		t.Errorf("PendingDeletes after %d = %+v", aIDs[0], page)
	}
	if err := pd.MarkDataDeleted(s.ctx, aIDs[:1]); err != nil {
		t.Fatal(err)
	}
	if got, _ := pd.PendingDeletes(s.ctx, 0, 10); len(got) != 1 || got[0].ID != aIDs[1] {
		t.Errorf("after MarkDataDeleted: %+v, want only location %d", got, aIDs[1])
	}
	if n := s.count(t, "SELECT COUNT(*) FROM image_locations WHERE image_id = ? AND status = 'deleted' AND deleted = 1", a.ID); n != 1 {
		t.Errorf("%d locations of %s deleted, want 1", n, a.ID)
	}
	if _, err := s.repo.Get(s.ctx, a.ID, admin); !domain.IsKind(err, domain.KindNotFound) {
		t.Errorf("the deleted image is back: %v", err)
	}
}
