package dal

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// usageRepo is the domain.UsageRepo over Glance's images tables. It
// keeps no table of its own: an upload's reservation is the size of
// its saving image, a column Glance leaves empty until the upload ends
// and never counts while the image has no location.
type usageRepo struct {
	db *DB
}

// Usage returns the usage repository of db. Its methods return domain
// errors as domain.UsageRepo documents them, and Internal (with the
// database error as its logged cause) for anything unexpected.
func Usage(db *DB) domain.UsageRepo {
	return &usageRepo{db: db}
}

var _ domain.UsageRepo = (*usageRepo)(nil)

// ownedBy is the condition on images.owner for owner ("" is NULL) and
// its arguments.
func ownedBy(owner string) (string, []any) {
	if owner == "" {
		return "images.owner IS NULL", nil
	}
	return "images.owner = ?", []any{owner}
}

// storageUsed sums what Glance's user_get_storage_usage sums (the size
// of every image neither killed nor deleted, once per location not
// deleted, pending_delete included) plus the reservations of saving
// images, which have no location yet. The images.id <> ? slot leaves
// one image out ("" leaves none).
const storageUsed = `SELECT COALESCE(SUM(CASE WHEN images.status = 'saving' THEN images.size
		ELSE images.size * (SELECT COUNT(*) FROM image_locations
			WHERE image_locations.image_id = images.id AND image_locations.status <> 'deleted') END), 0)
	FROM images WHERE %s AND images.id <> ? AND images.size > 0 AND images.status NOT IN ('killed', 'deleted')`

// copying selects the images being copied to more stores, which Glance
// counts as staging and uploading whatever their status.
const copying = `EXISTS (SELECT 1 FROM image_properties WHERE image_properties.image_id = images.id
	AND image_properties.name = 'os_glance_importing_to_stores' AND image_properties.value <> ''
	AND image_properties.deleted = 0)`

func (r *usageRepo) Usage(ctx context.Context, owner string) (domain.Usage, error) {
	cond, args := ownedBy(owner)
	query := "SELECT (" + fmt.Sprintf(storageUsed, cond) + `),
		(SELECT COALESCE(SUM(images.size), 0) FROM images WHERE ` + cond + ` AND images.size > 0
			AND (images.status IN ('uploading', 'importing')
				OR images.status NOT IN ('killed', 'deleted') AND ` + copying + `)),
		(SELECT COUNT(*) FROM images WHERE ` + cond + ` AND images.status NOT IN ('killed', 'deleted')),
		(SELECT COUNT(*) FROM images WHERE ` + cond + `
			AND (images.status IN ('saving', 'uploading', 'importing')
				OR images.status NOT IN ('killed', 'deleted') AND ` + copying + `))`
	all := append(append(append(append(append([]any(nil), args...), ""), args...), args...), args...)
	var u domain.Usage
	err := r.db.read(ctx).Raw(query, all...).Row().Scan(&u.Storage, &u.Staging, &u.Images, &u.Uploading)
	return u, internal(err, "Failed to count the project's usage")
}

func (r *usageRepo) Reserve(ctx context.Context, id, owner string, need, want, limit int64) (domain.Reservation, error) {
	if id == "" || len(id) > maxIDLength {
		return domain.Reservation{}, notFound(id)
	}
	var res domain.Reservation
	cond, args := ownedBy(owner)
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		res = domain.Reservation{}
		// On MySQL the owner's image rows are locked first, so that the
		// reservations of one owner take turns; the sum that follows
		// reads what every earlier turn committed. SQLite's write
		// transactions exclude each other already.
		if r.db.dialect == mysqlDialect {
			var locked int64
			if err := tx.Raw("SELECT COUNT(*) FROM images WHERE "+cond+" FOR UPDATE", args...).Row().Scan(&locked); err != nil {
				return err
			}
		}
		if err := tx.Raw(fmt.Sprintf(storageUsed, cond), append(append([]any(nil), args...), id)...).Row().Scan(&res.Used); err != nil {
			return err
		}
		room := limit - res.Used
		if room < need {
			return nil
		}
		granted := min(want, room)
		done := tx.Exec("UPDATE images SET size = ? WHERE id = ? AND status = 'saving' AND +deleted = 0", granted, id)
		if done.Error != nil {
			return done.Error
		}
		if done.RowsAffected == 0 {
			return r.notSaving(tx, id)
		}
		res.Granted = granted
		return nil
	})
	if err != nil {
		return domain.Reservation{}, internal(err, "Failed to reserve storage for the upload")
	}
	return res, nil
}

// notSaving explains why image id matched no saving row: NotFound if
// it is gone, else Conflict.
func (r *usageRepo) notSaving(tx *gorm.DB, id string) error {
	var statuses []string
	if err := tx.Raw("SELECT status FROM images WHERE id = ? AND +deleted = 0", id).Scan(&statuses).Error; err != nil {
		return err
	}
	if len(statuses) == 0 {
		return notFound(id)
	}
	return domain.Errorf(domain.KindConflict, "Image %s is %s, no longer saving.", id, statuses[0])
}
