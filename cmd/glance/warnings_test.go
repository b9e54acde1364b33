package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An option the server reads but does not act on yet gets one WARNING
// naming it at start, when a file sets it; an unknown option stays a
// debug line, and a default nobody chose is not warned about.
func TestStartWarnsOfOptionsNotActedOn(t *testing.T) {
	logDir := t.TempDir()
	logFile := filepath.Join(logDir, "api.log")
	MustStartServer(t, "debug = true\nlog_file = "+logFile+"\n"+
		"image_cache_dir = /var/cache/glance\nworkers = 3\n"+
		"enabled_import_methods = glance-direct,web-download\n"+
		"no_such_option = 1\n"+
		"[import_filtering_opts]\nallowed_ports = 80,443,8080\n"+
		"[DEFAULT]\n")
	warnings := mustLogLines(t, logFile, " WARNING ")
	for _, option := range []string{"[DEFAULT] image_cache_dir",
		"[DEFAULT] workers",
		"[import_filtering_opts] allowed_ports"} {
		if n := count(warnings, option+" "); n != 1 {
			t.Errorf("%d WARNING lines name %s, want 1:\n%s", n, option, strings.Join(warnings, "\n"))
		}
	}
	if n := count(warnings, "glance-direct, web-download"); n != 1 {
		t.Errorf("%d WARNING lines name the import methods not served, want 1:\n%s", n, strings.Join(warnings, "\n"))
	}
	if n := count(warnings, "no_such_option"); n != 0 {
		t.Errorf("an unknown option is a WARNING:\n%s", strings.Join(warnings, "\n"))
	}
	if n := count(mustLogLines(t, logFile, " DEBUG "), "[DEFAULT] no_such_option"); n != 1 {
		t.Errorf("%d DEBUG lines name the unknown option, want 1", n)
	}

	quiet := filepath.Join(logDir, "quiet.log")
	MustStartServer(t, "log_file = "+quiet+"\n")
	if warnings := mustLogLines(t, quiet, " WARNING "); len(warnings) != 0 {
		t.Errorf("the defaults gave warnings:\n%s", strings.Join(warnings, "\n"))
	}
}

// mustLogLines returns the lines of the log file that contain level.
func mustLogLines(tb testing.TB, path, level string) []string {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.Contains(line, level) {
			out = append(out, line)
		}
	}
	return out
}

func count(lines []string, s string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}
