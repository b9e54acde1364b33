package main

import (
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestAddCost(t *testing.T) {
	hc := hashCost{Algo: "sha512", CPUPerGiB: 3, LimitMBs: 500}
	r := Result{Mode: "upload", Bytes: 2 << 30, MBs: 400, ServerCPU: 9, ServerUser: 6.5, ServerSys: 2.5}
	addCost(&r, hc)
	want := Result{Mode: "upload", Bytes: 2 << 30, MBs: 400, ServerCPU: 9, ServerUser: 6.5, ServerSys: 2.5,
		CPUPerGiB: 4.5, UserPerGiB: 3.25, SysPerGiB: 1.25,
		HashAlgo: "sha512", HashCPUPerGiB: 3, HashRatio: 1.5, HashLimitMBs: 500, HashLimitPct: 80}
	if r != want {
		t.Errorf("upload:\ngot  %+v\nwant %+v", r, want)
	}
	// A download is not bound by hashing: no share of the limit.
	d := Result{Mode: "download", Bytes: 1 << 30, MBs: 1500, ServerCPU: 0.5, ServerSys: 0.5}
	addCost(&d, hc)
	if d.CPUPerGiB != 0.5 || d.HashLimitPct != 0 || math.Abs(d.HashRatio-0.5/3) > 1e-9 {
		t.Errorf("download: %+v", d)
	}
	// Without -pid there is no server cpu, so no per-GiB cost or ratio.
	n := Result{Mode: "upload", Bytes: 1 << 30, MBs: 250}
	addCost(&n, hc)
	if n.CPUPerGiB != 0 || n.HashRatio != 0 || n.HashLimitPct != 50 {
		t.Errorf("without -pid: %+v", n)
	}
}

func TestMeasureHashCost(t *testing.T) {
	hc, err := measureHashCost("sha256", hashBuffer)
	if err != nil {
		t.Fatal(err)
	}
	if hc.Algo != "sha256" || hc.CPUPerGiB <= 0 || hc.LimitMBs <= 0 {
		t.Errorf("got %+v", hc)
	}
	if _, err := measureHashCost("crc32", hashBuffer); err == nil {
		t.Error("an unknown algorithm did not fail")
	}
}

func TestThreadCPUCountsOnlyWork(t *testing.T) {
	d, err := threadCPU(func() {
		x := 0
		for i := range 50_000_000 {
			x += i
		}
		_ = x
	})
	if err != nil || d <= 0 {
		t.Errorf("spinning took %v of cpu, %v", d, err)
	}
}

// The data phases report the hash floor with the algorithm the server
// records, and the server's cost per GiB beside it.
func TestDataPhasesReportHashFloor(t *testing.T) {
	for _, mode := range []string{"upload", "download"} {
		t.Run(mode, func(t *testing.T) {
			fake := newFakeGlance()
			fake.hashAlgo = "sha256"
			// The fake runs in this process, so this process is the server.
			r := runTool(t, fake, "-mode", mode, "-size", "4MiB", "-n", "3", "-pid", strconv.Itoa(os.Getpid()))
			res := r.only(t)
			if r.code != 0 || res.HashAlgo != "sha256" || res.HashCPUPerGiB <= 0 || res.HashLimitMBs <= 0 {
				t.Fatalf("exit %d, %+v", r.code, res)
			}
			if (res.HashLimitPct > 0) != (mode == "upload") {
				t.Errorf("hash_limit_pct %v in %s", res.HashLimitPct, mode)
			}
			// cpu ticks are 10 ms: a tiny phase may not move them.
			if res.ServerCPU > 0 && (res.CPUPerGiB <= 0 || res.HashRatio <= 0) {
				t.Errorf("server cpu %v s but cpu/GiB %v, ratio %v", res.ServerCPU, res.CPUPerGiB, res.HashRatio)
			}
			if math.Abs(res.ServerUser+res.ServerSys-res.ServerCPU) > 0.002 {
				t.Errorf("user %v + sys %v != cpu %v", res.ServerUser, res.ServerSys, res.ServerCPU)
			}
			if !strings.Contains(r.stdout, "md5+sha256/GiB=") || !strings.Contains(r.stdout, "limit=") {
				t.Errorf("the table line lacks the hash floor:\n%s", r.stdout)
			}
		})
	}
	t.Run("off", func(t *testing.T) {
		r := runTool(t, newFakeGlance(), "-mode", "upload", "-size", "4KiB", "-hash-bytes", "0")
		if res := r.only(t); r.code != 0 || res.HashAlgo != "" || res.HashCPUPerGiB != 0 || res.HashLimitPct != 0 {
			t.Errorf("exit %d, %+v", r.code, res)
		}
	})
}
