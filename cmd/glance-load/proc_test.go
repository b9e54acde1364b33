package main

import (
	"encoding/binary"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/go-glance/glance/test/require"
)

func TestParseStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	line := "1234 (a (b) c) S 77 1234 1234 0 -1 4194304 100 0 0 0 150 25 3 4 20 0 1 0 12345 1000 50 18446744073709551615\n"
	ppid, ticks, err := parseStat([]byte(line))
	if err != nil || ppid != 77 || ticks != (cpuTicks{User: 150 + 3, Sys: 25 + 4}) {
		t.Errorf("got ppid %d ticks %+v err %v; want 77 {User:153 Sys:29}", ppid, ticks, err)
	}
	// A negative cutime (the kernel's field is signed) counts as none.
	neg := "9 (x) S 1 9 9 0 -1 0 0 0 0 0 10 20 -5 7 20 0 1 0 1 1 1 1\n"
	if _, ticks, err := parseStat([]byte(neg)); err != nil || ticks != (cpuTicks{User: 10, Sys: 27}) {
		t.Errorf("negative cutime: got %+v, %v; want {User:10 Sys:27}", ticks, err)
	}
	for _, bad := range []string{"", "1 (x S 1", "1 (x) S 1 2 3", "1 (x) S p 1 1 0 -1 0 0 0 0 0 1 1 0 0"} {
		if _, _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) did not fail", bad)
		}
	}
}

func TestParseKiBField(t *testing.T) {
	status := "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    1784 kB\nRssAnon:\t 116 kB\n"
	if v, err := parseKiBField([]byte(status), "VmRSS"); err != nil || v != 1784 {
		t.Errorf("VmRSS = %d, %v; want 1784", v, err)
	}
	rollup := "562077aff000-7ffff37a4000 ---p 00000000 00:00 0 [rollup]\nRss:  1784 kB\nPss:  244 kB\nPss_Dirty: 116 kB\n"
	if v, err := parseKiBField([]byte(rollup), "Pss"); err != nil || v != 244 {
		t.Errorf("Pss = %d, %v; want 244", v, err)
	}
	if _, err := parseKiBField([]byte(status), "Pss"); err == nil {
		t.Error("a missing field did not fail")
	}
}

func TestStatmAgreesWithStatus(t *testing.T) {
	buf := make([]byte, 4096)
	n, err := readInto("/proc/self/statm", buf)
	if err != nil {
		t.Fatal(err)
	}
	pages, err := parseStatmRSS(buf[:n])
	if err != nil {
		t.Fatal(err)
	}
	u, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Both come from the same counters; allow for pages touched in between.
	if d := int64(pages*pageKiB) - int64(u.RSSKiB); d < -4096 || d > 4096 {
		t.Errorf("statm says %d KiB resident, status VmRSS %d KiB", pages*pageKiB, u.RSSKiB)
	}
	if _, err := parseStatmRSS([]byte("12")); err == nil {
		t.Error("a short statm did not fail")
	}
}

func TestAuxvValue(t *testing.T) {
	b := make([]byte, 48)
	for i, v := range []uint64{6, 4096, 17, 250, 0, 0} {
		binary.NativeEndian.PutUint64(b[8*i:], v)
	}
	if got := auxvValue(b, 17); got != 250 {
		t.Errorf("AT_CLKTCK = %d, want 250", got)
	}
	if hz := clockTicks(); hz <= 0 {
		t.Errorf("clock ticks of this process: %v", hz)
	}
}

func TestReadProcSelf(t *testing.T) {
	before, err := readProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if before.RSSKiB == 0 {
		t.Error("VmRSS of this process is 0")
	}
	if _, err := os.Stat("/proc/self/smaps_rollup"); err == nil && before.PSSKiB == 0 {
		t.Error("Pss of this process is 0")
	}
	// Burn cpu until the tick counter moves (it has 10 ms resolution).
	deadline := time.Now().Add(5 * time.Second)
	x := 0
	for time.Now().Before(deadline) {
		for i := range 1_000_000 {
			x += i
		}
		if u, _ := readProc(os.Getpid()); u.CPU.User > before.CPU.User {
			return
		}
	}
	t.Errorf("cpu ticks did not move in 5 s of spinning (%d)", x)
}

func TestProcessTree(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		require.Missing(t, "cannot start sleep: %v", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	tree, err := processTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if tree[0] != os.Getpid() || !slices.Contains(tree, cmd.Process.Pid) {
		t.Errorf("tree %v lacks this process or its child %d", tree, cmd.Process.Pid)
	}
	scanned, err := scanTree(os.Getpid())
	if err != nil || !slices.Equal(slices.Sorted(slices.Values(scanned)), slices.Sorted(slices.Values(tree))) {
		t.Errorf("children lists give %v, a scan of /proc gives %v (%v)", tree, scanned, err)
	}
	sum, n, err := treeUsage(os.Getpid())
	if err != nil || n < 2 || sum.RSSKiB == 0 {
		t.Errorf("treeUsage: %+v, %d processes, %v", sum, n, err)
	}
	if _, err := processTree(1 << 30); err == nil {
		t.Error("a missing pid did not fail")
	}
}

func TestServerWatchFollowsCPU(t *testing.T) {
	w := watchServer(os.Getpid())
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	var r Result
	if err := w.finish(&r); err != nil {
		t.Fatal(err)
	}
	if r.ServerCPU <= 0 || r.RSSPeakMiB <= 0 {
		t.Errorf("after 300 ms of spinning: cpu %v s, rss %v MiB", r.ServerCPU, r.RSSPeakMiB)
	}
	if watchServer(0).finish(&r) != nil {
		t.Error("a nil watch failed")
	}
}
