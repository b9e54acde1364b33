package notifier

import (
	"context"
	"time"

	"github.com/go-glance/glance/domain"
)

// Members emits Glance's image.member.* notifications after successful
// calls of the members API.
type Members struct {
	next domain.MemberService
	sink domain.Sink
	now  func() time.Time
}

var _ domain.MemberService = (*Members)(nil)

// NewMembers decorates next so that sink hears of what it did.
func NewMembers(next domain.MemberService, sink domain.Sink) *Members {
	return &Members{next: next, sink: sink, now: time.Now}
}

func (s *Members) emit(ctx context.Context, event string, m *domain.Member, deletedAt *time.Time) {
	s.sink.Notify(ctx, domain.Notification{EventType: event, Priority: "INFO", Payload: memberPayload(m, deletedAt)})
}

// List implements domain.MemberService.
func (s *Members) List(ctx context.Context, imageID string) ([]*domain.Member, error) {
	return s.next.List(ctx, imageID)
}

// Get implements domain.MemberService.
func (s *Members) Get(ctx context.Context, imageID, memberID string) (*domain.Member, error) {
	return s.next.Get(ctx, imageID, memberID)
}

// Add implements domain.MemberService.
func (s *Members) Add(ctx context.Context, imageID, memberID string) (*domain.Member, error) {
	m, err := s.next.Add(ctx, imageID, memberID)
	if err == nil {
		s.emit(ctx, "image.member.create", m, nil)
	}
	return m, err
}

// SetStatus implements domain.MemberService.
func (s *Members) SetStatus(ctx context.Context, imageID, memberID string, status domain.MemberStatus) (*domain.Member, error) {
	m, err := s.next.SetStatus(ctx, imageID, memberID, status)
	if err == nil {
		s.emit(ctx, "image.member.update", m, nil)
	}
	return m, err
}

// Remove implements domain.MemberService.
func (s *Members) Remove(ctx context.Context, imageID, memberID string) (*domain.Member, error) {
	m, err := s.next.Remove(ctx, imageID, memberID)
	if err == nil {
		now := s.now()
		s.emit(ctx, "image.member.delete", m, &now)
	}
	return m, err
}
