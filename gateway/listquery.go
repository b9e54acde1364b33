package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
	"github.com/labstack/echo/v4"
)

// param is one query parameter; queries keep their order because the
// pagination links repeat them as the client sent them.
type param struct{ key, value string }

// parseQuery splits a raw query string as WebOb does, keeping order and
// repeats: "&" and ";" both separate pairs, "+" is a space and a "%" not
// followed by two hex digits is kept as it is. A query that does not
// decode as UTF-8 is Glance's 400.
func parseQuery(raw string) ([]param, error) {
	var out []param
	for _, kv := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(kv, "=")
		k, v = unquoteQuery(k), unquoteQuery(v)
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, newHTTPError(http.StatusBadRequest, "Error decoding your request. Either the URL or the request body contained characters that could not be decoded by Glance")
		}
		out = append(out, param{k, v})
	}
	return out, nil
}

func unquoteQuery(s string) string {
	if !strings.ContainsAny(s, "+%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			b = append(b, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
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
			// Python's int has no overflow: a huge limit is just capped.
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil && !errors.Is(err, strconv.ErrRange) {
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
			// Glance's evaluate_filter_op words this one differently.
			return domain.Condition{}, newHTTPError(http.StatusBadRequest, "Unable to filter on a unknown operator.")
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

// isoDateTime is pyiso8601's grammar, which oslo's parse_isotime uses:
// year, then optionally month, day, time, fraction and zone, each in the
// basic or extended form. Go's regexp picks the same submatches as
// Python's backtracking would. Groups: 1 year, 2-3 month (dashed or not),
// 4-5 day, 6 hour, 7 minute, 8 second, 9 fraction, 10 zone, 11 sign,
// 12 zone hours, 13 zone minutes. The trailing "\n?" is Python's "$".
var isoDateTime = regexp.MustCompile(`^([0-9]{4})` +
	`(?:(?:-([0-9]{1,2})|([0-9]{2}))` +
	`(?:(?:-([0-9]{1,2})|([0-9]{2}))` +
	`(?:[ T]([0-9]{2})(?::?([0-9]{2}))?(?::?([0-9]{1,2})(?:[.,]([0-9]+))?)?` +
	`(Z|([-+])([0-9]{2}):?([0-9]{2})?)?)?)?)?\n?$`)

// parseISOTime parses s as oslo's parse_isotime does, then normalises it
// to UTC; naive times are UTC and fractions keep whole microseconds.
func parseISOTime(s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, domain.Errorf(domain.KindInvalid, "bad time %q", s)
	}
	m := isoDateTime.FindStringSubmatchIndex(s)
	if m == nil {
		return bad()
	}
	num := func(g, def int) int {
		if m[2*g] < 0 {
			return def
		}
		n, _ := strconv.Atoi(s[m[2*g]:m[2*g+1]])
		return n
	}
	// pyiso8601 refuses YYYYMM, the undashed month at the very end.
	if end := m[7]; end >= 0 && (end == len(s) || end == len(s)-1 && s[end] == '\n') {
		return bad()
	}
	year, month, day := num(1, 0), num(2, num(3, 1)), num(4, num(5, 1))
	hour, minute, second := num(6, 0), num(7, 0), num(8, 0)
	micro := 0
	if m[18] >= 0 {
		frac := s[m[18]:m[19]] + "000000"
		micro, _ = strconv.Atoi(frac[:6])
	}
	offset := 0
	if m[22] >= 0 {
		offset = num(12, 0)*60 + num(13, 0)
		if s[m[22]] == '-' {
			offset = -offset
		}
	}
	// Python's datetime and timezone refuse what time.Date would
	// normalise.
	if year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || second > 59 || offset <= -24*60 || offset >= 24*60 {
		return bad()
	}
	zone := time.FixedZone("", offset*60)
	return time.Date(year, time.Month(month), day, hour, minute, second, micro*1000, zone).UTC(), nil
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// inValue is a token of Glance's split_filter_value_for_quotes: a
// double-quoted run (backslash escapes kept as sent), else a run up to
// the next comma, or a lone comma for an empty value.
var inValue = regexp.MustCompile(`"([^"\\]*(?:\\.[^"\\]*)*)",?|([^,]+),?|,`)

// splitQuoted splits an in: list as Glance does: values holding commas
// are double-quoted, an opening quote must follow a comma and a closing
// one precede a comma; a quote after a backslash is not a quote.
func splitQuoted(v string) ([]string, error) {
	bad := func(msg string) error {
		return newHTTPError(http.StatusBadRequest, "Invalid filter value "+v+". "+msg)
	}
	open := true
	for i := 0; i < len(v); i++ {
		if v[i] != '"' || i > 0 && v[i-1] == '\\' {
			continue
		}
		if open && i > 0 && v[i-1] != ',' {
			return nil, bad("There is no comma before opening quotation mark.")
		}
		if !open && i+1 != len(v) && v[i+1] != ',' {
			return nil, bad("There is no comma after closing quotation mark.")
		}
		open = !open
	}
	if !open {
		return nil, bad("The quote is not closed.")
	}
	out := []string{}
	for _, m := range inValue.FindAllStringSubmatch(v, -1) {
		out = append(out, m[1]+m[2])
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
// Glance pops marker from the dict and sets it again, so it comes last.
func pageLink(params []param, marker string) string {
	var keys []string
	values := map[string]string{}
	for _, p := range params {
		if p.key == "marker" {
			continue
		}
		if _, ok := values[p.key]; !ok {
			keys = append(keys, p.key)
		}
		values[p.key] = p.value
	}
	if marker != "" {
		keys = append(keys, "marker")
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
