package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"sync"
	"time"
)

// procUsage is what /proc says about a process (or a sum over a tree).
type procUsage struct {
	CPU    cpuTicks
	RSSKiB uint64 // VmRSS
	PSSKiB uint64 // Pss from smaps_rollup
}

// cpuTicks is cpu time in clock ticks, split as the kernel accounts it:
// user (utime+cutime) is the process's own code, such as hashing; sys
// (stime+cstime) is the kernel working for it, such as copying data
// between sockets, the page cache and the process.
type cpuTicks struct{ User, Sys uint64 }

func (t cpuTicks) total() uint64 { return t.User + t.Sys }

// since is t minus an earlier reading, never negative.
func (t cpuTicks) since(t0 cpuTicks) cpuTicks {
	return cpuTicks{t.User - min(t0.User, t.User), t.Sys - min(t0.Sys, t.Sys)}
}

func (t cpuTicks) add(u cpuTicks) cpuTicks { return cpuTicks{t.User + u.User, t.Sys + u.Sys} }

// parseStat returns the parent pid and the cpu times (utime+cutime,
// stime+cstime) from the contents of /proc/<pid>/stat. The command name
// may hold spaces and parentheses, so fields are counted from the last ')'.
func parseStat(b []byte) (ppid int, ticks cpuTicks, err error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, ticks, errors.New("stat: no ')'")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): ppid is field 4, utime..cstime 14..17.
	if len(f) < 15 {
		return 0, ticks, fmt.Errorf("stat: %d fields after comm", len(f))
	}
	p, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return 0, ticks, fmt.Errorf("stat: ppid: %w", err)
	}
	var v [4]uint64 // utime, stime, cutime, cstime
	for k, s := range f[11:15] {
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, ticks, fmt.Errorf("stat: cpu times: %w", err)
		}
		v[k] = uint64(max(n, 0)) // cutime and cstime are signed in the kernel's format
	}
	return p, cpuTicks{User: v[0] + v[2], Sys: v[1] + v[3]}, nil
}

// parseKiBField returns the value of a "Name:   123 kB" line, as found in
// /proc/<pid>/status (VmRSS) and /proc/<pid>/smaps_rollup (Pss).
func parseKiBField(b []byte, name string) (uint64, error) {
	for len(b) > 0 {
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		rest, ok := bytes.CutPrefix(line, []byte(name))
		if !ok || len(rest) == 0 || rest[0] != ':' {
			continue
		}
		f := bytes.Fields(rest[1:])
		if len(f) == 0 {
			break
		}
		return strconv.ParseUint(string(f[0]), 10, 64)
	}
	return 0, fmt.Errorf("no %s field", name)
}

// clockTicks is the unit of the cpu times in /proc/<pid>/stat (USER_HZ),
// read from the auxiliary vector the kernel gave this process.
var clockTicks = sync.OnceValue(func() float64 {
	if b, err := os.ReadFile("/proc/self/auxv"); err == nil {
		if hz := auxvValue(b, 17 /* AT_CLKTCK */); hz > 0 {
			return float64(hz)
		}
	}
	return 100
})

func auxvValue(b []byte, key uint64) uint64 {
	for ; len(b) >= 16; b = b[16:] {
		if binary.NativeEndian.Uint64(b) == key {
			return binary.NativeEndian.Uint64(b[8:])
		}
	}
	return 0
}

func readStat(pid int) (ppid int, ticks cpuTicks, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, ticks, err
	}
	return parseStat(b)
}

// readProc reads one process's usage. PSS is left zero when smaps_rollup is
// not readable (another user's process).
func readProc(pid int) (procUsage, error) {
	var u procUsage
	dir := "/proc/" + strconv.Itoa(pid)
	_, ticks, err := readStat(pid)
	if err != nil {
		return u, err
	}
	u.CPU = ticks
	b, err := os.ReadFile(dir + "/status")
	if err != nil {
		return u, err
	}
	u.RSSKiB, _ = parseKiBField(b, "VmRSS") // a zombie has none; its cpu time still counts
	if b, err := os.ReadFile(dir + "/smaps_rollup"); err == nil {
		u.PSSKiB, _ = parseKiBField(b, "Pss")
	}
	return u, nil
}

// processTree returns root followed by all its live descendants. It reads
// the kernel's per-thread children lists, which is cheap; kernels without
// them get a scan of every process's parent.
func processTree(root int) ([]int, error) {
	if _, _, err := readStat(root); err != nil {
		return nil, err
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		kids, err := childrenOf(tree[i])
		if err != nil {
			if i == 0 {
				return scanTree(root)
			}
			continue // exited meanwhile
		}
		tree = append(tree, kids...)
	}
	return tree, nil
}

// childrenOf reads /proc/<pid>/task/<tid>/children for every thread.
func childrenOf(pid int) ([]int, error) {
	dir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var kids []int
	for _, t := range tasks {
		b, err := os.ReadFile(dir + t.Name() + "/children")
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && len(kids) == 0 && t.Name() == strconv.Itoa(pid) {
				return nil, err // no children lists in this kernel
			}
			continue
		}
		for _, f := range bytes.Fields(b) {
			if k, err := strconv.Atoi(string(f)); err == nil {
				kids = append(kids, k)
			}
		}
	}
	return kids, nil
}

