package dal

import "context"

// HasImages reports whether the images table holds any row, deleted
// images included: a catalogue that ever held an image is not new.
func (db *DB) HasImages(ctx context.Context) (bool, error) {
	var rows []int
	if err := db.read(ctx).Raw("SELECT 1 FROM images LIMIT 1").Scan(&rows).Error; err != nil {
		return false, internal(err, "Failed to read the images table")
	}
	return len(rows) > 0, nil
}
