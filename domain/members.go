package domain

import (
	"context"
	"time"
)

// MemberStatus is a member project's answer to an image shared with it.
type MemberStatus string

// Member statuses.
const (
	MemberPending  MemberStatus = "pending"
	MemberAccepted MemberStatus = "accepted"
	MemberRejected MemberStatus = "rejected"
)

// Valid reports whether s is one of the statuses.
func (s MemberStatus) Valid() bool {
	return s == MemberPending || s == MemberAccepted || s == MemberRejected
}

// Member is one project an image is shared with.
type Member struct {
	ImageID   string
	MemberID  string
	Status    MemberStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MemberRepo stores image memberships (Glance's image_members table).
// Implementations live in package dal. A viewer that is not an admin
// sees an image's memberships only as its owner (all of them) or as a
// member (its own).
type MemberRepo interface {
	// List returns the memberships of image id that v sees, oldest
	// first.
	List(ctx context.Context, imageID string, v Viewer) ([]*Member, error)
	// Get returns one membership if v sees it, else NotFound.
	Get(ctx context.Context, imageID, memberID string, v Viewer) (*Member, error)
	// Add records m, reusing the row of an earlier, deleted membership
	// of the same project. Under the image's row lock it returns
	// TooLarge when the image would hold more than quota memberships
	// (negative: no limit; checked first, as Glance does) and Conflict
	// when the membership exists, so concurrent adds cannot pass the
	// quota together.
	Add(ctx context.Context, m *Member, quota int) error
	// SetStatus changes a membership's status at now; NotFound if it is
	// absent.
	SetStatus(ctx context.Context, imageID, memberID string, status MemberStatus, now time.Time) (*Member, error)
	// Remove deletes a membership at now; NotFound if it is absent.
	Remove(ctx context.Context, imageID, memberID string, now time.Time) error
}

// MemberService is the image members API: the projects an image is
// shared with and their answers.
type MemberService interface {
	// List returns the memberships of image id the caller sees. Returns
	// NotFound for an image the caller cannot see, Forbidden unless the
	// image is shared.
	List(ctx context.Context, imageID string) ([]*Member, error)
	// Get returns one membership; NotFound for anything the caller may
	// not see.
	Get(ctx context.Context, imageID, memberID string) (*Member, error)
	// Add shares image id with project memberID, pending its answer.
	// Returns Forbidden unless the image is shared, Conflict if it is
	// shared with the project already, TooLarge past image_member_quota.
	Add(ctx context.Context, imageID, memberID string) (*Member, error)
	// SetStatus records the member project's answer. Returns Invalid for
	// an unknown status, Forbidden unless the image is shared, NotFound
	// for an unknown membership.
	SetStatus(ctx context.Context, imageID, memberID string, status MemberStatus) (*Member, error)
	// Remove stops sharing image id with the project and returns the
	// membership as it was. Returns Forbidden unless the image is
	// shared, NotFound for an unknown membership.
	Remove(ctx context.Context, imageID, memberID string) (*Member, error)
}

// MemberConfig tunes the member service.
type MemberConfig struct {
	// Quota is image_member_quota; negative: unlimited.
	Quota int
	Now   func() time.Time
}

type memberService struct {
	images ImageRepo
	repo   MemberRepo
	cfg    MemberConfig
}

// NewMemberService returns the members API over the image and member
// repositories.
func NewMemberService(images ImageRepo, repo MemberRepo, cfg MemberConfig) MemberService {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &memberService{images: images, repo: repo, cfg: cfg}
}

// sharedImage loads image id for the caller (as the policy decorator
// loaded it, when it did) and refuses images that are not shared, with
// the words of the operation's refusal.
func (s *memberService) sharedImage(ctx context.Context, imageID, refusal string) (*Image, error) {
	img := Loaded(ctx, imageID)
	if img == nil {
		var err error
		if img, err = s.images.Get(ctx, imageID, CallerFrom(ctx).Viewer()); err != nil {
			if IsKind(err, KindNotFound) {
				return nil, Errorf(KindNotFound, "Image %s not found.", imageID)
			}
			return nil, err
		}
	}
	if img.Visibility != VisibilityShared {
		return nil, Errorf(KindForbidden, "%s", refusal)
	}
	return img, nil
}

// MemberRefusal words a refusal of the members API as Glance does, by
// operation: op is "create", "update", "list" or "delete", cause what
// the list refusal adds.
func MemberRefusal(op, imageID, cause string) string {
	switch op {
	case "create":
		return "Not allowed to create members for image " + imageID + "."
	case "update":
		return "Not allowed to update members for image " + imageID + "."
	case "delete":
		return "Not allowed to delete members for image " + imageID + "."
	}
	return "Not allowed to list members for image " + imageID + ": " + cause
}

const onlyShared = "Only shared images have members."

func memberNotFound(imageID, memberID string) error {
	return Errorf(KindNotFound, "%s not found in the member list of the image %s.", memberID, imageID)
}

func (s *memberService) List(ctx context.Context, imageID string) ([]*Member, error) {
	if _, err := s.sharedImage(ctx, imageID, MemberRefusal("list", imageID, onlyShared)); err != nil {
		return nil, err
	}
	return s.repo.List(ctx, imageID, CallerFrom(ctx).Viewer())
}

func (s *memberService) Get(ctx context.Context, imageID, memberID string) (*Member, error) {
	if _, err := s.sharedImage(ctx, imageID, onlyShared); err != nil {
		if IsKind(err, KindForbidden) {
			return nil, Errorf(KindNotFound, "%s", onlyShared)
		}
		return nil, err
	}
	m, err := s.repo.Get(ctx, imageID, memberID, CallerFrom(ctx).Viewer())
	if IsKind(err, KindNotFound) {
		return nil, memberNotFound(imageID, memberID)
	}
	return m, err
}

func (s *memberService) Add(ctx context.Context, imageID, memberID string) (*Member, error) {
	img, err := s.sharedImage(ctx, imageID, MemberRefusal("create", imageID, ""))
	if err != nil {
		return nil, err
	}
	if err := CheckStorableValue("member", memberID); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	m := &Member{ImageID: img.ID, MemberID: memberID, Status: MemberPending, CreatedAt: now, UpdatedAt: now}
	if err := s.repo.Add(ctx, m, s.cfg.Quota); err != nil {
		switch {
		case IsKind(err, KindConflict):
			return nil, Errorf(KindConflict, "Member %s is duplicated for image %s", memberID, imageID)
		case IsKind(err, KindTooLarge):
			return nil, Errorf(KindTooLarge, "Image member limit exceeded for image %s: %s:", imageID, err.Error())
		}
		return nil, err
	}
	return m, nil
}

func (s *memberService) SetStatus(ctx context.Context, imageID, memberID string, status MemberStatus) (*Member, error) {
	if _, err := s.sharedImage(ctx, imageID, MemberRefusal("update", imageID, "")); err != nil {
		return nil, err
	}
	if _, err := s.Get(ctx, imageID, memberID); err != nil {
		return nil, err
	}
	if !status.Valid() {
		return nil, Errorf(KindInvalid, "Incorrect request: Status must be \"pending\", \"accepted\" or \"rejected\".")
	}
	m, err := s.repo.SetStatus(ctx, imageID, memberID, status, s.cfg.Now().UTC())
	if IsKind(err, KindNotFound) {
		return nil, memberNotFound(imageID, memberID)
	}
	return m, err
}

func (s *memberService) Remove(ctx context.Context, imageID, memberID string) (*Member, error) {
	if _, err := s.sharedImage(ctx, imageID, MemberRefusal("delete", imageID, "")); err != nil {
		return nil, err
	}
	m, err := s.Get(ctx, imageID, memberID)
	if err != nil {
		return nil, err
	}
	err = s.repo.Remove(ctx, imageID, memberID, s.cfg.Now().UTC())
	if IsKind(err, KindNotFound) {
		return nil, memberNotFound(imageID, memberID)
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}
