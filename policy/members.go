package policy

import (
	"context"

	"github.com/go-glance/glance/domain"
)

// Members checks Glance's member rules before each call of the members
// API: the caller must get the image (else NotFound), then pass the
// member rule on it, with the image as the target.
type Members struct {
	next   domain.MemberService
	images domain.ImageService
	p      *Enforcer
}

var _ domain.MemberService = (*Members)(nil)

// NewMembers decorates next; images (without policy) loads the image a
// call is about.
func NewMembers(next domain.MemberService, images domain.ImageService, p *Enforcer) *Members {
	return &Members{next: next, images: images, p: p}
}

// check loads image id, requires get_image and rule on it, and returns
// ctx carrying the image. refusal words a failed rule.
func (s *Members) check(ctx context.Context, id, rule, refusal string) (context.Context, ImageTarget, error) {
	img, err := s.images.Get(ctx, id)
	if err != nil {
		if domain.IsKind(err, domain.KindNotFound) {
			return nil, ImageTarget{}, domain.Errorf(domain.KindNotFound, "Image %s not found.", id)
		}
		return nil, ImageTarget{}, err
	}
	t := imageTarget(ctx, img)
	if s.p.Enforce(ctx, "get_image", t) != nil {
		return nil, ImageTarget{}, domain.Errorf(domain.KindNotFound, "Image %s not found.", id)
	}
	if err := s.p.Enforce(ctx, rule, t); err != nil {
		if refusal == "" {
			return nil, ImageTarget{}, err
		}
		return nil, ImageTarget{}, domain.Errorf(domain.KindForbidden, "%s", refusal)
	}
	return domain.WithLoaded(ctx, img), t, nil
}

// legacy applies Glance's pre-secure-RBAC ownership rule for members.
func (s *Members) legacy(ctx context.Context, t ImageTarget, rule, refusal string) error {
	if s.p.Legacy() && t.Image.Visibility == domain.VisibilityShared && s.p.Enforce(ctx, rule, t) != nil {
		return domain.Errorf(domain.KindForbidden, "%s", refusal)
	}
	return nil
}

// List implements domain.MemberService; rows are kept only when the
// caller passes get_member.
func (s *Members) List(ctx context.Context, imageID string) ([]*domain.Member, error) {
	ctx, t, err := s.check(ctx, imageID, "get_members", "")
	if err != nil {
		if domain.IsKind(err, domain.KindForbidden) {
			return nil, domain.Errorf(domain.KindForbidden, "%s", domain.MemberRefusal("list", imageID, err.Error()))
		}
		return nil, err
	}
	members, err := s.next.List(ctx, imageID)
	if err != nil || s.p.Enforce(ctx, "get_member", t) == nil {
		return members, err
	}
	return nil, nil
}

// Get implements domain.MemberService: every refusal is NotFound.
func (s *Members) Get(ctx context.Context, imageID, memberID string) (*domain.Member, error) {
	ctx, _, err := s.check(ctx, imageID, "get_member", "")
	if err != nil {
		if domain.IsKind(err, domain.KindForbidden) {
			return nil, domain.Errorf(domain.KindNotFound, "You are not authorized to lookup the members of the image %s.", imageID)
		}
		return nil, err
	}
	return s.next.Get(ctx, imageID, memberID)
}

// Add implements domain.MemberService.
func (s *Members) Add(ctx context.Context, imageID, memberID string) (*domain.Member, error) {
	if err := writable(ctx); err != nil {
		return nil, err
	}
	refusal := domain.MemberRefusal("create", imageID, "")
	ctx, t, err := s.check(ctx, imageID, "add_member", refusal)
	if err != nil {
		return nil, err
	}
	if err := s.legacy(ctx, t, ruleImageOwner, refusal); err != nil {
		return nil, err
	}
	return s.next.Add(ctx, imageID, memberID)
}

// SetStatus implements domain.MemberService: the member project answers,
// not the owner.
func (s *Members) SetStatus(ctx context.Context, imageID, memberID string, status domain.MemberStatus) (*domain.Member, error) {
	if err := writable(ctx); err != nil {
		return nil, err
	}
	refusal := domain.MemberRefusal("update", imageID, "")
	ctx, t, err := s.check(ctx, imageID, "get_member", "You are not authorized to lookup the members of the image "+imageID+".")
	if err != nil {
		return nil, err
	}
	if err := s.legacy(ctx, t, ruleNotImageOwner, refusal); err != nil {
		return nil, err
	}
	if err := s.p.Enforce(ctx, "modify_member", t); err != nil {
		return nil, domain.Errorf(domain.KindForbidden, "%s", refusal)
	}
	return s.next.SetStatus(ctx, imageID, memberID, status)
}

// Remove implements domain.MemberService.
func (s *Members) Remove(ctx context.Context, imageID, memberID string) (*domain.Member, error) {
	if err := writable(ctx); err != nil {
		return nil, err
	}
	refusal := domain.MemberRefusal("delete", imageID, "")
	ctx, t, err := s.check(ctx, imageID, "delete_member", refusal)
	if err != nil {
		return nil, err
	}
	if err := s.legacy(ctx, t, ruleImageOwner, refusal); err != nil {
		return nil, err
	}
	return s.next.Remove(ctx, imageID, memberID)
}
