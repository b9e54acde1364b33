package dal

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

var _ domain.PendingDeletes = (*imageRepo)(nil)

// MarkPendingDelete keeps the deleted locations ids as Glance keeps data
// still to remove: status pending_delete.
func (r *imageRepo) MarkPendingDelete(ctx context.Context, ids []int64) error {
	return r.setDeletedLocationStatus(ctx, ids, "pending_delete")
}

// MarkDataDeleted gives the deleted locations ids status deleted: their
// data is gone.
func (r *imageRepo) MarkDataDeleted(ctx context.Context, ids []int64) error {
	return r.setDeletedLocationStatus(ctx, ids, "deleted")
}

func (r *imageRepo) setDeletedLocationStatus(ctx context.Context, ids []int64, status string) error {
	if len(ids) == 0 {
		return nil
	}
	at := r.db.dialect.at(time.Now().UTC())
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		return tx.Exec(`UPDATE image_locations SET status = ?, updated_at = ? WHERE id IN ? AND deleted = 1`,
			status, at, ids).Error
	})
	return internal(err, "Failed to record the state of deleted image data")
}

// PendingDeletes lists the locations of deleted images whose data is
// still to remove. Images that delayed_delete left pending_delete are
// the scrubber's and not listed.
func (r *imageRepo) PendingDeletes(ctx context.Context, after int64, limit int) ([]domain.Location, error) {
	rows, err := r.db.read(ctx).Raw(`SELECT image_locations.id, image_locations.value, image_locations.meta_data
		FROM image_locations JOIN images ON images.id = image_locations.image_id
		WHERE image_locations.status = 'pending_delete' AND image_locations.deleted = 1
			AND images.status = 'deleted' AND image_locations.id > ?
		ORDER BY image_locations.id LIMIT ?`, after, limit).Rows()
	if err != nil {
		return nil, internal(err, "Failed to list image data to remove")
	}
	defer rows.Close()
	var locs []domain.Location
	for rows.Next() {
		var loc domain.Location
		var meta []byte
		if err := rows.Scan(&loc.ID, &loc.URL, &meta); err != nil {
			return nil, internal(err, "Failed to list image data to remove")
		}
		if loc.Metadata, err = decodeMetadata(meta); err != nil {
			return nil, internal(fmt.Errorf("location %d: %w", loc.ID, err), "Failed to list image data to remove")
		}
		locs = append(locs, loc)
	}
	return locs, internal(rows.Err(), "Failed to list image data to remove")
}
