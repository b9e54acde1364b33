package domain

import (
	"context"
	"errors"
	"slices"
)

func (s *imageService) DeleteFromStore(ctx context.Context, id, store string) (*Image, error) {
	if !s.stores.Multi() {
		return nil, Errorf(KindNotFound, "")
	}
	if !slices.Contains(s.stores.IDs(), store) {
		return nil, Errorf(KindConflict, "The selected store %s is not available on this node.", store)
	}
	var removed []Location
	var refused error
	img, err := s.update(ctx, id, func(img *Image) error {
		removed, refused = nil, nil
		switch {
		case img.Status != StatusActive:
			refused = Errorf(KindConflict, "It's not allowed to remove image data from store if image status is not 'active'")
		case len(img.Locations) == 1:
			refused = Errorf(KindForbidden, "Cannot delete image data from the only store containing it. Consider deleting the image instead.")
		default:
			// The first location in the store, as Glance takes it.
			i := slices.IndexFunc(img.Locations, func(l Location) bool { return l.Store() == store })
			if i < 0 {
				refused = Errorf(KindNotFound, "Image %s is not stored in store %s.", id, store)
				break
			}
			removed = []Location{img.Locations[i]}
			img.Locations = slices.Delete(img.Locations, i, i+1)
		}
		return refused
	})
	if refused != nil && errors.Is(err, refused) {
		return nil, err
	}
	if IsKind(err, KindNotFound) {
		return nil, Errorf(KindNotFound, "Failed to find image %s", id)
	}
	if err != nil {
		return nil, err
	}
	s.deleteData(ctx, unreferenced(removed, img.Locations))
	return img, nil
}
