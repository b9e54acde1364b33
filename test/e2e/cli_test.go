package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/require"
)

// commandTimeout bounds one client invocation.
const commandTimeout = 2 * time.Minute

// cli runs one client program as a user at a shell would: in its own
// working directory, with its own HOME, and with no OS_* variables
// inherited from whoever runs the tests.
type cli struct {
	prog string
	base []string // options every invocation starts with
	dir  string
	home string
	// before runs ahead of every invocation.
	before func()
	// extraEnv adds variables (e.g. OS_AUTH_URL) to the clean
	// environment.
	extraEnv []string
	// stdin, when set, is the program's standard input (else /dev/null).
	stdin *os.File
}

// result is what one invocation printed and how it ended.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return "exit " + strconv.Itoa(r.code) + "\nstdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// requireTool skips (under CI, fails) the test when prog is not installed.
func requireTool(tb testing.TB, prog, pkg string) string {
	tb.Helper()
	path, err := exec.LookPath(prog)
	if err != nil {
		require.Missing(tb, "%s is not installed (Debian package %s; test/setup.sh installs it)", prog, pkg)
	}
	return path
}

// newCLI prepares prog with a fresh HOME and working directory.
func newCLI(tb testing.TB, prog string, base ...string) *cli {
	tb.Helper()
	return &cli{prog: prog, base: base, dir: tb.TempDir(), home: tb.TempDir()}
}

func (c *cli) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "HOME="+c.home, "LC_ALL=C.UTF-8", "PYTHONWARNINGS=ignore"), c.extraEnv...)
}

// run invokes the program with args after the base options.
func (c *cli) run(tb testing.TB, args ...string) result {
	tb.Helper()
	if c.before != nil {
		c.before()
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.prog, append(append([]string{}, c.base...), args...)...)
	cmd.Dir = c.dir
	cmd.Env = c.env()
	if c.stdin != nil {
		cmd.Stdin = c.stdin
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		tb.Fatalf("%s %s: no answer within %s\n%s", c.prog, strings.Join(args, " "), commandTimeout, r)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		tb.Fatalf("%s %s: %v", c.prog, strings.Join(args, " "), err)
	}
	return r
}

// mustRun is run that fails the test unless the program exits 0.
func (c *cli) mustRun(tb testing.TB, args ...string) string {
	tb.Helper()
	r := c.run(tb, args...)
	if r.code != 0 {
		tb.Fatalf("%s %s failed:\n%s", c.prog, strings.Join(args, " "), r)
	}
	return r.stdout
}

// mustFail is run that fails the test unless the program exits non-zero.
func (c *cli) mustFail(tb testing.TB, args ...string) result {
	tb.Helper()
	r := c.run(tb, args...)
	if r.code == 0 {
		tb.Fatalf("%s %s succeeded; want a failure:\n%s", c.prog, strings.Join(args, " "), r)
	}
	return r
}

// mustSameFile fails unless the file at path holds exactly want's bytes.
func mustSameFile(tb testing.TB, path string, want glancetest.Digests) {
	tb.Helper()
	got := glancetest.MustReadDigests(tb, path)
	if got != want {
		tb.Fatalf("%s: got %d bytes md5 %s sha512 %.16s…; want %d bytes md5 %s sha512 %.16s…",
			path, got.Size, got.MD5, got.SHA512, want.Size, want.MD5, want.SHA512)
	}
}
