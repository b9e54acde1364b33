package policy

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// Glance reads its property protection file with Python's configparser,
// whose dialect differs from the oslo.config files' in ways a protection
// file relies on: a section name is a regular expression that may hold
// brackets, sections keep their order, [DEFAULT] supplies options to
// every section, and values interpolate %(option)s. So the file is read
// here, line by line, as configparser reads it, keeping line numbers for
// the errors.

// iniValue is one option's value and the line it starts on.
type iniValue struct {
	text string
	line int
}

// iniSection is one [section] with its options, lower-cased.
type iniSection struct {
	name    string
	line    int
	options map[string]*iniValue
	// order lists the options as they appear, for warnings.
	order []string
}

// iniFile is a configparser file: [DEFAULT] and the other sections in
// file order.
type iniFile struct {
	defaults *iniSection
	sections []*iniSection
}

// lineError is a problem at one line of the file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func errAt(line int, format string, args ...any) *lineError {
	return &lineError{line: line, msg: fmt.Sprintf(format, args...)}
}

// parseINI reads data as configparser's default parser does: full-line
// comments start with # or ;, options are "name = value" or
// "name: value", a line indented deeper than its option continues the
// value, a section or option given twice is an error.
func parseINI(data string) (*iniFile, error) {
	f := &iniFile{defaults: &iniSection{name: "DEFAULT", options: map[string]*iniValue{}}}
	seen := map[string]bool{}
	var sect *iniSection
	var opt *iniValue
	var optLines []string
	indent := 0
	flush := func() {
		if opt != nil {
			// configparser joins the lines and drops trailing blank ones.
			opt.text = strings.TrimRightFunc(strings.Join(optLines, "\n"), unicode.IsSpace)
		}
		opt, optLines = nil, nil
	}
	data = strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
	for i, raw := range strings.Split(data, "\n") {
		n := i + 1
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";") {
			continue
		}
		if line == "" {
			// A blank line belongs to the value it interrupts.
			if opt != nil {
				optLines = append(optLines, "")
			}
			continue
		}
		level := len(raw) - len(strings.TrimLeftFunc(raw, unicode.IsSpace))
		if opt != nil && level > indent {
			optLines = append(optLines, line)
			continue
		}
		flush()
		indent = level
		if name, ok := sectionHeader(line); ok {
			switch {
			case name == "DEFAULT":
				sect = f.defaults
			case seen[name]:
				return nil, errAt(n, "section [%s] is given twice", name)
			default:
				seen[name] = true
				sect = &iniSection{name: name, line: n, options: map[string]*iniValue{}}
				f.sections = append(f.sections, sect)
			}
			continue
		}
		if sect == nil {
			return nil, errAt(n, "%q comes before any [section]", line)
		}
		key, value, ok := optionLine(line)
		if !ok {
			return nil, errAt(n, "%q is neither a [section] nor an option = value", line)
		}
		if _, dup := sect.options[key]; dup {
			return nil, errAt(n, "option %s is given twice in [%s]", key, sect.name)
		}
		opt = &iniValue{line: n}
		optLines = []string{value}
		sect.options[key] = opt
		sect.order = append(sect.order, key)
	}
	flush()
	return f, nil
}

// sectionHeader returns the name of a "[name]" line: everything between
// the first "[" and the last "]", which is how configparser lets a
// regular expression with brackets be a section name.
func sectionHeader(line string) (string, bool) {
	end := strings.LastIndexByte(line, ']')
	if line[0] != '[' || end < 2 {
		return "", false
	}
	return line[1:end], true
}

// optionLine splits "name = value" or "name: value" at the first = or :
// and lower-cases the name, as configparser does.
func optionLine(line string) (key, value string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i < 0 {
		return "", "", false
	}
	key = strings.ToLower(strings.TrimRightFunc(line[:i], unicode.IsSpace))
	if key == "" {
		return "", "", false
	}
	return key, strings.TrimSpace(line[i+1:]), true
}

// get returns option key of s, or of [DEFAULT], interpolated.
func (f *iniFile) get(s *iniSection, key string) (string, *iniValue, error) {
	v := s.options[key]
	if v == nil {
		v = f.defaults.options[key]
	}
	if v == nil {
		return "", nil, nil
	}
	text, err := f.interpolate(s, v.text, 1)
	if err != nil {
		return "", v, errAt(v.line, "%s", err)
	}
	return text, v, nil
}

// maxInterpolationDepth is configparser's MAX_INTERPOLATION_DEPTH.
const maxInterpolationDepth = 10

var interpolationKey = regexp.MustCompile(`^%\(([^)]+)\)s`)

// interpolate expands value as configparser's BasicInterpolation does:
// %% is a percent sign and %(name)s the value of option name of the
// section or of [DEFAULT].
func (f *iniFile) interpolate(s *iniSection, value string, depth int) (string, error) {
	if depth > maxInterpolationDepth {
		return "", fmt.Errorf("%%(...)s references nest deeper than %d", maxInterpolationDepth)
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(value, '%')
		if i < 0 {
			b.WriteString(value)
			return b.String(), nil
		}
		b.WriteString(value[:i])
		value = value[i:]
		if strings.HasPrefix(value, "%%") {
			b.WriteByte('%')
			value = value[2:]
			continue
		}
		m := interpolationKey.FindStringSubmatch(value)
		if m == nil {
			return "", fmt.Errorf("'%%' must be followed by '%%' or '(name)s', found %q", value)
		}
		key := strings.ToLower(m[1])
		ref := s.options[key]
		if ref == nil {
			ref = f.defaults.options[key]
		}
		if ref == nil {
			return "", fmt.Errorf("%s refers to option %s, which [%s] does not have", m[0], key, s.name)
		}
		text, err := f.interpolate(s, ref.text, depth+1)
		if err != nil {
			return "", err
		}
		b.WriteString(text)
		value = value[len(m[0]):]
	}
}
