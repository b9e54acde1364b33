package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Options is the config section of one backend (a section named by
// enabled_backends, or [glance_store] for the single store), option
// name to value as written, for the driver of its type to read with
// Glance's option names and its own defaults.
type Options map[string]string

// String returns option name, or def when it is not set.
func (o Options) String(name, def string) string {
	if v, ok := o[name]; ok {
		return v
	}
	return def
}

// Int returns option name as an integer, or def when it is not set.
// It returns an error naming the option for a value that is not one.
func (o Options) Int(name string, def int64) (int64, error) {
	v, ok := o[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("option %s: %q is not an integer", name, v)
	}
	return n, nil
}

// Bool returns option name as oslo.config reads booleans, or def when
// it is not set. It returns an error naming the option for another value.
func (o Options) Bool(name string, def bool) (bool, error) {
	v, ok := o[name]
	if !ok {
		return def, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "on", "yes":
		return true, nil
	case "false", "0", "off", "no":
		return false, nil
	}
	return false, fmt.Errorf("option %s: %q is not a boolean", name, v)
}

// List returns option name as a comma-separated list without empty
// items, or nil when it is not set.
func (o Options) List(name string) []string {
	var items []string
	for item := range strings.SplitSeq(o[name], ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// Strings returns every value of option name, which oslo.config reads
// as a repeated option (MultiStrOpt): the config layer joins the values
// with newlines. It returns nil when the option is not set.
func (o Options) Strings(name string) []string {
	var vs []string
	for v := range strings.SplitSeq(o[name], "\n") {
		if v = strings.TrimSpace(v); v != "" {
			vs = append(vs, v)
		}
	}
	return vs
}

// Factory makes the driver of a backend from its section. backendID is
// the enabled_backends key, to record as the "store" metadata of the
// driver's locations, or "" for the single store of [glance_store]. It
// returns an error naming the option at fault.
type Factory func(backendID string, opts Options) (Driver, error)

var (
	factoriesMu sync.RWMutex
	factories   = map[string]Factory{}
)

// Register makes Open build drivers of type typ (Glance's store type
// names: file, rbd, s3, swift, http) with f. A driver package calls it
// from init; the binary imports the driver packages it serves. It panics
// if typ is registered twice.
func Register(typ string, f Factory) {
	factoriesMu.Lock()
	defer factoriesMu.Unlock()
	if _, dup := factories[typ]; dup {
		panic("store: driver type " + typ + " registered twice")
	}
	factories[typ] = f
}

// ErrUnknownType is Open's error for a type no driver registered.
var ErrUnknownType = errors.New("no driver for this store type")

// Open builds the driver of type typ for backend backendID from opts.
// It returns ErrUnknownType (wrapped) for a type no driver registered,
// or the driver's error about its options.
func Open(typ, backendID string, opts Options) (Driver, error) {
	factoriesMu.RLock()
	f := factories[typ]
	factoriesMu.RUnlock()
	name := backendID
	if name == "" {
		name = typ
	}
	if f == nil {
		return nil, fmt.Errorf("store %s of type %s: %w", name, typ, ErrUnknownType)
	}
	d, err := f(backendID, opts)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", name, err)
	}
	return d, nil
}

// Types lists the registered driver types, sorted.
func Types() []string {
	factoriesMu.RLock()
	defer factoriesMu.RUnlock()
	var types []string
	for t := range factories {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}
