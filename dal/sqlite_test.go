package dal_test

import (
	"context"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
)

// TestSQLiteStoresWhatSQLAlchemyStores checks the stored text itself:
// Glance parses DATETIME text only in SQLAlchemy's form, and every
// comparison SQLite makes on it is a text comparison.
func TestSQLiteStoresWhatSQLAlchemyStores(t *testing.T) {
	b := daltest.OpenSQLite(t)
	ctx := context.Background()
	repo := dal.Images(b.DB)
	at := time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	img := &domain.Image{ID: "stamps", Status: domain.StatusQueued, Visibility: domain.VisibilityShared,
		CreatedAt: at, UpdatedAt: at, Tags: []string{"t"}, Properties: domain.Properties{{Name: "p", Value: "v"}},
		Locations: []domain.Location{{URL: "file:///x"}}}
	if err := repo.Create(ctx, img); err != nil {
		t.Fatal(err)
	}
	// Concatenation reads the stored text, which the driver would
	// otherwise parse because of the column's declared type.
	var created, kind, deleted, protected string
	if err := b.SQL.QueryRow(`SELECT created_at || '', typeof(created_at), typeof(deleted) || deleted, typeof(protected) || protected FROM images WHERE id = 'stamps'`).
		Scan(&created, &kind, &deleted, &protected); err != nil {
		t.Fatal(err)
	}
	// Naive UTC, exactly six fraction digits, stored as text.
	if created != "2024-05-01 10:00:00.123456" || kind != "text" {
		t.Fatalf("created_at stored as %s %q", kind, created)
	}
	if deleted != "integer0" || protected != "integer0" {
		t.Fatalf("booleans stored as %q and %q, want integer 0", deleted, protected)
	}

	if err := repo.Delete(ctx, "stamps", domain.StatusQueued, domain.StatusDeleted, at.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	const form = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]"
	for _, table := range []string{"images", "image_tags", "image_properties", "image_locations"} {
		for _, col := range []string{"created_at", "updated_at", "deleted_at"} {
			var bad int
			q := "SELECT COUNT(*) FROM " + table + " WHERE " + col + " IS NULL OR " + col + " NOT GLOB '" + form + "'"
			if err := b.SQL.QueryRow(q).Scan(&bad); err != nil {
				t.Fatal(err)
			}
			if bad != 0 {
				t.Errorf("%s.%s: %d values not in SQLAlchemy's form", table, col, bad)
			}
		}
	}
	var deletedAt string
	if err := b.SQL.QueryRow(`SELECT deleted_at || '' FROM images WHERE id = 'stamps'`).Scan(&deletedAt); err != nil {
		t.Fatal(err)
	}
	if deletedAt != "2024-05-01 10:00:01.123456" {
		t.Fatalf("deleted_at %q", deletedAt)
	}
}
