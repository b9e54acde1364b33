package notifier

import (
	"context"
	"io"
	"time"

	"github.com/go-glance/glance/domain"
)

// Images emits image notifications after successful operations.
type Images struct {
	next domain.ImageService
	sink domain.Sink
	now  func() time.Time
}

var _ domain.ImageService = (*Images)(nil)

// NewImages decorates next so that sink hears of what it did.
func NewImages(next domain.ImageService, sink domain.Sink) *Images {
	return &Images{next: next, sink: sink, now: time.Now}
}

func (s *Images) emit(ctx context.Context, event string, payload any) {
	s.sink.Notify(ctx, domain.Notification{EventType: event, Priority: "INFO", Payload: payload})
}

// emitImage sends events with img's payload when op succeeded, and
// returns op's result unchanged.
func (s *Images) emitImage(ctx context.Context, img *domain.Image, err error, events ...string) (*domain.Image, error) {
	if err == nil && img != nil {
		for _, e := range events {
			s.emit(ctx, e, imagePayload(img, nil))
		}
	}
	return img, err
}

// loaded is image id as the policy decorator loaded it for this
// request, or, undecorated, as the service returns it now.
func (s *Images) loaded(ctx context.Context, id string) *domain.Image {
	if img := domain.Loaded(ctx, id); img != nil {
		return img
	}
	img, _ := s.next.Get(ctx, id)
	return img
}

// Create implements domain.ImageService.
func (s *Images) Create(ctx context.Context, req domain.NewImage) (*domain.Image, error) {
	img, err := s.next.Create(ctx, req)
	if err == nil {
		s.emit(ctx, "image.create", imagePayload(img, nil))
	}
	return img, err
}

// Get implements domain.ImageService.
func (s *Images) Get(ctx context.Context, id string) (*domain.Image, error) {
	return s.next.Get(ctx, id)
}

// List implements domain.ImageService.
func (s *Images) List(ctx context.Context, req domain.ListRequest) (*domain.ImagePage, error) {
	return s.next.List(ctx, req)
}

// Update implements domain.ImageService.
func (s *Images) Update(ctx context.Context, id string, changes []domain.Change) (*domain.Image, error) {
	img, err := s.next.Update(ctx, id, changes)
	if err == nil {
		s.emit(ctx, "image.update", imagePayload(img, nil))
	}
	return img, err
}

// Delete implements domain.ImageService.
func (s *Images) Delete(ctx context.Context, id string) error {
	img := s.loaded(ctx, id)
	err := s.next.Delete(ctx, id)
	if err == nil && img != nil {
		now := s.now()
		deleted := img.Clone()
		deleted.Status = domain.StatusDeleted
		s.emit(ctx, "image.delete", imagePayload(deleted, &now))
	}
	return err
}

// Deactivate implements domain.ImageService.
func (s *Images) Deactivate(ctx context.Context, id string) (*domain.Image, error) {
	img, err := s.next.Deactivate(ctx, id)
	return s.emitImage(ctx, img, err, "image.update")
}

// Reactivate implements domain.ImageService.
func (s *Images) Reactivate(ctx context.Context, id string) (*domain.Image, error) {
	img, err := s.next.Reactivate(ctx, id)
	return s.emitImage(ctx, img, err, "image.update")
}

// AddTag implements domain.ImageService.
func (s *Images) AddTag(ctx context.Context, id, tag string) (*domain.Image, error) {
	img, err := s.next.AddTag(ctx, id, tag)
	return s.emitImage(ctx, img, err, "image.update")
}

// RemoveTag implements domain.ImageService.
func (s *Images) RemoveTag(ctx context.Context, id, tag string) (*domain.Image, error) {
	img, err := s.next.RemoveTag(ctx, id, tag)
	return s.emitImage(ctx, img, err, "image.update")
}

// DeleteFromStore implements domain.ImageService: the image lost a
// location, which Glance reports as image.update.
func (s *Images) DeleteFromStore(ctx context.Context, id, store string) (*domain.Image, error) {
	img, err := s.next.DeleteFromStore(ctx, id, store)
	return s.emitImage(ctx, img, err, "image.update")
}

// Upload implements domain.ImageService: image.prepare before the data
// flows, showing the image as it was before, then image.upload and
// image.activate once it is stored.
func (s *Images) Upload(ctx context.Context, id string, up domain.Upload) (*domain.Image, error) {
	if img := s.loaded(ctx, id); img != nil {
		s.emit(ctx, "image.prepare", imagePayload(img, nil))
	}
	img, err := s.next.Upload(ctx, id, up)
	return s.emitImage(ctx, img, err, "image.upload", "image.activate")
}

// Download implements domain.ImageService: image.send when the body is
// closed, with the bytes sent.
func (s *Images) Download(ctx context.Context, id string, r *domain.ByteRange) (*domain.Download, error) {
	d, err := s.next.Download(ctx, id, r)
	if err != nil || d.Body == nil {
		return d, err
	}
	caller := domain.CallerFrom(ctx)
	d.Body = &sendCounter{ReadCloser: d.Body, done: func(n int64) {
		s.emit(ctx, "image.send", map[string]any{
			"image_id": d.Image.ID, "owner_id": opt(d.Image.Owner), "receiver_tenant_id": caller.ProjectID,
			"receiver_user_id": caller.UserID, "bytes_sent": n,
		})
	}}
	return d, nil
}

// sendCounter counts the bytes read through it and reports on Close.
// It forwards WriterTo-less reads only, so file bodies lose sendfile:
// the decorator is wired only when a sink listens.
type sendCounter struct {
	io.ReadCloser
	n    int64
	done func(int64)
}

func (c *sendCounter) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *sendCounter) Close() error {
	c.done(c.n)
	return c.ReadCloser.Close()
}
