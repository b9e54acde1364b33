package domain

import (
	"context"
	"time"
)

// RecoverUploads returns to queued every image left in saving by a
// process that stopped mid-upload, so that its owner can upload again;
// the stores remove such uploads' partial data themselves. Call it only
// when no other process can be uploading through repo, as at the start
// of the one process that owns an embedded database: on a shared
// database a saving image may be another server's live upload. It
// returns the ids it moved.
func RecoverUploads(ctx context.Context, repo ImageRepo, now time.Time) ([]string, error) {
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
