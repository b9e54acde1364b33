package dal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/test/require"
)

// glanceScript drives Glance's own database layer (glance.db.sqlalchemy.
// api) as an admin: "read" prints every live image as JSON, "write"
// creates the image given as JSON on stdin with its tags.
const glanceScript = `
import json, sys
from oslo_config import cfg
from glance import context
from glance.db.sqlalchemy import api

cfg.CONF(['--config-file', sys.argv[1]], project='glance')
ctx = context.RequestContext(is_admin=True)
if sys.argv[2] == 'read':
    out = []
    for img in api.image_get_all(ctx, filters={'deleted': False, 'visibility': 'all'}, return_tag=True):
        out.append({
            'id': img['id'], 'name': img['name'], 'status': img['status'],
            'visibility': img['visibility'], 'protected': img['protected'],
            'os_hidden': img['os_hidden'], 'size': img['size'], 'owner': img['owner'],
            'min_disk': img['min_disk'], 'created_at': img['created_at'].isoformat(),
            'updated_at': img['updated_at'].isoformat(), 'tags': img['tags'],
            'properties': {p.name: p.value for p in img['properties'] if not p.deleted},
            'locations': [{'url': l['url'], 'metadata': l['metadata'], 'status': l['status']}
                          for l in img['locations']],
        })
    json.dump(out, sys.stdout)
else:
    spec = json.load(sys.stdin)
    tags = spec.pop('tags')
    api.image_create(ctx, spec)
    for t in tags:
        api.image_tag_create(ctx, spec['id'], t)
`

// glancePython finds a Python interpreter that can import Glance. Glance
// installs into the system interpreter, which may not be the first
// python3 on PATH.
var glancePython = sync.OnceValue(func() string {
	candidates := []string{"/usr/bin/python3"}
	if p, err := exec.LookPath("python3"); err == nil {
		candidates = append(candidates, p)
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import glance.db.sqlalchemy.api").Run() == nil {
			return p
		}
	}
	return ""
})

// runGlance runs glanceScript against the database at connection,
// skipping t (failing it under CI) when Glance's Python code is not installed.
func runGlance(t *testing.T, connection, mode string, stdin []byte) []byte {
	t.Helper()
	python := glancePython()
	if python == "" {
		require.Missing(t, "Glance's Python package is not installed; install Glance (e.g. python3-glance) to check compatibility")
	}
	cmd := exec.Command(python, "-c", glanceScript, daltest.GlanceConfig(t, connection), mode)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Glance %s: %v\n%s", mode, err, stderr.String())
	}
	return out
}

type glanceImage struct {
	ID         string            `json:"id"`
	Name       *string           `json:"name"`
	Status     string            `json:"status"`
	Visibility string            `json:"visibility"`
	Protected  bool              `json:"protected"`
	Hidden     bool              `json:"os_hidden"`
	Size       *int64            `json:"size"`
	Owner      *string           `json:"owner"`
	MinDisk    int               `json:"min_disk"`
	CreatedAt  string            `json:"created_at"`
	UpdatedAt  string            `json:"updated_at"`
	Tags       []string          `json:"tags"`
	Properties map[string]string `json:"properties"`
	Locations  []struct {
		URL      string         `json:"url"`
		Metadata map[string]any `json:"metadata"`
		Status   string         `json:"status"`
	} `json:"locations"`
}

