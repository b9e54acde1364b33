package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// config is the parsed command line.
type config struct {
	mode      string
	url       string
	header    http.Header
	size      int64
	n, c      int
	d         time.Duration
	patch     float64
	images    int
	limit     int
	page      int
	chunked   bool
	passes    int
	hashBytes int64
	verify    verifySet
	pid       int
	keep      bool
	repeat    int
	jsonPath  string
	settle    time.Duration
	wait      time.Duration
	serverLog string
	command   []string
}

var modes = []string{"upload", "download", "meta", "list", "startup", "rss"}

func parseConfig(args []string, stderr io.Writer) (*config, error) {
	cfg := &config{header: http.Header{}, size: 64 << 20, hashBytes: 256 << 20}
	fs := flag.NewFlagSet("glance-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: glance-load -mode %s [flags] [-- command args...]\n", strings.Join(modes, "|"))
		fs.PrintDefaults()
	}
	var token string
	fs.StringVar(&cfg.mode, "mode", "", "what to measure: "+strings.Join(modes, ", "))
	fs.StringVar(&cfg.url, "url", "http://127.0.0.1:9292", "image API endpoint")
	fs.StringVar(&token, "token", "", "send as X-Auth-Token")
	fs.Var(headerFlag(cfg.header), "H", "extra request header `Name: value` (repeatable)")
	fs.Var((*sizeFlag)(&cfg.size), "size", "image size for upload and download (B, KiB, MiB, GiB; KB, MB, GB)")
	fs.IntVar(&cfg.n, "n", 0, "images: upload/download 1, list 1000 by default")
	fs.IntVar(&cfg.c, "c", 0, "concurrent clients: upload/download 1, meta 8, list 4 by default")
	fs.DurationVar(&cfg.d, "d", 0, "duration of timed loops: meta 20s, list 10s (each phase) by default")
	fs.Float64Var(&cfg.patch, "patch", 0.5, "meta: share of PATCH requests (0 = GET only)")
	fs.IntVar(&cfg.images, "images", 1, "meta: images the workers share")
	fs.IntVar(&cfg.limit, "limit", 1000, "list: limit of the big-page phase")
	fs.IntVar(&cfg.page, "page", 25, "list: limit of the paginate phase")
	fs.BoolVar(&cfg.chunked, "chunked", false, "upload: send data chunked, without Content-Length")
	fs.IntVar(&cfg.passes, "passes", 1, "download: download every image this many times, one phase per pass (the first reads what the upload left in the page cache, later ones what the first read)")
	fs.Var((*sizeFlag)(&cfg.hashBytes), "hash-bytes", "upload, download: after each phase, hash this much with md5 and the server's os_hash_algo to report the hashing floor (0 = off)")
	fs.Var(&cfg.verify, "verify", "check digests: none, md5, sha512 or all (hashes on the client; not for speed runs)")
	fs.IntVar(&cfg.pid, "pid", 0, "server process: report its cpu time and peak memory per phase (with its descendants)")
	fs.BoolVar(&cfg.keep, "keep", false, "do not delete the images made")
	fs.IntVar(&cfg.repeat, "repeat", 1, "run the mode this many times and print medians")
	fs.StringVar(&cfg.jsonPath, "json", "", "write the report to this file as JSON")
	fs.DurationVar(&cfg.settle, "settle", 2*time.Second, "startup: wait this long after the first answer before sampling memory")
	fs.DurationVar(&cfg.wait, "wait", 2*time.Minute, "startup: give up when the server has not answered after this long")
	fs.StringVar(&cfg.serverLog, "server-log", "", "startup: append the server's output to this file (default: a temporary file, kept on failure)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	cfg.command = fs.Args()
	if token != "" {
		cfg.header.Set("X-Auth-Token", token)
	}
	return cfg, cfg.complete()
}

// complete fills the mode's defaults and checks the flags fit the mode.
func (cfg *config) complete() error {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	switch cfg.mode {
	case "upload", "download":
		def(&cfg.n, 1)
		def(&cfg.c, 1)
		if cfg.passes < 1 {
			return errors.New("-passes must be at least 1")
		}
	case "meta":
		def(&cfg.c, 8)
		defDur(&cfg.d, 20*time.Second)
	case "list":
		def(&cfg.n, 1000)
		def(&cfg.c, 4)
		defDur(&cfg.d, 10*time.Second)
	case "startup":
		if len(cfg.command) == 0 {
			return errors.New("-mode startup needs the server command after --")
		}
		cfg.c = 1
	case "rss":
		if cfg.pid <= 0 {
			return errors.New("-mode rss needs -pid")
		}
	case "":
		return errors.New("-mode is required: " + strings.Join(modes, ", "))
	default:
		return fmt.Errorf("unknown mode %q: %s", cfg.mode, strings.Join(modes, ", "))
	}
	if cfg.mode != "startup" && len(cfg.command) > 0 {
		return fmt.Errorf("unexpected arguments %q (a command is for -mode startup)", cfg.command)
	}
	def(&cfg.c, 1)
	switch {
	case cfg.n < 0 || cfg.c < 0 || cfg.d < 0:
		return errors.New("-n, -c and -d must not be negative")
	case cfg.patch < 0 || cfg.patch > 1:
		return errors.New("-patch must be within 0..1")
	case cfg.images < 1 || cfg.limit < 1 || cfg.page < 1 || cfg.repeat < 1:
		return errors.New("-images, -limit, -page and -repeat must be at least 1")
	case cfg.size < 0 || cfg.hashBytes < 0:
		return errors.New("-size and -hash-bytes must not be negative")
	}
	u, err := url.Parse(cfg.url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("-url %q: want http://host:port", cfg.url)
	}
	return nil
}

// headerFlag adds "Name: value" headers.
type headerFlag http.Header

func (h headerFlag) String() string { return "" }

func (h headerFlag) Set(s string) error {
	name, value, ok := strings.Cut(s, ":")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("header %q: want Name: value", s)
	}
	http.Header(h).Add(strings.TrimSpace(name), strings.TrimSpace(value))
	return nil
}

type sizeFlag int64

func (f *sizeFlag) String() string { return formatSize(int64(*f)) }

func (f *sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	*f = sizeFlag(n)
	return err
}

var sizeUnits = []struct {
	suffix string
	factor float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40},
	{"b", 1},
}

// parseSize reads "1GiB", "64MiB", "1.5GB", "4096" (bytes). Bare K, M, G
// and T are binary units, as dd reads them.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	factor := 1.0
	for _, u := range sizeUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, factor = strings.TrimSpace(rest), u.factor
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v >= 0) || math.IsInf(v, 0) || v*factor > math.MaxInt64/2 {
		return 0, fmt.Errorf("size %q: want a number of bytes, or with a unit (KiB, MiB, GiB, KB, MB, GB)", s)
	}
	return int64(math.Round(v * factor)), nil
}

// formatSize writes n in the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}
