// Command glance-load measures a running OpenStack Image API v2 server over
// HTTP: this project's server or Glance itself, side by side. It speaks only
// the public API (no auth; -token sends X-Auth-Token) and keeps its own cost
// low so that the figures are the server's: request bodies are generated on
// the fly, connections are kept alive, nothing is hashed unless -verify.
//
// Each phase prints one table line: requests ok and failed (non-2xx or
// transport errors), wall time (first request start to last request end),
// MB/s (10^6 bytes/s of data moved by ok requests), requests/s (ok requests
// over the wall time) and nearest-rank p50/p99 latencies. With -pid, the
// server's cpu seconds (utime+stime of the process and its descendants,
// also split into user and sys) and peak RSS/PSS (sampled every 100 ms)
// during the phase are added. Upload and download phases then add the
// server's cpu-seconds per GiB moved and the floor set by hashing: after
// the phase the tool hashes -hash-bytes (256 MiB) with md5 and the
// os_hash_algo the server recorded, one after the other on one core
// (cpu-seconds per GiB; the ratio is the server's cost over this), and in
// two goroutines (MB/s, the fastest a single-stream upload can go; an
// upload's MB/s is given as a percentage of it).
// -json writes every phase as an object of a JSON array; -repeat N runs the
// mode N times and adds the medians. The images made are deleted at the
// end unless -keep.
//
// The standard figures (build with go build -o glance-load ./cmd/glance-load;
// URL is the endpoint, PID the server's main process):
//
//	# startup time to the first answer on GET /, then idle memory
//	glance-load -mode startup -url $URL -settle 10s -- glance-api --config-file /path/to/glance-api.conf
//	glance-load -mode rss -pid $PID
//	# data path, speed runs (no client-side hashing)
//	glance-load -url $URL -pid $PID -verify none -mode upload   -size 1GiB  -n 1  -c 1
//	glance-load -url $URL -pid $PID -verify none -mode download -size 1GiB  -n 1  -c 1 -passes 2
//	glance-load -url $URL -pid $PID -verify none -mode upload   -size 64MiB -n 16 -c 4
//	glance-load -url $URL -pid $PID -verify none -mode download -size 64MiB -n 16 -c 4
//	# correctness passes: checksum == md5 of the sent bytes; Content-MD5 and
//	# os_hash_value (sha512) == digests of the received bytes
//	glance-load -url $URL -pid $PID -verify all -mode upload   -size 64MiB -n 16 -c 4
//	glance-load -url $URL -pid $PID -verify all -mode download -size 64MiB -n 16 -c 4
//	glance-load -url $URL -pid $PID -verify all -mode download -size 1GiB  -n 1  -c 1
//	# one backend of a multi-store server (test/bench-stores.sh measures
//	# every backend of the test servers this way)
//	glance-load -url $URL -pid $PID -verify none -mode upload -size 256MiB -H 'X-Image-Meta-Store: s3'
//	# metadata: GET and PATCH of one image, half each, for 20 s
//	glance-load -url $URL -pid $PID -mode meta -c 8  -d 20s
//	glance-load -url $URL -pid $PID -mode meta -c 32 -d 20s
//	# the same through Keystone auth (flavor keystone), one token for all
//	glance-load -url $URL -pid $PID -mode meta -patch 0 -c 32 -d 10s -token "$(openstack token issue -f value -c id)"
//	# listing: create 1000 images (c=4), GET ?limit=1000 (c=4) for 10 s,
//	# then walk ?limit=25 following next (one client) for 10 s
//	glance-load -url $URL -pid $PID -mode list -n 1000 -c 4 -d 10s
//
// The machine is noisy: add -repeat 3 (or more) and compare the medians.
// A download's first pass reads what the upload left in the server's
// page cache (this project's server keeps little of a large upload
// there), the second what the first read.
// Other flags: -chunked (upload without Content-Length), -patch F (share of
// PATCHes in meta, 0 = GET only), -images K (meta images), -H 'Name: value',
// -keep, -server-log FILE, -wait D; see glance-load -h.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command: 0 when every run finished and every check
// passed, 1 on a failed run or a failed -verify check, 2 on bad usage.
// Failed requests alone do not fail the command; they are in the report.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "glance-load:", err)
		return 2
	}
	a := newAPI(cfg.url, cfg.header, cfg.c)
	defer a.tr.CloseIdleConnections()

	printHeader(stdout)
	var results []Result
	code := 0
	started := time.Now().UnixMilli()
	for i := 1; i <= cfg.repeat && ctx.Err() == nil; i++ {
		s := &session{
			cfg: cfg, api: a, out: stdout, log: stderr,
			tag:  strconv.FormatInt(started%(1<<40), 36) + "r" + strconv.Itoa(i),
			seed: uint64(started)<<8 + uint64(i),
			emit: func(r Result) {
				r.Run = i
				r.round()
				printRow(stdout, r)
				results = append(results, r)
			},
		}
		err := s.runMode(ctx)
		s.cleanup(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "glance-load: %s run %d: %v\n", cfg.mode, i, err)
			code = 1
			break
		}
	}
	for _, r := range results {
		if r.VerifyFail > 0 {
			code = 1
		}
	}
	if cfg.repeat > 1 && len(results) > 0 {
		meds := medians(results)
		for _, m := range meds {
			printRow(stdout, m)
		}
		results = append(results, meds...)
	}
	if cfg.jsonPath != "" {
		if err := writeJSON(cfg.jsonPath, results); err != nil {
			fmt.Fprintln(stderr, "glance-load:", err)
			code = 1
		}
	}
	return code
}

func (s *session) runMode(ctx context.Context) error {
	switch s.cfg.mode {
	case "upload":
		return s.upload(ctx)
	case "download":
		return s.download(ctx)
	case "meta":
		return s.meta(ctx)
	case "list":
		return s.list(ctx)
	case "startup":
		return s.startup(ctx)
	case "rss":
		return s.rss(ctx)
	}
	return fmt.Errorf("unknown mode %q", s.cfg.mode)
}
