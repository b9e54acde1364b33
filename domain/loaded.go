package domain

import "context"

type loadedKey struct{}

// WithLoaded returns ctx carrying img as this request has loaded it, so
// that the layers below need not load it again. The policy decorator
// sets it after deciding on the image; nothing else should.
func WithLoaded(ctx context.Context, img *Image) context.Context {
	return context.WithValue(ctx, loadedKey{}, img)
}

// Loaded returns the image ctx carries if it is image id, else nil.
// Treat it as read-only: other layers see the same value.
func Loaded(ctx context.Context, id string) *Image {
	img, _ := ctx.Value(loadedKey{}).(*Image)
	if img == nil || img.ID != id {
		return nil
	}
	return img
}
