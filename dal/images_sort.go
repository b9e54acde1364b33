package dal

import (
	"strings"

	"github.com/go-glance/glance/domain"
)

// sortColumn is how one sort key orders images. NULL must order the
// same way in ORDER BY and in the keyset condition, or pages skip or
// repeat rows: nullable text and number columns order as ” and 0 (as
// Glance compares a marker's NULLs), through the same COALESCE in both
// places. DATETIME has no such empty value, so a NULL updated_at orders
// first, as both dialects order NULL in ORDER BY, and the keyset spells
// that out.
type sortColumn struct {
	expr string
	// nullable marks an expression that may be NULL (updated_at).
	nullable bool
	desc     bool
	// value is the marker's value of the column: a parameter, or nil for
	// NULL.
	value func(d dialect, img *domain.Image) any
}

func text(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var sortColumns = map[string]sortColumn{
	"name": {expr: "COALESCE(images.name, '')",
		value: func(_ dialect, img *domain.Image) any { return text(img.Name) }},
	"status": {expr: "images.status",
		value: func(_ dialect, img *domain.Image) any { return string(img.Status) }},
	"container_format": {expr: "COALESCE(images.container_format, '')",
		value: func(_ dialect, img *domain.Image) any { return text(img.ContainerFormat) }},
	"disk_format": {expr: "COALESCE(images.disk_format, '')",
		value: func(_ dialect, img *domain.Image) any { return text(img.DiskFormat) }},
	"size": {expr: "COALESCE(images.size, 0)",
		value: func(_ dialect, img *domain.Image) any {
			if img.Size == nil {
				return int64(0)
			}
			return *img.Size
		}},
	"id": {expr: "images.id",
		value: func(_ dialect, img *domain.Image) any { return img.ID }},
	"created_at": {expr: "images.created_at",
		value: func(d dialect, img *domain.Image) any { return d.at(img.CreatedAt) }},
	"updated_at": {expr: "images.updated_at", nullable: true,
		value: func(d dialect, img *domain.Image) any {
			if img.UpdatedAt.IsZero() {
				return nil
			}
			return d.at(img.UpdatedAt)
		}},
}

// sortColumnsOf resolves sort keys, ending with id so that the order is
// total and keyset pages neither skip nor repeat rows. Returns Invalid
// for an unknown key.
func sortColumnsOf(keys []domain.SortKey) ([]sortColumn, error) {
	if len(keys) == 0 {
		keys = []domain.SortKey{{Key: "created_at", Desc: true}}
	}
	cols := make([]sortColumn, 0, len(keys)+1)
	hasID := false
	for _, k := range keys {
		c, ok := sortColumns[k.Key]
		if !ok {
			return nil, domain.Errorf(domain.KindInvalid, "Invalid sort key: %s.", k.Key)
		}
		c.desc = k.Desc
		cols = append(cols, c)
		hasID = hasID || k.Key == "id"
	}
	if !hasID {
		id := sortColumns["id"]
		id.desc = keys[len(keys)-1].Desc
		cols = append(cols, id)
	}
	return cols, nil
}

// addKeyset restricts to rows strictly after marker in the order of
// cols: (k1 after m1) OR (k1 = m1 AND k2 after m2) OR ...
func addKeyset(w *where, d dialect, cols []sortColumn, marker *domain.Image) {
	values := make([]any, len(cols))
	for i, c := range cols {
		values[i] = c.value(d, marker)
	}
	var ors []string
	var args []any
	for i, c := range cols {
		ands := make([]string, 0, i+1)
		for j := 0; j < i; j++ {
			cond, a := equal(cols[j], values[j])
			ands = append(ands, cond)
			args = append(args, a...)
		}
		cond, a := after(c, values[i])
		ands = append(ands, cond)
		args = append(args, a...)
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	w.add("("+strings.Join(ors, " OR ")+")", args...)
}

func equal(c sortColumn, v any) (string, []any) {
	if v == nil {
		return c.expr + " IS NULL", nil
	}
	return c.expr + " = ?", []any{v}
}

// after is the condition for rows past v in c's direction, NULL being
// the least value.
func after(c sortColumn, v any) (string, []any) {
	switch {
	case !c.desc && v == nil:
		return c.expr + " IS NOT NULL", nil
	case !c.desc:
		return c.expr + " > ?", []any{v}
	case v == nil:
		return "1 = 0", nil
	case c.nullable:
		return "(" + c.expr + " < ? OR " + c.expr + " IS NULL)", []any{v}
	default:
		return c.expr + " < ?", []any{v}
	}
}
