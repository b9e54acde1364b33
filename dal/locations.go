package dal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// loadLocations fills the active locations of the images of ids. Ordering
// by (image_id, id) lets both dialects read the image_id index in order
// instead of sorting.
func loadLocations(q *gorm.DB, d dialect, ids []string, byID map[string]*domain.Image) error {
	in, idList := d.inIDs(ids)
	rows, err := q.Raw(`SELECT id, image_id, value, meta_data FROM image_locations
		WHERE image_id `+in+` AND +deleted = 0 AND status = 'active' ORDER BY image_id, id`, idList).Rows()
	if err != nil {
		return fmt.Errorf("load locations: %w", err)
	}
	defer rows.Close()
	var (
		loc     domain.Location
		imageID string
		meta    []byte
		decoded = metadataCache{}
	)
	for rows.Next() {
		if err := rows.Scan(&loc.ID, &imageID, &loc.URL, &meta); err != nil {
			return fmt.Errorf("scan location: %w", err)
		}
		m, err := decoded.get(meta)
		if err != nil {
			return fmt.Errorf("location %d of image %s: %w", loc.ID, imageID, err)
		}
		if img := byID[imageID]; img != nil {
			img.Locations = append(img.Locations, domain.Location{ID: loc.ID, URL: loc.URL, Metadata: m})
		}
	}
	return rows.Err()
}

// metadataCache decodes each distinct meta_data text once per page: the
// locations of one store mostly carry the same few bytes, and decoding
// JSON costs far more than copying a small map.
type metadataCache map[string]map[string]any

// get returns a map of its own for each location, so that changing one
// location's metadata leaves the others alone. Only flat objects, whose
// copies share nothing, are kept.
func (c metadataCache) get(text []byte) (map[string]any, error) {
	if m, ok := c[string(text)]; ok {
		return maps.Clone(m), nil
	}
	m, err := decodeMetadata(text)
	if err != nil {
		return nil, err
	}
	for _, v := range m {
		switch v.(type) {
		case map[string]any, []any:
			return m, nil
		}
	}
	c[string(text)] = m
	return maps.Clone(m), nil
}

// decodeMetadata reads the JSON object Glance keeps in meta_data. NULL
// is the empty object, Glance's default. Numbers stay json.Number so
// that writing them back changes nothing.
func decodeMetadata(text []byte) (map[string]any, error) {
	m := map[string]any{}
	if t := bytes.TrimSpace(text); len(t) == 0 || string(t) == "{}" {
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
