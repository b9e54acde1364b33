package policy

import (
	"context"

	"github.com/go-glance/glance/domain"
)

// Images checks Glance's policy rules before each image operation.
type Images struct {
	next domain.ImageService
	p    *Enforcer
}

var _ domain.ImageService = (*Images)(nil)

// NewImages decorates next with policy checks.
func NewImages(next domain.ImageService, p *Enforcer) *Images {
	return &Images{next: next, p: p}
}

// imageTarget is the target of per-image rules.
func imageTarget(ctx context.Context, img *domain.Image) Target {
	t := Target{"visibility": string(img.Visibility)}
	if img.Owner != nil {
		t["project_id"] = *img.Owner
		t["owner"] = *img.Owner
	}
	caller := domain.CallerFrom(ctx)
	if img.Visibility == domain.VisibilityShared && caller.ProjectID != "" && caller.ProjectID != t["project_id"] {
		t["member_id"] = caller.ProjectID
	}
	return t
}

// check enforces rule on image id and returns ctx carrying the image
// it loaded, for the layers below (domain.WithLoaded). An image the
// caller may not even see is NotFound, never Forbidden.
func (s *Images) check(ctx context.Context, id, rule string) (context.Context, *domain.Image, error) {
	img, err := s.next.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	t := imageTarget(ctx, img)
	if err := s.p.Enforce(ctx, rule, t); err != nil {
		if rule != "get_image" && s.p.Enforce(ctx, "get_image", t) != nil {
			return nil, nil, domain.Errorf(domain.KindNotFound, "No image found with ID %s", id)
		}
		return nil, nil, err
	}
	return domain.WithLoaded(ctx, img), img, nil
}

// Create implements domain.ImageService.
func (s *Images) Create(ctx context.Context, req domain.NewImage) (*domain.Image, error) {
	caller := domain.CallerFrom(ctx)
	owner := caller.ProjectID
	if req.Owner != nil {
		owner = *req.Owner
	}
	vis := string(req.Visibility)
	if vis == "" {
		vis = string(domain.VisibilityShared)
	}
	t := Target{"project_id": caller.ProjectID, "owner": owner, "visibility": vis}
	if err := s.p.Enforce(ctx, "add_image", t); err != nil {
		return nil, err
	}
	if err := s.visibilityRule(ctx, domain.Visibility(vis), t); err != nil {
		return nil, err
	}
	return s.next.Create(ctx, req)
}

func (s *Images) visibilityRule(ctx context.Context, v domain.Visibility, t Target) error {
	switch v {
	case domain.VisibilityPublic:
		return s.p.Enforce(ctx, "publicize_image", t)
	case domain.VisibilityCommunity:
		return s.p.Enforce(ctx, "communitize_image", t)
	}
	return nil
}

// Get implements domain.ImageService.
func (s *Images) Get(ctx context.Context, id string) (*domain.Image, error) {
	_, img, err := s.check(ctx, id, "get_image")
	return img, err
}

// List implements domain.ImageService; images the caller may not get are
// dropped from the page.
func (s *Images) List(ctx context.Context, req domain.ListRequest) (*domain.ImagePage, error) {
	if err := s.p.Enforce(ctx, "get_images", Target{"project_id": domain.CallerFrom(ctx).ProjectID}); err != nil {
		return nil, err
	}
	page, err := s.next.List(ctx, req)
	if err != nil {
		return nil, err
	}
	// A page of a thousand images has a handful of distinct targets
	// (owner, visibility, membership): decide each once. The key must
	// hold every target field a rule can read.
	type key struct{ project, visibility, member string }
	allowed := map[key]bool{}
	kept := page.Images[:0]
	for _, img := range page.Images {
		t := imageTarget(ctx, img)
		k := key{t["project_id"], t["visibility"], t["member_id"]}
		ok, seen := allowed[k]
		if !seen {
			ok = s.p.Enforce(ctx, "get_image", t) == nil
			allowed[k] = ok
		}
		if ok {
			kept = append(kept, img)
		}
	}
	page.Images = kept
	return page, nil
}

// Update implements domain.ImageService.
func (s *Images) Update(ctx context.Context, id string, changes []domain.Change) (*domain.Image, error) {
	ctx, img, err := s.check(ctx, id, "modify_image")
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.Path[0] == "visibility" && c.Op != domain.OpRemove {
			v, _ := c.Value.(string)
			if err := s.visibilityRule(ctx, domain.Visibility(v), imageTarget(ctx, img)); err != nil {
				return nil, err
			}
		}
	}
	return s.next.Update(ctx, id, changes)
}

// Delete implements domain.ImageService.
func (s *Images) Delete(ctx context.Context, id string) error {
	ctx, _, err := s.check(ctx, id, "delete_image")
	if err != nil {
		if domain.IsKind(err, domain.KindNotFound) {
			return domain.Errorf(domain.KindNotFound, "Failed to find image %s to delete", id)
		}
		return err
	}
	return s.next.Delete(ctx, id)
}

// Deactivate implements domain.ImageService.
func (s *Images) Deactivate(ctx context.Context, id string) (*domain.Image, error) {
	ctx, _, err := s.check(ctx, id, "deactivate")
	if err != nil {
		return nil, err
	}
	return s.next.Deactivate(ctx, id)
}

// Reactivate implements domain.ImageService.
func (s *Images) Reactivate(ctx context.Context, id string) (*domain.Image, error) {
	ctx, _, err := s.check(ctx, id, "reactivate")
	if err != nil {
		return nil, err
	}
	return s.next.Reactivate(ctx, id)
}

// AddTag implements domain.ImageService.
func (s *Images) AddTag(ctx context.Context, id, tag string) (*domain.Image, error) {
	ctx, _, err := s.check(ctx, id, "modify_image")
	if err != nil {
		return nil, err
	}
	return s.next.AddTag(ctx, id, tag)
}

// RemoveTag implements domain.ImageService.
func (s *Images) RemoveTag(ctx context.Context, id, tag string) (*domain.Image, error) {
	ctx, _, err := s.check(ctx, id, "modify_image")
	if err != nil {
		return nil, err
	}
	return s.next.RemoveTag(ctx, id, tag)
}

// Upload implements domain.ImageService.
func (s *Images) Upload(ctx context.Context, id string, up domain.Upload) (*domain.Image, error) {
	ctx, _, err := s.check(ctx, id, "upload_image")
	if err != nil {
		return nil, err
	}
	return s.next.Upload(ctx, id, up)
}

// Download implements domain.ImageService.
func (s *Images) Download(ctx context.Context, id string, r *domain.ByteRange) (*domain.Download, error) {
	ctx, _, err := s.check(ctx, id, "download_image")
	if err != nil {
		return nil, err
	}
	return s.next.Download(ctx, id, r)
}
