package main

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-glance/glance/domain/fault"
)

// mustBuildFaultBinary builds this command with the faultinject tag, so
// that its process can be made to die at a chosen step.
func mustBuildFaultBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "glance")
	if out, err := exec.Command("go", "build", "-tags", "faultinject", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags faultinject: %v\n%s", err, out)
	}
	return bin
}

// process is a glance-api process of the fault build.
type process struct {
	cmd  *exec.Cmd
	base string
	log  *syncBuffer
	done chan struct{}
}

// startProcess runs bin, the fault build, as glance-api with conf;
// crashAt names the step at which it kills itself ("" for none).
func startProcess(t *testing.T, bin, conf, crashAt string) *process {
	t.Helper()
	cmd := exec.Command(bin, "api", "--config-file", conf)
	cmd.Env = append(os.Environ(), "GLANCE_FAULT_CRASH="+crashAt)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.log.Write([]byte(line + "\n"))
			if _, a, ok := strings.Cut(line, "Serving the Image API on "); ok {
				addr <- strings.TrimSpace(a)
			}
		}
		cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-p.done
		if t.Failed() {
			t.Logf("log of the server (crash step %q):\n%s", crashAt, p.log.String())
		}
	})
	select {
	case p.base = <-addr:
	case <-p.done:
		t.Fatalf("the server exited at start:\n%s", p.log.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not start in time:\n%s", p.log.String())
	}
	return p
}

// mustBeKilled waits for the process to end and checks it died by
// SIGKILL, that is, it reached the step it was told to crash at.
func (p *process) mustBeKilled(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("the server is still running: it never reached its crash step")
	}
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the server ended with %v, not by SIGKILL", p.cmd.ProcessState)
	}
}

// TestCrashDuringUpload kills the server at each step of an upload and
// restarts it: the image is queued (or active with its data), it can be
// uploaded again, and the datadir never holds a byte no image points to.
// The storage quota holds exactly the image, so what the crashed upload
// reserved must be released by the restart for another image to fit.
func TestCrashDuringUpload(t *testing.T) {
	bin := mustBuildFaultBinary(t)
	data := randomData(3<<20 + 5)
	for _, c := range []struct {
		step string
		// what the crash leaves in the datadir: temporary files, final file
		temps int
		final bool
		// status after the restart
		status string
	}{
		{fault.UploadSaving, 0, false, "queued"},
		{fault.UploadPartial, 1, false, "queued"},
		{fault.UploadSynced, 1, false, "queued"},
		{fault.UploadLinked, 1, true, "queued"},
		{fault.UploadStored, 0, true, "queued"},
		{fault.UploadActive, 0, true, "active"},
	} {
		t.Run(c.step, func(t *testing.T) {
			dir := t.TempDir()
			conf := mustWriteConfig(t, dir, "user_storage_quota = "+strconv.Itoa(len(data)), "", "")

			crashing := startProcess(t, bin, conf, c.step)
			a := api{base: crashing.base}
			id := a.create(t, `{"name":"crash","disk_format":"raw","container_format":"bare"}`).ID
			if resp, _, err := tryPut(a.base, id, bytes.NewReader(data), int64(len(data)), nil); err == nil {
				t.Fatalf("upload answered %d: the server did not crash", resp.StatusCode)
			}
			crashing.mustBeKilled(t)
			var temps int
			var final bool
			for _, name := range datadirFiles(t, dir) {
				temps += btoi(strings.HasPrefix(name, ".upload-"))
				final = final || name == id
			}
			if temps != c.temps || final != c.final {
				t.Fatalf("the crash left %q in the datadir, want %d temporary files and final file %v", datadirFiles(t, dir), c.temps, c.final)
			}

			a = api{base: startProcess(t, bin, conf, "").base}
			img := a.get(t, id)
			if img.Status != c.status {
				t.Fatalf("after restart the image is %s, want %s", img.Status, c.status)
			}
			if img.Status == "queued" {
				if files := datadirFiles(t, dir); len(files) != 0 {
					t.Errorf("the datadir holds %q for a queued image", files)
				}
				if img.Size != nil {
					t.Errorf("the queued image still holds %d bytes of the quota", *img.Size)
				}
				other := a.create(t, `{"name":"other","disk_format":"raw","container_format":"bare"}`).ID
				a.upload(t, other, data)
				resp, body := a.do(t, "DELETE", "/v2/images/"+other, nil, "")
				mustStatus(t, "delete", resp, body, http.StatusNoContent)
				a.upload(t, id, data)
			}
			resp, body := a.do(t, "GET", "/v2/images/"+id+"/file", nil, "")
			mustStatus(t, "download", resp, body, http.StatusOK)
			if md5Hex(body) != md5Hex(data) || resp.Header.Get("Content-Md5") != md5Hex(data) {
				t.Errorf("downloaded %d bytes with md5 %s (header %s), want %s", len(body), md5Hex(body), resp.Header.Get("Content-Md5"), md5Hex(data))
			}
			if files := datadirFiles(t, dir); !slices.Equal(files, []string{id}) {
				t.Errorf("the datadir holds %q, want only the image's file", files)
			}
			resp, body = a.do(t, "DELETE", "/v2/images/"+id, nil, "")
			mustStatus(t, "delete", resp, body, http.StatusNoContent)
			if files := datadirFiles(t, dir); len(files) != 0 {
				t.Errorf("the datadir holds %q after the image was deleted", files)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
