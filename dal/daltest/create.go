package daltest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

func testCreate(t *testing.T, s *suite) {
	t.Run("every attribute round-trips", func(t *testing.T) {
		img := s.image("full", func(img *domain.Image) {
			img.Status = domain.StatusActive
			img.Visibility = domain.VisibilityPublic
			img.Protected, img.Hidden = true, true
			img.Checksum = ptr("0123456789abcdef0123456789abcdef")
			img.HashAlgo, img.HashValue = ptr("sha512"), ptr("feed")
			img.Size, img.VirtualSize = ptr(int64(1)<<40), ptr(int64(3)<<40)
			img.ContainerFormat, img.DiskFormat = ptr("bare"), ptr("qcow2")
			img.MinDisk, img.MinRAM = 20, 2048
			img.CreatedAt = img.CreatedAt.Add(123456789 * time.Nanosecond)
			img.UpdatedAt = img.CreatedAt.Add(time.Hour)
			img.Tags = []string{"zeta", "alpha", "ünïcode"}
			img.Properties = domain.Properties{{Name: "os_distro", Value: "debian"},
				{Name: "empty", Value: ""}, {Name: "hw_disk_bus", Value: "scsi"}}
			img.Locations = []domain.Location{
				{URL: "file:///var/lib/glance/images/a", Metadata: map[string]any{"store": "file", "n": 1}},
				{URL: "rbd://fsid/images/a/snap", Metadata: map[string]any{}},
			}
		})
		s.create(t, img)
		got := s.get(t, img.ID)
		sameImage(t, img, got)
		for _, l := range got.Locations {
			if l.ID == 0 {
				t.Errorf("location %s has no id", l.URL)
			}
		}
		if got.Locations[0].Store() != "file" {
			t.Errorf("store %q, want file", got.Locations[0].Store())
		}
	})

	t.Run("any text round-trips in tags and properties", func(t *testing.T) {
		odd := []string{`"quoted"`, `back\slash`, "tab\tnew\nline\x01", `["looks","like",null]`, `{"json": 1}`,
			"null", "ünïcødé ☃ €", "<&>", "", strings.Repeat("long ", 2000)}
		img := s.image("odd", func(i *domain.Image) {
			for n, v := range odd {
				i.Properties = append(i.Properties, domain.Property{Name: fmt.Sprintf("%s-%d", v[:min(len(v), 20)], n), Value: v})
				if v != "" && len(v) < 255 {
					i.Tags = append(i.Tags, v)
				}
			}
		})
		s.create(t, img)
		sameImage(t, img, s.get(t, img.ID))
		listed := s.list(t, domain.ImageQuery{Viewer: admin, Filter: domain.ImageFilter{Tags: []string{`"quoted"`}}})
		if len(listed) != 1 {
			t.Fatalf("listed %d images by an odd tag", len(listed))
		}
		sameImage(t, img, listed[0])
	})

	t.Run("unset attributes stay null", func(t *testing.T) {
		img := s.image("", func(img *domain.Image) { img.Name, img.Owner = nil, nil })
		s.create(t, img)
		got := s.get(t, img.ID)
		if got.Name != nil || got.Owner != nil || got.Size != nil || got.VirtualSize != nil ||
			got.Checksum != nil || got.DiskFormat != nil || got.ContainerFormat != nil {
			t.Fatalf("null attributes came back set: %+v", got)
		}
		sameImage(t, img, got)
	})

	t.Run("an existing id conflicts", func(t *testing.T) {
		img := s.create(t, s.image("first"))
		again := s.image("second", func(i *domain.Image) { i.ID = img.ID })
		err := s.repo.Create(s.ctx, again)
		wantKind(t, err, domain.KindConflict, "Create with a used id")
		wantMessage(t, err, "Image ID "+img.ID+" already exists!")
		if got := s.get(t, img.ID); text(got.Name) != "first" {
			t.Fatalf("the first image became %q", text(got.Name))
		}
	})

	t.Run("a deleted id is never reused", func(t *testing.T) {
		img := s.create(t, s.image("gone"))
		if err := s.repo.Delete(s.ctx, img.ID, domain.StatusQueued, domain.StatusDeleted, base); err != nil {
			t.Fatal(err)
		}
		err := s.repo.Create(s.ctx, s.image("again", func(i *domain.Image) { i.ID = img.ID }))
		wantKind(t, err, domain.KindConflict, "Create with a deleted id")
	})

	t.Run("a failing create stores nothing", func(t *testing.T) {
		// Two rows for one property name break the unique index after
		// the image row went in: the image must not stay behind.
		img := s.image("half", func(i *domain.Image) {
			i.Tags = []string{"t"}
			i.Properties = domain.Properties{{Name: "dup", Value: "1"}, {Name: "dup", Value: "2"}}
		})
		if err := s.repo.Create(s.ctx, img); err == nil {
			t.Fatal("Create with a repeated property name succeeded")
		}
		_, err := s.repo.Get(s.ctx, img.ID, admin)
		wantKind(t, err, domain.KindNotFound, "Get after a failed Create")
		if n := s.count(t, "SELECT COUNT(*) FROM image_tags WHERE image_id = ?", img.ID); n != 0 {
			t.Fatalf("%d tag rows left behind", n)
		}
	})
}
