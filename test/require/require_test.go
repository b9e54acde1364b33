package require

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how a test ended. Skipf and
// Fatalf only record here: the real ones stop the goroutine.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = true
	r.msg = fmt.Sprintf(format, args...)
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = true
	r.msg = fmt.Sprintf(format, args...)
}

func TestMissing(t *testing.T) {
	for _, tt := range []struct {
		ci                   string
		wantSkip, wantFailed bool
	}{
		{"", true, false},
		{"false", true, false},
		{"1", true, false}, // only CI=true counts, as CI systems set it
		{"true", false, true},
	} {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := &recorder{TB: t}
			Missing(r, "%s is not installed", "glance-manage")
			if r.skipped != tt.wantSkip || r.failed != tt.wantFailed {
				t.Fatalf("skipped %v, failed %v; want skipped %v, failed %v", r.skipped, r.failed, tt.wantSkip, tt.wantFailed)
			}
			if !strings.Contains(r.msg, "glance-manage is not installed") {
				t.Fatalf("message %q does not say what is missing", r.msg)
			}
		})
	}
}
