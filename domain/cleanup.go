package domain

import "context"

// PendingDeletes records the data of deleted images that a delete could
// not remove (its store was down), so that none is silently orphaned, and
// hands it to a later clean-up. The locations keep Glance's layout: the
// row of a location whose image is deleted stays with status
// pending_delete until its data is gone. (Glance's delayed_delete is
// different: there the image itself is pending_delete and the scrubber
// owns it.) The image repository of package dal implements it.
type PendingDeletes interface {
	// MarkPendingDelete records the deleted locations ids as data still
	// to remove.
	MarkPendingDelete(ctx context.Context, ids []int64) error
	// PendingDeletes returns up to limit locations recorded by
	// MarkPendingDelete whose id is above after, in id order.
	PendingDeletes(ctx context.Context, after int64, limit int) ([]Location, error)
	// MarkDataDeleted records that the data of locations ids is gone.
	MarkDataDeleted(ctx context.Context, ids []int64) error
}

// deleteLocationData removes the data at loc. Data already gone counts
// as removed; a location no configured store serves (its store was
// taken out of the configuration) is an error, so that its data stays
// recorded until the store is back.
func deleteLocationData(ctx context.Context, stores Stores, loc Location) error {
	st, err := stores.ForLocation(loc)
	if err != nil {
		return err
	}
	if err := st.Delete(ctx, loc.URL); err != nil && !IsKind(err, KindNotFound) {
		return err
	}
	return nil
}

// pendingPage is how many recorded locations a clean-up pass reads at once.
const pendingPage = 100

// PurgePendingDeletes tries once more to remove the data that deletes
// recorded with MarkPendingDelete, and marks each location whose data is
// now gone (or was already). logf reports each removal and each failure.
// It returns how many it removed and how many remain for a later pass;
// the error is the repository's.
func PurgePendingDeletes(ctx context.Context, repo PendingDeletes, stores Stores,
	logf func(ctx context.Context, format string, args ...any)) (removed, left int, err error) {
	var after int64
	for {
		locs, err := repo.PendingDeletes(ctx, after, pendingPage)
		if err != nil || len(locs) == 0 {
			return removed, left, err
		}
		var gone []int64
		for _, loc := range locs {
			after = loc.ID
			if err := deleteLocationData(ctx, stores, loc); err != nil {
				left++
				logf(ctx, "Image data of location %d is still to be removed: %v", loc.ID, err)
				continue
			}
			gone = append(gone, loc.ID)
		}
		if len(gone) > 0 {
			if err := repo.MarkDataDeleted(ctx, gone); err != nil {
				return removed, left, err
			}
			removed += len(gone)
			logf(ctx, "Removed the image data of %d deleted location(s) left by deletes that could not reach their store", len(gone))
		}
		if ctx.Err() != nil {
			return removed, left, ctx.Err()
		}
	}
}
