package dal

import (
	"database/sql"
	"fmt"
	"strconv"

	"github.com/go-glance/glance/domain"
)

// On SQLite every column of every row crosses from C to Go on its own
// (three cgo calls for a text value), and every statement costs several
// more crossings. So an image's tags, properties and locations come in
// the image's own row, as three JSON arrays built by correlated
// subqueries (sqliteImageColumns): one statement loads an image or a
// page, with a handful of columns per image.
//
// The arrays must list rows in id order. INDEXED BY makes SQLite walk
// the image_id index, whose entries for one image follow the rowid,
// which is id, and json_group_array appends rows as they come. (An
// ORDER BY inside the aggregate would state the order too, but makes
// SQLite sort every group.) The conformance suite checks the order.

// sqliteChildren decodes the child arrays of the rows of one query.
type sqliteChildren struct {
	values []string      // reused between arrays
	meta   metadataCache // location metadata, decoded once per query
	lists  [3]string     // tags, properties, locations of the current row
}

// scan reads one row of sqliteImageColumns.
func (c *sqliteChildren) scan(rows *sql.Rows) (*domain.Image, error) {
	r := &imageRow{}
	dest := append(r.dest(), &c.lists[0], &c.lists[1], &c.lists[2])
	if err := rows.Scan(dest...); err != nil {
		return nil, fmt.Errorf("scan image: %w", err)
	}
	img := r.image()
	if err := c.fill(img); err != nil {
		return nil, fmt.Errorf("image %s: %w", img.ID, err)
	}
	return img, nil
}

func (c *sqliteChildren) fill(img *domain.Image) error {
	var err error
	if c.values, err = jsonStrings(c.lists[0], c.values[:0]); err != nil {
		return fmt.Errorf("tags: %w", err)
	}
	for _, v := range c.values {
		// Rows Glance wrote concurrently may repeat a tag.
		img.AddTag(v)
	}

	if c.values, err = jsonStrings(c.lists[1], c.values[:0]); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	if len(c.values)%2 != 0 {
		return fmt.Errorf("properties: odd number of strings")
	}
	if len(c.values) > 0 {
		img.Properties = make(domain.Properties, 0, len(c.values)/2)
		for i := 0; i < len(c.values); i += 2 {
			img.Properties = append(img.Properties, domain.Property{Name: c.values[i], Value: c.values[i+1]})
		}
	}

	if c.values, err = jsonStrings(c.lists[2], c.values[:0]); err != nil {
		return fmt.Errorf("locations: %w", err)
	}
	if len(c.values)%3 != 0 {
		return fmt.Errorf("locations: not triples")
	}
	for i := 0; i < len(c.values); i += 3 {
		id, err := strconv.ParseInt(c.values[i], 10, 64)
		if err != nil {
			return fmt.Errorf("location id: %w", err)
		}
		if c.meta == nil {
			c.meta = metadataCache{}
		}
		m, err := c.meta.get([]byte(c.values[i+2]))
		if err != nil {
			return fmt.Errorf("location %d: %w", id, err)
		}
		img.Locations = append(img.Locations, domain.Location{ID: id, URL: c.values[i+1], Metadata: m})
	}
	return nil
}
