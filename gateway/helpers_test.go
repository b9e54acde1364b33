package gateway

import (
	"strings"
	"testing"
)

// errStatus is the HTTP status a client would get for err.
func errStatus(err error) int { return toHTTPError(err).code }

// errText is the message a client would read for err, without WebOb's
// page furniture.
func errText(err error) string {
	e := toHTTPError(err)
	if e.detail != "" {
		return e.detail
	}
	return e.explanation
}

// wantError checks that err is what a client gets for a refused request:
// the given status, and a message containing msg.
func wantError(tb testing.TB, err error, status int, msg string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error, want %d %q", status, msg)
	}
	if got := errStatus(err); got != status {
		tb.Errorf("status %d (%v), want %d", got, err, status)
	}
	if got := errText(err); !strings.Contains(got, msg) {
		tb.Errorf("message %q, want it to contain %q", got, msg)
	}
}
