//go:build faultinject

package fault

import (
	"os"
	"syscall"
)

// crashAt is the step to die at, read once at start.
var crashAt = os.Getenv("GLANCE_FAULT_CRASH")

// Crash kills the process with SIGKILL when step is the one
// GLANCE_FAULT_CRASH names, leaving everything as a crash would.
func Crash(step string) {
	if step != "" && step == crashAt {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
