package gateway

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
)

func TestDecodePointer(t *testing.T) {
	cases := []struct {
		pointer string
		want    []string
		msg     string // error message when want is nil
	}{
		{pointer: "/name", want: []string{"name"}},
		{pointer: "/hw_disk_bus", want: []string{"hw_disk_bus"}},
		{pointer: "/locations/0", want: []string{"locations", "0"}},
		{pointer: "/locations/-", want: []string{"locations", "-"}},
		// ~1 is "/" and ~0 is "~", decoded in that order.
		{pointer: "/a~1b", want: []string{"a/b"}},
		{pointer: "/a~0b", want: []string{"a~b"}},
		{pointer: "/~01", want: []string{"~1"}},
		{pointer: "/~10", want: []string{"/0"}},
		// Segments are stripped of white space.
		{pointer: "/ name ", want: []string{"name"}},
		// Glance strips every leading "/" before splitting.
		{pointer: "//name", want: []string{"name"}},
		{pointer: "/", want: []string{""}},

		{pointer: "name", msg: "Pointer `name` does not start with \"/\"."},
		{pointer: "", msg: "Pointer `` does not start with \"/\"."},
		{pointer: "/a//b", msg: "Pointer `/a//b` contains adjacent \"/\"."},
		{pointer: "/a/ /b", msg: "Pointer `/a/ /b` contains adjacent \"/\"."},
		{pointer: "///name", msg: "contains adjacent \"/\"."},
		{pointer: "/name/", msg: "Pointer `/name/` end with \"/\"."},
		{pointer: "/ / ", msg: "Pointer `/ / ` does not contains valid token."},
		{pointer: "/a~2", msg: "Pointer `/a~2` contains \"~\" not part of a recognized escape sequence."},
		{pointer: "/a~", msg: "contains \"~\" not part of a recognized escape sequence."},
		{pointer: "/~~1", msg: "contains \"~\" not part of a recognized escape sequence."},
	}
	for _, c := range cases {
		t.Run(c.pointer, func(t *testing.T) {
			got, err := decodePointer(c.pointer)
			if c.want == nil {
				wantError(t, err, 400, c.msg)
				return
			}
			if err != nil {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}

// encodePointer is the inverse of decodePointer for segments without
// surrounding white space.
func encodePointer(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String()
}

func FuzzDecodePointer(f *testing.F) {
	for _, p := range []string{"/name", "/tags", "/tags/-", "/locations/0", "/locations/-", "/os_distro",
		"/hw_disk_bus", "/a~1b", "/a~0b", "/~01", "/ name ", "//name", "/", "name", "/a//b", "/a/ /b",
		"/name/", "/ / ", "/a~2", "/a~", "/properties/x", "/\u00a0x", "/a/\t/b"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		segs, err := decodePointer(p)
		if err != nil {
			if errStatus(err) != 400 || !strings.HasPrefix(errText(err), "Pointer `"+p+"` ") {
				t.Fatalf("%q: got %d %q, want 400 naming the pointer", p, errStatus(err), errText(err))
			}
			return
		}
		if !strings.HasPrefix(p, "/") || len(segs) == 0 {
			t.Fatalf("%q accepted as %q", p, segs)
		}
		for _, s := range segs {
			if strings.TrimFunc(s, unicode.IsSpace) != s {
				t.Fatalf("%q: segment %q keeps white space", p, s)
			}
			if s == "" {
				return // only refused later, by the depth rule
			}
		}
		// Escaping the segments again gives a pointer that decodes to
		// the same segments, and gives p back unless p had white space
		// or extra leading slashes to drop.
		enc := encodePointer(segs)
		again, err := decodePointer(enc)
		if err != nil || !reflect.DeepEqual(again, segs) {
			t.Fatalf("%q -> %q -> %q -> %q, %v", p, segs, enc, again, err)
		}
		if enc != p && !strings.HasPrefix(p, "//") && !strings.ContainsFunc(p, unicode.IsSpace) {
			t.Fatalf("%q decodes to %q, which encodes as %q", p, segs, enc)
		}
	})
}

func TestParsePatch(t *testing.T) {
	type ch = domain.Change
	cases := []struct {
		name   string
		draft4 bool
		body   string
		want   []domain.Change
		msg    string // error message when want is nil
	}{
		{name: "replace name", body: `[{"op": "replace", "path": "/name", "value": "new"}]`,
			want: []ch{{Op: domain.OpReplace, Path: []string{"name"}, Value: "new"}}},
		{name: "as glanceclient sends several", body: `[{"op": "add", "path": "/hw_disk_bus", "value": "scsi"}, {"op": "remove", "path": "/os_distro"}, {"op": "replace", "path": "/tags", "value": ["a", "b"]}]`,
			want: []ch{
				{Op: domain.OpAdd, Path: []string{"hw_disk_bus"}, Value: "scsi"},
				{Op: domain.OpRemove, Path: []string{"os_distro"}},
				{Op: domain.OpReplace, Path: []string{"tags"}, Value: []any{"a", "b"}},
			}},
		{name: "numbers stay json numbers", body: `[{"op": "replace", "path": "/min_ram", "value": 1024}]`,
			want: []ch{{Op: domain.OpReplace, Path: []string{"min_ram"}, Value: json.Number("1024")}}},
		{name: "null value is a value", body: `[{"op": "replace", "path": "/name", "value": null}]`,
			want: []ch{{Op: domain.OpReplace, Path: []string{"name"}}}},
		{name: "escaped property name", body: `[{"op": "add", "path": "/a~1b~0c", "value": "v"}]`,
			want: []ch{{Op: domain.OpAdd, Path: []string{"a/b~c"}, Value: "v"}}},
		{name: "add location", body: `[{"op": "add", "path": "/locations/-", "value": {"url": "http://h/i", "metadata": {}}}]`,
			want: []ch{{Op: domain.OpAdd, Path: []string{"locations", "-"}, Value: map[string]any{"url": "http://h/i", "metadata": map[string]any{}}}}},
		{name: "remove location", body: `[{"op": "remove", "path": "/locations/0"}]`,
			want: []ch{{Op: domain.OpRemove, Path: []string{"locations", "0"}}}},
		{name: "replace locations", body: `[{"op": "replace", "path": "/locations", "value": []}]`,
			want: []ch{{Op: domain.OpReplace, Path: []string{"locations"}, Value: []any{}}}},
		{name: "extra members ignored", body: `[{"op": "remove", "path": "/x", "value": 1, "from": "/y"}]`,
			want: []ch{{Op: domain.OpRemove, Path: []string{"x"}}}},
		{name: "empty patch", body: `[]`, want: []ch{}},

		{name: "draft4 replace", draft4: true, body: `[{"replace": "/name", "value": "new"}]`,
			want: []ch{{Op: domain.OpReplace, Path: []string{"name"}, Value: "new", StrictAdd: true}}},
		{name: "draft4 add and remove", draft4: true, body: `[{"add": "/os_distro", "value": "ubuntu"}, {"remove": "/hw_disk_bus"}]`,
			want: []ch{
				{Op: domain.OpAdd, Path: []string{"os_distro"}, Value: "ubuntu", StrictAdd: true},
				{Op: domain.OpRemove, Path: []string{"hw_disk_bus"}, StrictAdd: true},
			}},

		{name: "not an array", body: `{"op": "replace", "path": "/name", "value": "x"}`, msg: "Request body must be a JSON array of operation objects."},
		{name: "not objects", body: `["replace"]`, msg: "Operations must be JSON objects."},
		{name: "no op", body: `[{"path": "/name", "value": "x"}]`, msg: "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace."},
		{name: "move", body: `[{"op": "move", "from": "/a", "path": "/b"}]`, msg: "Invalid operation: `move`. It must be one of the following: add, remove, replace."},
		{name: "test", body: `[{"op": "test", "path": "/name", "value": "x"}]`, msg: "Invalid operation: `test`."},
		{name: "no path", body: `[{"op": "replace", "value": "x"}]`, msg: "Unable to find 'path' in JSON Schema change"},
		{name: "no value", body: `[{"op": "add", "path": "/name"}]`, msg: `Operation "add" requires a member named "value".`},
		{name: "pointer checked before value", body: `[{"op": "add", "path": "name"}]`, msg: "Pointer `name` does not start with \"/\"."},
		{name: "tag index", body: `[{"op": "add", "path": "/tags/-", "value": "t"}]`, msg: "Invalid JSON pointer for this resource: '/tags/-'"},
		{name: "nested property", body: `[{"op": "add", "path": "/a~1b/ c", "value": "v"}]`, msg: "Invalid JSON pointer for this resource: '/a/b/c'"},
		{name: "add whole locations", body: `[{"op": "add", "path": "/locations", "value": []}]`, msg: "Invalid JSON pointer for this resource: '/locations'"},
		{name: "remove whole locations", body: `[{"op": "remove", "path": "/locations"}]`, msg: "Invalid JSON pointer for this resource: '/locations'"},
		{name: "replace one location", body: `[{"op": "replace", "path": "/locations/0", "value": {}}]`, msg: "Invalid JSON pointer for this resource: '/locations/0'"},
		{name: "empty root", body: `[{"op": "add", "path": "/", "value": "v"}]`, msg: "Invalid JSON pointer for this resource: '/'"},
		{name: "second op bad", body: `[{"op": "replace", "path": "/name", "value": "x"}, {"op": "replace", "path": "/a/"}]`, msg: "Pointer `/a/` end with \"/\"."},
		{name: "draft4 two ops", draft4: true, body: `[{"add": "/a", "replace": "/b", "value": "v"}]`, msg: `Operation objects must contain only one member named "add", "remove", or "replace".`},
		{name: "draft4 no op", draft4: true, body: `[{"value": "v"}]`, msg: `Operation objects must contain exactly one member named "add", "remove", or "replace".`},
		{name: "draft4 body in v2.1 form", draft4: true, body: `[{"op": "replace", "path": "/name", "value": "x"}]`, msg: `must contain exactly one member`},
		{name: "v2.1 body in draft4 form", body: `[{"replace": "/name", "value": "x"}]`, msg: "Unable to find `op`"},
		{name: "draft4 no value", draft4: true, body: `[{"replace": "/name"}]`, msg: `Operation "replace" requires a member named "value".`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parsePatch([]byte(c.body), c.draft4, -1, nil)
			if c.want == nil {
				wantError(t, err, 400, c.msg)
				return
			}
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got  %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func FuzzParsePatch(f *testing.F) {
	for _, s := range []struct {
		body   string
		draft4 bool
	}{
		{`[{"op": "replace", "path": "/name", "value": "new"}]`, false},
		{`[{"op": "add", "path": "/hw_disk_bus", "value": "scsi"}, {"op": "remove", "path": "/os_distro"}]`, false},
		{`[{"op": "replace", "path": "/tags", "value": ["a", "b"]}]`, false},
		{`[{"op": "replace", "path": "/visibility", "value": "public"}]`, false},
		{`[{"op": "replace", "path": "/protected", "value": true}]`, false},
		{`[{"op": "replace", "path": "/min_disk", "value": 20}]`, false},
		{`[{"op": "add", "path": "/locations/-", "value": {"url": "rbd://a/b/c/snap", "metadata": {}}}]`, false},
		{`[{"op": "add", "path": "/locations/1", "value": {"url": "http://h/i", "metadata": {}, "validation_data": {"os_hash_algo": "sha512"}}}]`, false},
		{`[{"op": "remove", "path": "/locations/0"}]`, false},
		{`[{"op": "replace", "path": "/locations", "value": []}]`, false},
		{`[{"op": "add", "path": "/a~1b~0c", "value": "v"}]`, false},
		{`[{"op": "add", "path": "/tags/-", "value": "t"}]`, false},
		{`[{"op": "move", "from": "/a", "path": "/b"}]`, false},
		{`[{"op": "add", "path": "/name"}]`, false},
		{`[{"op": 1, "path": 2, "value": 3}]`, false},
		{`[]`, false},
		{`{}`, false},
		{`[1, null, "x"]`, false},
		{`[{"replace": "/name", "value": "new"}]`, true},
		{`[{"add": "/os_distro", "value": "ubuntu"}, {"remove": "/hw_disk_bus"}]`, true},
		{`[{"add": "/a", "replace": "/b", "value": "v"}]`, true},
		{`[{"remove": ["/x"]}]`, true},
		{`[{"op": "replace", "path": "/name", "value": "x"}]`, true},
	} {
		f.Add([]byte(s.body), s.draft4)
	}
	f.Fuzz(func(t *testing.T, body []byte, draft4 bool) {
		v, err := schemas.DecodeBody(body)
		if _, serr := schemas.Scan(body); err != nil || serr != nil {
			return
		}
		changes, err := parsePatch(body, draft4, -1, nil)
		if err != nil {
			if errStatus(err) != 400 {
				t.Fatalf("%s: status %d %q, want 400", body, errStatus(err), errText(err))
			}
			return
		}
		ops, ok := v.([]any)
		if !ok || len(ops) != len(changes) {
			t.Fatalf("%s: accepted as %d changes", body, len(changes))
		}
		for i, ch := range changes {
			op := ops[i].(map[string]any)
			// The change is what the op object says: its op, its path
			// decoded, its value (none for remove).
			var raw any
			if draft4 {
				raw = op[string(ch.Op)]
			} else {
				if op["op"] != string(ch.Op) {
					t.Fatalf("%s: op %q became %q", body, op["op"], ch.Op)
				}
				raw = op["path"]
			}
			path, _ := raw.(string)
			if segs, err := decodePointer(path); err != nil || !reflect.DeepEqual(segs, ch.Path) {
				t.Fatalf("%s: path %q became %q", body, path, ch.Path)
			}
			switch ch.Op {
			case domain.OpRemove:
				if ch.Value != nil {
					t.Fatalf("%s: remove carries value %v", body, ch.Value)
				}
			case domain.OpAdd, domain.OpReplace:
				if value, ok := op["value"]; !ok || !reflect.DeepEqual(value, ch.Value) {
					t.Fatalf("%s: value %v became %v", body, value, ch.Value)
				}
			default:
				t.Fatalf("%s: op %q accepted", body, ch.Op)
			}
			if ch.StrictAdd != draft4 {
				t.Fatalf("%s: StrictAdd %v for draft4=%v", body, ch.StrictAdd, draft4)
			}
			// Only /locations/N with add or remove has two segments.
			want := 1
			if ch.Path[0] == "locations" && ch.Op != domain.OpReplace {
				want = 2
			}
			if len(ch.Path) != want || ch.Path[0] == "" {
				t.Fatalf("%s: path %q for %s", body, ch.Path, ch.Op)
			}
		}
	})
}
