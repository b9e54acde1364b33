// Package require lets a test say that something it needs (a service, a
// client, a package) is missing. On a developer's machine the test skips
// with that message; under CI (CI=true) it fails, so a missing install
// step can never pass as green.
//
// It imports only the standard library, so every package's tests may
// use it (test/layout allows it everywhere).
package require

import (
	"os"
	"testing"
)

// Missing stops tb because a dependency is missing: it fails under CI
// (CI=true) and skips elsewhere, with the message format and args give.
// Skips for other reasons (-short, a platform without a feature) call
// tb.Skip directly.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("missing under CI: "+format, args...)
		return
	}
	tb.Skipf(format, args...)
}

// InCI reports whether the tests run under CI, where every dependency
// must be installed.
func InCI() bool { return os.Getenv("CI") == "true" }
