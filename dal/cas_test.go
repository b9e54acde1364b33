package dal_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/domain"
)

// TestUpdateCompareAndSwap moves an image's status between Update's load
// and write, which the row lock prevents from happening for real: the
// write must then match no row, store nothing, and conflict.
func TestUpdateCompareAndSwap(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			b := be.open(t)
			ctx := context.Background()
			repo := dal.Images(b.DB)
			img := &domain.Image{ID: "cas", Status: domain.StatusQueued, Visibility: domain.VisibilityShared,
				Tags: []string{"old"}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := repo.Create(ctx, img); err != nil {
				t.Fatal(err)
			}
			dal.BeforeWrite(repo, "UPDATE images SET status = 'saving' WHERE id = 'cas'")
			_, err := repo.Update(ctx, "cas", domain.Viewer{Admin: true}, time.Now(), func(i *domain.Image) error {
				i.Status = domain.StatusDeleted
				i.Tags = []string{"new"}
				return nil
			})
			if !domain.IsKind(err, domain.KindConflict) {
				t.Fatalf("got %v, want Conflict", err)
			}
			if msg := domain.ErrorMessage(err); msg != "Image status transition from queued to deleted is not allowed" {
				t.Errorf("message %q", msg)
			}
			got, err := dal.Images(b.DB).Get(ctx, "cas", domain.Viewer{Admin: true})
			if err != nil {
				t.Fatal(err)
			}
			// The whole transaction rolled back, the foreign move too.
			if got.Status != domain.StatusQueued || len(got.Tags) != 1 || got.Tags[0] != "old" {
				t.Fatalf("stored %s %v, want the image untouched", got.Status, got.Tags)
			}
		})
	}
}
