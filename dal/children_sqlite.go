package dal

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// On SQLite every column of every row crosses from C to Go on its own
// (three cgo calls for a text value), which made a page of 1000 images
// with ten properties cost more in those crossings than in SQLite. So
// SQLite hands over each image's tags and properties as one JSON array.
//
// The arrays must list rows in id order. INDEXED BY makes SQLite walk
// the image_id index, whose entries for one image follow the rowid,
// which is id; json_group_array appends rows as they come, and GROUP BY
// image_id then needs no sorting. (An ORDER BY inside the aggregate
// would state the order too, but makes SQLite sort every group, at a
// third of the query's time.) The conformance suite checks the order.

func loadTagsSQLite(q *gorm.DB, ids []string, byID map[string]*domain.Image) error {
	return loadJSONArrays(q, `SELECT image_id, json_group_array(value) FROM image_tags INDEXED BY ix_image_tags_image_id
		WHERE image_id IN (SELECT value FROM json_each(?)) AND +deleted = 0 GROUP BY image_id`, ids, byID, "tags",
		func(img *domain.Image, values []string) error {
			for _, v := range values {
				// Rows Glance wrote concurrently may repeat a tag.
				img.AddTag(v)
			}
			return nil
		})
}

func loadPropertiesSQLite(q *gorm.DB, ids []string, byID map[string]*domain.Image) error {
	return loadJSONArrays(q, `SELECT image_id, json_group_array(json_array(name, value))
		FROM image_properties INDEXED BY ix_image_properties_image_id WHERE image_id IN (SELECT value FROM json_each(?))
		AND +deleted = 0 GROUP BY image_id`, ids, byID, "properties",
		func(img *domain.Image, values []string) error {
			if len(values)%2 != 0 {
				return fmt.Errorf("odd number of strings")
			}
			img.Properties = make(domain.Properties, 0, len(values)/2)
			for i := 0; i < len(values); i += 2 {
				img.Properties = append(img.Properties, domain.Property{Name: values[i], Value: values[i+1]})
			}
			return nil
		})
}

// loadJSONArrays runs query, whose rows are an image id and a JSON array
// for it, and hands each image the array's strings. The query's one
// parameter is ids, as SQLite's dialect.inIDs passes them.
func loadJSONArrays(q *gorm.DB, query string, ids []string, byID map[string]*domain.Image, what string,
	set func(img *domain.Image, values []string) error) error {
	_, idList := sqlite.inIDs(ids)
	rows, err := q.Raw(query, idList).Rows()
	if err != nil {
		return fmt.Errorf("load %s: %w", what, err)
	}
	defer rows.Close()
	var (
		id, list string
		values   []string
	)
	for rows.Next() {
		if err := rows.Scan(&id, &list); err != nil {
			return fmt.Errorf("scan %s: %w", what, err)
		}
		img := byID[id]
		if img == nil {
			continue
		}
		if values, err = jsonStrings(list, values[:0]); err != nil {
			return fmt.Errorf("%s of image %s: %w", what, id, err)
		}
		if err := set(img, values); err != nil {
			return fmt.Errorf("%s of image %s: %w", what, id, err)
		}
	}
	return rows.Err()
}
