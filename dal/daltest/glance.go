package daltest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/go-glance/glance/test/require"
)

// GlanceConfig writes a configuration file naming connection as
// [database] connection and returns its path.
func GlanceConfig(tb testing.TB, connection string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "glance-api.conf")
	conf := "[DEFAULT]\nuse_stderr = true\n\n[database]\nconnection = " + connection + "\n"
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// GlanceSync creates Glance's schema in the empty database at
// connection by running the real glance-manage db_sync, skipping tb
// (failing it under CI) when glance-manage is not installed.
func GlanceSync(tb testing.TB, connection string) {
	tb.Helper()
	manage, err := exec.LookPath("glance-manage")
	if err != nil {
		require.Missing(tb, "glance-manage is not installed; install Glance (e.g. the glance-api package) to compare with real Glance")
	}
	out, err := exec.Command(manage, "--config-file", GlanceConfig(tb, connection), "db_sync").CombinedOutput()
	if err != nil {
		tb.Fatalf("glance-manage db_sync: %v\n%s", err, out)
	}
}
