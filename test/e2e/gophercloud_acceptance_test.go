package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/keystonetest"
	"github.com/go-glance/glance/test/require"
)

// acceptancePackage is gophercloud's own acceptance suite for the Image
// API v2, built from the module cache at the version go.mod names.
const acceptancePackage = "github.com/gophercloud/gophercloud/v2/internal/acceptance/openstack/image/v2"

// acceptanceSkips are the suite's tests that cannot pass here, and why.
// Every other test of the suite must pass; a test the suite gains or
// loses fails TestGophercloudAcceptance until it is placed.
var acceptanceSkips = map[string]string{
	"TestImageStage":        "PUT /v2/images/{id}/stage (interoperable import) is not served, and the test downloads CirrOS from download.cirros-cloud.net",
	"TestCreateImport":      "POST /v2/images/{id}/import (web-download) is not served, and the method fetches CirrOS from download.cirros-cloud.net",
	"TestTasksListEachPage": "the tasks API (/v2/tasks) is not served",
	"TestTasksListAllPages": "the tasks API (/v2/tasks) is not served",
	"TestTaskCreate":        "the tasks API (/v2/tasks) is not served, and its import task fetches CirrOS from download.cirros-cloud.net",
}

// goTestEvent is a line of go test -json.
type goTestEvent struct {
	Action string
	Test   string
	Output string
}

// TestGophercloudAcceptance runs gophercloud's image v2 acceptance
// tests (build tag acceptance) against this server and the real
// Keystone, configured only through OS_* variables as gophercloud's CI
// configures them: as the cloud's admin, as its CI does, and as a
// project member. The server runs where Keystone's catalog lists the
// image service. Like a devstack cloud, it holds a public image first:
// TestImagesListByDate needs one.
func TestGophercloudAcceptance(t *testing.T) {
	keystonetest.Require(t)
	goTool, err := exec.LookPath("go")
	if err != nil {
		require.Missing(t, "the go command is not on PATH: %v", err)
	}
	all := acceptanceTests(t, goTool)
	var run []string
	for _, name := range all {
		if _, skip := acceptanceSkips[name]; !skip {
			run = append(run, name)
		}
	}
	for name := range acceptanceSkips {
		if !slices.Contains(all, name) {
			t.Errorf("acceptanceSkips names %s, which gophercloud's suite no longer has", name)
		}
	}
	if len(run) == 0 {
		t.Fatalf("no acceptance test left to run of %v", all)
	}

	keystonetest.LockImagePort(t)
	srv := glancetest.MustStart(t, glancetest.Config{
		Dir:  t.TempDir(),
		Port: keystonetest.ImagePort,
		Options: map[string]map[string]string{
			"paste_deploy":       {"flavor": "keystone"},
			"keystone_authtoken": keystonetest.AuthtokenSection(nil),
		},
	})
	admin := srv.Client.WithToken(keystonetest.MustToken(t, keystonetest.Admin).ID)
	image := admin.MustCreate(t, map[string]any{"name": "cirros", "disk_format": "qcow2", "container_format": "bare", "visibility": "public"})
	admin.MustUpload(t, image.ID(), glancetest.MustRandomData(t, 64<<10))

	for _, who := range []keystonetest.Persona{keystonetest.Admin, keystonetest.AlphaMember} {
		t.Run(who.Name, func(t *testing.T) {
			results, out := runAcceptance(t, goTool, who, run)
			for _, name := range run {
				if got := results[name]; got != "pass" {
					t.Errorf("%s: %s, want pass", name, or(got, "did not run"))
				}
			}
			for name, reason := range acceptanceSkips {
				if got := results[name]; got != "" {
					t.Errorf("%s ran (%s) although it is skipped: %s", name, got, reason)
				}
			}
			if t.Failed() {
				t.Logf("go test output:\n%s", out)
			}
		})
	}
	for _, name := range all {
		if reason, skip := acceptanceSkips[name]; skip {
			t.Logf("skipped %s: %s", name, reason)
		} else {
			t.Logf("ran %s", name)
		}
	}
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// acceptanceEnv is the environment of the suite's run: ours without
// OS_* variables, plus who's credentials in gophercloud's variables.
func acceptanceEnv(who keystonetest.Persona) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"OS_AUTH_URL="+keystonetest.AuthURL,
		"OS_USERNAME="+who.Name,
		"OS_PASSWORD="+who.Password(),
		"OS_PROJECT_NAME="+who.Project,
		"OS_DOMAIN_ID="+keystonetest.DefaultDomain,
		"OS_REGION_NAME="+keystonetest.Region,
	)
}

// acceptanceTests lists the suite's tests.
func acceptanceTests(t *testing.T, goTool string) []string {
	t.Helper()
	out := glancetest.MustRun(t, 5*time.Minute, nil, goTool, "test", "-tags", "acceptance", "-list", ".", acceptancePackage)
	var tests []string
	for line := range strings.Lines(out) {
		if name := strings.TrimSpace(line); strings.HasPrefix(name, "Test") {
			tests = append(tests, name)
		}
	}
	if len(tests) == 0 {
		t.Fatalf("go test -list found no test in %s:\n%s", acceptancePackage, out)
	}
	return tests
}

// runAcceptance runs the named tests of the suite as who and returns
// each test's result (pass, fail, skip) and the suite's output.
func runAcceptance(t *testing.T, goTool string, who keystonetest.Persona, names []string) (map[string]string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool, "test", "-json", "-count=1", "-tags", "acceptance",
		"-run", "^("+strings.Join(names, "|")+")$", acceptancePackage)
	cmd.Env = acceptanceEnv(who)
	raw, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("go test %s: timed out: %v", acceptancePackage, ctx.Err())
	}
	var stderr string
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = string(ee.Stderr)
	} else if err != nil {
		t.Fatalf("go test %s: %v", acceptancePackage, err)
	}
	results := map[string]string{}
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var ev goTestEvent
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			out.WriteString(sc.Text() + "\n")
			continue
		}
		out.WriteString(ev.Output)
		if ev.Test != "" && !strings.Contains(ev.Test, "/") && (ev.Action == "pass" || ev.Action == "fail" || ev.Action == "skip") {
			results[ev.Test] = ev.Action
		}
	}
	out.WriteString(stderr)
	return results, out.String()
}
