package configs

import (
	"path/filepath"
	"strings"
)

// Auth modes, as returned by Config.AuthMode.
const (
	// AuthNone trusts nobody and acts as Glance's unauthenticated admin
	// context (flavor unset).
	AuthNone = "noauth"
	// AuthKeystone validates tokens against Keystone.
	AuthKeystone = "keystone"
	// AuthTrusted trusts identity headers set by an authenticating proxy.
	AuthTrusted = "trusted-auth"
)

// defaultLogName is oslo.log's file name when only log_dir is set: the
// program name plus ".log".
const defaultLogName = "glance-api.log"

// IsSet reports whether a config file sets the option (under its name or
// a deprecated one), rather than leaving it at its default.
func (c *Config) IsSet(section, name string) bool { return c.set[key{section, name}] }

// MultiStore reports whether enabled_backends configures named backends.
func (c *Config) MultiStore() bool { return len(c.Backends) > 0 }

// AuthMode returns AuthNone, AuthKeystone or AuthTrusted from
// [paste_deploy] flavor.
func (c *Config) AuthMode() string {
	auth, _, _ := parseFlavor(c.Paste.Flavor)
	if auth == "" {
		return AuthNone
	}
	return auth
}

// Caching reports whether the flavor turns on the image cache
// ("+caching" or "+cachemanagement").
func (c *Config) Caching() bool {
	_, cache, _ := parseFlavor(c.Paste.Flavor)
	return cache != ""
}

// CacheManagement reports whether the flavor also turns on the legacy
// cache-management middleware ("+cachemanagement").
func (c *Config) CacheManagement() bool {
	_, cache, _ := parseFlavor(c.Paste.Flavor)
	return cache == "cachemanagement"
}

// LogPath returns the log file as oslo.log derives it: log_file, joined to
// log_dir when relative, or glance-api.log in log_dir when only that is
// set. "" means no file: log to the standard streams.
func (c *Config) LogPath() string {
	file, dir := c.Default.LogFile, c.Default.LogDir
	switch {
	case file != "" && dir != "" && !filepath.IsAbs(file):
		return filepath.Join(dir, file)
	case file != "":
		return file
	case dir != "":
		return filepath.Join(dir, defaultLogName)
	}
	return ""
}

// NotificationTransportURL returns the messaging URL for notifications:
// the notifications section's own, else [DEFAULT] transport_url, as
// oslo.messaging falls back.
func (c *Config) NotificationTransportURL() string {
	if c.Notification.TransportURL != "" {
		return c.Notification.TransportURL
	}
	return c.Default.TransportURL
}

// parseFlavor splits a paste flavor into its auth and cache parts. Glance
// names its no-auth cache pipelines "caching" and "cachemanagement";
// "+caching" is accepted as the same thing.
func parseFlavor(flavor string) (auth, cache string, ok bool) {
	auth, cache, plus := strings.Cut(flavor, "+")
	if !plus && (auth == "caching" || auth == "cachemanagement") {
		auth, cache = "", auth
	}
	if plus && cache == "" {
		return "", "", false
	}
	switch auth {
	case "", AuthKeystone, AuthTrusted:
	default:
		return "", "", false
	}
	switch cache {
	case "", "caching", "cachemanagement":
	default:
		return "", "", false
	}
	return auth, cache, true
}

// checkFlavor is the [paste_deploy] flavor validator.
func checkFlavor(v string) string {
	if _, _, ok := parseFlavor(v); ok {
		return ""
	}
	return "is not a known flavor (empty, keystone or trusted-auth, each optionally followed by +caching or +cachemanagement; or caching, cachemanagement)"
}