// TestGlanceServesOurRows writes images through the repository and reads
// them with Glance's own code, then the other way round: timestamps,
// booleans, JSON metadata and soft deletes must mean the same to both.
func TestGlanceServesOurRows(t *testing.T) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			ctx := context.Background()
			b := be.open(t)
			repo := dal.Images(b.DB)
			admin := domain.Viewer{Admin: true}
			created := time.Date(2024, 2, 29, 23, 59, 58, 0, time.UTC)
			ours := &domain.Image{ID: daltest.NewID(), Name: ptr("ours"), Status: domain.StatusQueued,
				Visibility: domain.VisibilityCommunity, Protected: true, Owner: ptr("p1"), MinDisk: 3,
				CreatedAt: created, UpdatedAt: created, Tags: []string{"a", "b"},
				Properties: domain.Properties{{Name: "os_distro", Value: "debian"}, {Name: "gone", Value: "x"}}}
			if err := repo.Create(ctx, ours); err != nil {
				t.Fatal(err)
			}
			updated := created.Add(time.Minute)
			if _, err := repo.Update(ctx, ours.ID, admin, updated, func(img *domain.Image) error {
				img.Properties.Delete("gone")
				img.RemoveTag("a")
				img.Size = ptr(int64(42))
				img.Locations = []domain.Location{{URL: "file:///x", Metadata: map[string]any{"store": "file"}}}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			deleted := &domain.Image{ID: daltest.NewID(), Status: domain.StatusActive, Visibility: domain.VisibilityPublic,
				CreatedAt: created, UpdatedAt: created}
			if err := repo.Create(ctx, deleted); err != nil {
				t.Fatal(err)
			}
			if err := repo.Delete(ctx, deleted.ID, domain.StatusActive, domain.StatusDeleted, updated); err != nil {
				t.Fatal(err)
			}

			var read []glanceImage
			if err := json.Unmarshal(runGlance(t, b.URL, "read", nil), &read); err != nil {
				t.Fatal(err)
			}
			if len(read) != 1 || read[0].ID != ours.ID {
				t.Fatalf("Glance sees %+v, want only image %s", read, ours.ID)
			}
			g := read[0]
			if *g.Name != "ours" || g.Status != "queued" || g.Visibility != "community" || !g.Protected ||
				g.Hidden || *g.Size != 42 || *g.Owner != "p1" || g.MinDisk != 3 {
				t.Errorf("Glance reads %+v", g)
			}
			if g.CreatedAt != "2024-02-29T23:59:58" || g.UpdatedAt != "2024-03-01T00:00:58" {
				t.Errorf("Glance reads created_at %s updated_at %s", g.CreatedAt, g.UpdatedAt)
			}
			if !slices.Equal(g.Tags, []string{"b"}) || len(g.Properties) != 1 || g.Properties["os_distro"] != "debian" {
				t.Errorf("Glance reads tags %v properties %v", g.Tags, g.Properties)
			}
			if len(g.Locations) != 1 || g.Locations[0].URL != "file:///x" || g.Locations[0].Metadata["store"] != "file" ||
				g.Locations[0].Status != "active" {
				t.Errorf("Glance reads locations %+v", g.Locations)
			}

			// And what Glance writes, the repository reads.
			theirs := map[string]any{
				"id": daltest.NewID(), "name": "theirs", "status": "active", "visibility": "public",
				"owner": "p2", "size": 7, "disk_format": "raw", "container_format": "bare",
				"min_disk": 0, "min_ram": 0, "protected": false, "os_hidden": false,
				"properties": map[string]string{"hw_disk_bus": "scsi"}, "tags": []string{"t1", "t2"},
				"locations": []map[string]any{{"url": "file:///theirs", "metadata": map[string]any{"store": "file", "n": 1}, "status": "active"}},
			}
			spec, _ := json.Marshal(theirs)
			runGlance(t, b.URL, "write", spec)
			got, err := repo.Get(ctx, theirs["id"].(string), domain.Viewer{ProjectID: "p3"})
			if err != nil {
				t.Fatalf("Get of Glance's image: %v", err)
			}
			if *got.Name != "theirs" || got.Status != domain.StatusActive || *got.Size != 7 || *got.DiskFormat != "raw" ||
				!slices.Equal(got.Tags, []string{"t1", "t2"}) || len(got.Properties) != 1 ||
				len(got.Locations) != 1 || got.Locations[0].Store() != "file" {
				t.Fatalf("read Glance's image as %+v", got)
			}
			if time.Since(got.CreatedAt) > time.Hour || got.CreatedAt.Location() != time.UTC {
				t.Errorf("created_at %v, want Glance's naive UTC now", got.CreatedAt)
			}
			listed, err := repo.List(ctx, domain.ImageQuery{Viewer: admin, Limit: 10, Sort: []domain.SortKey{{Key: "created_at"}},
				After: ours})
			if err != nil || len(listed) != 1 || listed[0].ID != got.ID {
				t.Fatalf("paging past our image to Glance's: %v, %v", listed, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
