package gateway

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// param is one query parameter; queries keep their order because the
// pagination links repeat them as the client sent them.
type param struct{ key, value string }

// parseQuery splits a raw query string, keeping order and repeats.
func parseQuery(raw string) ([]param, error) {
	var out []param
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, newHTTPError(http.StatusBadRequest, "The query string could not be decoded.")
		}
		out = append(out, param{k, v})
	}
	return out, nil
}

// Columns of images that list filters compare with equality.
var intColumns = map[string]bool{"size": true, "virtual_size": true, "min_disk": true, "min_ram": true}
var stringColumns = map[string]bool{"owner": true, "checksum": true, "os_hash_value": true, "os_hash_algo": true, "visibility": true}

// parseListRequest turns GET /v2/images query parameters into a listing
// request, refusing bad values with Glance's 400 messages.
func parseListRequest(params []param) (domain.ListRequest, error) {
	req := domain.ListRequest{Limit: -1}
	f := &req.Filter
	f.MemberStatus = "accepted"
	var sortKeys, sortDirs []string
	var newSort *string
	hidden := "false"
	for _, p := range params {
		k, v := p.key, p.value
		switch {
		case k == "limit":
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return req, newHTTPError(http.StatusBadRequest, "limit param must be an integer")
			}
			if n < 0 {
				return req, newHTTPError(http.StatusBadRequest, "limit param must be positive")
			}
			req.Limit = n
		case k == "marker":
			req.Marker = v
		case k == "member_status":
			switch v {
			case "pending", "accepted", "rejected", "all":
				f.MemberStatus = v
			default:
				return req, newHTTPError(http.StatusBadRequest, "Invalid status: "+v)
			}
		case k == "tag":
			f.Tags = append(f.Tags, strings.TrimSpace(v))
		case k == "sort_key":
			sortKeys = append(sortKeys, strings.TrimSpace(v))
		case k == "sort_dir":
			sortDirs = append(sortDirs, strings.TrimSpace(v))
		case k == "sort":
			s := v
			newSort = &s
		case k == "visibility":
			switch v {
			case "community", "public", "private", "shared", "all":
				f.Visibility = v
			case "":
			default:
				return req, newHTTPError(http.StatusBadRequest, "Invalid visibility value: "+v)
			}
		case k == "changes-since":
			return req, newHTTPError(http.StatusBadRequest, `The "changes-since" filter is no longer available on v2.`)
		case k == "os_hidden":
			hidden = strings.ToLower(v)
		case k == "protected":
			if v != "true" && v != "false" {
				return req, newHTTPError(http.StatusBadRequest, "Invalid value '"+v+"' for 'protected' filter. Valid values are 'true' or 'false'.")
			}
			f.Conditions = setCondition(f.Conditions, domain.Condition{Field: "protected", Op: domain.OpEq, Values: []any{v == "true"}})
		default:
			c, err := parseCondition(k, v)
			if err != nil {
				return req, err
			}
			f.Conditions = setCondition(f.Conditions, c)
		}
	}
	if hidden != "true" && hidden != "false" {
		return req, newHTTPError(http.StatusBadRequest, "Invalid value '"+hidden+"' for 'os_hidden' filter. Valid values are 'true' or 'false'.")
	}
	f.Hidden = hidden == "true"
	sort, err := parseSort(newSort, sortKeys, sortDirs)
	if err != nil {
		return req, err
	}
	req.Sort = sort
	return req, nil
}

// setCondition keeps one condition per field and property: a repeated
// parameter counts once, with its last value, as in Glance.
func setCondition(list []domain.Condition, c domain.Condition) []domain.Condition {
	for i := range list {
		if list[i].Field == c.Field && list[i].Property == c.Property && sameRange(list[i], c) {
			list[i] = c
			return list
		}
	}
	return append(list, c)
}

func sameRange(a, b domain.Condition) bool {
	isMin := func(c domain.Condition) bool { return c.Op == domain.OpGte }
	isMax := func(c domain.Condition) bool { return c.Op == domain.OpLte }
	if intColumns[a.Field] && (isMin(a) || isMax(a) || isMin(b) || isMax(b)) {
		return isMin(a) == isMin(b) && isMax(a) == isMax(b)
	}
	return true
}

