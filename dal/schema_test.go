package dal_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
)

// glanceTables are the tables of Glance 2024.1.
var glanceTables = []string{"alembic_version", "cached_images", "image_locations", "image_members",
	"image_properties", "image_tags", "images", "metadef_namespace_resource_types", "metadef_namespaces",
	"metadef_objects", "metadef_properties", "metadef_resource_types", "metadef_tags", "node_reference",
	"task_info", "tasks"}

// newURLs make the [database] connection of a fresh, empty database.
var newURLs = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return daltest.NewSQLiteURL(t) }},
	{"mariadb", func(t *testing.T) string { return daltest.NewMariaDBURL(t) }},
}

func mustVersion(t *testing.T, db *dal.DB, want string) {
	t.Helper()
	got, err := db.Version(context.Background())
	if err != nil || got != want {
		t.Fatalf("Version = %q, %v; want %q", got, err, want)
	}
}

func wantSameSchema(t *testing.T, want, got map[string][]string) {
	t.Helper()
	if diff := daltest.SchemaDiff(want, got); len(diff) > 0 {
		t.Fatalf("schemas differ:\n%s", strings.Join(diff, "\n"))
	}
}

func TestSyncCreatesTheSchema(t *testing.T) {
	for _, u := range newURLs {
		t.Run(u.name, func(t *testing.T) {
			ctx := context.Background()
			b := daltest.Connect(t, u.url(t))
			if _, err := b.DB.Version(ctx); !errors.Is(err, dal.ErrNoSchema) {
				t.Fatalf("Version of an empty database: %v, want ErrNoSchema", err)
			}
			if err := b.DB.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			mustVersion(t, b.DB, dal.Revision)
			first := b.Schema(t)
			var tables []string
			for name := range first {
				tables = append(tables, name)
			}
			slices.Sort(tables)
			if !slices.Equal(tables, glanceTables) {
				t.Fatalf("tables %v, want %v", tables, glanceTables)
			}

			// Idempotent: a second sync changes nothing.
			if err := b.DB.Sync(ctx); err != nil {
				t.Fatalf("second Sync: %v", err)
			}
			wantSameSchema(t, first, b.Schema(t))
			var n int
			if err := b.SQL.QueryRow("SELECT COUNT(*) FROM alembic_version").Scan(&n); err != nil || n != 1 {
				t.Fatalf("%d alembic_version rows, %v; want 1", n, err)
			}
		})
	}
}

// TestSyncUpgradesGlanceDatabases runs the real glance-manage (Zed, whose
// newest revision is wallaby_contract01), serves the database it made,
// then syncs it and compares it with a database Sync made from scratch.
func TestSyncUpgradesGlanceDatabases(t *testing.T) {
	for _, u := range newURLs {
		t.Run(u.name, func(t *testing.T) {
			ctx := context.Background()
			fresh := daltest.Open(t, u.url(t)).Schema(t)

			url := u.url(t)
			daltest.GlanceSync(t, url)
			b := daltest.Connect(t, url)
			mustVersion(t, b.DB, "wallaby_contract01")
			glance := b.Schema(t)
			// Glance's own schema is ours less the 2024.1 cache tables.
			withoutCache := map[string][]string{}
			for name, facts := range fresh {
				if name != "cached_images" && name != "node_reference" {
					withoutCache[name] = facts
				}
			}
			wantSameSchema(t, withoutCache, glance)

			// The repository serves Glance's schema before any sync...
			id := serveSmoke(t, b.DB, "before-sync")
			if err := b.DB.Sync(ctx); err != nil {
				t.Fatalf("Sync of a Glance database: %v", err)
			}
			mustVersion(t, b.DB, dal.Revision)
			wantSameSchema(t, fresh, b.Schema(t))
			// ...keeps its data through the sync, and serves it after.
			if _, err := dal.Images(b.DB).Get(ctx, id, domain.Viewer{Admin: true}); err != nil {
				t.Fatalf("image from before the sync: %v", err)
			}
			serveSmoke(t, b.DB, "after-sync")
			if err := b.DB.Sync(ctx); err != nil {
				t.Fatalf("second Sync: %v", err)
			}
			mustVersion(t, b.DB, dal.Revision)
		})
	}
}

