package configs

import (
	"errors"
	"slices"
	"strconv"
	"strings"
)

// parseInt reads a base-10 integer within [lo, hi]; noMin and noMax mean
// unbounded.
func parseInt(v string, lo, hi int64) (int64, string) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	switch {
	case errors.Is(err, strconv.ErrRange) && lo != noMin && hi != noMax:
		return 0, boundsReason(lo, hi)
	case errors.Is(err, strconv.ErrRange):
		return 0, "is out of range"
	case err != nil:
		return 0, "is not an integer"
	case n < lo || n > hi:
		return 0, boundsReason(lo, hi)
	}
	return n, ""
}

func boundsReason(lo, hi int64) string {
	switch {
	case lo != noMin && hi != noMax:
		return "must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10)
	case lo != noMin:
		return "must be at least " + strconv.FormatInt(lo, 10)
	default:
		return "must be at most " + strconv.FormatInt(hi, 10)
	}
}

// parseBool accepts oslo.config's spellings, case-insensitively.
func parseBool(v string) (bool, string) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1":
		return true, ""
	case "false", "no", "off", "0":
		return false, ""
	}
	return false, "is not a boolean (use true/false, yes/no, on/off or 1/0)"
}

// parseList splits a comma-separated list. oslo writes some lists inside
// [ ] (enabled_import_methods) and lets items be quoted, so both are
// accepted everywhere. Empty items are dropped: "a,,b" is two items.
func parseList(v string) []string {
	s := strings.TrimRight(strings.TrimSpace(v), ",")
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		s = s[1 : len(s)-1]
	}
	var items []string
	for it := range strings.SplitSeq(s, ",") {
		if it = unquote(strings.TrimSpace(it)); it != "" {
			items = append(items, it)
		}
	}
	return items
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// parseDict reads oslo's "key:value, key:value" in written order. Values
// may contain ':' (only the first separates); empty keys and repeated keys
// are refused as oslo.config refuses them.
func parseDict(v string) (pairs []Pair, bad, reason string) {
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, val, ok := strings.Cut(item, ":")
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		switch {
		case !ok:
			return nil, item, "is not a key:value pair"
		case k == "":
			return nil, item, "has an empty key"
		case slices.ContainsFunc(pairs, func(p Pair) bool { return p.Key == k }):
			return nil, k, "is given twice"
		}
		pairs = append(pairs, Pair{Key: k, Value: val})
	}
	return pairs, "", ""
}

// sizeShifts are the binary units Glance accepts for user_storage_quota
// (case-sensitive, no space, as its regex ^\d+((K|M|G|T)?B)?$).
var sizeShifts = map[string]uint{"": 0, "B": 0, "KB": 10, "MB": 20, "GB": 30, "TB": 40}

// parseSize reads a byte count such as "0", "500MB" or "10GB".
func parseSize(v string) (int64, string) {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	shift, ok := sizeShifts[v[i:]]
	if i == 0 || !ok {
		return 0, "is not a size (digits with an optional B, KB, MB, GB or TB suffix, e.g. 0 or 10GB)"
	}
	n, err := strconv.ParseInt(v[:i], 10, 64)
	if err != nil || n > noMax>>shift {
		return 0, "is too large"
	}
	return n << shift, ""
}

// oneOf returns why v is not among choices, or "" when it is or when there
// are no choices.
func oneOf(v string, choices []string) string {
	if choices == nil || slices.Contains(choices, v) {
		return ""
	}
	return "is not one of " + strings.Join(choices, ", ")
}