func parseCondition(k, v string) (domain.Condition, error) {
	if strings.HasSuffix(k, "_min") || strings.HasSuffix(k, "_max") {
		col := k[:len(k)-4]
		if intColumns[col] {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return domain.Condition{}, newHTTPError(http.StatusBadRequest, "Unable to filter on a range with a non-numeric value.")
			}
			op := domain.OpGte
			if strings.HasSuffix(k, "_max") {
				op = domain.OpLte
			}
			return domain.Condition{Field: col, Op: op, Values: []any{n}}, nil
		}
	}
	switch k {
	case "created_at", "updated_at":
		op, value := splitFilterOp(v)
		t, err := parseISOTime(value)
		if err != nil {
			return domain.Condition{}, newHTTPError(http.StatusBadRequest, `Bad "`+k+`" query filter format. Use ISO 8601 DateTime notation.`)
		}
		switch domain.FilterOp(op) {
		case domain.OpEq, domain.OpNeq, domain.OpGt, domain.OpGte, domain.OpLt, domain.OpLte:
		default:
			return domain.Condition{}, newHTTPError(http.StatusBadRequest, "Unable to filter by unknown operator '"+op+"'.")
		}
		return domain.Condition{Field: k, Op: domain.FilterOp(op), Values: []any{t}}, nil
	case "name", "id", "status", "container_format", "disk_format":
		op, value := splitFilterOp(v)
		switch op {
		case "in":
			values, err := splitQuoted(value)
			if err != nil {
				return domain.Condition{}, err
			}
			list := make([]any, len(values))
			for i, x := range values {
				list[i] = x
			}
			return domain.Condition{Field: k, Op: domain.OpIn, Values: list}, nil
		case "eq":
			return domain.Condition{Field: k, Op: domain.OpEq, Values: []any{value}}, nil
		}
		return domain.Condition{}, newHTTPError(http.StatusBadRequest, "Unable to filter by unknown operator '"+op+"'.")
	}
	if intColumns[k] {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return domain.Condition{}, newHTTPError(http.StatusBadRequest, "Invalid value '"+v+"' for '"+k+"' filter.")
		}
		return domain.Condition{Field: k, Op: domain.OpEq, Values: []any{n}}, nil
	}
	if stringColumns[k] {
		return domain.Condition{Field: k, Op: domain.OpEq, Values: []any{v}}, nil
	}
	return domain.Condition{Field: k, Property: true, Op: domain.OpEq, Values: []any{v}}, nil
}

// splitFilterOp separates "op:value"; a bare ISO timestamp (which holds
// colons) is an equality, as is a value without a colon.
func splitFilterOp(expr string) (string, string) {
	left, right, found := strings.Cut(expr, ":")
	if !found {
		return "eq", expr
	}
	if _, err := parseISOTime(expr); err == nil {
		return "eq", expr
	}
	return left, right
}

// parseISOTime accepts ISO 8601 date-times as oslo's parse_isotime does:
// a date, optionally a time with optional fraction and zone; naive times
// are UTC.
func parseISOTime(s string) (time.Time, error) {
	layouts := []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02T15Z07:00", "2006-01-02", "2006-01-02 15:04:05",
		"20060102T150405Z07:00", "20060102T150405", "20060102"}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, domain.Errorf(domain.KindInvalid, "bad time %q", s)
}

// splitQuoted splits an in: list on commas; values holding commas are
// double-quoted and a quote must sit right after a comma and before one.
func splitQuoted(v string) ([]string, error) {
	bad := func(msg string) error {
		return newHTTPError(http.StatusBadRequest, "Invalid filter value "+v+". "+msg)
	}
	var out []string
	for i := 0; i <= len(v); {
		if i < len(v) && v[i] == '"' {
			var b strings.Builder
			j := i + 1
			for ; j < len(v) && v[j] != '"'; j++ {
				if v[j] == '\\' && j+1 < len(v) {
					j++
				}
				b.WriteByte(v[j])
			}
			if j >= len(v) {
				return nil, bad("The quote is not closed.")
			}
			if j+1 < len(v) && v[j+1] != ',' {
				return nil, bad("There is no comma after closing quotation mark.")
			}
			out = append(out, b.String())
			i = j + 2
			if j+1 == len(v) {
				break
			}
			continue
		}
		end := strings.IndexByte(v[i:], ',')
		var item string
		if end < 0 {
			item, end = v[i:], len(v)-i
		} else {
			item = v[i : i+end]
		}
		if strings.Contains(item, `"`) {
			return nil, bad("There is no comma before opening quotation mark.")
		}
		out = append(out, item)
		i += end + 1
	}
	return out, nil
}

