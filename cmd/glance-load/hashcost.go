package main

import (
	"context"
	"crypto/md5"
	"fmt"
	"hash"
	"runtime"
	"sync"
	"time"

	"github.com/go-glance/glance/domain"
	"golang.org/x/sys/unix"
)

// An upload cannot cost the server less than hashing its bytes: md5 (the
// checksum) and the configured os_hash_algo. The tool measures that floor
// itself, right after each data phase on the same machine, so the
// server's cost can be judged against it in the same run:
//
//   - serial cost: cpu-seconds per GiB to feed md5 and the other hash on
//     one core, one after the other. An upload can use less wall time
//     but never less cpu than this.
//   - two-goroutine limit: MB/s of md5 and the other hash over the same
//     bytes in two goroutines, the fastest any single-stream upload can
//     go on two cores, as domain's Digester/limit-two-goroutines
//     benchmark measures it.
const hashBuffer = 16 << 20 // hashed over and over: generating costs nothing per pass

// hashCost is what hashing the same bytes costs on this machine.
type hashCost struct {
	Algo      string
	CPUPerGiB float64 // md5 then algo in one goroutine
	LimitMBs  float64 // md5 and algo in two goroutines, wall time
}

// measureHashCost hashes n bytes (a multiple of hashBuffer, at least
// one) with md5 and algo. An unknown algo is an error: the figure would
// be meaningless.
func measureHashCost(algo string, n int64) (hashCost, error) {
	newHash, ok := domain.HashAlgorithms[algo]
	if !ok {
		return hashCost{}, fmt.Errorf("hash cost: unknown os_hash_algo %q", algo)
	}
	data := make([]byte, hashBuffer)
	genFill(data, 1, 0, 0)
	passes := max(int(n/hashBuffer), 1)
	total := float64(passes) * hashBuffer

	cpu, err := threadCPU(func() {
		m, h := md5.New(), newHash()
		for range passes {
			m.Write(data)
			h.Write(data)
		}
		m.Sum(nil)
		h.Sum(nil)
	})
	if err != nil {
		return hashCost{}, err
	}
	start := time.Now()
	var wg sync.WaitGroup
	for _, f := range []func() hash.Hash{md5.New, newHash} {
		wg.Go(func() {
			h := f()
			for range passes {
				h.Write(data)
			}
			h.Sum(nil)
		})
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	return hashCost{Algo: algo, CPUPerGiB: cpu.Seconds() / (total / (1 << 30)), LimitMBs: total / 1e6 / wall}, nil
}

// threadCPU runs f on one locked OS thread and returns the cpu time that
// thread spent, user and system, so that other load on the machine does
// not count as it would in wall time.
func threadCPU(f func()) (time.Duration, error) {
	var d time.Duration
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var r0, r1 unix.Rusage
		if err = unix.Getrusage(unix.RUSAGE_THREAD, &r0); err != nil {
			return
		}
		f()
		if err = unix.Getrusage(unix.RUSAGE_THREAD, &r1); err != nil {
			return
		}
		d = rusageTime(r1) - rusageTime(r0)
	}()
	<-done
	return d, err
}

func rusageTime(r unix.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

// addCost fills the cost columns of a data phase: the server's cpu per
// GiB moved (with -pid), the hash floor and the ratio between them, and
// for uploads the throughput as a share of the two-goroutine limit.
// A zero hc (-hash-bytes 0) leaves the hash columns out.
func addCost(r *Result, hc hashCost) {
	r.HashAlgo = hc.Algo
	r.HashCPUPerGiB = hc.CPUPerGiB
	r.HashLimitMBs = hc.LimitMBs
	if r.Mode == "upload" && hc.LimitMBs > 0 {
		r.HashLimitPct = 100 * r.MBs / hc.LimitMBs
	}
	if r.Bytes <= 0 || r.ServerCPU <= 0 {
		return
	}
	gib := r.Bytes / (1 << 30)
	r.CPUPerGiB = r.ServerCPU / gib
	r.UserPerGiB = r.ServerUser / gib
	r.SysPerGiB = r.ServerSys / gib
	if hc.CPUPerGiB > 0 {
		r.HashRatio = r.CPUPerGiB / hc.CPUPerGiB
	}
}

// hashCostAfter measures the hash floor for a data phase over -hash-bytes,
// with the os_hash_algo the server recorded for image id (Glance's
// default, sha512, when the record names none). It returns a zero cost,
// with a note, when it cannot.
func (s *session) hashCostAfter(ctx context.Context, id string) hashCost {
	if s.cfg.hashBytes <= 0 {
		return hashCost{}
	}
	algo := "sha512"
	if img, err := s.api.getImage(ctx, id); err != nil {
		s.logf("hash cost: reading os_hash_algo: %v (assuming sha512)", err)
	} else if img.HashAlgo != "" {
		algo = img.HashAlgo
	}
	hc, err := measureHashCost(algo, s.cfg.hashBytes)
	if err != nil {
		s.logf("%v", err)
	}
	return hc
}
