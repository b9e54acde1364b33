package daltest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

func testConcurrency(t *testing.T, s *suite) {
	t.Run("one of many uploads wins", func(t *testing.T) {
		// As Upload does: only a queued image may start saving.
		img := s.create(t, s.image("race", func(i *domain.Image) {
			i.DiskFormat, i.ContainerFormat = ptr("raw"), ptr("bare")
		}))
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := 0; g < n; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[g] = s.repo.Update(s.ctx, img.ID, admin, time.Now(), func(i *domain.Image) error {
					if i.Status != domain.StatusQueued {
						return domain.Errorf(domain.KindConflict, "Image status transition from %s to saving is not allowed", i.Status)
					}
					return i.MoveTo(domain.StatusSaving)
				})
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !domain.IsKind(err, domain.KindConflict):
				t.Errorf("loser got %v, want Conflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d updates won, want exactly 1", won)
		}
		if got := s.get(t, img.ID); got.Status != domain.StatusSaving {
			t.Fatalf("status %s, want saving", got.Status)
		}
	})

	t.Run("concurrent property updates lose nothing", func(t *testing.T) {
		img := s.create(t, s.image("props"))
		const workers, rounds = 32, 5
		var wg sync.WaitGroup
		errs := make(chan error, workers*rounds)
		for g := 0; g < workers; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := 0; r < rounds; r++ {
					_, err := s.repo.Update(s.ctx, img.ID, project("p1"), time.Now(), func(i *domain.Image) error {
						i.Properties.Set(fmt.Sprintf("w%02d", g), fmt.Sprint(r))
						i.AddTag(fmt.Sprintf("t%02d", g))
						return nil
					})
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Update: %v", err)
		}
		got := s.get(t, img.ID)
		if len(got.Properties) != workers || len(got.Tags) != workers {
			t.Fatalf("%d properties and %d tags, want %d of each", len(got.Properties), len(got.Tags), workers)
		}
		for g := 0; g < workers; g++ {
			if v, _ := got.Properties.Get(fmt.Sprintf("w%02d", g)); v != fmt.Sprint(rounds-1) {
				t.Errorf("w%02d = %q, want the last round's value", g, v)
			}
		}
	})

	t.Run("one of many creates of an id wins", func(t *testing.T) {
		id := NewID()
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for g := 0; g < n; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[g] = s.repo.Create(s.ctx, s.imageWithID(id, fmt.Sprint(g)))
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !domain.IsKind(err, domain.KindConflict):
				t.Errorf("loser got %v, want Conflict", err)
			}
		}
		if won != 1 {
			t.Fatalf("%d creates won, want exactly 1", won)
		}
	})

	t.Run("reads run beside writes", func(t *testing.T) {
		img := s.create(t, s.image("busy"))
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 4; g++ {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for r := 0; r < 10; r++ {
					if _, err := s.repo.Update(s.ctx, img.ID, admin, time.Now(), func(i *domain.Image) error {
						i.MinRAM++
						return nil
					}); err != nil {
						errs <- err
					}
				}
			}()
			go func() {
				defer wg.Done()
				for r := 0; r < 10; r++ {
					if _, err := s.repo.Get(s.ctx, img.ID, admin); err != nil {
						errs <- err
					}
					if _, err := s.repo.List(s.ctx, domain.ImageQuery{Viewer: admin, Limit: 10}); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("%v", err)
		}
		if got := s.get(t, img.ID); got.MinRAM != 40 {
			t.Fatalf("min_ram %d after 40 increments", got.MinRAM)
		}
	})
}

// imageWithID is a fixture with a given id; safe for concurrent use.
func (s *suite) imageWithID(id, name string) *domain.Image {
	return &domain.Image{ID: id, Name: ptr(name), Status: domain.StatusQueued,
		Visibility: domain.VisibilityShared, Owner: ptr("p1"), CreatedAt: base, UpdatedAt: base}
}
