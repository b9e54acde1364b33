package interop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/require"
)

// debianPasteConfig is where Debian's glance-api package puts the paste
// pipelines; without [paste_deploy] flavor the "glance-api" pipeline
// runs, which needs no Keystone (every request is an admin).
const debianPasteConfig = "/etc/glance/glance-api-paste.ini"

// minimalPasteConfig is the unauthenticated pipeline from Debian's file,
// for machines where that file is missing.
const minimalPasteConfig = `[pipeline:glance-api]
pipeline = healthcheck versionnegotiation unauthenticated-context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[filter:healthcheck]
paste.filter_factory = oslo_middleware:Healthcheck.factory
backends = disable_by_file
disable_by_file_path = /nonexistent/healthcheck_disable

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:unauthenticated-context]
paste.filter_factory = glance.api.middleware.context:UnauthenticatedContextMiddleware.factory
`

// realStartTimeout bounds glance-api's start (3–5 s on an idle 2-core
// machine; much more when the machine is busy).
const realStartTimeout = 3 * time.Minute

// realGlance is Debian's Glance configured in a temporary directory.
type realGlance struct {
	dir        string
	configFile string
	port       int
	// sections are what configFile says.
	sections map[string]map[string]string
}

// requireRealGlance skips (under CI, fails) the test unless Debian's Glance and the MySQL
// driver it needs are installed.
func requireRealGlance(t *testing.T) {
	t.Helper()
	for _, prog := range []string{"glance-api", "glance-manage"} {
		if _, err := exec.LookPath(prog); err != nil {
			require.Missing(t, "%s is not installed (Debian packages glance-api and glance-common; test/setup.sh installs them)", prog)
		}
	}
	if out, err := glancetest.Run(time.Minute, nil, "/usr/bin/python3", "-c", "import pymysql"); err != nil {
		require.Missing(t, "python3-pymysql is not installed; Glance needs it for mysql+pymysql URLs (test/setup.sh installs it): %v\n%s", err, out)
	}
}

// newRealGlance writes a glance-api.conf in dir for Glance on a free
// port, on the given database, storing image files in datadir.
func newRealGlance(t *testing.T, dir, connection, datadir string) *realGlance {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	paste := debianPasteConfig
	if _, err := os.Stat(paste); err != nil {
		paste = filepath.Join(dir, "glance-api-paste.ini")
		if err := os.WriteFile(paste, []byte(minimalPasteConfig), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	g := &realGlance{dir: dir, configFile: filepath.Join(dir, "glance-api.conf"), port: glancetest.MustFreePort(t)}
	g.sections = map[string]map[string]string{
		"DEFAULT": {
			"bind_host": "127.0.0.1",
			"bind_port": strconv.Itoa(g.port),
			// One process, no forked workers: eventlet serves it all.
			"workers":          "0",
			"log_file":         filepath.Join(dir, "glance-api.log"),
			"node_staging_uri": "file://" + filepath.Join(dir, "staging"),
		},
		"database": {"connection": connection},
		"glance_store": {
			"default_store":            "file",
			"stores":                   "file,http",
			"filesystem_store_datadir": datadir + "/",
		},
		"oslo_concurrency": {"lock_path": filepath.Join(dir, "lock")},
		"paste_deploy":     {"config_file": paste},
	}
	g.mustConfigure(t, nil)
	return g
}

// mustConfigure adds or overrides options (section → option → value)
// and writes the config file.
func (g *realGlance) mustConfigure(t *testing.T, options map[string]map[string]string) {
	t.Helper()
	for section, opts := range options {
		if g.sections[section] == nil {
			g.sections[section] = map[string]string{}
		}
		for k, v := range opts {
			g.sections[section][k] = v
		}
	}
	if err := os.WriteFile(g.configFile, []byte(glancetest.RenderINI(g.sections)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (g *realGlance) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "OS_") {
			env = append(env, kv)
		}
	}
	// oslo.config also looks for files under ~/.glance.
	return append(env, "HOME="+g.dir)
}

// mustManage runs Glance's glance-manage with this config.
func (g *realGlance) mustManage(t *testing.T, args ...string) string {
	t.Helper()
	argv := append([]string{"--config-file", g.configFile}, args...)
	return glancetest.MustRun(t, 3*time.Minute, g.env(), "glance-manage", argv...)
}

// mustStart runs glance-api until the test ends and returns a client.
func (g *realGlance) mustStart(t *testing.T) glancetest.Client {
	t.Helper()
	cmd := exec.Command("glance-api", "--config-file", g.configFile)
	cmd.Env = g.env()
	cmd.Dir = g.dir
	url := glancetest.Endpoint(g.port)
	glancetest.MustStartProcess(t, "real glance-api", cmd, url, filepath.Join(g.dir, "glance-api.log"),
		filepath.Join(g.dir, "glance-api.out"), realStartTimeout)
	return glancetest.NewClient(url)
}
