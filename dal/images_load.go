package dal

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// imageColumns are the images columns an Image is built from, in the
// order scanImage reads them.
const imageColumns = `images.id, images.name, images.size, images.status, images.created_at,
	images.updated_at, images.disk_format, images.container_format, images.checksum, images.owner,
	images.min_disk, images.min_ram, images.protected, images.virtual_size, images.visibility,
	images.os_hidden, images.os_hash_algo, images.os_hash_value`

// maxIDsPerQuery keeps IN lists well below every dialect's parameter
// limit (SQLite's is 32766).
const maxIDsPerQuery = 1000

// queryImages runs a SELECT of imageColumns and returns its images, in
// row order, with their tags, properties and locations.
func queryImages(q *gorm.DB, query string, args ...any) ([]*domain.Image, error) {
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
	if err := loadChildren(q, images); err != nil {
		return nil, err
	}
	return images, nil
}

func scanImage(rows *sql.Rows) (*domain.Image, error) {
	var (
		img                                    domain.Image
		name, disk, container, checksum, owner sql.NullString
		algo, hash                             sql.NullString
		size, virtual                          sql.NullInt64
		created, updated                       timestamp
		status, visibility                     string
	)
	err := rows.Scan(&img.ID, &name, &size, &status, &created, &updated, &disk, &container,
		&checksum, &owner, &img.MinDisk, &img.MinRAM, &img.Protected, &virtual, &visibility,
		&img.Hidden, &algo, &hash)
	if err != nil {
		return nil, fmt.Errorf("scan image: %w", err)
	}
	img.Status, img.Visibility = domain.Status(status), domain.Visibility(visibility)
	img.CreatedAt, img.UpdatedAt = created.Time, updated.Time
	img.Name, img.DiskFormat, img.ContainerFormat = nullString(name), nullString(disk), nullString(container)
	img.Checksum, img.Owner = nullString(checksum), nullString(owner)
	img.HashAlgo, img.HashValue = nullString(algo), nullString(hash)
	img.Size, img.VirtualSize = nullInt(size), nullInt(virtual)
	return &img, nil
}

func nullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// loadChildren fills the tags, properties and active locations of
// images with one query per table (per maxIDsPerQuery images), each
// in row-id order.
func loadChildren(q *gorm.DB, images []*domain.Image) error {
	for start := 0; start < len(images); start += maxIDsPerQuery {
		chunk := images[start:min(start+maxIDsPerQuery, len(images))]
		byID := make(map[string]*domain.Image, len(chunk))
		ids := make([]string, len(chunk))
		for i, img := range chunk {
			byID[img.ID], ids[i] = img, img.ID
		}
		if err := loadTags(q, ids, byID); err != nil {
			return err
		}
		if err := loadProperties(q, ids, byID); err != nil {
			return err
		}
		if err := loadLocations(q, ids, byID); err != nil {
			return err
		}
	}
	return nil
}

// Ordering by (image_id, id) lets both dialects read the image_id index
// in order instead of sorting.

func loadTags(q *gorm.DB, ids []string, byID map[string]*domain.Image) error {
	rows, err := q.Raw(`SELECT image_id, value FROM image_tags
		WHERE image_id IN ? AND +deleted = 0 ORDER BY image_id, id`, ids).Rows()
	if err != nil {
		return fmt.Errorf("load tags: %w", err)
	}
	defer rows.Close()
	var id, value string
	for rows.Next() {
		if err := rows.Scan(&id, &value); err != nil {
			return fmt.Errorf("scan tag: %w", err)
		}
		// Rows Glance wrote concurrently may repeat a tag.
		if img := byID[id]; img != nil {
			img.AddTag(value)
		}
	}
	return rows.Err()
}

func loadProperties(q *gorm.DB, ids []string, byID map[string]*domain.Image) error {
	rows, err := q.Raw(`SELECT image_id, name, value FROM image_properties
		WHERE image_id IN ? AND +deleted = 0 ORDER BY image_id, id`, ids).Rows()
	if err != nil {
		return fmt.Errorf("load properties: %w", err)
	}
	defer rows.Close()
	var (
		id, name string
		value    sql.NullString
	)
	for rows.Next() {
		if err := rows.Scan(&id, &name, &value); err != nil {
			return fmt.Errorf("scan property: %w", err)
		}
		if img := byID[id]; img != nil {
			img.Properties = append(img.Properties, domain.Property{Name: name, Value: value.String})
		}
	}
	return rows.Err()
}

func loadLocations(q *gorm.DB, ids []string, byID map[string]*domain.Image) error {
	rows, err := q.Raw(`SELECT id, image_id, value, meta_data FROM image_locations
		WHERE image_id IN ? AND +deleted = 0 AND status = 'active' ORDER BY image_id, id`, ids).Rows()
	if err != nil {
		return fmt.Errorf("load locations: %w", err)
	}
	defer rows.Close()
	var (
		loc      domain.Location
		imageID  string
		metadata sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&loc.ID, &imageID, &loc.URL, &metadata); err != nil {
			return fmt.Errorf("scan location: %w", err)
		}
		m, err := decodeMetadata(metadata)
		if err != nil {
			return fmt.Errorf("location %d of image %s: %w", loc.ID, imageID, err)
		}
		if img := byID[imageID]; img != nil {
			img.Locations = append(img.Locations, domain.Location{ID: loc.ID, URL: loc.URL, Metadata: m})
		}
	}
	return rows.Err()
}

// decodeMetadata reads the JSON object Glance keeps in meta_data. NULL
// is the empty object, Glance's default. Numbers stay json.Number so
// that writing them back changes nothing.
func decodeMetadata(text []byte) (map[string]any, error) {
	m := map[string]any{}
	if len(bytes.TrimSpace(text)) == 0 {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("bad meta_data: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// encodeMetadata is the meta_data text of m.
func encodeMetadata(m map[string]any) (string, error) {
	if m == nil {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("encode location metadata: %w", err)
	}
	return string(b), nil
}
