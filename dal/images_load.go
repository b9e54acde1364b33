package dal

import (
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// imageColumns are the images columns an Image is built from, in the
// order scanImage reads them.
func (d dialect) imageColumns() string {
	if d == sqlite {
		return sqliteImageColumns
	}
	return mysqlImageColumns
}

const mysqlImageColumns = `images.id, images.name, images.size, images.status, images.created_at,
	images.updated_at, images.disk_format, images.container_format, images.checksum, images.owner,
	images.min_disk, images.min_ram, images.protected, images.virtual_size, images.visibility,
	images.os_hidden, images.os_hash_algo, images.os_hash_value`

// sqliteImageColumns reads the timestamps as the text they are: the
// driver would otherwise try several layouts on every DATETIME value
// before the one SQLAlchemy writes.
//
// The last three columns carry the image's tags, properties and active
// locations as JSON arrays (see children_sqlite.go), so that one query
// and one row per image load everything.
const sqliteImageColumns = `images.id, images.name, images.size, images.status,
	CAST(images.created_at AS TEXT), CAST(images.updated_at AS TEXT), images.disk_format,
	images.container_format, images.checksum, images.owner, images.min_disk, images.min_ram,
	images.protected, images.virtual_size, images.visibility, images.os_hidden,
	images.os_hash_algo, images.os_hash_value,
	(SELECT json_group_array(value) FROM image_tags INDEXED BY ix_image_tags_image_id
		WHERE image_id = images.id AND +deleted = 0),
	(SELECT json_group_array(json_array(name, value)) FROM image_properties INDEXED BY ix_image_properties_image_id
		WHERE image_id = images.id AND +deleted = 0),
	(SELECT json_group_array(json_array(CAST(id AS TEXT), value, meta_data)) FROM image_locations
		INDEXED BY ix_image_locations_image_id WHERE image_id = images.id AND +deleted = 0 AND status = 'active')`

// maxIDsPerQuery keeps IN lists well below every dialect's parameter
// limit (SQLite's is 32766).
const maxIDsPerQuery = 1000

// queryImages runs a SELECT of imageColumns and returns its images, in
// row order, with their tags, properties and locations.
func queryImages(q *gorm.DB, d dialect, query string, args ...any) ([]*domain.Image, error) {
	rows, err := q.Raw(query, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		images   []*domain.Image
		children sqliteChildren
	)
	for rows.Next() {
		var img *domain.Image
		if d == sqlite {
			img, err = children.scan(rows)
		} else {
			img, err = scanImage(rows)
		}
		if err != nil {
			return nil, err
		}
		images = append(images, img)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if d == sqlite {
		return images, nil
	}
	if err := loadChildren(q, d, images); err != nil {
		return nil, err
	}
	return images, nil
}

// imageRow is one allocation holding an image and every nullable value
// it points to: a page has a thousand images.
type imageRow struct {
	img                                    domain.Image
	name, disk, container, checksum, owner sql.NullString
	algo, hash                             sql.NullString
	size, virtual                          sql.NullInt64
	created, updated                       timestamp
	status, visibility                     string
}

// dest lists where the imageColumns go, in order.
func (r *imageRow) dest() []any {
	img := &r.img
	return []any{&img.ID, &r.name, &r.size, &r.status, &r.created, &r.updated, &r.disk, &r.container,
		&r.checksum, &r.owner, &img.MinDisk, &img.MinRAM, &img.Protected, &r.virtual, &r.visibility,
		&img.Hidden, &r.algo, &r.hash}
}

// image fills the image from the scanned values and returns it.
func (r *imageRow) image() *domain.Image {
	img := &r.img
	img.Status, img.Visibility = domain.Status(r.status), domain.Visibility(r.visibility)
	img.CreatedAt, img.UpdatedAt = r.created.Time, r.updated.Time
	img.Name, img.DiskFormat, img.ContainerFormat = nullString(&r.name), nullString(&r.disk), nullString(&r.container)
	img.Checksum, img.Owner = nullString(&r.checksum), nullString(&r.owner)
	img.HashAlgo, img.HashValue = nullString(&r.algo), nullString(&r.hash)
	img.Size, img.VirtualSize = nullInt(&r.size), nullInt(&r.virtual)
	return img
}

func scanImage(rows *sql.Rows) (*domain.Image, error) {
	r := &imageRow{}
	if err := rows.Scan(r.dest()...); err != nil {
		return nil, fmt.Errorf("scan image: %w", err)
	}
	return r.image(), nil
}

func nullString(s *sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func nullInt(n *sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// loadChildren fills the tags, properties and active locations of
// images with one query per table (per maxIDsPerQuery images), each
// in row-id order.
func loadChildren(q *gorm.DB, d dialect, images []*domain.Image) error {
	locations := func(q *gorm.DB, ids []string, byID map[string]*domain.Image) error {
		return loadLocations(q, d, ids, byID)
	}
	loaders := []childLoader{loadTags, loadProperties, locations}
	for start := 0; start < len(images); start += maxIDsPerQuery {
		chunk := images[start:min(start+maxIDsPerQuery, len(images))]
		byID := make(map[string]*domain.Image, len(chunk))
		ids := make([]string, len(chunk))
		for i, img := range chunk {
			byID[img.ID], ids[i] = img, img.ID
		}
		for _, load := range loaders {
			if err := load(q, ids, byID); err != nil {
				return err
			}
		}
	}
	return nil
}

// childLoader fills one kind of child rows into the images of ids.
type childLoader func(q *gorm.DB, ids []string, byID map[string]*domain.Image) error
