package glancetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Process is a server started by MustStartProcess: it answers on URL
// and is stopped when the test ends.
type Process struct {
	Name string
	// URL is the server's endpoint, e.g. http://127.0.0.1:40123.
	URL string
	// LogFile is the server's own log (log_file); OutFile holds what it
	// wrote to stdout and stderr. Both are shown when the test fails.
	LogFile string
	OutFile string

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	stopped bool // Stop was called: the process did not exit on its own
	// killed marks an end the test caused with Kill.
	killed bool
}

// errExited reports a server that stopped before it answered.
var errExited = errors.New("server exited before answering")

// MustStartProcess starts cmd (its output goes to outFile), waits until
// GET url/ answers 300 Multiple Choices, and arranges for the process to
// be stopped with SIGTERM (SIGKILL after 15 s) when the test ends. On a
// failed test the tails of logFile and outFile are logged.
func MustStartProcess(tb testing.TB, name string, cmd *exec.Cmd, url, logFile, outFile string, timeout time.Duration) *Process {
	tb.Helper()
	p, err := startProcess(tb, name, cmd, url, logFile, outFile, timeout)
	if err != nil {
		tb.Fatalf("starting %s: %v", name, err)
	}
	return p
}

func startProcess(tb testing.TB, name string, cmd *exec.Cmd, url, logFile, outFile string, timeout time.Duration) (*Process, error) {
	tb.Helper()
	out, err := os.Create(outFile)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Stdin = nil
	// Own process group, so a SIGKILL also reaches any worker processes.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("%s: %w", cmd.Path, err)
	}
	p := &Process{Name: name, URL: url, LogFile: logFile, OutFile: outFile, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		out.Close()
		close(p.exited)
	}()
	tb.Cleanup(func() {
		p.Stop(tb)
		if tb.Failed() {
			p.dumpLogs(tb)
		}
	})
	if err := p.waitReady(timeout); err != nil {
		return p, err
	}
	return p, nil
}

// waitReady polls GET / until the version document (300) comes back.
func (p *Process) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return fmt.Errorf("%w (%v); output:\n%s", errExited, p.waitErr, tail(p.OutFile, 4096)+tail(p.LogFile, 4096))
		default:
		}
		resp, err := client.Get(p.URL + "/")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusMultipleChoices {
				return nil
			}
			last = "GET / answered " + resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no 300 from GET %s/ within %s (last: %s)", p.URL, timeout, last)
}

// Stop sends SIGTERM, waits up to 15 s, then kills the process group.
// It returns the process's exit error (nil for a clean exit); calling it
// again is harmless.
func (p *Process) Stop(tb testing.TB) error {
	tb.Helper()
	p.stopped = true
	select {
	case <-p.exited:
		return p.waitErr
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		tb.Errorf("%s did not stop within 15 s of SIGTERM; killing it", p.Name)
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
	}
	return p.waitErr
}

// Kill ends the process group with SIGKILL, as a crash or an operator's
// kill -9 would, and waits for it to go. The end is expected: the
// server's clean-up does not report it.
func (p *Process) Kill(tb testing.TB) {
	tb.Helper()
	p.killed = true
	if p.Exited() {
		return
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		tb.Fatalf("killing %s: %v", p.Name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		tb.Fatalf("%s still runs 15 s after SIGKILL", p.Name)
	}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

func (p *Process) dumpLogs(tb testing.TB) {
	tb.Helper()
	tb.Logf("---- %s output (%s) ----\n%s", p.Name, p.OutFile, tail(p.OutFile, 16<<10))
	if p.LogFile != "" {
		tb.Logf("---- %s log (%s) ----\n%s", p.Name, p.LogFile, tail(p.LogFile, 64<<10))
	}
}

// tail returns the last n bytes of a file, or a note why it cannot.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return "(" + err.Error() + ")\n"
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "(" + err.Error() + ")\n"
	}
	if st.Size() > n {
		if _, err := f.Seek(st.Size()-n, io.SeekStart); err != nil {
			return "(" + err.Error() + ")\n"
		}
	}
	data, _ := io.ReadAll(f)
	s := string(data)
	if st.Size() > n {
		s = "[...]" + s
	}
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}

// MustFreePort returns a TCP port on 127.0.0.1 that was free a moment
// ago. Another process may take it before the server binds it; servers
// started with MustStart retry with a new port when that happens.
func MustFreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Endpoint is the http URL of a port on 127.0.0.1.
func Endpoint(port int) string {
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// MustRun runs a command to completion within timeout and returns its
// combined output; a non-zero exit fails the test with that output.
func MustRun(tb testing.TB, timeout time.Duration, env []string, name string, args ...string) string {
	tb.Helper()
	out, err := Run(timeout, env, name, args...)
	if err != nil {
		tb.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// Run runs a command to completion within timeout and returns its
// combined output and exit error. env, when not nil, replaces the
// environment.
func Run(timeout time.Duration, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", timeout, err)
	}
	return string(out), err
}
