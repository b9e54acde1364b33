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
const sqliteImageColumns = `images.id, images.name, images.size, images.status,
	CAST(images.created_at AS TEXT), CAST(images.updated_at AS TEXT), images.disk_format,
	images.container_format, images.checksum, images.owner, images.min_disk, images.min_ram,
	images.protected, images.virtual_size, images.visibility, images.os_hidden,
	images.os_hash_algo, images.os_hash_value`

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
	var images []*domain.Image
	for rows.Next() {
		img, err := scanImage(rows)
		if err != nil {
			return nil, err
		}
		images = append(images, img)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if err := loadChildren(q, d, images); err != nil {
		return nil, err
	}
	return images, nil
}

func scanImage(rows *sql.Rows) (*domain.Image, error) {
	// One allocation holds the image and every nullable value it points
	// to: a page has a thousand images.
	var r struct {
		img                                    domain.Image
		name, disk, container, checksum, owner sql.NullString
		algo, hash                             sql.NullString
		size, virtual                          sql.NullInt64
	}
	var (
		created, updated   timestamp
		status, visibility string
	)
	img := &r.img
	err := rows.Scan(&img.ID, &r.name, &r.size, &status, &created, &updated, &r.disk, &r.container,
		&r.checksum, &r.owner, &img.MinDisk, &img.MinRAM, &img.Protected, &r.virtual, &visibility,
		&img.Hidden, &r.algo, &r.hash)
	if err != nil {
		return nil, fmt.Errorf("scan image: %w", err)
	}
	img.Status, img.Visibility = domain.Status(status), domain.Visibility(visibility)
	img.CreatedAt, img.UpdatedAt = created.Time, updated.Time
	img.Name, img.DiskFormat, img.ContainerFormat = nullString(&r.name), nullString(&r.disk), nullString(&r.container)
	img.Checksum, img.Owner = nullString(&r.checksum), nullString(&r.owner)
	img.HashAlgo, img.HashValue = nullString(&r.algo), nullString(&r.hash)
	img.Size, img.VirtualSize = nullInt(&r.size), nullInt(&r.virtual)
	return img, nil
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
	if d == sqlite {
		loaders = []childLoader{loadTagsSQLite, loadPropertiesSQLite, locations}
	}
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
