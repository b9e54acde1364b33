package dal_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
)

// benchImages is the page size of the listing benchmark, the largest
// page the API serves.
const benchImages = 1000

// seedImages creates n images of project p1, each with ten properties,
// three tags and a location, plus n/5 private images of another project
// that p1's listing must skip.
func seedImages(tb testing.TB, repo domain.ImageRepo, n int) []string {
	ctx := context.Background()
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i := 0; i < n+n/5; i++ {
		at := start.Add(time.Duration(i) * time.Second)
		img := &domain.Image{ID: daltest.NewID(), Name: ptr(fmt.Sprintf("image-%04d", i)), Status: domain.StatusActive,
			Visibility: domain.VisibilityShared, Owner: ptr("p1"), Size: ptr(int64(i) << 20),
			DiskFormat: ptr("qcow2"), ContainerFormat: ptr("bare"), CreatedAt: at, UpdatedAt: at,
			Tags:      []string{"bench", fmt.Sprintf("group-%d", i%10), fmt.Sprintf("tag-%d", i)},
			Locations: []domain.Location{{URL: fmt.Sprintf("file:///var/lib/glance/images/%d", i), Metadata: map[string]any{"store": "file"}}},
		}
		if i >= n {
			img.Owner, img.Visibility = ptr("p2"), domain.VisibilityPrivate
		}
		for p := 0; p < 10; p++ {
			img.Properties = append(img.Properties, domain.Property{Name: fmt.Sprintf("property_%d", p), Value: fmt.Sprintf("value %d of image %d", p, i)})
		}
		if err := repo.Create(ctx, img); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, img.ID)
	}
	return ids[:n]
}

// BenchmarkImages measures Get, Update, a step of an upload's storage
// reservation and a full page of List on each database.
func BenchmarkImages(b *testing.B) {
	opens := []struct {
		name string
		open func(testing.TB) daltest.Backend
	}{{"sqlite", daltest.OpenSQLite}, {"mariadb", daltest.OpenMariaDB}}
	for _, o := range opens {
		b.Run(o.name, func(b *testing.B) {
			be := o.open(b)
			repo := dal.Images(be.DB)
			ids := seedImages(b, repo, benchImages)
			ctx := context.Background()
			viewer := domain.Viewer{ProjectID: "p1"}
			sort := []domain.SortKey{{Key: "created_at", Desc: true}, {Key: "id", Desc: true}}

			b.Run("Get", func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for i := 0; b.Loop(); i++ {
					img, err := repo.Get(ctx, ids[i%len(ids)], viewer)
					if err != nil || len(img.Properties) != 10 {
						b.Fatalf("Get: %v", err)
					}
				}
			})
			b.Run("Update", func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				admin := domain.Viewer{Admin: true}
				for i := 0; b.Loop(); i++ {
					_, err := repo.Update(ctx, ids[i%len(ids)], admin, time.Now().UTC(), func(img *domain.Image) error {
						img.Name = ptr(fmt.Sprintf("renamed-%d", i))
						return nil
					})
					if err != nil {
						b.Fatalf("Update: %v", err)
					}
				}
			})
			// One step of an upload's storage reservation, for a project
			// that owns a thousand images.
			b.Run("Reserve", func(b *testing.B) {
				saving := &domain.Image{ID: daltest.NewID(), Status: domain.StatusSaving, Visibility: domain.VisibilityShared,
					Owner: ptr("p1"), CreatedAt: time.Now(), UpdatedAt: time.Now()}
				if err := repo.Create(ctx, saving); err != nil {
					b.Fatal(err)
				}
				usage := dal.Usage(be.DB)
				b.ReportAllocs()
				defer reportCPU(b)()
				for i := int64(0); b.Loop(); i++ {
					r, err := usage.Reserve(ctx, saving.ID, "p1", 1, 1+i%2, 1<<62)
					if err != nil || r.Granted != 1+i%2 {
						b.Fatalf("Reserve: %+v, %v", r, err)
					}
				}
			})
			for _, v := range []struct {
				name   string
				viewer domain.Viewer
			}{{"List1000", viewer}, {"List1000Admin", domain.Viewer{Admin: true}}} {
				b.Run(v.name, func(b *testing.B) {
					b.ReportAllocs()
					defer reportCPU(b)()
					for b.Loop() {
						page, err := repo.List(ctx, domain.ImageQuery{Viewer: v.viewer, Sort: sort, Limit: benchImages})
						if err != nil || len(page) != benchImages || len(page[0].Properties) != 10 || len(page[0].Tags) != 3 {
							b.Fatalf("List: %d images, %v", len(page), err)
						}
					}
				})
			}
		})
	}
}

// reportCPU reports the process CPU time per operation (user and
// system, all threads), which unlike wall time does not depend on what
// else the machine runs. Call the returned function when the loop ends.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
