package dal_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/domain"
)

// statements records what a database runs.
type statements struct {
	mu  sync.Mutex
	all []string
}

func (s *statements) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.all
	s.all = nil
	return all
}

// imageReads counts the statements that load image id's row.
func imageReads(all []string) int {
	n := 0
	for _, q := range all {
		if strings.Contains(q, "FROM images WHERE images.id") {
			n++
		}
	}
	return n
}

// Loading an image with its tags, properties and locations is one
// statement, hence one round trip, on every database; an update loads
// the image once and does not read back what it wrote.
func TestStatementsPerLoad(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.open(t)
			ctx := context.Background()
			repo := dal.Images(b.DB)
			admin := domain.Viewer{Admin: true}
			now := time.Now()
			img := &domain.Image{ID: "counted", Status: domain.StatusActive, Visibility: domain.VisibilityShared,
				Tags: []string{"a", "b"}, Properties: domain.Properties{{Name: "p", Value: "1"}, {Name: "q", Value: "2"}},
				Locations: []domain.Location{{URL: "file:///x", Metadata: map[string]any{"store": "file"}}},
				CreatedAt: now, UpdatedAt: now}
			if err := repo.Create(ctx, img); err != nil {
				t.Fatal(err)
			}
			rec := &statements{}
			dal.OnStatement(b.DB, func(q string) {
				rec.mu.Lock()
				defer rec.mu.Unlock()
				rec.all = append(rec.all, q)
			})

			got, err := repo.Get(ctx, img.ID, admin)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Tags) != 2 || len(got.Properties) != 2 || len(got.Locations) != 1 {
				t.Fatalf("loaded %v %v %v", got.Tags, got.Properties, got.Locations)
			}
			if all := rec.take(); len(all) != 1 {
				t.Errorf("Get ran %d statements, want 1: %q", len(all), all)
			}

			if _, err := repo.Update(ctx, img.ID, admin, time.Now(), func(i *domain.Image) error {
				i.AddTag("c")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if n := imageReads(rec.take()); n != 1 {
				t.Errorf("Update read the image %d times, want 1", n)
			}

			if _, err := repo.UpdateLoaded(ctx, got, time.Now(), func(i *domain.Image) error {
				return i.MoveTo(domain.StatusDeactivated)
			}); err != nil {
				t.Fatal(err)
			}
			if n := imageReads(rec.take()); n != 0 {
				t.Errorf("UpdateLoaded read the image %d times, want 0", n)
			}
		})
	}
}
