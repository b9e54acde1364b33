package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Kind is the type of a JSON value.
type Kind byte

// Kinds of JSON values.
const (
	KindNull Kind = iota + 1
	KindBool
	KindNumber
	KindString
	KindArray
	KindObject
)

// MaxDepth bounds the nesting of request bodies. Python's json module,
// Glance's parser, stops near 1000 levels too.
const MaxDepth = 1000

// Shape is what Scan learns of a JSON text without decoding it.
type Shape struct {
	Kind Kind // of the top-level value
	// Len counts the members or elements of a top-level container.
	Len int
	// Values counts every value of the text, containers included: the
	// work and memory decoding it would take.
	Values int
}

// ErrSyntax is a text that is not one strict JSON value.
var ErrSyntax = errors.New("malformed JSON")

// Scan checks that data is exactly one JSON value (surrounding white
// space aside) in valid UTF-8, with no lone surrogate escapes and at most
// MaxDepth levels, and returns its shape. It allocates nothing and runs
// in time linear in len(data): it is the gate before any decoding, which
// would otherwise replace bad UTF-8 with U+FFFD silently.
func Scan(data []byte) (Shape, error) { return ScanEach(data, nil) }

// ScanEach is Scan that also calls visit, as it passes them, with each
// member (key decoded) or element (key "") of a top-level container:
// its raw text and how many values it holds. visit may have been called
// when ScanEach finds the text malformed further on.
func ScanEach(data []byte, visit func(key string, value []byte, values int)) (Shape, error) {
	s := scanner{b: data, visit: visit}
	s.space()
	if s.i >= len(s.b) {
		return Shape{}, ErrSyntax
	}
	sh := Shape{Kind: kindAt(s.b[s.i])}
	n, err := s.value(0)
	if err != nil {
		return Shape{}, err
	}
	s.space()
	if s.i != len(s.b) {
		return Shape{}, ErrSyntax
	}
	sh.Len, sh.Values = n, s.values
	return sh, nil
}

func kindAt(c byte) Kind {
	switch c {
	case 'n':
		return KindNull
	case 't', 'f':
		return KindBool
	case '"':
		return KindString
	case '[':
		return KindArray
	case '{':
		return KindObject
	}
	return KindNumber
}

// scanner walks one JSON text; values counts the values it has passed.
type scanner struct {
	b      []byte
	i      int
	values int
	visit  func(key string, value []byte, values int)
}

func (s *scanner) space() {
	b, i := s.b, s.i
	for i < len(b) && b[i] <= ' ' && isSpace(b[i]) {
		i++
	}
	s.i = i
}

// value passes one value and returns, for a container, how many members
// or elements it has.
func (s *scanner) value(depth int) (int, error) {
	if s.i >= len(s.b) {
		return 0, ErrSyntax
	}
	s.values++
	switch c := s.b[s.i]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return 0, ErrSyntax
		}
		return s.container(depth)
	case c == '"':
		return 0, s.str()
	case c == 't':
		return 0, s.literal("true")
	case c == 'f':
		return 0, s.literal("false")
	case c == 'n':
		return 0, s.literal("null")
	default:
		return 0, s.number()
	}
}

func (s *scanner) container(depth int) (int, error) {
	open := s.b[s.i]
	end := byte(']')
	if open == '{' {
		end = '}'
	}
	s.i++
	s.space()
	if s.i < len(s.b) && s.b[s.i] == end {
		s.i++
		return 0, nil
	}
	for n := 1; ; n++ {
		keyStart, keyEnd := 0, 0
		if open == '{' {
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return 0, ErrSyntax
			}
			keyStart = s.i
			if err := s.str(); err != nil {
				return 0, err
			}
			keyEnd = s.i
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return 0, ErrSyntax
			}
			s.i++
			s.space()
		}
		start, before := s.i, s.values
		if _, err := s.value(depth + 1); err != nil {
			return 0, err
		}
		if depth == 0 && s.visit != nil {
			key := ""
			if keyEnd > keyStart {
				key = StringValue(s.b[keyStart:keyEnd])
			}
			s.visit(key, s.b[start:s.i], s.values-before)
		}
		s.space()
		if s.i >= len(s.b) {
			return 0, ErrSyntax
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.space()
		case end:
			s.i++
			return n, nil
		default:
			return 0, ErrSyntax
		}
	}
}

func (s *scanner) literal(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return ErrSyntax
	}
	s.i += len(word)
	return nil
}

// digits returns the index after the digits starting at b[i].
func digits(b []byte, i int) int {
	for i < len(b) && b[i]-'0' < 10 {
		i++
	}
	return i
}

func (s *scanner) number() error {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i]-'1' < 9:
		i = digits(b, i+1)
	default:
		return ErrSyntax
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return ErrSyntax
		}
		i = j
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return ErrSyntax
		}
		i = j
	}
	s.i = i
	return nil
}

