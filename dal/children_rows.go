package dal

import (
	"database/sql"
	"fmt"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// The loaders here read one row per tag or property: MySQL's driver is
// plain Go, so rows cost little. SQLite's are in children_sqlite.go.

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
