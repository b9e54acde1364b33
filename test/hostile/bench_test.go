package hostile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// server is our glance api running as its own process, so that /proc
// shows its cpu time and memory alone.
type server struct {
	url string
	pid int
}

func mustStartServer(tb testing.TB) server {
	tb.Helper()
	dir := tb.TempDir()
	cfg := glancetest.Config{Dir: dir, Port: glancetest.MustFreePort(tb)}
	conf := glancetest.MustWriteConfig(tb, cfg)
	cmd := exec.Command(glancetest.MustBuild(tb), "api", "--config-file", conf)
	url := glancetest.Endpoint(cfg.Port)
	glancetest.MustStartProcess(tb, "glance api", cmd, url, cfg.LogFile(), filepath.Join(dir, "out.log"), time.Minute)
	return server{url: url, pid: cmd.Process.Pid}
}

// cpuTicks is the server's utime+stime in clock ticks (1/100 s).
func (s server) cpuTicks(tb testing.TB) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.pid))
	if err != nil {
		tb.Fatal(err)
	}
	f := bytes.Fields(b[bytes.LastIndexByte(b, ')')+1:])
	u, _ := strconv.ParseInt(string(f[11]), 10, 64)
	st, _ := strconv.ParseInt(string(f[12]), 10, 64)
	return u + st
}

// rssMiB is the server's resident memory.
func (s server) rssMiB(tb testing.TB) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		tb.Fatal(err)
	}
	_, rest, _ := bytes.Cut(b, []byte("VmRSS:"))
	kib, _ := strconv.ParseFloat(string(bytes.Fields(rest)[0]), 64)
	return kib / 1024
}

// send makes one request and returns its status and the start of its body.
func (s server) send(tb testing.TB, c hostileBody, image string) (int, string) {
	path := "/v2/images"
	if c.method == "PATCH" {
		path += "/" + image
	}
	req, err := http.NewRequest(c.method, s.url+path, bytes.NewReader(c.body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", c.ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, string(msg)
}

func (s server) mustCreate(tb testing.TB) string {
	resp, err := http.Post(s.url+"/v2/images", jsonType, bytes.NewReader([]byte(`{"name":"target"}`)))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var img struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&img); err != nil || resp.StatusCode != http.StatusCreated {
		tb.Fatalf("create: %d %v", resp.StatusCode, err)
	}
	return img.ID
}

// BenchmarkHostileBody reports the server's cpu time for one worst-case
// body (median over the iterations; run with -benchtime=5x). Cheap
// bodies are sent 20 times per iteration to get under the 10 ms tick.
func BenchmarkHostileBody(b *testing.B) {
	s := mustStartServer(b)
	image := s.mustCreate(b)
	for _, c := range hostileBodies() {
		b.Run(c.name, func(b *testing.B) {
			reps := 1
			t0 := s.cpuTicks(b)
			code, msg := s.send(b, c, image)
			if s.cpuTicks(b)-t0 < 20 {
				reps = 20
			}
			b.Logf("%d %.120s", code, msg)
			var perReq []float64
			for b.Loop() {
				t0 := s.cpuTicks(b)
				for range reps {
					s.send(b, c, image)
				}
				perReq = append(perReq, float64(s.cpuTicks(b)-t0)*10/float64(reps))
			}
			slices.Sort(perReq)
			b.ReportMetric(perReq[len(perReq)/2], "server-cpu-ms/req")
			b.ReportMetric(float64(len(c.body))/(1<<20), "body-MiB")
		})
	}
}

// BenchmarkHostileConcurrent sends 16 worst-case bodies at once to a
// fresh server and reports its resident memory before, at the peak and
// 5 s after.
func BenchmarkHostileConcurrent(b *testing.B) {
	const clients = 16
	for _, c := range hostileBodies() {
		b.Run(c.name, func(b *testing.B) {
			s := mustStartServer(b)
			image := s.mustCreate(b)
			before := s.rssMiB(b)
			peak := before
			for b.Loop() {
				var wg sync.WaitGroup
				for range clients {
					wg.Go(func() { s.send(b, c, image) })
				}
				done := make(chan struct{})
				go func() { wg.Wait(); close(done) }()
				tick := time.NewTicker(10 * time.Millisecond)
			sample:
				for {
					select {
					case <-done:
						break sample
					case <-tick.C:
						peak = max(peak, s.rssMiB(b))
					}
				}
				tick.Stop()
			}
			b.StopTimer()
			time.Sleep(5 * time.Second)
			b.ReportMetric(before, "rss-before-MiB")
			b.ReportMetric(peak, "rss-peak-MiB")
			b.ReportMetric(s.rssMiB(b), "rss-after-5s-MiB")
		})
	}
}

func TestMain(m *testing.M) { glancetest.Main(m) }
