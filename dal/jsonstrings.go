package dal

import (
	"encoding/json"
	"fmt"
	"strings"
)

// jsonStrings appends to out, in order, the strings of a JSON array of
// strings, nulls and nested arrays of those, as SQLite's json_group_array
// and json_array build them; null becomes "". Strings without escapes
// share text's memory, so a page of properties costs one allocation
// per image rather than one per name and value. Returns an error for
// anything else (numbers, objects, malformed text).
func jsonStrings(text string, out []string) ([]string, error) {
	depth := 0
	for i := 0; i < len(text); {
		switch c := text[i]; c {
		case '[':
			depth++
			i++
		case ']':
			depth--
			i++
		case ',', ' ', '\t', '\n', '\r':
			i++
		case 'n':
			if !strings.HasPrefix(text[i:], "null") {
				return out, fmt.Errorf("bad JSON array at offset %d", i)
			}
			out = append(out, "")
			i += len("null")
		case '"':
			s, n, err := jsonString(text[i:])
			if err != nil {
				return out, err
			}
			out = append(out, s)
			i += n
		default:
			return out, fmt.Errorf("unexpected %q in JSON array at offset %d", c, i)
		}
		if depth < 0 {
			return out, fmt.Errorf("unbalanced JSON array")
		}
	}
	if depth != 0 {
		return out, fmt.Errorf("unbalanced JSON array")
	}
	return out, nil
}

// jsonString decodes the JSON string token at the start of text and
// returns it with the token's length.
func jsonString(text string) (string, int, error) {
	escaped := false
	for i := 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			escaped = true
			i++ // the escaped character cannot end the token
		case '"':
			if !escaped {
				return text[1:i], i + 1, nil
			}
			// Escapes are rare (quotes, backslashes, control characters):
			// leave their rules to the standard decoder.
			var s string
			if err := json.Unmarshal([]byte(text[:i+1]), &s); err != nil {
				return "", 0, err
			}
			return s, i + 1, nil
		}
	}
	return "", 0, fmt.Errorf("unterminated JSON string")
}
