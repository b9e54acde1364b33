package dal

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// rowsPerInsert bounds multi-row INSERTs so that their parameters stay
// far below SQLite's limit.
const rowsPerInsert = 200

// children writes the tag, property and location rows of one image in
// a transaction. Rows are soft-deleted as Glance does: deleted = 1 and
// deleted_at set, never removed.
type children struct {
	tx  *gorm.DB
	d   dialect
	id  string
	now time.Time
}

func (c children) insertTags(tags []string) error {
	at := c.d.at(c.now)
	for start := 0; start < len(tags); start += rowsPerInsert {
		chunk := tags[start:min(start+rowsPerInsert, len(tags))]
		args := make([]any, 0, 4*len(chunk))
		for _, t := range chunk {
			args = append(args, c.id, t, at, at)
		}
		if err := c.tx.Exec(`INSERT INTO image_tags (image_id, value, created_at, updated_at, deleted)
			VALUES `+placeholders(len(chunk), "(?, ?, ?, ?, 0)"), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// deleteTags soft-deletes every live row of each tag.
func (c children) deleteTags(tags []string) error {
	if len(tags) == 0 {
		return nil
	}
	at := c.d.at(c.now)
	return c.tx.Exec(`UPDATE image_tags SET deleted = 1, deleted_at = ?, updated_at = ?
		WHERE image_id = ? AND value IN ? AND +deleted = 0`, at, at, c.id, tags).Error
}

func (c children) insertProperties(props domain.Properties) error {
	at := c.d.at(c.now)
	for start := 0; start < len(props); start += rowsPerInsert {
		chunk := props[start:min(start+rowsPerInsert, len(props))]
		args := make([]any, 0, 5*len(chunk))
		for _, p := range chunk {
			args = append(args, c.id, p.Name, p.Value, at, at)
		}
		if err := c.tx.Exec(`INSERT INTO image_properties (image_id, name, value, created_at, updated_at, deleted)
			VALUES `+placeholders(len(chunk), "(?, ?, ?, ?, ?, 0)"), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// setProperty stores name = value, live. The unique index on (image_id,
// name) spans soft-deleted rows, so a name that was removed before is
// brought back by updating its row rather than inserting a new one.
func (c children) setProperty(name, value string) error {
	at := c.d.at(c.now)
	res := c.tx.Exec(`UPDATE image_properties SET value = ?, deleted = 0, deleted_at = NULL, updated_at = ?
		WHERE image_id = ? AND name = ?`, value, at, c.id, name)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.Error
	}
	return c.insertProperties(domain.Properties{{Name: name, Value: value}})
}

func (c children) deleteProperties(names []string) error {
	if len(names) == 0 {
		return nil
	}
	at := c.d.at(c.now)
	return c.tx.Exec(`UPDATE image_properties SET deleted = 1, deleted_at = ?, updated_at = ?
		WHERE image_id = ? AND name IN ? AND +deleted = 0`, at, at, c.id, names).Error
}

// insertLocations inserts active locations, one statement each: images
// have one location or a few.
func (c children) insertLocations(locs []domain.Location) error {
	at := c.d.at(c.now)
	for _, l := range locs {
		meta, err := encodeMetadata(l.Metadata)
		if err != nil {
			return err
		}
		if err := c.tx.Exec(`INSERT INTO image_locations (image_id, value, meta_data, status, created_at,
			updated_at, deleted) VALUES (?, ?, ?, 'active', ?, ?, 0)`, c.id, l.URL, meta, at, at).Error; err != nil {
			return err
		}
	}
	return nil
}

func (c children) updateLocation(l domain.Location) error {
	meta, err := encodeMetadata(l.Metadata)
	if err != nil {
		return err
	}
	return c.tx.Exec(`UPDATE image_locations SET value = ?, meta_data = ?, updated_at = ?
		WHERE id = ? AND image_id = ?`, l.URL, meta, c.d.at(c.now), l.ID, c.id).Error
}

// deleteLocations marks locations deleted, as Glance does when a
// location is removed from an image.
func (c children) deleteLocations(ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	at := c.d.at(c.now)
	return c.tx.Exec(`UPDATE image_locations SET status = 'deleted', deleted = 1, deleted_at = ?, updated_at = ?
		WHERE image_id = ? AND id IN ? AND +deleted = 0`, at, at, c.id, ids).Error
}

// placeholders returns n comma-separated groups of group.
func placeholders(n int, group string) string {
	var b strings.Builder
	b.Grow(n * (len(group) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(group)
	}
	return b.String()
}
