package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// A check is one parsed oslo.policy check string: a tree of and/or/not
// over the atoms "@", "!", "role:x", "rule:x" and generic "kind:match"
// checks.
type check interface{ String() string }

type (
	// trueCheck is "@" or the empty string: always passes.
	trueCheck struct{}
	// falseCheck is "!": never passes.
	falseCheck struct{}
	// roleCheck is "role:name", compared with the caller's roles
	// case-insensitively.
	roleCheck struct{ role string }
	// ruleCheck is "rule:name", the named rule's result.
	ruleCheck struct{ rule string }
	// genericCheck is "kind:match": match, with %(key)s substituted from
	// the target, compared with the credential named by kind, or with
	// kind itself when kind is a literal ('public', True, 42).
	genericCheck struct {
		kind, match string
		literal     *string
	}
	notCheck struct{ c check }
	andCheck struct{ cs []check }
	orCheck  struct{ cs []check }
)

func (trueCheck) String() string      { return "@" }
func (falseCheck) String() string     { return "!" }
func (c roleCheck) String() string    { return "role:" + c.role }
func (c ruleCheck) String() string    { return "rule:" + c.rule }
func (c genericCheck) String() string { return c.kind + ":" + c.match }
func (c notCheck) String() string     { return "not " + group(c.c) }
func (c andCheck) String() string     { return join(c.cs, " and ") }
func (c orCheck) String() string      { return join(c.cs, " or ") }

func join(cs []check, sep string) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = group(c)
	}
	return strings.Join(parts, sep)
}

// group parenthesises a composite check inside another.
func group(c check) string {
	switch c.(type) {
	case andCheck, orCheck:
		return "(" + c.String() + ")"
	}
	return c.String()
}

// parseCheck reads an oslo.policy check string. Precedence is oslo's:
// "not" binds tightest, then "and", then "or"; parentheses group. An
// empty string always passes. Remote checks (http:, https:) and atoms
// without a colon are refused: oslo.policy would deny them silently,
// which hides a typo until a caller is refused.
func parseCheck(s string) (check, error) {
	p := &checkParser{toks: tokenize(s)}
	if len(p.toks) == 0 {
		return trueCheck{}, nil
	}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("unexpected %q", p.toks[p.pos])
	}
	return c, nil
}

// tokenize splits on white space and peels parentheses off the ends of
// words, as oslo.policy does.
func tokenize(s string) []string {
	var toks []string
	for _, word := range strings.Fields(s) {
		var closing int
		for strings.HasPrefix(word, "(") {
			toks = append(toks, "(")
			word = word[1:]
		}
		for strings.HasSuffix(word, ")") {
			closing++
			word = word[:len(word)-1]
		}
		if word != "" {
			toks = append(toks, word)
		}
		for ; closing > 0; closing-- {
			toks = append(toks, ")")
		}
	}
	return toks
}

type checkParser struct {
	toks []string
	pos  int
}

func (p *checkParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *checkParser) keyword(k string) bool {
	if strings.EqualFold(p.peek(), k) {
		p.pos++
		return true
	}
	return false
}

func (p *checkParser) or() (check, error) {
	return p.list("or", p.and, func(cs []check) check { return orCheck{cs} })
}

func (p *checkParser) and() (check, error) {
	return p.list("and", p.not, func(cs []check) check { return andCheck{cs} })
}

func (p *checkParser) list(op string, next func() (check, error), combine func([]check) check) (check, error) {
	c, err := next()
	if err != nil {
		return nil, err
	}
	cs := []check{c}
	for p.keyword(op) {
		c, err := next()
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	if len(cs) == 1 {
		return cs[0], nil
	}
	return combine(cs), nil
}

func (p *checkParser) not() (check, error) {
	if p.keyword("not") {
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return notCheck{c}, nil
	}
	return p.atom()
}

func (p *checkParser) atom() (check, error) {
	tok := p.peek()
	switch {
	case tok == "":
		return nil, fmt.Errorf("the check string ends where a check was expected")
	case tok == "(":
		p.pos++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf("missing )")
		}
		p.pos++
		return c, nil
	case tok == ")" || strings.EqualFold(tok, "and") || strings.EqualFold(tok, "or"):
		return nil, fmt.Errorf("unexpected %q", tok)
	}
	p.pos++
	return parseAtom(tok)
}

func parseAtom(tok string) (check, error) {
	switch tok {
	case "@":
		return trueCheck{}, nil
	case "!":
		return falseCheck{}, nil
	}
	kind, match, ok := strings.Cut(tok, ":")
	if !ok || kind == "" {
		return nil, fmt.Errorf("%q is not a check (kind:match, @ or !)", tok)
	}
	switch kind {
	case "role":
		return roleCheck{strings.ToLower(match)}, nil
	case "rule":
		return ruleCheck{match}, nil
	case "http", "https":
		return nil, fmt.Errorf("remote checks (%s) are not supported", tok)
	}
	if err := checkTemplate(match); err != nil {
		return nil, fmt.Errorf("%q: %v", tok, err)
	}
	g := genericCheck{kind: kind, match: match}
	if lit, ok := literal(kind); ok {
		g.literal = &lit
	}
	return g, nil
}

// literal reads kind as Python's ast.literal_eval would for the literals
// policy files use: a quoted string, True, False, None or a number,
// returned as Python's str() prints it.
func literal(kind string) (string, bool) {
	if len(kind) >= 2 && (kind[0] == '\'' || kind[0] == '"') && kind[len(kind)-1] == kind[0] {
		return kind[1 : len(kind)-1], true
	}
	switch kind {
	case "True", "False", "None":
		return kind, true
	}
	if _, err := strconv.ParseInt(kind, 10, 64); err == nil {
		return kind, true
	}
	return "", false
}

// checkTemplate accepts the %(key)s substitutions of a match, the only
// Python format oslo.policy's targets are used with.
func checkTemplate(match string) error {
	rest := match
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			return nil
		}
		rest = rest[i+1:]
		if strings.HasPrefix(rest, "%") {
			rest = rest[1:]
			continue
		}
		if !strings.HasPrefix(rest, "(") {
			return fmt.Errorf("a %% must start %%(key)s")
		}
		end := strings.Index(rest, ")s")
		if end < 0 {
			return fmt.Errorf("unterminated %%(key)s")
		}
		rest = rest[end+2:]
	}
}

// substitute fills the %(key)s of match from target, as Python's
// "match % target" does; ok is false when a key is missing (oslo.policy
// then fails the check).
func substitute(match string, target Target) (string, bool) {
	if strings.IndexByte(match, '%') < 0 {
		return match, true
	}
	var b strings.Builder
	rest := match
	for {
		i := strings.IndexByte(rest, '%')
		if i < 0 {
			b.WriteString(rest)
			return b.String(), true
		}
		b.WriteString(rest[:i])
		rest = rest[i+1:]
		if strings.HasPrefix(rest, "%") {
			b.WriteByte('%')
			rest = rest[1:]
			continue
		}
		end := strings.Index(rest, ")s")
		v, ok := valueOf(target, rest[1:end])
		if !ok {
			return "", false
		}
		b.WriteString(v)
		rest = rest[end+2:]
	}
}
