package configs

import (
	"regexp"
	"strings"
)

// templateRef matches what oslo.config's string.Template substitution
// sees after a '$': "$$" (a literal dollar), $name, ${name} or
// $section.name. Anything else leaves the '$' as written.
var templateRef = regexp.MustCompile(`\$(?:(\$)|([_a-zA-Z][._a-zA-Z0-9]*)|\{([_a-zA-Z][._a-zA-Z0-9]*)\})`)

// Limits on references, so cycles end and a few short lines cannot grow
// into a huge value: chains are at most maxRefDepth long and one value
// takes at most maxRefs substitutions; past either the reference is left
// as written.
const (
	maxRefDepth = 8
	maxRefs     = 64
)

// expand substitutes option references in v, read from section, as
// oslo.config does before converting a value: operators write "$$" (or
// "\$") for a literal dollar, e.g. in passwords, and may point one option
// at another. A reference to an option that is neither set in a file nor
// in the option table is left as written.
func (l *loader) expand(section, v string) string {
	budget := maxRefs
	return l.substitute(section, v, 0, &budget)
}

func (l *loader) substitute(section, v string, depth int, budget *int) string {
	if !strings.Contains(v, "$") {
		return v
	}
	v = strings.ReplaceAll(v, `\$`, "$$")
	return templateRef.ReplaceAllStringFunc(v, func(ref string) string {
		m := templateRef.FindStringSubmatch(ref)
		if m[1] != "" {
			return "$"
		}
		sec, val, ok := l.resolve(section, m[2]+m[3])
		if !ok || depth >= maxRefDepth || *budget <= 0 {
			return ref
		}
		*budget--
		return l.substitute(sec, val, depth+1, budget)
	})
}

// resolve finds the raw value of a reference: name in section, or
// section.name, else name in [DEFAULT], as oslo.config looks it up.
func (l *loader) resolve(section, name string) (sec, v string, ok bool) {
	candidates := []key{{section, name}, {secDefault, name}}
	if s, n, dotted := strings.Cut(name, "."); dotted {
		candidates[0] = key{normSection(s), n}
	}
	for _, k := range candidates {
		if v, _, _, ok := l.lookup([]key{k}); ok {
			return k.section, v, true
		}
		if v, ok := l.defaults[k]; ok {
			return k.section, v, true
		}
	}
	return "", "", false
}
