package dal

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// maxIDLength is the width of images.id: longer ids cannot exist, and
// MySQL would otherwise compare a truncated value.
const maxIDLength = 36

// imageRepo is the domain.ImageRepo over Glance's images tables.
type imageRepo struct {
	db *DB
	// beforeWrite, when set, runs in Update's transaction between loading
	// the image and writing it; tests use it to move the status under an
	// update.
	beforeWrite func(tx *gorm.DB, id string) error
}

// Images returns the image repository of db. Every method returns
// domain errors: NotFound and Conflict as domain.ImageRepo documents
// them, Invalid from List for a filter or sort key it cannot apply, and
// Internal (with the database error as its logged cause) for anything
// unexpected. List treats a negative Limit as no limit.
func Images(db *DB) domain.ImageRepo {
	return &imageRepo{db: db}
}

var _ domain.ImageRepo = (*imageRepo)(nil)

func notFound(id string) error {
	return domain.Errorf(domain.KindNotFound, "No image found with ID %s", id)
}

func (r *imageRepo) Create(ctx context.Context, img *domain.Image) error {
	d := r.db.dialect
	created := img.CreatedAt
	if created.IsZero() {
		created = time.Now()
	}
	updated := img.UpdatedAt
	if updated.IsZero() {
		updated = created
	}
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		err := tx.Exec(`INSERT INTO images (id, name, size, status, created_at, updated_at, deleted_at,
			deleted, disk_format, container_format, checksum, owner, min_disk, min_ram, protected,
			virtual_size, visibility, os_hidden, os_hash_algo, os_hash_value)
			VALUES (?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			img.ID, img.Name, img.Size, string(img.Status), d.at(created), d.at(updated),
			img.DiskFormat, img.ContainerFormat, img.Checksum, img.Owner, img.MinDisk, img.MinRAM,
			img.Protected, img.VirtualSize, string(img.Visibility), img.Hidden, img.HashAlgo,
			img.HashValue).Error
		if isDuplicate(err) {
			return domain.Errorf(domain.KindConflict, "Image ID %s already exists!", img.ID)
		}
		if err != nil {
			return err
		}
		c := children{tx: tx, d: d, id: img.ID, now: created}
		if err := c.insertTags(img.Tags); err != nil {
			return err
		}
		if err := c.insertProperties(img.Properties); err != nil {
			return err
		}
		return c.insertLocations(img.Locations)
	})
	return internal(err, "Failed to create the image")
}

func (r *imageRepo) Get(ctx context.Context, id string, v domain.Viewer) (*domain.Image, error) {
	img, err := r.get(r.db.read(ctx), id, v, false)
	return img, internal(err, "Failed to read the image")
}

// get loads image id if v may see it, locking its row for the rest of
// the transaction when lock is set.
func (r *imageRepo) get(q *gorm.DB, id string, v domain.Viewer, lock bool) (*domain.Image, error) {
	if id == "" || len(id) > maxIDLength {
		return nil, notFound(id)
	}
	if r.db.dialect == mysqlDialect {
		if !lock {
			return getMySQL(r.db.preparedQuery(q.Statement.Context), id, v)
		}
		if err := lockMySQL(q, r.db.dialect, id); err != nil {
			return nil, err
		}
		return getMySQL(gormQuery(q), id, v)
	}
	cond, args := visibleTo(v, "")
	query := "SELECT " + r.db.dialect.imageColumns() + " FROM images WHERE images.id = ? AND +images.deleted = 0 AND " + cond
	if lock {
		query += r.db.dialect.forUpdate()
	}
	images, err := queryImages(q, r.db.dialect, query, append([]any{id}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(images) == 0 {
		return nil, notFound(id)
	}
	return images[0], nil
}

func (r *imageRepo) Delete(ctx context.Context, id string, expected, status domain.Status, now time.Time) error {
	if id == "" || len(id) > maxIDLength {
		return notFound(id)
	}
	d := r.db.dialect
	at := d.at(now)
	locationStatus := "deleted"
	if status == domain.StatusPendingDelete {
		locationStatus = "pending_delete"
	}
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE images SET status = ?, deleted = 1, deleted_at = ?, updated_at = ?
			WHERE id = ? AND status = ? AND +deleted = 0`, string(status), at, at, id, string(expected))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return r.casFailure(tx, id, expected, status)
		}
		for _, table := range []string{"image_tags", "image_properties", "image_members"} {
			if err := tx.Exec("UPDATE "+table+` SET deleted = 1, deleted_at = ?, updated_at = ?
				WHERE image_id = ? AND +deleted = 0`, at, at, id).Error; err != nil {
				return err
			}
		}
		return tx.Exec(`UPDATE image_locations SET status = ?, deleted = 1, deleted_at = ?, updated_at = ?
			WHERE image_id = ? AND +deleted = 0`, locationStatus, at, at, id).Error
	})
	return internal(err, "Failed to delete the image")
}

// casFailure explains why a compare-and-swap on image id's status
// matched no row: NotFound if the image is gone, else Conflict.
func (r *imageRepo) casFailure(tx *gorm.DB, id string, expected, to domain.Status) error {
	var statuses []string
	if err := tx.Raw("SELECT status FROM images WHERE id = ? AND +deleted = 0", id).Scan(&statuses).Error; err != nil {
		return err
	}
	if len(statuses) == 0 {
		return notFound(id)
	}
	return domain.Errorf(domain.KindConflict, "Image status transition from %s to %s is not allowed", expected, to)
}
