package glancetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Config is what a test server's glance-api.conf says. Zero fields take
// the defaults noted; every path lives under Dir, so nothing outside the
// test's temporary directory is touched (with no config at all the
// server would use /var/lib/glance).
type Config struct {
	// Dir holds the config file, the log, the SQLite database, the image
	// files and the staging area. Required.
	Dir string
	// Connection is [database] connection; default SQLite in Dir.
	Connection string
	// DataDir is [glance_store] filesystem_store_datadir; default
	// Dir/images.
	DataDir string
	// Port is [DEFAULT] bind_port; default a free port.
	Port int
	// Options adds or overrides options: section name → option → value.
	Options map[string]map[string]string
	// Policy, when set, is written to Dir/policy.yaml, which the server
	// reads as its [oslo_policy] policy_file.
	Policy string
	// AsGlanceAPI starts the server through a symlink named glance-api
	// instead of "glance api".
	AsGlanceAPI bool
}

// Server is our image server running as a process.
type Server struct {
	*Process
	Config     Config
	ConfigFile string
	Client     Client
}

// startTimeout bounds how long our server may take to answer GET /.
const startTimeout = 30 * time.Second

// MustStart writes the config for cfg, starts "glance api" on it and
// waits until it answers. The server is stopped with SIGTERM when the
// test ends, and a failed test shows its log. If the port turns out to be
// taken, it retries on another one.
func MustStart(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	if cfg.Dir == "" {
		tb.Fatal("glancetest.Config.Dir is required")
	}
	cfg = cfg.withDefaults()
	fixedPort := cfg.Port != 0
	for attempt := 1; ; attempt++ {
		if !fixedPort {
			cfg.Port = MustFreePort(tb)
		}
		s, err := start(tb, cfg, attempt)
		if err == nil {
			return s
		}
		if fixedPort || attempt == 3 || !errors.Is(err, errExited) || !strings.Contains(err.Error(), "address already in use") {
			tb.Fatalf("starting the glance server: %v", err)
		}
		tb.Logf("port %d was taken; retrying on another", cfg.Port)
	}
}

// MustWriteConfig creates cfg.Dir and cfg's data directory and writes
// cfg.Dir/glance-api.conf, returning its path. MustStart does this
// itself; tests call it to run "glance manage" before a server starts.
func MustWriteConfig(tb testing.TB, cfg Config) string {
	tb.Helper()
	path, err := writeConfig(cfg.withDefaults())
	if err != nil {
		tb.Fatalf("writing the glance config: %v", err)
	}
	return path
}

func writeConfig(cfg Config) (string, error) {
	for _, dir := range []string{cfg.Dir, cfg.DataDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
	}
	if cfg.Policy != "" {
		if err := os.WriteFile(cfg.PolicyFile(), []byte(cfg.Policy), 0o644); err != nil {
			return "", err
		}
	}
	path := filepath.Join(cfg.Dir, "glance-api.conf")
	return path, os.WriteFile(path, []byte(cfg.INI()), 0o644)
}

func start(tb testing.TB, cfg Config, attempt int) (*Server, error) {
	tb.Helper()
	confPath, err := writeConfig(cfg)
	if err != nil {
		return nil, err
	}
	var cmd *exec.Cmd
	if cfg.AsGlanceAPI {
		cmd = exec.Command(MustLink(tb, "glance-api"), "--config-file", confPath)
	} else {
		cmd = exec.Command(MustBuild(tb), "api", "--config-file", confPath)
	}
	url := Endpoint(cfg.Port)
	out := filepath.Join(cfg.Dir, fmt.Sprintf("glance-api.%d.out", attempt))
	p, err := startProcess(tb, "glance api", cmd, url, cfg.LogFile(), out, startTimeout)
	if err != nil {
		return nil, err
	}
	// SIGTERM drains and exits 0; service managers report anything else.
	tb.Cleanup(func() {
		if p.killed {
			return
		}
		if p.Exited() && !p.stopped {
			tb.Errorf("glance api exited during the test: %v", p.waitErr)
			return
		}
		if err := p.Stop(tb); err != nil {
			tb.Errorf("glance api did not exit cleanly on SIGTERM: %v", err)
		}
	})
	return &Server{Process: p, Config: cfg, ConfigFile: confPath, Client: NewClient(url)}, nil
}

func (c Config) withDefaults() Config {
	if c.Connection == "" {
		c.Connection = "sqlite:///" + filepath.Join(c.Dir, "glance.sqlite")
	}
	if c.DataDir == "" {
		c.DataDir = filepath.Join(c.Dir, "images")
	}
	return c
}

// PolicyFile is where Policy is written.
func (c Config) PolicyFile() string { return filepath.Join(c.Dir, "policy.yaml") }

// LogFile is where the server logs.
func (c Config) LogFile() string { return filepath.Join(c.Dir, "glance-api.log") }

// INI renders the config file: single-store filesystem backend, no
// [paste_deploy] flavor (no auth: every request is an admin), debug log.
func (c Config) INI() string {
	c = c.withDefaults()
	sections := map[string]map[string]string{
		"DEFAULT": {
			"bind_host":        "127.0.0.1",
			"bind_port":        strconv.Itoa(c.Port),
			"log_file":         c.LogFile(),
			"debug":            "true",
			"node_staging_uri": "file://" + filepath.Join(c.Dir, "staging"),
		},
		"database": {"connection": c.Connection},
		"glance_store": {
			"default_store":            "file",
			"stores":                   "file,http",
			"filesystem_store_datadir": c.DataDir + "/",
		},
	}
	if c.Policy != "" {
		sections["oslo_policy"] = map[string]string{"policy_file": c.PolicyFile()}
	}
	for name, opts := range c.Options {
		if sections[name] == nil {
			sections[name] = map[string]string{}
		}
		for k, v := range opts {
			sections[name][k] = v
		}
	}
	return RenderINI(sections)
}

// RenderINI writes sections in a stable order, DEFAULT first.
func RenderINI(sections map[string]map[string]string) string {
	names := make([]string, 0, len(sections))
	for name := range sections {
		if name != "DEFAULT" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if _, ok := sections["DEFAULT"]; ok {
		names = append([]string{"DEFAULT"}, names...)
	}
	var b strings.Builder
	for _, name := range names {
		fmt.Fprintf(&b, "[%s]\n", name)
		keys := make([]string, 0, len(sections[name]))
		for k := range sections[name] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s = %s\n", k, sections[name][k])
		}
		b.WriteString("\n")
	}
	return b.String()
}

// MustManage runs "glance manage ARGS --config-file F" (for example
// "db", "sync") and returns its output.
func MustManage(tb testing.TB, configFile string, args ...string) string {
	tb.Helper()
	argv := append(append([]string{"manage"}, args...), "--config-file", configFile)
	return MustRun(tb, time.Minute, nil, MustBuild(tb), argv...)
}
