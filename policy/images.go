package policy

import (
	"context"
	"slices"
	"strconv"

	"github.com/go-glance/glance/domain"
)

// Images checks Glance's policy rules before each image operation. It
// is the only layer that decides who may do what to an image.
type Images struct {
	next domain.ImageService
	p    *Enforcer
	prot *Protections
}

var _ domain.ImageService = (*Images)(nil)

// NewImages decorates next with policy checks and, unless prot is nil,
// Glance's property protections.
func NewImages(next domain.ImageService, p *Enforcer, prot *Protections) *Images {
	return &Images{next: next, p: p, prot: prot}
}

// shown is what the caller of ctx sees of an image an operation
// returned: what it may not read is hidden.
func (s *Images) shown(ctx context.Context, img *domain.Image, err error) (*domain.Image, error) {
	if err != nil {
		return nil, err
	}
	return s.prot.shown(ctx, img)
}

// ImageTarget is an image as Glance's policy targets show it:
// project_id is the owner, member_id the caller's project when it sees
// a shared image of another project, and every other key an image
// attribute or extra property.
type ImageTarget struct {
	Image *domain.Image
	// Member is the caller's project when the image is shared with it.
	Member string
}

// imageTarget is the target of per-image rules for the caller of ctx.
func imageTarget(ctx context.Context, img *domain.Image) ImageTarget {
	t := ImageTarget{Image: img}
	caller := domain.CallerFrom(ctx)
	if img.Visibility == domain.VisibilityShared && caller.ProjectID != "" &&
		(img.Owner == nil || *img.Owner != caller.ProjectID) {
		t.Member = caller.ProjectID
	}
	return t
}

// Value implements Target.
func (t ImageTarget) Value(key string) (string, bool) {
	img := t.Image
	switch key {
	case "project_id", "owner":
		return deref(img.Owner)
	case "member_id", "member":
		return t.Member, t.Member != ""
	case "id", "image_id":
		return img.ID, true
	case "visibility":
		return string(img.Visibility), true
	case "status":
		return string(img.Status), true
	case "name":
		return deref(img.Name)
	case "protected":
		return pyBool(img.Protected), true
	case "os_hidden":
		return pyBool(img.Hidden), true
	case "checksum":
		return deref(img.Checksum)
	case "os_hash_algo":
		return deref(img.HashAlgo)
	case "os_hash_value":
		return deref(img.HashValue)
	case "disk_format":
		return deref(img.DiskFormat)
	case "container_format":
		return deref(img.ContainerFormat)
	case "min_disk":
		return strconv.Itoa(img.MinDisk), true
	case "min_ram":
		return strconv.Itoa(img.MinRAM), true
	case "size":
		return derefInt(img.Size)
	case "virtual_size":
		return derefInt(img.VirtualSize)
	}
	return img.Properties.Get(key)
}

func deref(s *string) (string, bool) {
	if s == nil {
		return "", false
	}
	return *s, true
}

