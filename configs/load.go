package configs

import (
	"errors"
	"strings"
)

// Load reads glance-api.conf as oslo.config would be given
// --config-file for each of files (in order, later ones overriding earlier
// ones) and --config-dir for each of dirs (every *.conf inside, in name
// order, after the files). With no files every option takes its default.
//
// It fails naming the path when a file or dir cannot be read or a file is
// not valid INI, and with one *ValueError per unusable value (joined) when
// values break Glance's types, bounds or choices, or when enabled_backends
// and default_backend do not fit together.
func Load(files, dirs []string) (*Config, error) {
	paths, err := configPaths(files, dirs)
	if err != nil {
		return nil, err
	}
	srcs, err := readSources(paths)
	if err != nil {
		return nil, err
	}
	return build(srcs)
}

// Default returns the configuration used when no file sets anything.
func Default() *Config {
	c, err := build(nil)
	if err != nil {
		panic("configs: built-in defaults are invalid: " + err.Error())
	}
	return c
}

// loader applies option rows to parsed files, gathering what went wrong.
type loader struct {
	srcs       []*source
	defaults   map[key]string // table defaults, for references to unset options
	errs       []error
	deprecated []string
	notActedOn []string
	set        map[key]bool // the options some file sets
}

func build(srcs []*source) (*Config, error) {
	c := &Config{
		StagingStore: Backend{Name: secStaging, Type: "file"},
		TasksStore:   Backend{Name: secTasks, Type: "file"},
	}
	l := &loader{srcs: srcs, defaults: map[key]string{}}
	for _, o := range c.options() {
		l.defaults[o.key] = o.def
	}
	for _, o := range c.options() {
		l.apply(o)
	}
	c.loadBackends(l)
	c.Unknown = unknown(srcs, c.options(), c.knownInSection)
	c.Store.Options = l.section(secStore)
	c.checkSingleStore(l)
	c.Deprecated = l.deprecated
	c.NotActedOn = l.notActedOn
	c.set = l.set
	if c.Caching() {
		c.NotActedOn = append(c.NotActedOn, "[paste_deploy] flavor "+c.Paste.Flavor+
			" asks for the image cache, which is not served in this version")
	}
	for _, s := range srcs {
		c.Sources = append(c.Sources, s.path)
	}
	if err := errors.Join(l.errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// apply sets o's field from the files, or from its default when no file
// sets it or the value is unusable (so later checks see sane values).
func (l *loader) apply(o option) {
	if o.kind == kindMulti {
		vs := l.all(o.names())
		for i := range vs {
			vs[i] = l.expand(o.section, vs[i])
		}
		o.setMulti(vs)
		return
	}
	v, file, used, ok := l.lookup(o.names())
	if !ok {
		if err := o.set(o.def); err != nil {
			l.errs = append(l.errs, err)
		}
		return
	}
	if l.set == nil {
		l.set = map[key]bool{}
	}
	l.set[o.key] = true
	if used != o.key {
		l.deprecated = append(l.deprecated, used.String()+" is deprecated; use "+o.key.String())
	}
	if o.notActedOn != "" {
		l.notActedOn = append(l.notActedOn, used.String()+" is set but not acted on in this version: "+o.notActedOn)
	}
	if err := o.set(l.expand(o.section, v)); err != nil {
		err.File = file
		l.errs = append(l.errs, err)
		_ = o.set(o.def)
	}
}

// lookup finds an option as oslo.config does: the last file that sets it
// wins, and within a file the current name beats deprecated ones.
func (l *loader) lookup(names []key) (v, file string, used key, ok bool) {
	for i := len(l.srcs) - 1; i >= 0; i-- {
		for _, k := range names {
			if v, ok := l.srcs[i].values[k]; ok {
				return v, l.srcs[i].path, k, true
			}
		}
	}
	return "", "", key{}, false
}

// fileOf returns the file that sets option k, for error messages.
func (l *loader) fileOf(k key) string {
	_, file, _, _ := l.lookup([]key{k})
	return file
}

// all gathers every value of a multi-valued option in file order.
func (l *loader) all(names []key) []string {
	var vs []string
	for _, s := range l.srcs {
		for _, k := range names {
			if got, ok := s.multi[k]; ok {
				vs = append(vs, got...)
				break
			}
		}
	}
	return vs
}

// section merges a section's options across files, later files winning,
// with references expanded; nil when no file has the section.
func (l *loader) section(name string) map[string]string {
	var m map[string]string
	for _, s := range l.srcs {
		for _, k := range s.order {
			if k.section != name {
				continue
			}
			if m == nil {
				m = map[string]string{}
			}
			m[k.name] = s.values[k]
		}
	}
	for k, v := range m {
		m[k] = l.expand(name, v)
	}
	for _, opt := range multiValued {
		if _, ok := m[opt]; ok {
			vs := l.all([]key{{name, opt}})
			for i := range vs {
				vs[i] = l.expand(name, vs[i])
			}
			m[opt] = strings.Join(vs, MultiSeparator)
		}
	}
	return m
}

// unknown lists the options of srcs that no table row reads and that no
// store driver reads in their section (see knownInSection), once each, in
// order of appearance.
func unknown(srcs []*source, opts []option, driverReads func(section, name string) bool) []string {
	known := map[key]bool{}
	for _, o := range opts {
		for _, k := range o.names() {
			known[k] = true
		}
	}
	var out []string
	for _, s := range srcs {
		for _, k := range s.order {
			if !known[k] && !driverReads(k.section, k.name) {
				known[k] = true
				out = append(out, k.String())
			}
		}
	}
	return out
}
