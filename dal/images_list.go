package dal

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-glance/glance/domain"
)

func (r *imageRepo) List(ctx context.Context, q domain.ImageQuery) ([]*domain.Image, error) {
	query, args, err := listQuery(r.db.dialect, q)
	if err != nil || q.Limit == 0 {
		return nil, err
	}
	images, err := queryImages(r.db.read(ctx), r.db.dialect, query, args...)
	return images, internal(err, "Failed to list images")
}

// where accumulates the AND-ed conditions of a query and their args.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// listQuery builds the SELECT of one page: Glance's base visible set and
// filters (glance-api.md §5), ordered by q.Sort, strictly after q.After,
// at most q.Limit rows (all when negative).
func listQuery(d dialect, q domain.ImageQuery) (string, []any, error) {
	var w where
	w.add("+images.deleted = 0")
	w.add("images.status <> 'killed'")
	if q.Filter.Hidden {
		w.add("+images.os_hidden = 1")
	} else {
		w.add("+images.os_hidden = 0")
	}
	if err := addVisibility(&w, q.Viewer, q.Filter); err != nil {
		return "", nil, err
	}
	for _, c := range q.Filter.Conditions {
		if err := addCondition(&w, d, c); err != nil {
			return "", nil, err
		}
	}
	for _, tag := range q.Filter.Tags {
		w.add(`EXISTS (SELECT 1 FROM image_tags
			WHERE image_tags.image_id = images.id AND +image_tags.deleted = 0 AND image_tags.value = ?)`, tag)
	}
	keys, err := sortColumnsOf(q.Sort)
	if err != nil {
		return "", nil, err
	}
	if q.After != nil {
		addKeyset(&w, d, keys, q.After)
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(d.imageColumns())
	b.WriteString(" FROM images WHERE ")
	b.WriteString(strings.Join(w.conds, " AND "))
	b.WriteString(" ORDER BY ")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k.expr)
		if k.desc {
			b.WriteString(" DESC")
		} else {
			b.WriteString(" ASC")
		}
	}
	args := w.args
	if q.Limit > 0 {
		b.WriteString(" LIMIT ?")
		args = append(args, q.Limit)
	}
	return b.String(), args, nil
}

// addVisibility adds the base visible set and the visibility filter:
// without one, community images show only to their owner; "all" keeps
// every visible image; a visibility keeps only those images.
func addVisibility(w *where, v domain.Viewer, f domain.ImageFilter) error {
	status := f.MemberStatus
	switch status {
	case "":
		status = "accepted"
	case "all":
		status = ""
	case "pending", "accepted", "rejected":
	default:
		return domain.Errorf(domain.KindInvalid, "Invalid member_status value: %s", f.MemberStatus)
	}
	if v.Admin {
		status = ""
	}
	cond, args := visibleTo(v, status)
	if !v.Admin {
		w.add(cond, args...)
	}
	switch f.Visibility {
	case "all":
	case "":
		if v.ProjectID == "" {
			w.add("images.visibility <> 'community'")
		} else {
			w.add("(images.visibility <> 'community' OR images.owner = ?)", v.ProjectID)
		}
	default:
		if !domain.Visibility(f.Visibility).Valid() {
			return domain.Errorf(domain.KindInvalid, "Invalid visibility value: %s", f.Visibility)
		}
		w.add("images.visibility = ?", f.Visibility)
	}
	return nil
}

// filterColumns are the images columns a listing may filter on.
var filterColumns = map[string]bool{
	"id": true, "name": true, "size": true, "status": true, "created_at": true, "updated_at": true,
	"deleted_at": true, "deleted": true, "disk_format": true, "container_format": true,
	"checksum": true, "owner": true, "min_disk": true, "min_ram": true, "protected": true,
	"virtual_size": true, "visibility": true, "os_hidden": true, "os_hash_algo": true,
	"os_hash_value": true,
}

var operators = map[domain.FilterOp]string{
	domain.OpEq: "=", domain.OpNeq: "<>", domain.OpGt: ">", domain.OpGte: ">=",
	domain.OpLt: "<", domain.OpLte: "<=",
}

// addCondition adds one column or property condition. Property
// conditions are EXISTS subqueries, so an image matches once however
// many conditions it meets.
func addCondition(w *where, d dialect, c domain.Condition) error {
	var expr string
	if c.Property {
		expr = "image_properties.value"
	} else {
		if !filterColumns[c.Field] {
			return domain.Errorf(domain.KindInvalid, "Unknown filter field: %s", c.Field)
		}
		expr = "images." + c.Field
	}
	values := make([]any, len(c.Values))
	for i, v := range c.Values {
		values[i] = filterValue(d, v, c.Property)
	}
	var cond string
	var args []any
	switch {
	case c.Op == domain.OpIn:
		if len(values) == 0 {
			cond = "1 = 0"
		} else {
			cond, args = expr+" IN ?", []any{values}
		}
	case operators[c.Op] == "":
		return domain.Errorf(domain.KindInvalid, "Unable to filter by unknown operator '%s'.", c.Op)
	case len(values) != 1:
		return domain.Errorf(domain.KindInvalid, "Filter %s needs one value.", c.Field)
	case values[0] == nil && c.Op == domain.OpEq:
		cond = expr + " IS NULL"
	case values[0] == nil && c.Op == domain.OpNeq:
		cond = expr + " IS NOT NULL"
	case values[0] == nil:
		cond = "1 = 0"
	default:
		cond, args = expr+" "+operators[c.Op]+" ?", values
	}
	if c.Property {
		w.add(`EXISTS (SELECT 1 FROM image_properties
			WHERE image_properties.image_id = images.id AND +image_properties.deleted = 0
			AND image_properties.name = ? AND `+cond+")", append([]any{c.Field}, args...)...)
		return nil
	}
	w.add(cond, args...)
	return nil
}

// filterValue is the parameter for a filter value. Property values are
// text, so any value compares as its text.
func filterValue(d dialect, v any, property bool) any {
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		if property {
			return x.UTC().Format(time.RFC3339)
		}
		return d.at(x)
	case string:
		return x
	}
	if property {
		return fmt.Sprint(v)
	}
	return v
}
