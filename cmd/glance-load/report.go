package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// Result is one phase of one run: a table line and a JSON object.
type Result struct {
	Run        int     `json:"run"`              // 1..repeat; 0 for medians
	Median     bool    `json:"median,omitempty"` // median over the runs
	Mode       string  `json:"mode"`
	Phase      string  `json:"phase"`
	OK         float64 `json:"ok"`
	Err        float64 `json:"err"`
	WallS      float64 `json:"wall_s"`
	MBs        float64 `json:"mb_s"` // 10^6 bytes/s
	ReqS       float64 `json:"req_s"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	ServerCPU  float64 `json:"server_cpu_s"`
	ServerUser float64 `json:"server_user_s"` // of ServerCPU: the server's own code
	ServerSys  float64 `json:"server_sys_s"`  // of ServerCPU: the kernel working for it
	RSSPeakMiB float64 `json:"rss_peak_mib"`
	PSSPeakMiB float64 `json:"pss_peak_mib"`
	Bytes      float64 `json:"bytes,omitempty"`
	VerifyFail float64 `json:"verify_fail,omitempty"`
	Items      float64 `json:"items,omitempty"`    // list.paginate: images in one full listing
	Listings   float64 `json:"listings,omitempty"` // list.paginate: full listings done
	Procs      float64 `json:"procs,omitempty"`    // rss, startup: processes measured

	// Data phases: what moving the bytes cost the server, beside what
	// hashing them costs this machine, measured in the same run.
	CPUPerGiB     float64 `json:"server_cpu_s_per_gib,omitempty"`  // with -pid
	UserPerGiB    float64 `json:"server_user_s_per_gib,omitempty"` // with -pid
	SysPerGiB     float64 `json:"server_sys_s_per_gib,omitempty"`  // with -pid
	HashAlgo      string  `json:"hash_algo,omitempty"`             // the server's os_hash_algo, hashed beside md5
	HashCPUPerGiB float64 `json:"hash_cpu_s_per_gib,omitempty"`    // md5 + HashAlgo, one goroutine
	HashRatio     float64 `json:"server_cpu_to_hash,omitempty"`    // CPUPerGiB / HashCPUPerGiB
	HashLimitMBs  float64 `json:"hash_limit_mb_s,omitempty"`       // md5 and HashAlgo in two goroutines
	HashLimitPct  float64 `json:"hash_limit_pct,omitempty"`        // upload: MBs as a percentage of HashLimitMBs
}

// numbers lists the fields a median is taken of.
func (r *Result) numbers() []*float64 {
	return []*float64{&r.OK, &r.Err, &r.WallS, &r.MBs, &r.ReqS, &r.P50ms, &r.P99ms,
		&r.ServerCPU, &r.ServerUser, &r.ServerSys, &r.RSSPeakMiB, &r.PSSPeakMiB, &r.Bytes, &r.VerifyFail, &r.Items, &r.Listings, &r.Procs,
		&r.CPUPerGiB, &r.UserPerGiB, &r.SysPerGiB, &r.HashCPUPerGiB, &r.HashRatio, &r.HashLimitMBs, &r.HashLimitPct}
}

func (r *Result) round() {
	for _, f := range r.numbers() {
		*f = math.Round(*f*1000) / 1000
	}
}

// medians returns one row per (mode, phase), in order of first appearance,
// holding the median of each number over the runs.
func medians(rs []Result) []Result {
	var out []Result
	for i, r := range rs {
		if slices.ContainsFunc(rs[:i], func(p Result) bool { return p.Mode == r.Mode && p.Phase == r.Phase }) {
			continue
		}
		m := Result{Median: true, Mode: r.Mode, Phase: r.Phase, HashAlgo: r.HashAlgo}
		dst := m.numbers()
		var vals [][]float64 = make([][]float64, len(dst))
		for _, s := range rs {
			if s.Mode == r.Mode && s.Phase == r.Phase {
				for k, f := range s.numbers() {
					vals[k] = append(vals[k], *f)
				}
			}
		}
		for k := range dst {
			*dst[k] = median(vals[k])
		}
		m.round()
		out = append(out, m)
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

const tableHeader = "run  mode      phase                                 ok    err   wall_s     MB/s    req/s   p50_ms   p99_ms  cpu_s  rss_MiB  pss_MiB"

func printHeader(w io.Writer) { fmt.Fprintln(w, tableHeader) }

func printRow(w io.Writer, r Result) {
	run := fmt.Sprint(r.Run)
	if r.Median {
		run = "med"
	}
	fmt.Fprintf(w, "%-4s %-9s %-36s %5g %6g %8.3f %8.1f %8.2f %8.1f %8.1f %6.2f %8.1f %8.1f",
		run, r.Mode, r.Phase, r.OK, r.Err, r.WallS, r.MBs, r.ReqS, r.P50ms, r.P99ms,
		r.ServerCPU, r.RSSPeakMiB, r.PSSPeakMiB)
	if r.VerifyFail > 0 {
		fmt.Fprintf(w, "  verify_fail=%g", r.VerifyFail)
	}
	if r.Listings > 0 {
		fmt.Fprintf(w, "  listings=%g items=%g", r.Listings, r.Items)
	}
	if r.CPUPerGiB > 0 {
		fmt.Fprintf(w, "  cpu/GiB=%.2f (user %.2f sys %.2f)", r.CPUPerGiB, r.UserPerGiB, r.SysPerGiB)
	}
	if r.HashCPUPerGiB > 0 {
		fmt.Fprintf(w, "  md5+%s/GiB=%.2f", r.HashAlgo, r.HashCPUPerGiB)
	}
	if r.HashRatio > 0 {
		fmt.Fprintf(w, "  ratio=%.2f", r.HashRatio)
	}
	if r.HashLimitMBs > 0 {
		fmt.Fprintf(w, "  limit=%.0fMB/s", r.HashLimitMBs)
	}
	if r.HashLimitPct > 0 {
		fmt.Fprintf(w, " (%.0f%%)", r.HashLimitPct)
	}
	fmt.Fprintln(w)
}

func writeJSON(path string, rs []Result) error {
	if rs == nil {
		rs = []Result{}
	}
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
