package dal

import (
	"cmp"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// On MySQL and MariaDB every statement is a round trip to the server,
// so one image comes in one statement: a UNION ALL of its images row
// and its tag, property and active location rows, told apart by the
// first column. Children put their id and values in string columns of
// the image's shape and leave the rest NULL; they come unsorted (a
// sort makes MariaDB buffer the union) and are put in id order here.
// "deleted + 0" keeps the planner on the image_id indexes: on small
// tables MariaDB otherwise picks the index on deleted, which holds
// every live row.
//
// Three correlated subqueries with JSON_ARRAYAGG (or GROUP_CONCAT), as
// SQLite does it, would also be one statement, but MariaDB builds a
// temporary table for each aggregate: four to ten times the server CPU
// of the union.

// Row kinds: the first column of mysqlImageUnion.
const (
	rowImage = iota
	rowTag
	rowProperty
	rowLocation
)

// mysqlImageUnion selects image id (the first parameter) and, with the
// id again as each of the last three parameters, its children; %s is
// the visibility condition on the image.
var mysqlImageUnion = "SELECT 0, " + mysqlImageColumns + `
	FROM images WHERE images.id = ? AND +images.deleted = 0 AND %s` +
	childRows(rowTag, "value", "NULL", "image_tags WHERE image_id = ? AND deleted + 0 = 0") +
	childRows(rowProperty, "name", "value", "image_properties WHERE image_id = ? AND deleted + 0 = 0") +
	childRows(rowLocation, "value", "meta_data",
		"image_locations WHERE image_id = ? AND deleted + 0 = 0 AND status = 'active'")

// childRows is one UNION ALL part: the kind, the row id in the id
// column, a in the name column, b in the status column (both strings
// in images), NULL in the other fifteen.
func childRows(kind int, a, b, from string) string {
	return fmt.Sprintf("\n\tUNION ALL SELECT %d, CAST(id AS CHAR), %s, NULL, %s%s FROM %s",
		kind, a, b, strings.Repeat(", NULL", 14), from)
}

// unionRow is one row of mysqlImageUnion; every column may be NULL.
type unionRow struct {
	kind                                    int
	id, name, status, disk, container       sql.NullString
	checksum, owner, visibility, algo, hash sql.NullString
	size, virtual, minDisk, minRAM          sql.NullInt64
	protected, hidden                       sql.NullBool
	created, updated                        timestamp
}

func (r *unionRow) dest() []any {
	return []any{&r.kind, &r.id, &r.name, &r.size, &r.status, &r.created, &r.updated, &r.disk,
		&r.container, &r.checksum, &r.owner, &r.minDisk, &r.minRAM, &r.protected, &r.virtual,
		&r.visibility, &r.hidden, &r.algo, &r.hash}
}

// image is the image of a rowImage row.
func (r *unionRow) image() *domain.Image {
	return &domain.Image{
		ID: r.id.String, Name: nullString(&r.name), Status: domain.Status(r.status.String),
		CreatedAt: r.created.Time, UpdatedAt: r.updated.Time,
		DiskFormat: nullString(&r.disk), ContainerFormat: nullString(&r.container),
		Checksum: nullString(&r.checksum), Owner: nullString(&r.owner),
		MinDisk: int(r.minDisk.Int64), MinRAM: int(r.minRAM.Int64), Protected: r.protected.Bool,
		Size: nullInt(&r.size), VirtualSize: nullInt(&r.virtual),
		Visibility: domain.Visibility(r.visibility.String), Hidden: r.hidden.Bool,
		HashAlgo: nullString(&r.algo), HashValue: nullString(&r.hash),
	}
}

// child is a tag, property or location row of the union.
type child struct {
	kind int
	id   int64
	a, b string
}

// lockMySQL locks the row of image id for the rest of the transaction
// q, in a statement of its own: the union of getMySQL reads a
// consistent snapshot, and only a snapshot taken after the lock is
// granted holds the update the lock waited for.
func lockMySQL(q *gorm.DB, d dialect, id string) error {
	var ids []string
	if err := q.Raw("SELECT id FROM images WHERE id = ? AND +deleted = 0"+d.forUpdate(), id).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return notFound(id)
	}
	return nil
}

// getMySQL loads image id if v may see it, with its children, in one
// statement run by query.
func getMySQL(query queryFunc, id string, v domain.Viewer) (*domain.Image, error) {
	cond, condArgs := visibleTo(v, "")
	args := append(append([]any{id}, condArgs...), id, id, id)
	rows, err := query(fmt.Sprintf(mysqlImageUnion, cond), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		img      *domain.Image
		children []child
	)
	for rows.Next() {
		// A row of its own each time: the image points into it.
		row := &unionRow{}
		if err := rows.Scan(row.dest()...); err != nil {
			return nil, fmt.Errorf("scan image: %w", err)
		}
		if row.kind == rowImage {
			img = row.image()
			continue
		}
		n, err := strconv.ParseInt(row.id.String, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("child row id: %w", err)
		}
		children = append(children, child{kind: row.kind, id: n, a: row.name.String, b: row.status.String})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if img == nil {
		return nil, notFound(id)
	}
	return img, addChildren(img, children)
}

// addChildren fills img's tags, properties and locations from children,
// in row-id order within each kind.
func addChildren(img *domain.Image, children []child) error {
	byKindAndID := func(x, y child) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), cmp.Compare(x.id, y.id))
	}
	if !slices.IsSortedFunc(children, byKindAndID) {
		slices.SortFunc(children, byKindAndID)
	}
	var meta metadataCache
	for _, c := range children {
		switch c.kind {
		case rowTag:
			// Rows Glance wrote concurrently may repeat a tag.
			img.AddTag(c.a)
		case rowProperty:
			img.Properties = append(img.Properties, domain.Property{Name: c.a, Value: c.b})
		case rowLocation:
			if meta == nil {
				meta = metadataCache{}
			}
			m, err := meta.get([]byte(c.b))
			if err != nil {
				return fmt.Errorf("location %d of image %s: %w", c.id, img.ID, err)
			}
			img.Locations = append(img.Locations, domain.Location{ID: c.id, URL: c.a, Metadata: m})
		default:
			return fmt.Errorf("image %s: unknown row kind %d", img.ID, c.kind)
		}
	}
	return nil
}
