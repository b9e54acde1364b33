package configs

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/ini.v1"
)

// source is one config file's values, by normalised section and option.
type source struct {
	path   string
	values map[key]string   // the last value of each option
	multi  map[key][]string // every non-empty value, for repeated options
	order  []key            // options in order of first appearance
}

// iniOptions make gopkg.in/ini.v1 read a file as oslo.config does.
var iniOptions = ini.LoadOptions{
	// '#' and ';' start comments only at the start of a line: oslo keeps
	// "a # b" whole, and URLs and passwords may contain either.
	IgnoreInlineComment: true,
	// A trailing backslash is part of the value; indented lines continue
	// the previous value instead.
	IgnoreContinuation:         true,
	AllowPythonMultilineValues: true,
	KeyValueDelimiters:         "=:",
}

// configPaths lists the files to read: files in order, then every *.conf
// of each dir in name order, skipping hidden ones as oslo's glob does.
func configPaths(files, dirs []string) ([]string, error) {
	paths := slices.Clone(files)
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir) // sorted by name
		if err != nil {
			return nil, fmt.Errorf("config dir: %w", err)
		}
		for _, e := range entries {
			name := e.Name()
			if strings.HasSuffix(name, ".conf") && !strings.HasPrefix(name, ".") && !e.IsDir() {
				paths = append(paths, filepath.Join(dir, name))
			}
		}
	}
	return paths, nil
}

func readSources(paths []string) ([]*source, error) {
	srcs := make([]*source, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("config file: %w", err)
		}
		src, err := parseSource(p, data)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, src)
	}
	return srcs, nil
}

// parseSource reads one file twice: once keeping the last value of a
// repeated option (what every single-valued option wants, empty values
// included) and once keeping all of them for multi-valued options.
func parseSource(path string, data []byte) (*source, error) {
	last, err := ini.LoadSources(iniOptions, data)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	allOpts := iniOptions
	allOpts.AllowShadows = true
	allOpts.AllowDuplicateShadowValues = true
	all, err := ini.LoadSources(allOpts, data)
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	src := &source{path: path, values: map[key]string{}, multi: map[key][]string{}}
	for _, s := range last.Sections() {
		for _, k := range s.Keys() {
			kk := key{normSection(s.Name()), k.Name()}
			if _, seen := src.values[kk]; !seen {
				src.order = append(src.order, kk)
			}
			src.values[kk] = k.Value()
		}
	}
	for _, s := range all.Sections() {
		for _, k := range s.Keys() {
			kk := key{normSection(s.Name()), k.Name()}
			src.multi[kk] = append(src.multi[kk], k.ValueWithShadows()...)
		}
	}
	return src, nil
}

// normSection folds section names as oslo.config does: DEFAULT stays,
// every other name is case-insensitive.
func normSection(name string) string {
	if name == secDefault {
		return name
	}
	return strings.ToLower(name)
}
