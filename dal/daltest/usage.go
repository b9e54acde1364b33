package daltest

import (
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/domain"
)

func testUsage(t *testing.T, s *suite) {
	usage := dal.Usage(s.b.DB)
	located := func(size int64, urls ...string) func(*domain.Image) {
		return func(i *domain.Image) {
			i.Status, i.Size = domain.StatusActive, ptr(size)
			for _, u := range urls {
				i.Locations = append(i.Locations, domain.Location{URL: u, Metadata: map[string]any{}})
			}
		}
	}
	status := func(st domain.Status, size int64) func(*domain.Image) {
		return func(i *domain.Image) { i.Status, i.Size = st, ptr(size) }
	}

	t.Run("counts as Glance does", func(t *testing.T) {
		s.create(t, s.image("one location", located(100, "file:///a")))
		twice := s.create(t, s.image("two locations", located(50, "file:///b", "file:///c", "file:///d")))
		s.create(t, s.image("killed", status(domain.StatusKilled, 1000)))
		s.create(t, s.image("queued"))
		s.create(t, s.image("empty", located(0, "file:///e")))
		// An upload in progress counts what it reserved.
		s.create(t, s.image("saving", status(domain.StatusSaving, 30)))
		s.create(t, s.image("staged", status(domain.StatusUploading, 20)))
		s.create(t, s.image("copying", located(10, "file:///f"), func(i *domain.Image) {
			i.Properties = domain.Properties{{Name: "os_glance_importing_to_stores", Value: "fast"}}
		}))
		s.create(t, s.image("not copying", located(1, "file:///g"), func(i *domain.Image) {
			i.Properties = domain.Properties{{Name: "os_glance_importing_to_stores", Value: ""}}
		}))
		gone := s.create(t, s.image("deleted", located(1000, "file:///h")))
		pending := s.create(t, s.image("pending delete", located(40, "file:///i")))
		s.create(t, s.image("other project", located(1000, "file:///j"), func(i *domain.Image) { i.Owner = ptr("p2") }))
		s.create(t, s.image("no owner", located(7, "file:///k"), func(i *domain.Image) { i.Owner = nil }))
		// One of the three locations is deleted, as removing it marks it.
		if _, err := s.b.SQL.Exec("UPDATE image_locations SET status = 'deleted', deleted = 1 WHERE image_id = ? AND value = ?",
			twice.ID, "file:///d"); err != nil {
			t.Fatal(err)
		}
		for _, d := range []struct {
			img *domain.Image
			to  domain.Status
		}{{gone, domain.StatusDeleted}, {pending, domain.StatusPendingDelete}} {
			if err := s.repo.Delete(s.ctx, d.img.ID, domain.StatusActive, d.to, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		got, err := usage.Usage(s.ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		// Glance's sum keeps a pending_delete image: its data is still
		// stored.
		want := domain.Usage{
			Storage:   100 + 2*50 + 30 + 10 + 1 + 40,
			Staging:   20 + 10,
			Images:    9, // all but killed and deleted
			Uploading: 3, // saving, uploading, copying
		}
		if got != want {
			t.Errorf("Usage(p1) = %+v, want %+v", got, want)
		}
		if got, err := usage.Usage(s.ctx, ""); err != nil || got != (domain.Usage{Storage: 7, Images: 1}) {
			t.Errorf("Usage of images without owner = %+v, %v", got, err)
		}
		if got, err := usage.Usage(s.ctx, "nobody"); err != nil || got != (domain.Usage{}) {
			t.Errorf("Usage(nobody) = %+v, %v", got, err)
		}
	})

	t.Run("reserve", func(t *testing.T) {
		s.create(t, s.image("stored", located(600, "file:///r"), func(i *domain.Image) { i.Owner = ptr("p3") }))
		up := s.create(t, s.image("upload", status(domain.StatusSaving, 0), func(i *domain.Image) {
			i.Owner, i.Size = ptr("p3"), nil
		}))
		steps := []struct {
			need, want, granted int64
		}{
			{100, 200, 200}, // room enough
			{300, 500, 400}, // capped at the room, 1000 - 600
			{401, 500, 0},   // refused: what it holds stays
			{50, 50, 50},    // shrinks when asked
		}
		held := int64(0)
		for _, st := range steps {
			r, err := usage.Reserve(s.ctx, up.ID, "p3", st.need, st.want, 1000)
			if err != nil {
				t.Fatal(err)
			}
			// The image's own reservation is not its own obstacle.
			if r.Granted != st.granted || r.Used != 600 {
				t.Errorf("Reserve(need %d, want %d) = %+v, want granted %d, used 600", st.need, st.want, r, st.granted)
			}
			if r.Granted > 0 {
				held = r.Granted
			}
			if got := s.get(t, up.ID); got.Size == nil || *got.Size != held {
				t.Errorf("size %v after reserving, want %d", got.Size, held)
			}
		}
		if u, err := usage.Usage(s.ctx, "p3"); err != nil || u.Storage != 650 {
			t.Errorf("Usage(p3) = %+v, %v; want storage 650", u, err)
		}
		queued := s.create(t, s.image("queued", func(i *domain.Image) { i.Owner = ptr("p3") }))
		_, err := usage.Reserve(s.ctx, queued.ID, "p3", 1, 1, 1000)
		wantKind(t, err, domain.KindConflict, "Reserve for a queued image")
		_, err = usage.Reserve(s.ctx, NewID(), "p3", 1, 1, 1000)
		wantKind(t, err, domain.KindNotFound, "Reserve for an unknown image")
	})

	t.Run("concurrent reservations keep the limit", func(t *testing.T) {
		const n, each, limit = 16, 10, 55
		ids := make([]string, n)
		for i := range ids {
			ids[i] = s.create(t, s.image("racing", func(i *domain.Image) {
				i.Status, i.Owner = domain.StatusSaving, ptr("p4")
			})).ID
		}
		granted := make([]int64, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				// Two steps each, as an upload of unknown size takes them.
				for step := int64(1); step <= 2; step++ {
					r, err := usage.Reserve(s.ctx, ids[i], "p4", step*each/2, step*each/2, limit)
					if err != nil || r.Granted == 0 {
						errs[i] = err
						return
					}
					granted[i] = r.Granted
				}
			})
		}
		close(start)
		wg.Wait()
		var sum int64
		for i := range n {
			if errs[i] != nil {
				t.Errorf("reservation %d: %v", i, errs[i])
			}
			sum += granted[i]
		}
		if sum > limit || sum < limit-each {
			t.Errorf("reservations hold %d in all under a limit of %d: %v", sum, limit, granted)
		}
		if u, err := usage.Usage(s.ctx, "p4"); err != nil || u.Storage != sum {
			t.Errorf("Usage(p4) = %+v, %v; want storage %d", u, err, sum)
		}
	})
}
