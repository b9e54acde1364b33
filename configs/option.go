package configs

import (
	"fmt"
	"math"
	"strings"
)

// kind is how an option's text becomes a value.
type kind int

const (
	kindString kind = iota // text, optionally limited to choices or a check
	kindInt                // base-10 integer within [min, max]
	kindBool               // oslo's true/false, yes/no, on/off, 1/0
	kindList               // comma-separated items, optionally in [ ]
	kindDict               // comma-separated key:value pairs
	kindSize               // byte count with an optional KB/MB/GB/TB suffix
	kindMulti              // repeated option whose every value counts
)

// Integer bounds meaning "no bound".
const (
	noMin = math.MinInt64
	noMax = math.MaxInt64
)

// key names an option within a section.
type key struct{ section, name string }

func (k key) String() string { return "[" + k.section + "] " + k.name }

// option is one row of the option table: where the option lives, how its
// text is checked and converted, and the field that receives the value.
type option struct {
	key
	kind     kind
	def      string // the default, written as it would be in a file
	min, max int64
	choices  []string
	// check adds validation to a string option: it returns why v is
	// unusable, or "".
	check func(v string) string
	// deprecated are older names still read when the current one is unset
	// in a file, as oslo.config's deprecated_opts.
	deprecated []key
	// notActedOn says why the service reads and checks the option but
	// does not act on it yet; a file that sets it gets a warning at
	// start. The commit that implements the option removes it.
	notActedOn string
	ptr        any // *string, *int, *int64, *bool, *[]string or *[]Pair
}

func strOpt(section, name, def string, p *string) option {
	return option{key: key{section, name}, kind: kindString, def: def, ptr: p}
}

func choiceOpt(section, name, def string, choices []string, p *string) option {
	o := strOpt(section, name, def, p)
	o.choices = choices
	return o
}

func intOpt[T int | int64](section, name, def string, lo, hi int64, p *T) option {
	return option{key: key{section, name}, kind: kindInt, def: def, min: lo, max: hi, ptr: p}
}

func boolOpt(section, name, def string, p *bool) option {
	return option{key: key{section, name}, kind: kindBool, def: def, ptr: p}
}

func listOpt(section, name, def string, p *[]string) option {
	return option{key: key{section, name}, kind: kindList, def: def, ptr: p}
}

func choiceListOpt(section, name, def string, choices []string, p *[]string) option {
	o := listOpt(section, name, def, p)
	o.choices = choices
	return o
}

func dictOpt(section, name, def string, p *[]Pair) option {
	return option{key: key{section, name}, kind: kindDict, def: def, ptr: p}
}

func sizeOpt(section, name, def string, p *int64) option {
	return option{key: key{section, name}, kind: kindSize, def: def, ptr: p}
}

func multiOpt(section, name string, p *[]string) option {
	return option{key: key{section, name}, kind: kindMulti, ptr: p}
}

// checked returns o with an extra validation for string options.
func (o option) checked(check func(string) string) option {
	o.check = check
	return o
}

// notYet returns o marked as read but not acted on yet, for why.
func (o option) notYet(why string) option {
	o.notActedOn = why
	return o
}

// alias returns o also read under an older name.
func (o option) alias(section, name string) option {
	o.deprecated = append(o.deprecated, key{section, name})
	return o
}

// names are the option's current name followed by its deprecated ones, in
// the order a file is searched.
func (o option) names() []key {
	return append([]key{o.key}, o.deprecated...)
}

// set parses v and stores it in the option's field. An empty integer or
// boolean means "not set" and takes the default, as oslo.config reads an
// empty integer as None.
func (o option) set(v string) *ValueError {
	if strings.TrimSpace(v) == "" && (o.kind == kindInt || o.kind == kindBool) {
		v = o.def
	}
	bad, reason := o.store(v)
	if reason == "" {
		return nil
	}
	return &ValueError{Section: o.section, Option: o.name, Value: bad, Reason: reason}
}

// setMulti stores every value of a multi-valued option.
func (o option) setMulti(vs []string) {
	*o.ptr.(*[]string) = append([]string(nil), vs...)
}

// store converts v into the field; on failure it returns the offending text
// and why it is unusable.
func (o option) store(v string) (bad, reason string) {
	switch p := o.ptr.(type) {
	case *string:
		if reason = oneOf(v, o.choices); reason == "" && o.check != nil {
			reason = o.check(v)
		}
		*p = v
		return v, reason
	case *int:
		n, reason := parseInt(v, max(o.min, math.MinInt), min(o.max, math.MaxInt))
		*p = int(n)
		return v, reason
	case *int64:
		var n int64
		if o.kind == kindSize {
			n, reason = parseSize(v)
		} else {
			n, reason = parseInt(v, o.min, o.max)
		}
		*p = n
		return v, reason
	case *bool:
		b, reason := parseBool(v)
		*p = b
		return v, reason
	case *[]string:
		items := parseList(v)
		for _, it := range items {
			if reason = oneOf(it, o.choices); reason != "" {
				return it, reason
			}
		}
		*p = items
		return "", ""
	case *[]Pair:
		pairs, bad, reason := parseDict(v)
		*p = pairs
		return bad, reason
	}
	panic(fmt.Sprintf("configs: option %s has unsupported field type %T", o.key, o.ptr))
}
