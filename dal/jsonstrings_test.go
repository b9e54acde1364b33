package dal

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestJSONStrings(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`[]`, nil},
		{`["a","b"]`, []string{"a", "b"}},
		{`[["name","value"],["empty",""],["null",null]]`, []string{"name", "value", "empty", "", "null", ""}},
		{`["quote \" and backslash \\", "tab\tnew\nline", "\u00e9t\u00e9 \/"]`, []string{"quote \" and backslash \\", "tab\tnew\nline", "été /"}},
		{`["ünïcode raw", "ends with backslash \\"]`, []string{"ünïcode raw", "ends with backslash \\"}},
		{` [ "spaced" , null ] `, []string{"spaced", ""}},
	}
	for _, c := range cases {
		got, err := jsonStrings(c.in, nil)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`[1]`, `[{"a":"b"}]`, `["open`, `[["a"]`, `["a"]]`, `[nul]`, `[true]`} {
		if got, err := jsonStrings(bad, nil); err == nil {
			t.Errorf("%s: got %q, want an error", bad, got)
		}
	}
}

// TestJSONStringsAgreesWithEncodingJSON checks the fast path against the
// standard decoder on strings full of characters that need escaping.
func TestJSONStringsAgreesWithEncodingJSON(t *testing.T) {
	alphabet := []rune("ab \"\\/\t\n\x01<>&é€\u2028'")
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 2000; n++ {
		pairs := make([][2]string, r.IntN(5))
		var want []string
		for i := range pairs {
			for j := range pairs[i] {
				s := make([]rune, r.IntN(8))
				for k := range s {
					s[k] = alphabet[r.IntN(len(alphabet))]
				}
				pairs[i][j] = string(s)
				want = append(want, string(s))
			}
		}
		text, _ := json.Marshal(pairs)
		got, err := jsonStrings(string(text), nil)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("%s: got %q, %v; want %q", text, got, err, want)
		}
	}
}