// serveSmoke creates, reads, lists, updates and deletes images through
// the repository, and returns the id of one it left in place.
func serveSmoke(t *testing.T, db *dal.DB, name string) string {
	t.Helper()
	ctx := context.Background()
	repo := dal.Images(db)
	now := time.Now().UTC()
	admin := domain.Viewer{Admin: true}
	var ids []string
	for i := 0; i < 3; i++ {
		img := &domain.Image{ID: daltest.NewID(), Name: &name, Status: domain.StatusQueued, Visibility: domain.VisibilityPublic,
			CreatedAt: now, UpdatedAt: now, Tags: []string{name},
			Properties: domain.Properties{{Name: "os_distro", Value: name}}}
		if err := repo.Create(ctx, img); err != nil {
			t.Fatalf("Create: %v", err)
		}
		ids = append(ids, img.ID)
	}
	got, err := repo.Update(ctx, ids[0], admin, now, func(img *domain.Image) error {
		img.Locations = append(img.Locations, domain.Location{URL: "file:///" + name, Metadata: map[string]any{"store": "file"}})
		img.AddTag("updated")
		return nil
	})
	if err != nil || len(got.Locations) != 1 || len(got.Tags) != 2 {
		t.Fatalf("Update: %+v, %v", got, err)
	}
	if err := repo.Delete(ctx, ids[1], domain.StatusQueued, domain.StatusDeleted, now); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	listed, err := repo.List(ctx, domain.ImageQuery{Viewer: admin, Limit: 10, Filter: domain.ImageFilter{Tags: []string{name}}})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var got2 []string
	for _, img := range listed {
		got2 = append(got2, img.ID)
	}
	slices.Sort(got2)
	want := []string{ids[0], ids[2]}
	slices.Sort(want)
	if !slices.Equal(got2, want) {
		t.Fatalf("listed %v, want %v", got2, want)
	}
	return ids[0]
}

func TestSyncRefusesDatabasesItCannotUpgrade(t *testing.T) {
	for _, u := range newURLs {
		t.Run(u.name, func(t *testing.T) {
			cases := []struct {
				name  string
				setup []string
				want  string
			}{
				{"too old", []string{"CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
					"INSERT INTO alembic_version VALUES ('ocata_contract01')"}, "older than Glance Wallaby"},
				{"unknown revision", []string{"CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
					"INSERT INTO alembic_version VALUES ('2099_1_expand01')"}, "does not know"},
				{"no revision", []string{"CREATE TABLE images (id VARCHAR(36) NOT NULL PRIMARY KEY)"}, "no alembic revision"},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					b := daltest.Connect(t, u.url(t))
					for _, s := range c.setup {
						b.Exec(t, s)
					}
					before := b.Schema(t)
					err := b.DB.Sync(context.Background())
					if err == nil || !strings.Contains(err.Error(), c.want) {
						t.Fatalf("Sync: %v, want an error saying %q", err, c.want)
					}
					wantSameSchema(t, before, b.Schema(t))
				})
			}
		})
	}
}

func TestSyncFinishesOlderRevisions(t *testing.T) {
	for _, u := range newURLs {
		t.Run(u.name, func(t *testing.T) {
			fresh := daltest.Open(t, u.url(t)).Schema(t)
			for _, rev := range []string{"wallaby_contract01", "zed_contract01", "2023_1_contract01", "2024_1_expand01", ""} {
				t.Run("from "+rev, func(t *testing.T) {
					b := daltest.Open(t, u.url(t))
					b.Exec(t, "DROP TABLE cached_images")
					b.Exec(t, "DROP TABLE node_reference")
					b.Exec(t, "DELETE FROM alembic_version")
					if rev != "" {
						b.Exec(t, "INSERT INTO alembic_version VALUES (?)", rev)
						mustVersion(t, b.DB, rev)
					} else if _, err := b.DB.Version(context.Background()); !errors.Is(err, dal.ErrNoSchema) {
						// An empty alembic_version is a first sync cut short.
						t.Fatalf("Version with no revision: %v, want ErrNoSchema", err)
					}
					if err := b.DB.Sync(context.Background()); err != nil {
						t.Fatal(err)
					}
					mustVersion(t, b.DB, dal.Revision)
					wantSameSchema(t, fresh, b.Schema(t))
				})
			}
		})
	}
}