func parseSort(newSort *string, keys, dirs []string) ([]domain.SortKey, error) {
	var out []domain.SortKey
	if newSort != nil {
		if len(keys) > 0 || len(dirs) > 0 {
			return nil, newHTTPError(http.StatusBadRequest, "Old and new sorting syntax cannot be combined")
		}
		for _, part := range strings.Split(strings.TrimSpace(*newSort), ",") {
			k, d, _ := strings.Cut(part, ":")
			if d == "" {
				d = "desc"
			}
			sk, err := sortKey(strings.TrimSpace(k), strings.TrimSpace(d))
			if err != nil {
				return nil, err
			}
			out = append(out, sk)
		}
		return out, nil
	}
	for _, k := range keys {
		if err := checkSortKey(k); err != nil {
			return nil, err
		}
	}
	for _, d := range dirs {
		if d != "asc" && d != "desc" {
			return nil, newHTTPError(http.StatusBadRequest, "Invalid sort direction: "+d)
		}
	}
	if len(dirs) > 1 && len(dirs) != len(keys) {
		return nil, newHTTPError(http.StatusBadRequest, "Number of sort dirs does not match the number of sort keys")
	}
	if len(keys) == 0 {
		keys = []string{"created_at"}
	}
	for i, k := range keys {
		d := "desc"
		switch {
		case len(dirs) == 1:
			d = dirs[0]
		case len(dirs) > 1:
			d = dirs[i]
		}
		out = append(out, domain.SortKey{Key: k, Desc: d == "desc"})
	}
	return out, nil
}

func sortKey(k, d string) (domain.SortKey, error) {
	if err := checkSortKey(k); err != nil {
		return domain.SortKey{}, err
	}
	if d != "asc" && d != "desc" {
		return domain.SortKey{}, newHTTPError(http.StatusBadRequest, "Invalid sort direction: "+d)
	}
	return domain.SortKey{Key: k, Desc: d == "desc"}, nil
}

func checkSortKey(k string) error {
	for _, x := range domain.SortKeys {
		if k == x {
			return nil
		}
	}
	return newHTTPError(http.StatusBadRequest, "Invalid sort key: "+k+". It must be one of the following: "+strings.Join(domain.SortKeys, ", ")+".")
}

// pageLink renders /v2/images with the query as a Python dict of the
// parameters would: one entry per key at its first position, last value.
func pageLink(params []param, marker string) string {
	var keys []string
	values := map[string]string{}
	for _, p := range params {
		if p.key == "marker" && marker == "" {
			continue
		}
		if _, ok := values[p.key]; !ok {
			keys = append(keys, p.key)
		}
		values[p.key] = p.value
	}
	if marker != "" {
		if _, ok := values["marker"]; !ok {
			keys = append(keys, "marker")
		}
		values["marker"] = marker
	}
	if len(keys) == 0 {
		return "/v2/images"
	}
	var b strings.Builder
	b.WriteString("/v2/images?")
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(values[k]))
	}
	return b.String()
}

func (s *Server) listImages(c echo.Context) error {
	params, err := parseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	req, err := parseListRequest(params)
	if err != nil {
		return err
	}
	page, err := s.images.List(ctx(c), req)
	if err != nil {
		return err
	}
	b := make([]byte, 0, 64+900*len(page.Images))
	b = append(b, `{"images": [`...)
	for i, img := range page.Images {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = s.appendImage(b, img)
	}
	b = append(b, `], "first": `...)
	b = schemasString(b, pageLink(params, ""))
	b = append(b, `, "schema": "/v2/schemas/images"`...)
	if page.More && len(page.Images) > 0 {
		b = append(b, `, "next": `...)
		b = schemasString(b, pageLink(params, page.Images[len(page.Images)-1].ID))
	}
	b = append(b, '}')
	return writeJSON(c, http.StatusOK, b)
}

func schemasString(b []byte, s string) []byte { return schemas.AppendString(b, s) }
