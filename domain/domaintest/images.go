// Package domaintest holds in-memory fakes of the domain's ports, for
// tests of the layers above the domain (policy, notifier) that need an
// image service but not a database or a disk.
package domaintest

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/go-glance/glance/domain"
)

// Images is an in-memory domain.ImageRepo. Visibility follows the
// repository contract: admins see every image; others see public and
// community images, their project's, and shared images their project
// is a member of (Members). Filters and sort keys other than the
// default order are ignored.
type Images struct {
	mu      sync.Mutex
	images  map[string]*domain.Image
	deleted map[string]bool
	// members maps an image id to the projects it is shared with.
	members map[string]map[string]bool
}

var _ domain.ImageRepo = (*Images)(nil)

// NewImages returns an empty repository.
func NewImages() *Images {
	return &Images{images: map[string]*domain.Image{}, deleted: map[string]bool{}, members: map[string]map[string]bool{}}
}

// AddMember shares image id with project.
func (r *Images) AddMember(id, project string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.members[id] == nil {
		r.members[id] = map[string]bool{}
	}
	r.members[id][project] = true
}

func (r *Images) visible(img *domain.Image, v domain.Viewer) bool {
	switch {
	case v.Admin:
		return true
	case img.Visibility == domain.VisibilityPublic || img.Visibility == domain.VisibilityCommunity:
		return true
	case v.ProjectID == "":
		return false
	case img.Owner != nil && *img.Owner == v.ProjectID:
		return true
	}
	return img.Visibility == domain.VisibilityShared && r.members[img.ID][v.ProjectID]
}

// Create implements domain.ImageRepo.
func (r *Images) Create(_ context.Context, img *domain.Image) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.images[img.ID] != nil || r.deleted[img.ID] {
		return domain.Errorf(domain.KindConflict, "Image with identifier %s already exists!", img.ID)
	}
	r.images[img.ID] = img.Clone()
	return nil
}

// Get implements domain.ImageRepo.
func (r *Images) Get(_ context.Context, id string, v domain.Viewer) (*domain.Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.images[id]
	if img == nil || !r.visible(img, v) {
		return nil, domain.Errorf(domain.KindNotFound, "No image found with ID %s", id)
	}
	return img.Clone(), nil
}

// List implements domain.ImageRepo, in created_at then id order.
func (r *Images) List(_ context.Context, q domain.ImageQuery) ([]*domain.Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*domain.Image
	for _, img := range r.images {
		if r.visible(img, q.Viewer) {
			out = append(out, img.Clone())
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	if q.After != nil {
		for i, img := range out {
			if img.ID == q.After.ID {
				out = out[i+1:]
				break
			}
		}
	}
	if q.Limit >= 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// Update implements domain.ImageRepo.
func (r *Images) Update(_ context.Context, id string, v domain.Viewer, now time.Time, change func(*domain.Image) error) (*domain.Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.images[id]
	if img == nil || !r.visible(img, v) {
		return nil, domain.Errorf(domain.KindNotFound, "No image found with ID %s", id)
	}
	return r.apply(img, now, change)
}

// UpdateLoaded implements domain.ImageRepo.
func (r *Images) UpdateLoaded(_ context.Context, loaded *domain.Image, now time.Time, change func(*domain.Image) error) (*domain.Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.images[loaded.ID]
	if img == nil {
		return nil, domain.Errorf(domain.KindNotFound, "No image found with ID %s", loaded.ID)
	}
	if img.Status != loaded.Status {
		return nil, domain.Errorf(domain.KindConflict, "Image status changed from %s to %s", loaded.Status, img.Status)
	}
	return r.apply(img, now, change)
}

func (r *Images) apply(img *domain.Image, now time.Time, change func(*domain.Image) error) (*domain.Image, error) {
	changed := img.Clone()
	if err := change(changed); err != nil {
		return nil, err
	}
	changed.UpdatedAt = now
	r.images[img.ID] = changed
	return changed.Clone(), nil
}

// Delete implements domain.ImageRepo.
func (r *Images) Delete(_ context.Context, id string, expected, _ domain.Status, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	img := r.images[id]
	if img == nil {
		return domain.Errorf(domain.KindNotFound, "No image found with ID %s", id)
	}
	if img.Status != expected {
		return domain.Errorf(domain.KindConflict, "Image status changed from %s to %s", expected, img.Status)
	}
	delete(r.images, id)
	r.deleted[id] = true
	return nil
}
