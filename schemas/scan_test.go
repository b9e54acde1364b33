package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScan(t *testing.T) {
	cases := []struct {
		text string
		ok   bool
		want Shape
	}{
		{`{}`, true, Shape{Kind: KindObject, Values: 1}},
		{` [1, "a", null, true, false, {"k": [2]}] `, true, Shape{Kind: KindArray, Len: 6, Values: 9}},
		{`{"a":1,"b":{"c":[]}}`, true, Shape{Kind: KindObject, Len: 2, Values: 4}},
		{`"x"`, true, Shape{Kind: KindString, Values: 1}},
		{`-0.5e+3`, true, Shape{Kind: KindNumber, Values: 1}},
		{`"\ud83d\ude00 \u00e9 \n\"\\\/"`, true, Shape{Kind: KindString, Values: 1}},
		{"\"\u00e9\u4e2d\U0001F600\"", true, Shape{Kind: KindString, Values: 1}},
		{``, false, Shape{}},
		{`   `, false, Shape{}},
		{`01`, false, Shape{}},
		{`1.`, false, Shape{}},
		{`.5`, false, Shape{}},
		{`1e`, false, Shape{}},
		{`+1`, false, Shape{}},
		{`[1,]`, false, Shape{}},
		{`[,1]`, false, Shape{}},
		{`{"a":1,}`, false, Shape{}},
		{`{"a" 1}`, false, Shape{}},
		{`{a:1}`, false, Shape{}},
		{`{"a":1} {}`, false, Shape{}},
		{`[1] x`, false, Shape{}},
		{`tru`, false, Shape{}},
		{`nul`, false, Shape{}},
		{`[`, false, Shape{}},
		{`"abc`, false, Shape{}},
		{`"\x"`, false, Shape{}},
		{`"\u12"`, false, Shape{}},
		{`"\ud83d"`, false, Shape{}},         // lone high surrogate
		{`"\ude00"`, false, Shape{}},         // lone low surrogate
		{`"\ud83d\u0041"`, false, Shape{}},   // high surrogate, then no low one
		{`"\ud83d\ud83d"`, false, Shape{}},   // two high halves
		{"\"\xff\"", false, Shape{}},         // not UTF-8
		{"\"\xe4\xb8\"", false, Shape{}},     // cut UTF-8 sequence
		{"\"\xed\xa0\x80\"", false, Shape{}}, // a surrogate encoded in UTF-8
		{"\"a\x01\"", false, Shape{}},        // a control character
		{"{\"\xc3(\":1}", false, Shape{}},    // bad UTF-8 in a key
		{strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth), true, Shape{Kind: KindArray, Len: 1, Values: MaxDepth}},
		{strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), false, Shape{}},
	}
	for _, c := range cases {
		got, err := Scan([]byte(c.text))
		if (err == nil) != c.ok {
			t.Errorf("Scan(%.40q): error %v, want ok=%v", c.text, err, c.ok)
			continue
		}
		if c.want.Kind == KindArray && strings.HasPrefix(c.text, "[[") {
			c.want.Len = 1 // nested arrays: one element at the top
		}
		if got != c.want {
			t.Errorf("Scan(%.40q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

func TestDecodeCutsHugeValues(t *testing.T) {
	raw := []byte(`{"a":[1,2,3,4,5,6],"b":"x"}`)
	v, complete := Decode(raw, 100)
	if !complete || !reflect.DeepEqual(v, map[string]any{"a": []any{json.Number("1"), json.Number("2"), json.Number("3"), json.Number("4"), json.Number("5"), json.Number("6")}, "b": "x"}) {
		t.Errorf("Decode(max 100) = %v, %v", v, complete)
	}
	v, complete = Decode(raw, 4)
	if complete {
		t.Errorf("Decode(max 4) says complete: %v", v)
	}
	if a := v.(map[string]any)["a"].([]any); len(a) != 2 {
		t.Errorf("Decode(max 4) kept %v of the array, want its first 2 elements", a)
	}
}

func TestStringLen(t *testing.T) {
	for _, s := range []string{``, `abc`, `\n\t\"`, `\u00e9t\u00e9`, `\ud83d\ude00!`, "é中\U0001F600"} {
		raw := []byte(`"` + s + `"`)
		var decoded string
		if err := json.Unmarshal(raw, &decoded); err != nil {
			t.Fatal(err)
		}
		if got, want := StringLen(raw), utf8.RuneCountInString(decoded); got != want {
			t.Errorf("StringLen(%s) = %d, want %d", raw, got, want)
		}
	}
}

// FuzzScan holds Scan to encoding/json on what both accept: Scan accepts
// only valid JSON in valid UTF-8, accepts all of it that has no \u
// escapes, and Decode, Members and Elements read it as encoding/json
// does.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`{"name":"x","tags":["a","b"],"min_ram":1}`, `[{"op":"add","path":"/a","value":"\u00e9"}]`,
		`"\ud83d\ude00"`, `"\ud83d"`, "\"\xff\"", `[[[]]]`, `{"a":{"a":{"a":null}}}`, `-1.5E-7`, `[true,false,null]`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		shape, err := Scan(data)
		valid := json.Valid(data) && utf8.Valid(data)
		if err == nil && !valid {
			t.Fatalf("Scan accepted %q", data)
		}
		if err != nil {
			if valid && !bytes.Contains(data, []byte(`\u`)) && !deep(data) {
				t.Fatalf("Scan refused %q: %v", data, err)
			}
			return
		}
		for k := 1; k <= 3; k++ {
			Decode(data, k) // cut short anywhere, it must not fail
		}
		want, err := DecodeBody(data)
		if err != nil {
			t.Fatalf("encoding/json refused what Scan accepted: %q", data)
		}
		got, complete := Decode(data, shape.Values)
		if !complete || !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %#v, want %#v", data, got, want)
		}
		switch x := want.(type) {
		case []any:
			var elems []any
			_ = Elements(data, func(v []byte, n int) error {
				if sh, err := Scan(v); err != nil || sh.Values != n {
					t.Fatalf("Elements(%q): element %q counted %d values, Scan says %d (%v)", data, v, n, sh.Values, err)
				}
				e, _ := Decode(v, shape.Values)
				elems = append(elems, e)
				return nil
			})
			if shape.Len != len(x) || !reflect.DeepEqual(elems, x) && len(x) > 0 {
				t.Fatalf("Elements(%q) = %#v (Len %d), want %#v", data, elems, shape.Len, x)
			}
		case map[string]any:
			members := map[string]any{}
			n := 0
			_ = Members(data, func(k string, v []byte, vn int) error {
				if sh, err := Scan(v); err != nil || sh.Values != vn {
					t.Fatalf("Members(%q): value %q counted %d values, Scan says %d (%v)", data, v, vn, sh.Values, err)
				}
				members[k], _ = Decode(v, shape.Values)
				n++
				return nil
			})
			if shape.Len != n || !reflect.DeepEqual(members, x) {
				t.Fatalf("Members(%q) = %#v, want %#v", data, members, x)
			}
		case string:
			if StringLen(bytes.TrimSpace(data)) != utf8.RuneCountInString(x) {
				t.Fatalf("StringLen(%q) = %d, want %d", data, StringLen(bytes.TrimSpace(data)), utf8.RuneCountInString(x))
			}
		}
	})
}

// deep reports more nesting than Scan allows.
func deep(data []byte) bool {
	return bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) > MaxDepth
}
