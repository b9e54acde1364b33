package schemas

import "encoding/json"

// Decode decodes a JSON value that Scan accepted into nil, bool,
// json.Number, string, []any and map[string]any (a repeated key keeps its
// last value), stopping after max values: containers past that point are
// cut short and complete is false. A cut value serves to check a huge
// value's type and to quote its start in a message, never to store it.
func Decode(raw []byte, max int) (v any, complete bool) {
	d := decoder{scanner: scanner{b: raw}, budget: max}
	d.space()
	v = d.decode()
	return v, d.budget >= 0
}

// decoder decodes while budget lasts, then stops where it is.
type decoder struct {
	scanner
	budget int
}

func (d *decoder) decode() any {
	d.budget--
	switch d.b[d.i] {
	case '[':
		return d.array()
	case '{':
		return d.object()
	case '"':
		start := d.i
		_ = d.str()
		return StringValue(d.b[start:d.i])
	case 't':
		d.i += 4
		return true
	case 'f':
		d.i += 5
		return false
	case 'n':
		d.i += 4
		return nil
	}
	start := d.i
	_ = d.number()
	return json.Number(d.b[start:d.i])
}

// more passes white space and a comma, and reports whether the
// container goes on.
func (d *decoder) more(end byte) bool {
	d.space()
	if d.b[d.i] == end {
		d.i++
		return false
	}
	if d.b[d.i] == ',' {
		d.i++
		d.space()
	}
	return true
}

func (d *decoder) array() []any {
	out := []any{}
	d.i++
	d.space()
	for d.budget >= 0 && d.more(']') {
		if d.budget == 0 {
			d.budget = -1 // cut: the rest is left unread
			break
		}
		out = append(out, d.decode())
	}
	return out
}

func (d *decoder) object() map[string]any {
	out := map[string]any{}
	d.i++
	d.space()
	for d.budget >= 0 && d.more('}') {
		if d.budget == 0 {
			d.budget = -1 // cut: the rest is left unread
			break
		}
		start := d.i
		_ = d.str()
		key := d.b[start:d.i]
		d.space()
		d.i++ // :
		d.space()
		out[StringValue(key)] = d.decode()
	}
	return out
}