// str passes a string, refusing invalid UTF-8, control characters, bad
// escapes and surrogate escapes that do not form a pair.
func (s *scanner) str() error {
	s.i++ // the opening quote
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			if err := s.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return ErrSyntax
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size == 1 {
				return ErrSyntax
			}
			s.i += size
		}
	}
	return ErrSyntax
}

func (s *scanner) escape() error {
	if s.i+1 >= len(s.b) {
		return ErrSyntax
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return nil
	case 'u':
	default:
		return ErrSyntax
	}
	r, ok := hex4(s.b[s.i+2:])
	if !ok {
		return ErrSyntax
	}
	s.i += 6
	switch {
	case r >= 0xDC00 && r <= 0xDFFF:
		return ErrSyntax
	case r >= 0xD800 && r <= 0xDBFF:
		if s.i+1 >= len(s.b) || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
			return ErrSyntax
		}
		low, ok := hex4(s.b[s.i+2:])
		if !ok || low < 0xDC00 || low > 0xDFFF {
			return ErrSyntax
		}
		s.i += 6
	}
	return nil
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// Members calls fn with each member of a JSON object that Scan accepted:
// the key decoded, the value's raw text, and how many values that text
// holds. It stops at fn's first error.
func Members(obj []byte, fn func(key string, value []byte, values int) error) error {
	s := scanner{b: obj}
	s.space()
	s.i++ // {
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] == '}' {
			return nil
		}
		start := s.i
		if err := s.str(); err != nil {
			return err
		}
		key := StringValue(s.b[start:s.i])
		s.space()
		s.i++ // :
		s.space()
		v, n, err := s.next()
		if err != nil {
			return err
		}
		if err := fn(key, v, n); err != nil {
			return err
		}
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
		}
	}
}

// Elements calls fn with the raw text of each element of a JSON array
// that Scan accepted, and how many values it holds, stopping at fn's
// first error.
func Elements(arr []byte, fn func(value []byte, values int) error) error {
	s := scanner{b: arr}
	s.space()
	s.i++ // [
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] == ']' {
			return nil
		}
		v, n, err := s.next()
		if err != nil {
			return err
		}
		if err := fn(v, n); err != nil {
			return err
		}
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ',' {
			s.i++
		}
	}
}

// next passes one value of a text Scan accepted and returns its text
// and value count.
func (s *scanner) next() ([]byte, int, error) {
	start, before := s.i, s.values
	s.skip()
	return s.b[start:s.i], s.values - before, nil
}

// skip passes a value of a text Scan accepted, several times faster than
// value: it only finds the end. It counts the values as the commas and
// containers show them: each non-empty container holds one value more
// than its commas.
func (s *scanner) skip() {
	b, i := s.b, s.i
	s.values++
	switch b[i] {
	case '"':
		s.i = endOfString(b, i)
		return
	case '[', '{':
	default:
		for i < len(b) && !isDelimiter(b[i]) {
			i++
		}
		s.i = i
		return
	}
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = endOfString(b, i)
			continue
		case '[', '{':
			depth++
			j := i + 1
			for j < len(b) && isSpace(b[j]) {
				j++
			}
			if b[j] != ']' && b[j] != '}' {
				s.values++
			}
		case ']', '}':
			depth--
			if depth == 0 {
				s.i = i + 1
				return
			}
		case ',':
			s.values++
		}
		i++
	}
	s.i = i
}

// endOfString returns the index after the string starting at b[i].
func endOfString(b []byte, i int) int {
	i++
	for {
		q := bytes.IndexByte(b[i:], '"')
		if q < 0 {
			return len(b)
		}
		i += q
		escapes := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			escapes++
		}
		i++
		if escapes%2 == 0 {
			return i
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isDelimiter(c byte) bool { return c == ',' || c == ']' || c == '}' || c == ':' || isSpace(c) }

// KindOf is the kind of a raw JSON value.
func KindOf(raw []byte) Kind {
	for _, c := range raw {
		if !isSpace(c) {
			return kindAt(c)
		}
	}
	return 0
}

// StringValue decodes a raw JSON string that Scan accepted.
func StringValue(raw []byte) string {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// StringLen is the number of characters of a raw JSON string that Scan
// accepted, counted as Python counts them (code points), without
// decoding it.
func StringLen(raw []byte) int {
	inner := raw[1 : len(raw)-1]
	n := 0
	for i := 0; i < len(inner); {
		c := inner[i]
		switch {
		case c == '\\' && inner[i+1] == 'u':
			r, _ := hex4(inner[i+2:])
			i += 6
			if r >= 0xD800 && r <= 0xDBFF {
				i += 6 // the low half of the pair: one character
			}
		case c == '\\':
			i += 2
		case c < utf8.RuneSelf:
			i++
		default:
			_, size := utf8.DecodeRune(inner[i:])
			i += size
		}
		n++
	}
	return n
}
