package glancetest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// modulePath is the module the binary is built from; the root is found by
// walking up from the test's working directory to this module's go.mod.
const modulePath = "github.com/go-glance/glance"

var build struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// Main runs the tests of a package and removes the binary MustBuild made.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// BinaryEnv names an environment variable that, when set, gives the
// path of an already built glance binary to test instead of building one
// (for example a release build).
const BinaryEnv = "GLANCE_TEST_BINARY"

// MustBuild compiles ./cmd/glance once per test process (the go build
// cache makes repeats cheap), with the test binary's build tags that
// select stores (ceph, pacific), and returns the binary's path. A build
// failure fails the test: the server under test is part of this module.
func MustBuild(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		if bin := os.Getenv(BinaryEnv); bin != "" {
			build.bin, build.err = useBinary(bin)
			return
		}
		build.bin, build.err = compile()
	})
	if build.err != nil {
		tb.Fatalf("building the glance binary: %v", build.err)
	}
	return build.bin
}

// MustLink returns a symlink named name (glance-api, glance-manage) to
// the binary, so tests can run it the way packaging installs it.
func MustLink(tb testing.TB, name string) string {
	tb.Helper()
	bin := MustBuild(tb)
	link := filepath.Join(filepath.Dir(bin), name)
	if _, err := os.Lstat(link); err == nil {
		return link
	}
	if err := os.Symlink(bin, link); err != nil && !errors.Is(err, os.ErrExist) {
		tb.Fatalf("linking %s: %v", name, err)
	}
	return link
}

// useBinary copies nothing: it links the given binary into a temporary
// directory so that MustLink's symlinks have somewhere to go.
func useBinary(bin string) (string, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("%s: %w", BinaryEnv, err)
	}
	dir, err := os.MkdirTemp("", "glance-e2e-bin-")
	if err != nil {
		return "", err
	}
	build.dir = dir
	link := filepath.Join(dir, "glance")
	return link, os.Symlink(abs, link)
}

func compile() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is not on PATH: %w", err)
	}
	dir, err := os.MkdirTemp("", "glance-e2e-bin-")
	if err != nil {
		return "", err
	}
	build.dir = dir
	bin := filepath.Join(dir, "glance")
	args := []string{"build", "-o", bin}
	if len(serverTags) > 0 {
		args = append(args, "-tags", strings.Join(serverTags, ","))
	}
	cmd := exec.Command(goTool, append(args, "./cmd/glance")...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/glance in %s: %v\n%s", root, err, out.String())
	}
	return bin, nil
}

// moduleRoot finds the directory holding this module's go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", modulePath)
		}
		dir = parent
	}
}
