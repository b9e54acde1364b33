package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// startup starts the command, times it to its first HTTP answer on GET /,
// lets it settle, samples its memory as idle memory, and stops it.
func (s *session) startup(ctx context.Context) (err error) {
	cfg := s.cfg
	if s.answers(ctx) {
		return fmt.Errorf("something already answers on %s/: stop it first", s.api.base)
	}
	logFile, err := s.serverLog()
	if err != nil {
		return err
	}
	defer func() {
		logFile.Close()
		switch {
		case cfg.serverLog != "":
		case err != nil:
			s.logf("server output kept in %s", logFile.Name())
		default:
			os.Remove(logFile.Name())
		}
	}()
	cmd := exec.Command(cfg.command[0], cfg.command[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // to stop its workers too
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &child{pid: cmd.Process.Pid, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	stopped := false
	defer func() {
		if !stopped {
			p.stop()
		}
	}()

	up, err := s.waitForAnswer(ctx, start, p)
	if err != nil {
		return err
	}
	r := Result{Mode: "startup", Phase: "startup", OK: 1, WallS: up.Seconds(), P50ms: ms(up)}
	if u, _, err := treeUsage(cmd.Process.Pid); err == nil {
		r.ServerCPU = float64(u.CPU.total()) / clockTicks()
	}
	select {
	case <-time.After(cfg.settle):
	case <-ctx.Done():
		return ctx.Err()
	case <-p.exited:
		return fmt.Errorf("server exited while settling: %v", p.err)
	}
	u, n, err := treeUsage(cmd.Process.Pid)
	if err != nil {
		return fmt.Errorf("reading server memory: %w", err)
	}
	r.RSSPeakMiB, r.PSSPeakMiB, r.Procs = kibToMiB(u.RSSKiB), kibToMiB(u.PSSKiB), float64(n)
	s.emit(r)
	stopped = true
	if err := p.stop(); err != nil {
		s.logf("stopping server: %v", err)
	}
	return nil
}

// serverLog opens where the started command's output goes: -server-log, or
// a temporary file kept only if the start fails.
func (s *session) serverLog() (*os.File, error) {
	if s.cfg.serverLog != "" {
		return os.OpenFile(s.cfg.serverLog, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	}
	return os.CreateTemp("", "glance-load-server-*.log")
}

const pollEvery = 10 * time.Millisecond

// answers reports whether any HTTP server answers GET / on the endpoint.
func (s *session) answers(ctx context.Context) bool {
	client := &http.Client{Transport: s.api.tr, Timeout: 2 * time.Second}
	resp, err := client.Do(s.api.newRequest(ctx, http.MethodGet, "/", "", nil))
	if err != nil {
		return false
	}
	drain(resp.Body)
	resp.Body.Close()
	return true
}

// waitForAnswer polls GET / until any HTTP answer and returns the time
// since start.
func (s *session) waitForAnswer(ctx context.Context, start time.Time, p *child) (time.Duration, error) {
	deadline := start.Add(s.cfg.wait)
	for {
		if s.answers(ctx) {
			return time.Since(start), nil
		}
		select {
		case <-p.exited:
			return 0, fmt.Errorf("server exited before answering: %v", p.err)
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no answer on %s/ within %s", s.api.base, s.cfg.wait)
		}
	}
}

// child is the started server, leader of its own process group.
type child struct {
	pid    int
	exited chan struct{} // closed once reaped; err is then set
	err    error
}

// stop sends SIGTERM and waits; after 20 s it kills the process group.
// Workers left behind by the process are killed with it.
func (p *child) stop() error {
	var err error
	if e := syscall.Kill(p.pid, syscall.SIGTERM); e != nil && !errors.Is(e, syscall.ESRCH) {
		err = e
	}
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.exited
		err = errors.New("no exit within 20 s of SIGTERM: killed")
	}
	syscall.Kill(-p.pid, syscall.SIGKILL) // stragglers in its process group
	return err
}

// rss reports the memory of a running process and its descendants.
func (s *session) rss(ctx context.Context) error {
	tree, err := processTree(s.cfg.pid)
	if err != nil {
		return err
	}
	var sum procUsage
	n := 0
	for _, pid := range tree {
		u, err := readProc(pid)
		if err != nil {
			continue
		}
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		fmt.Fprintf(s.out, "# pid %-7d %-16.16s rss %8.1f MiB  pss %8.1f MiB\n", pid, trimNL(comm), kibToMiB(u.RSSKiB), kibToMiB(u.PSSKiB))
		sum.RSSKiB += u.RSSKiB
		sum.PSSKiB += u.PSSKiB
		n++
	}
	if n == 0 {
		return fmt.Errorf("pid %d: no readable process", s.cfg.pid)
	}
	s.emit(Result{Mode: "rss", Phase: "rss", OK: 1, RSSPeakMiB: kibToMiB(sum.RSSKiB),
		PSSPeakMiB: kibToMiB(sum.PSSKiB), Procs: float64(n)})
	return ctx.Err()
}

func trimNL(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return string(b)
}
