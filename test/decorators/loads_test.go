package decorators

import (
	"bytes"
	"context"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/notifier"
	"github.com/go-glance/glance/policy"
)

// countingRepo counts the image loads a request costs: Get loads, and
// Update loads once (under its row lock) before it writes. It names
// every method so that a new one cannot slip past uncounted.
type countingRepo struct {
	repo          domain.ImageRepo
	loads, writes atomic.Int64
}

var _ domain.ImageRepo = (*countingRepo)(nil)

func (r *countingRepo) Create(ctx context.Context, img *domain.Image) error {
	r.writes.Add(1)
	return r.repo.Create(ctx, img)
}

func (r *countingRepo) Get(ctx context.Context, id string, v domain.Viewer) (*domain.Image, error) {
	r.loads.Add(1)
	return r.repo.Get(ctx, id, v)
}

func (r *countingRepo) List(ctx context.Context, q domain.ImageQuery) ([]*domain.Image, error) {
	return r.repo.List(ctx, q)
}

func (r *countingRepo) Update(ctx context.Context, id string, v domain.Viewer, now time.Time, change func(*domain.Image) error) (*domain.Image, error) {
	r.loads.Add(1)
	r.writes.Add(1)
	return r.repo.Update(ctx, id, v, now, change)
}

// UpdateLoaded writes over an image loaded before: no load.
func (r *countingRepo) UpdateLoaded(ctx context.Context, loaded *domain.Image, now time.Time, change func(*domain.Image) error) (*domain.Image, error) {
	r.writes.Add(1)
	return r.repo.UpdateLoaded(ctx, loaded, now, change)
}

func (r *countingRepo) Delete(ctx context.Context, id string, expected, status domain.Status, now time.Time) error {
	r.writes.Add(1)
	return r.repo.Delete(ctx, id, expected, status, now)
}

// take returns the loads and writes counted since the last take.
func (r *countingRepo) take() (loads, writes int64) {
	return r.loads.Swap(0), r.writes.Swap(0)
}

// newCountedChain is the image service as glance-api wires it (service,
// notifier with a listening sink, policy) over a counted SQLite
// repository and a filesystem store.
func newCountedChain(t *testing.T) (domain.ImageService, *countingRepo, *recorder) {
	t.Helper()
	var repo *countingRepo
	svc := newServiceOver(t, 1<<20, func(r domain.ImageRepo) domain.ImageRepo {
		repo = &countingRepo{repo: r}
		return repo
	})
	rec := &recorder{}
	svc = notifier.NewImages(svc, rec)
	enforcer, err := policy.NewEnforcer(policy.Config{EnforceScope: true, EnforceNewDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	return policy.NewImages(svc, enforcer, nil), repo, rec
}

// Each request loads the image at most twice: the policy decorator loads
// it to decide and hands it on, a change loads it once more under its
// row lock, the write does not read back what it wrote, and the
// notifier's payloads come from what the layers below returned.
func TestRepositoryLoadsPerRequest(t *testing.T) {
	svc, repo, rec := newCountedChain(t)
	ctx := memberCtx
	img, err := svc.Create(ctx, domain.NewImage{Name: str("counted"), DiskFormat: str("raw"), ContainerFormat: str("bare")})
	if err != nil {
		t.Fatal(err)
	}
	repo.take()
	data := []byte("0123456789")
	steps := []struct {
		name          string
		loads, writes int64
		events        []string
		do            func() error
	}{
		{"GET", 1, 0, nil, func() error { _, err := svc.Get(ctx, img.ID); return err }},
		{"PATCH", 2, 1, []string{"image.update"}, func() error {
			_, err := svc.Update(ctx, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "renamed"}})
			return err
		}},
		{"add tag", 2, 1, []string{"image.update"}, func() error { _, err := svc.AddTag(ctx, img.ID, "t1"); return err }},
		{"remove tag", 2, 1, []string{"image.update"}, func() error { _, err := svc.RemoveTag(ctx, img.ID, "t1"); return err }},
		{"upload", 2, 2, []string{"image.prepare", "image.upload", "image.activate"}, func() error {
			_, err := svc.Upload(ctx, img.ID, domain.Upload{Data: bytes.NewReader(data), Size: int64(len(data))})
			return err
		}},
		{"download", 1, 0, []string{"image.send"}, func() error {
			d, err := svc.Download(ctx, img.ID, nil)
			if err != nil {
				return err
			}
			if _, err := io.Copy(io.Discard, d.Body); err != nil {
				return err
			}
			return d.Body.Close()
		}},
		{"deactivate", 2, 1, []string{"image.update"}, func() error { _, err := svc.Deactivate(ctx, img.ID); return err }},
		{"reactivate", 2, 1, []string{"image.update"}, func() error { _, err := svc.Reactivate(ctx, img.ID); return err }},
		{"DELETE", 1, 1, []string{"image.delete"}, func() error { return svc.Delete(ctx, img.ID) }},
	}
	rec.take()
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		loads, writes := repo.take()
		if loads != s.loads || writes != s.writes {
			t.Errorf("%s: %d loads and %d writes, want %d and %d", s.name, loads, writes, s.loads, s.writes)
		}
		var got []string
		for _, n := range rec.take() {
			got = append(got, n.EventType)
		}
		if !equal(got, s.events) {
			t.Errorf("%s: notifications %v, want %v", s.name, got, s.events)
		}
	}
}