func derefInt(n *int64) (string, bool) {
	if n == nil {
		return "", false
	}
	return strconv.FormatInt(*n, 10), true
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// writable refuses every change by an anonymous caller, before
// anything else is looked at, as Glance's read-only context does.
func writable(ctx context.Context) error {
	if domain.CallerFrom(ctx).ReadOnly {
		return domain.Errorf(domain.KindForbidden, "Read-only access")
	}
	return nil
}

// check enforces rule on image id and returns ctx carrying the image
// it loaded, for the layers below (domain.WithLoaded). An image the
// caller may not even get is NotFound, never Forbidden.
func (s *Images) check(ctx context.Context, id, rule string) (context.Context, *domain.Image, error) {
	img, err := s.next.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	t := imageTarget(ctx, img)
	if err := s.p.Enforce(ctx, rule, t); err != nil {
		if rule == "get_image" || s.p.Enforce(ctx, "get_image", t) != nil {
			return nil, nil, domain.Errorf(domain.KindNotFound, "No image found with ID %s", id)
		}
		return nil, nil, err
	}
	return domain.WithLoaded(ctx, img), img, nil
}

// mutate is check for rules that change an image: with the legacy
// defaults, Glance also requires an admin or the owner.
func (s *Images) mutate(ctx context.Context, id, rule string) (context.Context, *domain.Image, error) {
	if err := writable(ctx); err != nil {
		return nil, nil, err
	}
	ctx, img, err := s.check(ctx, id, rule)
	if err != nil {
		return nil, nil, err
	}
	if err := s.legacyOwner(ctx, img); err != nil {
		return nil, nil, err
	}
	return ctx, img, nil
}

func (s *Images) legacyOwner(ctx context.Context, img *domain.Image) error {
	if !s.p.Legacy() {
		return nil
	}
	if s.p.Enforce(ctx, ruleImageOwner, imageTarget(ctx, img)) != nil {
		return domain.Errorf(domain.KindForbidden, "You do not own this image")
	}
	return nil
}

// Create implements domain.ImageService.
func (s *Images) Create(ctx context.Context, req domain.NewImage) (*domain.Image, error) {
	if err := writable(ctx); err != nil {
		return nil, err
	}
	caller := domain.CallerFrom(ctx)
	t := Attributes{"visibility": string(domain.VisibilityPrivate)}
	if req.Visibility != "" {
		t["visibility"] = string(req.Visibility)
	}
	owner, hasOwner := caller.ProjectID, caller.ProjectID != ""
	if req.Owner != nil {
		owner, hasOwner = *req.Owner, *req.Owner != ""
	}
	if hasOwner {
		t["project_id"], t["owner"] = owner, owner
	}
	if err := s.p.Enforce(ctx, "add_image", t); err != nil {
		if owner != caller.ProjectID {
			return nil, domain.Errorf(domain.KindForbidden, "You are not permitted to create images owned by '%s'", owner)
		}
		return nil, err
	}
	if err := s.visibilityRule(ctx, domain.Visibility(t["visibility"]), t); err != nil {
		return nil, err
	}
	if s.p.Legacy() && s.p.Enforce(ctx, ruleCreateOwner, t) != nil {
		return nil, domain.Errorf(domain.KindForbidden, "You are not permitted to create images owned by '%s'.", owner)
	}
	if err := s.prot.checkCreate(ctx, req.Properties); err != nil {
		return nil, err
	}
	img, err := s.next.Create(ctx, req)
	return s.shown(ctx, img, err)
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
	return s.shown(ctx, img, err)
}

// List implements domain.ImageService; images the caller may not get are
// dropped from the page.
func (s *Images) List(ctx context.Context, req domain.ListRequest) (*domain.ImagePage, error) {
	// Glance's target for the listing: a would-be image of the caller's.
	caller := domain.CallerFrom(ctx)
	t := Attributes{"visibility": string(domain.VisibilityPrivate)}
	if caller.ProjectID != "" {
		t["project_id"], t["owner"] = caller.ProjectID, caller.ProjectID
	}
	if err := s.p.Enforce(ctx, "get_images", t); err != nil {
		return nil, err
	}
	page, err := s.next.List(ctx, req)
	if err != nil {
		return nil, err
	}
	kept := page.Images[:0]
	for _, img := range page.Images {
		if s.p.Enforce(ctx, "get_image", imageTarget(ctx, img)) != nil {
			continue
		}
		img, err := s.prot.shown(ctx, img)
		if err != nil {
			return nil, err
		}
		kept = append(kept, img)
	}
	page.Images = kept
	return page, nil
}

// locationRule is the rule a change of the locations needs, "" for
// other changes and for emptying the list, which the domain refuses
// before Glance asks the policy.
func locationRule(c domain.Change) string {
	switch {
	case c.Path[0] != "locations":
		return ""
	case c.Op == domain.OpRemove:
		return "delete_image_location"
	case c.Op == domain.OpReplace:
		if list, ok := c.Value.([]any); ok && len(list) == 0 {
			return ""
		}
	}
	return "set_image_location"
}

// updateRules are the rules changes need, in the order Glance checks
// them: set_image_location or delete_image_location for each change of
// the locations, modify_image once for the others.
func updateRules(changes []domain.Change) []string {
	var rules []string
	modify := false
	for _, c := range changes {
		if c.Path[0] == "locations" {
			if r := locationRule(c); r != "" && !slices.Contains(rules, r) {
				rules = append(rules, r)
			}
			continue
		}
		if !modify {
			modify = true
			rules = append(rules, "modify_image")
		}
	}
	if len(rules) == 0 {
		rules = []string{"modify_image"}
	}
	return rules
}

// Update implements domain.ImageService.
func (s *Images) Update(ctx context.Context, id string, changes []domain.Change) (*domain.Image, error) {
	rules := updateRules(changes)
	ctx, img, err := s.mutate(ctx, id, rules[0])
	if err != nil {
		return nil, err
	}
	t := imageTarget(ctx, img)
	for _, rule := range rules[1:] {
		if err := s.p.Enforce(ctx, rule, t); err != nil {
			return nil, err
		}
	}
	for _, c := range changes {
		switch {
		case c.Op == domain.OpRemove, c.Path[0] == "locations":
		case c.Path[0] == "visibility":
			v, _ := c.Value.(string)
			if err := s.visibilityRule(ctx, domain.Visibility(v), t); err != nil {
				return nil, err
			}
		case c.Path[0] == "owner" && (c.Op == domain.OpAdd || c.Op == domain.OpReplace):
			if s.p.Enforce(ctx, ruleIsAdmin, t) != nil {
				return nil, domain.Errorf(domain.KindForbidden, "Owner can't be updated by non admin.")
			}
		}
	}
	changes, err = s.prot.checkChanges(ctx, img, changes)
	if err != nil {
		return nil, err
	}
	img, err = s.next.Update(ctx, id, changes)
	return s.shown(ctx, img, err)
}

// Delete implements domain.ImageService.
func (s *Images) Delete(ctx context.Context, id string) error {
	ctx, _, err := s.mutate(ctx, id, "delete_image")
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
	ctx, _, err := s.mutate(ctx, id, "deactivate")
	if err != nil {
		return nil, err
	}
	img, err := s.next.Deactivate(ctx, id)
	return s.shown(ctx, img, err)
}

// Reactivate implements domain.ImageService.
func (s *Images) Reactivate(ctx context.Context, id string) (*domain.Image, error) {
	ctx, _, err := s.mutate(ctx, id, "reactivate")
	if err != nil {
		return nil, err
	}
	img, err := s.next.Reactivate(ctx, id)
	return s.shown(ctx, img, err)
}

// AddTag implements domain.ImageService.
func (s *Images) AddTag(ctx context.Context, id, tag string) (*domain.Image, error) {
	ctx, _, err := s.mutate(ctx, id, "modify_image")
	if err != nil {
		return nil, err
	}
	img, err := s.next.AddTag(ctx, id, tag)
	return s.shown(ctx, img, err)
}

// RemoveTag implements domain.ImageService.
func (s *Images) RemoveTag(ctx context.Context, id, tag string) (*domain.Image, error) {
	ctx, _, err := s.mutate(ctx, id, "modify_image")
	if err != nil {
		return nil, err
	}
	img, err := s.next.RemoveTag(ctx, id, tag)
	return s.shown(ctx, img, err)
}

// Upload implements domain.ImageService.
func (s *Images) Upload(ctx context.Context, id string, up domain.Upload) (*domain.Image, error) {
	ctx, _, err := s.mutate(ctx, id, "upload_image")
	if err != nil {
		return nil, err
	}
	img, err := s.next.Upload(ctx, id, up)
	return s.shown(ctx, img, err)
}

// Download implements domain.ImageService. The data of a deactivated
// image is for admins only.
func (s *Images) Download(ctx context.Context, id string, r *domain.ByteRange) (*domain.Download, error) {
	ctx, img, err := s.check(ctx, id, "download_image")
	if err != nil {
		return nil, err
	}
	if img.Status == domain.StatusDeactivated && s.p.Enforce(ctx, ruleIsAdmin, imageTarget(ctx, img)) != nil {
		return nil, domain.Errorf(domain.KindForbidden, "The requested image has been deactivated. Image data download is forbidden.")
	}
	return s.next.Download(ctx, id, r)
}

// DeleteFromStore implements domain.ImageService: Glance checks
// get_image_location, then delete_image_location (with the legacy
// defaults, also that the caller owns the image).
func (s *Images) DeleteFromStore(ctx context.Context, id, store string) (*domain.Image, error) {
	if err := writable(ctx); err != nil {
		return nil, err
	}
	img, err := s.next.Get(ctx, id)
	if domain.IsKind(err, domain.KindNotFound) {
		return nil, domain.Errorf(domain.KindNotFound, "Failed to find image %s", id)
	}
	if err != nil {
		return nil, err
	}
	t := imageTarget(ctx, img)
	for _, rule := range []string{"get_image_location", "delete_image_location"} {
		if err := s.p.Enforce(ctx, rule, t); err != nil {
			if s.p.Enforce(ctx, "get_image", t) != nil {
				return nil, domain.Errorf(domain.KindNotFound, "")
			}
			return nil, err
		}
	}
	if err := s.legacyOwner(ctx, img); err != nil {
		return nil, err
	}
	img, err = s.next.DeleteFromStore(domain.WithLoaded(ctx, img), id, store)
	return s.shown(ctx, img, err)
}
