package schemas

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxQuoted bounds the bytes of a string quoted in a message: Glance
// quotes a value whole, which for a 4 MiB string in a 4 MiB body makes
// each refusal copy megabytes several times over.
const maxQuoted = 1024

// cutQuoted ends a string too long to quote with "...".
func cutQuoted(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// repr renders a decoded JSON value as Python's repr would, because
// Glance's validation messages quote values that way ('x', None, True).
func repr(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		x = cutQuoted(x)
		if strings.Contains(x, "'") && !strings.Contains(x, `"`) {
			return `"` + x + `"`
		}
		return "'" + strings.ReplaceAll(strings.ReplaceAll(x, `\`, `\\`), "'", `\'`) + "'"
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = repr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, repr(k)+": "+repr(e))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case Object:
		parts := make([]string, 0, len(x))
		for _, f := range x {
			parts = append(parts, repr(f.Key)+": "+repr(f.Value))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "None"
}
