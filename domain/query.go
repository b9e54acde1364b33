package domain

// FilterOp compares a column or property with a value.
type FilterOp string

// Filter operators of Glance's list API.
const (
	OpEq  FilterOp = "eq"
	OpNeq FilterOp = "neq"
	OpGt  FilterOp = "gt"
	OpGte FilterOp = "gte"
	OpLt  FilterOp = "lt"
	OpLte FilterOp = "lte"
	OpIn  FilterOp = "in"
)

// Condition restricts a listing on one images column or one additional
// property.
type Condition struct {
	// Field is an images column (e.g. "name", "size", "created_at") or,
	// when Property is set, the name of an additional property.
	Field    string
	Property bool
	Op       FilterOp
	// Values holds one value, or several for OpIn. Values are typed for
	// their column: string, int64, bool or time.Time.
	Values []any
}

// ImageFilter selects images in a listing.
type ImageFilter struct {
	Conditions []Condition
	// Tags must all be carried by a listed image.
	Tags []string
	// Visibility is "" (public, own, shared-with-me and own community),
	// "all", or one visibility.
	Visibility string
	// MemberStatus restricts shared-with-me images: pending, accepted
	// (default), rejected or all. Ignored for admins.
	MemberStatus string
	// Hidden lists only os_hidden images when true, only others when false.
	Hidden bool
}

// SortKey orders a listing.
type SortKey struct {
	Key  string
	Desc bool
}

// SortKeys are the keys a listing may be sorted by.
var SortKeys = []string{"name", "status", "container_format", "disk_format", "size", "id", "created_at", "updated_at"}

// ListRequest is a listing as the API asks for it.
type ListRequest struct {
	Filter ImageFilter
	// Sort keys as given; the service appends created_at and id.
	Sort []SortKey
	// Limit is the page size; negative means the configured default.
	Limit  int
	Marker string
}

// ImagePage is one page of a listing.
type ImagePage struct {
	Images []*Image
	// More reports that a full page came back, so a next page may exist.
	More bool
}
