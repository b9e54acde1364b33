package domain

import (
	"context"
	"errors"
	"time"
)

// RecoverUploads returns to queued every image left in saving by a
// process that stopped mid-upload, so that its owner can upload again.
// It first removes the data such an upload may have stored under the
// image's id (Put can have finished before the crash cut the row's
// update short); temporary data is the stores' own to clean. Call it
// only when no other process can be uploading through repo, as at the
// start of the one process that owns an embedded database: on a shared
// database a saving image may be another server's live upload. It
// returns the ids it moved.
func RecoverUploads(ctx context.Context, repo ImageRepo, stores Stores, now time.Time) ([]string, error) {
	admin := Viewer{Admin: true}
	var moved []string
	for _, hidden := range []bool{false, true} {
		q := ImageQuery{
			Viewer: admin,
			Filter: ImageFilter{
				Visibility: "all",
				Hidden:     hidden,
				Conditions: []Condition{{Field: "status", Op: OpEq, Values: []any{string(StatusSaving)}}},
			},
			Sort:  withTieBreakers(nil),
			Limit: -1,
		}
		images, err := repo.List(ctx, q)
		if err != nil {
			return moved, err
		}
		for _, img := range images {
			// Data first: should this process die again in between, the
			// image is still saving and the next start repeats both.
			if len(img.Locations) == 0 {
				if err := discardData(ctx, stores, img.ID); err != nil {
					return moved, err
				}
			}
			var reset bool
			_, err := repo.Update(ctx, img.ID, admin, now, func(img *Image) error {
				// The closure may run again on a retry: decide afresh.
				reset = img.Status == StatusSaving
				if !reset {
					return nil // finished or deleted meanwhile
				}
				return img.MoveTo(StatusQueued)
			})
			if err != nil && !IsKind(err, KindNotFound) && !IsKind(err, KindConflict) {
				return moved, err
			}
			if err == nil && reset {
				moved = append(moved, img.ID)
			}
		}
	}
	return moved, nil
}

// discardData removes what every backend holds under image id's own
// name: data a crash left stored before a location recorded it. Call it
// only for an image that has no location and no upload running. Stores
// that cannot discard by id are skipped.
func discardData(ctx context.Context, stores Stores, id string) error {
	ids := []string{""} // the one backend
	if stores.Multi() {
		ids = stores.IDs()
	}
	var errs []error
	for _, sid := range ids {
		st, err := stores.Store(sid)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if d, ok := st.(DataDiscarder); ok {
			if err := d.Discard(ctx, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}
