package configs

import (
	"slices"
	"strconv"
	"strings"
)

// StoreTypes are the store types enabled_backends may name.
var StoreTypes = []string{"file", "http", "rbd", "s3", "swift", "cinder", "vmware"}

// glance_store's filesystem defaults, shared by [glance_store] and every
// file backend section.
const (
	defaultDataDir   = "/var/lib/glance/images"
	defaultChunkSize = "65536"
)

// reservedPrefix starts the names of the stores Glance keeps for itself;
// Glance refuses it in enabled_backends.
const reservedPrefix = "os_glance_"

// backendOptions are the typed options of backend b's section.
func backendOptions(b *Backend) []option {
	if b.Type != "file" {
		return nil
	}
	sec := normSection(b.Name)
	return []option{
		strOpt(sec, "filesystem_store_datadir", defaultDataDir, &b.DataDir),
		intOpt(sec, "filesystem_store_chunk_size", defaultChunkSize, 1, noMax, &b.ChunkSize).notYet(ownBuffers),
	}
}

// loadBackends builds c.Backends from enabled_backends and the backends'
// sections, and checks default_backend.
func (c *Config) loadBackends(l *loader) {
	static := c.staticSections()
	var names []string
	for _, p := range c.Default.EnabledBackends {
		names = append(names, p.Key)
		if bad, reason := checkBackend(p, static); reason != "" {
			l.errs = append(l.errs, &ValueError{Section: secDefault, Option: "enabled_backends",
				Value: bad, Reason: reason, File: l.fileOf(key{secDefault, "enabled_backends"})})
			continue
		}
		sec := normSection(p.Key)
		b := Backend{Name: p.Key, Type: p.Value, Options: l.section(sec)}
		for _, o := range backendOptions(&b) {
			l.apply(o)
		}
		if b.Type == "file" {
			c.checkDatadirs(l, sec, b.Options)
		}
		c.Backends = append(c.Backends, b)
	}
	if len(c.Default.EnabledBackends) > 0 && !slices.Contains(names, c.Store.DefaultBackend) {
		l.errs = append(l.errs, &ValueError{Section: secStore, Option: "default_backend",
			Value:  c.Store.DefaultBackend,
			Reason: "is not one of the enabled backends (" + strings.Join(names, ", ") + ")",
			File:   l.fileOf(key{secStore, "default_backend"})})
	}
}

// checkBackend returns the unusable part of an enabled_backends entry and
// why, or "", "" when the entry is fine.
func checkBackend(p Pair, static []string) (bad, reason string) {
	switch {
	case !slices.Contains(StoreTypes, p.Value):
		return p.Value, "is not a store type for backend " + strconv.Quote(p.Key) +
			" (known: " + strings.Join(StoreTypes, ", ") + ")"
	case strings.HasPrefix(p.Key, reservedPrefix):
		return p.Key, "is a backend name with the " + reservedPrefix + " prefix Glance reserves for its own stores"
	case slices.Contains(static, normSection(p.Key)):
		return p.Key, "is a backend name that would share the [" + normSection(p.Key) + "] section"
	}
	return "", ""
}

// staticSections are the sections the option table owns.
func (c *Config) staticSections() []string {
	var secs []string
	for _, o := range c.options() {
		for _, k := range o.names() {
			if !slices.Contains(secs, k.section) {
				secs = append(secs, k.section)
			}
		}
	}
	return secs
}