// scanTree finds the descendants of root from every process's parent.
func scanTree(root int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := make(map[int][]int)
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == root {
			continue
		}
		if ppid, _, err := readStat(pid); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	tree := []int{root}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree, nil
}

// treeUsage sums the usage of root and its descendants.
func treeUsage(root int) (procUsage, int, error) {
	tree, err := processTree(root)
	if err != nil {
		return procUsage{}, 0, err
	}
	return usageOf(tree)
}

// usageOf sums the usage of a process tree (root first). A descendant that
// vanishes while being read is skipped; its cpu time moves to its parent's
// cutime/cstime once reaped, so the sum stays right.
func usageOf(tree []int) (procUsage, int, error) {
	var sum procUsage
	n := 0
	for i, pid := range tree {
		u, err := readProc(pid)
		if err != nil {
			if i == 0 {
				return sum, 0, err
			}
			continue
		}
		sum.CPU = sum.CPU.add(u.CPU)
		sum.RSSKiB += u.RSSKiB
		sum.PSSKiB += u.PSSKiB
		n++
	}
	return sum, n, nil
}

// serverWatch follows a server's process tree during one phase: the cpu
// time it used, and its peak RSS, sampled every 100 ms from statm (cheap),
// and peak PSS, sampled every second from smaps_rollup (which walks the
// page tables, costing the server's machine milliseconds per read). The
// tree is rescanned every second too, so that samples stay cheap.
type serverWatch struct {
	pid      int
	cpu0     cpuTicks
	stop     chan struct{}
	done     chan struct{}
	tree     []int
	buf      []byte
	peakRSS  uint64 // KiB
	peakPSS  uint64 // KiB
	firstErr error
}

const (
	sampleEvery = 100 * time.Millisecond
	slowEvery   = 10 // samples between tree scans and PSS reads
)

// watchServer starts following pid; it returns nil when pid is 0.
func watchServer(pid int) *serverWatch {
	if pid <= 0 {
		return nil
	}
	w := &serverWatch{pid: pid, stop: make(chan struct{}), done: make(chan struct{}), buf: make([]byte, 4096)}
	w.cpu0 = w.slowSample()
	go func() {
		defer close(w.done)
		t := time.NewTicker(sampleEvery)
		defer t.Stop()
		for i := 1; ; i++ {
			select {
			case <-w.stop:
				return
			case <-t.C:
				if i%slowEvery == 0 {
					w.slowSample()
				} else {
					w.sampleRSS()
				}
			}
		}
	}()
	return w
}

// slowSample rescans the tree and reads everything; it returns the cpu ticks.
func (w *serverWatch) slowSample() cpuTicks {
	tree, err := processTree(w.pid)
	if err != nil {
		w.fail(err)
		return cpuTicks{}
	}
	w.tree = tree
	u, _, err := usageOf(tree)
	if err != nil {
		w.fail(err)
		return cpuTicks{}
	}
	w.peakRSS = max(w.peakRSS, u.RSSKiB)
	w.peakPSS = max(w.peakPSS, u.PSSKiB)
	return u.CPU
}

// sampleRSS sums the resident pages of the known tree.
func (w *serverWatch) sampleRSS() {
	var sum uint64
	for _, pid := range w.tree {
		n, err := readInto("/proc/"+strconv.Itoa(pid)+"/statm", w.buf)
		if err != nil {
			continue // gone; the next tree scan drops it
		}
		if pages, err := parseStatmRSS(w.buf[:n]); err == nil {
			sum += pages * pageKiB
		}
	}
	w.peakRSS = max(w.peakRSS, sum)
}

func (w *serverWatch) fail(err error) {
	if w.firstErr == nil {
		w.firstErr = err
	}
}

// finish stops the sampling and fills the server columns of r.
func (w *serverWatch) finish(r *Result) error {
	if w == nil {
		return nil
	}
	close(w.stop)
	<-w.done
	cpu := w.slowSample().since(w.cpu0)
	r.ServerCPU = float64(cpu.total()) / clockTicks()
	r.ServerUser = float64(cpu.User) / clockTicks()
	r.ServerSys = float64(cpu.Sys) / clockTicks()
	r.RSSPeakMiB = kibToMiB(w.peakRSS)
	r.PSSPeakMiB = kibToMiB(w.peakPSS)
	if w.firstErr != nil {
		return fmt.Errorf("watching pid %d: %w", w.pid, w.firstErr)
	}
	return nil
}

var pageKiB = uint64(os.Getpagesize() / 1024)

// parseStatmRSS returns the resident pages, the second field of
// /proc/<pid>/statm.
func parseStatmRSS(b []byte) (uint64, error) {
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, errors.New("statm: too few fields")
	}
	return strconv.ParseUint(string(f[1]), 10, 64)
}

// readInto reads a small file into buf without allocating a new buffer.
func readInto(path string, buf []byte) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := io.ReadFull(f, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return n, err
}

func kibToMiB(k uint64) float64 { return float64(k) / 1024 }
