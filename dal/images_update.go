package dal

import (
	"context"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

func (r *imageRepo) Update(ctx context.Context, id string, v domain.Viewer, now time.Time,
	change func(*domain.Image) error) (*domain.Image, error) {
	var stored *domain.Image
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		loaded, err := r.get(tx, id, v, true)
		if err != nil {
			return err
		}
		stored, err = r.store(tx, loaded, now, change, false)
		return err
	})
	if err != nil {
		return nil, internal(err, "Failed to update the image")
	}
	return stored, nil
}

func (r *imageRepo) UpdateLoaded(ctx context.Context, loaded *domain.Image, now time.Time,
	change func(*domain.Image) error) (*domain.Image, error) {
	var stored *domain.Image
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		var err error
		stored, err = r.store(tx, loaded, now, change, true)
		return err
	})
	if err != nil {
		return nil, internal(err, "Failed to update the image")
	}
	return stored, nil
}

// store calls change on a copy of loaded and writes what it altered. It
// returns the image as stored, not read back: times as the column keeps
// them, new locations with their ids. When loaded may be stale, a
// status that moved is told apart from an image that is gone.
func (r *imageRepo) store(tx *gorm.DB, loaded *domain.Image, now time.Time,
	change func(*domain.Image) error, stale bool) (*domain.Image, error) {
	id := loaded.ID
	changed := loaded.Clone()
	if err := change(changed); err != nil {
		return nil, err
	}
	if changed.ID != id {
		return nil, domain.Errorf(domain.KindInternal, "An update may not change the image id.")
	}
	if r.beforeWrite != nil {
		if err := r.beforeWrite(tx, id); err != nil {
			return nil, err
		}
	}
	if err := r.writeImage(tx, loaded, changed, now); err != nil {
		if stale && domain.IsKind(err, domain.KindConflict) {
			return nil, r.casFailure(tx, id, loaded.Status, changed.Status)
		}
		return nil, err
	}
	c := children{tx: tx, d: r.db.dialect, id: id, now: now}
	if err := writeTags(c, loaded.Tags, changed.Tags); err != nil {
		return nil, err
	}
	if err := writeProperties(c, loaded.Properties, changed.Properties); err != nil {
		return nil, err
	}
	if err := writeLocations(c, loaded.Locations, changed.Locations); err != nil {
		return nil, err
	}
	// A copy: change may still hold the image it was given.
	stored := changed.Clone()
	stored.UpdatedAt = r.db.dialect.kept(now)
	return stored, nil
}

// kept is t as a DATETIME column of the dialect keeps it (see at).
func (d dialect) kept(t time.Time) time.Time {
	if d == sqlite {
		return t.UTC().Truncate(time.Microsecond)
	}
	return t.UTC().Truncate(time.Second)
}

// writeImage updates the columns change altered, and updated_at, as a
// compare-and-swap on the loaded status: no row matches if the status
// moved since it was loaded.
func (r *imageRepo) writeImage(tx *gorm.DB, loaded, changed *domain.Image, now time.Time) error {
	d := r.db.dialect
	sets := []string{"updated_at = ?"}
	args := []any{d.at(now)}
	set := func(column string, from, to any) {
		if !reflect.DeepEqual(from, to) {
			sets = append(sets, column+" = ?")
			args = append(args, to)
		}
	}
	set("name", loaded.Name, changed.Name)
	set("status", string(loaded.Status), string(changed.Status))
	set("visibility", string(loaded.Visibility), string(changed.Visibility))
	set("protected", loaded.Protected, changed.Protected)
	set("os_hidden", loaded.Hidden, changed.Hidden)
	set("checksum", loaded.Checksum, changed.Checksum)
	set("os_hash_algo", loaded.HashAlgo, changed.HashAlgo)
	set("os_hash_value", loaded.HashValue, changed.HashValue)
	set("owner", loaded.Owner, changed.Owner)
	set("size", loaded.Size, changed.Size)
	set("virtual_size", loaded.VirtualSize, changed.VirtualSize)
	set("container_format", loaded.ContainerFormat, changed.ContainerFormat)
	set("disk_format", loaded.DiskFormat, changed.DiskFormat)
	set("min_disk", loaded.MinDisk, changed.MinDisk)
	set("min_ram", loaded.MinRAM, changed.MinRAM)
	args = append(args, loaded.ID, string(loaded.Status))
	res := tx.Exec("UPDATE images SET "+strings.Join(sets, ", ")+
		" WHERE id = ? AND status = ? AND +deleted = 0", args...)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.KindConflict, "Image status transition from %s to %s is not allowed",
			loaded.Status, changed.Status)
	}
	return nil
}

func writeTags(c children, loaded, changed []string) error {
	var added, removed []string
	for _, t := range changed {
		if !contains(loaded, t) {
			added = append(added, t)
		}
	}
	for _, t := range loaded {
		if !contains(changed, t) {
			removed = append(removed, t)
		}
	}
	if err := c.deleteTags(removed); err != nil {
		return err
	}
	return c.insertTags(added)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeProperties(c children, loaded, changed domain.Properties) error {
	var removed []string
	for _, p := range loaded {
		if _, ok := changed.Get(p.Name); !ok {
			removed = append(removed, p.Name)
		}
	}
	if err := c.deleteProperties(removed); err != nil {
		return err
	}
	for _, p := range changed {
		if old, ok := loaded.Get(p.Name); ok && old == p.Value {
			continue
		}
		if err := c.setProperty(p.Name, p.Value); err != nil {
			return err
		}
	}
	return nil
}

// writeLocations matches locations by id: a loaded one that is gone is
// marked deleted, one whose URL or metadata changed is rewritten, and
// one without a known id is inserted and gets its new id in changed.
func writeLocations(c children, loaded, changed []domain.Location) error {
	old := make(map[int64]domain.Location, len(loaded))
	for _, l := range loaded {
		old[l.ID] = l
	}
	kept := make(map[int64]bool, len(changed))
	var added []*domain.Location
	for i := range changed {
		l := changed[i]
		prev, ok := old[l.ID]
		if l.ID == 0 || !ok || kept[l.ID] {
			added = append(added, &changed[i])
			continue
		}
		kept[l.ID] = true
		same, err := sameLocation(prev, l)
		if err != nil {
			return err
		}
		if !same {
			if err := c.updateLocation(l); err != nil {
				return err
			}
		}
	}
	var removed []int64
	for _, l := range loaded {
		if !kept[l.ID] {
			removed = append(removed, l.ID)
		}
	}
	if err := c.deleteLocations(removed); err != nil {
		return err
	}
	for _, l := range added {
		if err := insertLocation(c, l); err != nil {
			return err
		}
	}
	return nil
}

// insertLocation inserts l as an active location and sets its id.
func insertLocation(c children, l *domain.Location) error {
	meta, err := encodeMetadata(l.Metadata)
	if err != nil {
		return err
	}
	at := c.d.at(c.now)
	res, err := c.tx.Statement.ConnPool.ExecContext(c.tx.Statement.Context, `INSERT INTO image_locations
		(image_id, value, meta_data, status, created_at, updated_at, deleted)
		VALUES (?, ?, ?, 'active', ?, ?, 0)`, c.id, l.URL, meta, at, at)
	if err != nil {
		return err
	}
	l.ID, err = res.LastInsertId()
	return err
}

func sameLocation(a, b domain.Location) (bool, error) {
	if a.URL != b.URL {
		return false, nil
	}
	ma, err := encodeMetadata(a.Metadata)
	if err != nil {
		return false, err
	}
	mb, err := encodeMetadata(b.Metadata)
	return ma == mb, err
}
