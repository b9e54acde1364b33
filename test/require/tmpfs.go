package require

import (
	"os"
	"os/exec"
	"testing"
)

// SmallFS mounts a tmpfs of size (mount's size= option, such as "64m")
// in a temporary directory for tb and unmounts it at cleanup. Mounting
// needs root; without it the test is Missing a dependency.
func SmallFS(tb testing.TB, size string) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		Missing(tb, "mounting a small filesystem needs root")
		return ""
	}
	dir := tb.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		tb.Fatalf("mount tmpfs: %v\n%s", err, out)
	}
	tb.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			tb.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	})
	return dir
}
