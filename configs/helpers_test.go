package configs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// MustWrite writes content to dir/name and returns the path.
func MustWrite(tb testing.TB, dir, name, content string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// MustLoad loads one file with the given content.
func MustLoad(tb testing.TB, content string) *Config {
	tb.Helper()
	c, err := loadString(tb, content)
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return c
}

// MustFail loads one file with the given content and returns the error
// text, failing when loading succeeds or the error is not a *ValueError.
func MustFail(tb testing.TB, content string) string {
	tb.Helper()
	_, err := loadString(tb, content)
	if err == nil {
		tb.Fatalf("Load succeeded, want an error for:\n%s", content)
	}
	var ve *ValueError
	if !errors.As(err, &ve) {
		tb.Fatalf("error %v is %T, want a *ValueError", err, err)
	}
	return err.Error()
}

func loadString(tb testing.TB, content string) (*Config, error) {
	tb.Helper()
	p := MustWrite(tb, tb.TempDir(), "glance-api.conf", content)
	return Load([]string{p}, nil)
}

// mustContain fails unless s contains every one of wants.
func mustContain(tb testing.TB, s string, wants ...string) {
	tb.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			tb.Errorf("%q does not contain %q", s, w)
		}
	}
}
