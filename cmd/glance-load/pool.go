package main

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// tally is what one worker saw during a phase; merge joins the workers'.
type tally struct {
	lat         []time.Duration // every completed request, ok or not
	ok, err     int64
	bytes       int64 // body bytes moved by ok requests
	first, last time.Time
	errs        []string // the first few error messages
}

const keepErrs = 3

// add records one request that ran from start to end.
func (t *tally) add(start, end time.Time, err error, bytes int64) {
	if t.first.IsZero() || start.Before(t.first) {
		t.first = start
	}
	if end.After(t.last) {
		t.last = end
	}
	t.lat = append(t.lat, end.Sub(start))
	if err != nil {
		t.err++
		if len(t.errs) < keepErrs {
			t.errs = append(t.errs, err.Error())
		}
		return
	}
	t.ok++
	t.bytes += bytes
}

func merge(ts []tally) tally {
	var m tally
	n := 0
	for i := range ts {
		n += len(ts[i].lat)
	}
	m.lat = make([]time.Duration, 0, n)
	for i := range ts {
		t := &ts[i]
		m.lat = append(m.lat, t.lat...)
		m.ok += t.ok
		m.err += t.err
		m.bytes += t.bytes
		if !t.first.IsZero() && (m.first.IsZero() || t.first.Before(m.first)) {
			m.first = t.first
		}
		if t.last.After(m.last) {
			m.last = t.last
		}
		if len(m.errs) < keepErrs {
			m.errs = append(m.errs, t.errs[:min(len(t.errs), keepErrs-len(m.errs))]...)
		}
	}
	return m
}

// runN runs job 0..n-1 on c workers, each job once; it stops handing out
// jobs when ctx ends.
func runN(ctx context.Context, c, n int, job func(worker, i int, t *tally)) tally {
	var next atomic.Int64
	ts := make([]tally, c)
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			t := &ts[w]
			t.lat = make([]time.Duration, 0, n/c+1)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				job(w, i, t)
			}
		})
	}
	wg.Wait()
	return merge(ts)
}

// runFor runs c workers that call step until d has passed (a step under
// way is finished, not cut) or ctx ends. iter counts the worker's steps.
func runFor(ctx context.Context, c int, d time.Duration, step func(worker, iter int, t *tally)) tally {
	deadline := time.Now().Add(d)
	ts := make([]tally, c)
	var wg sync.WaitGroup
	for w := range c {
		wg.Go(func() {
			t := &ts[w]
			t.lat = make([]time.Duration, 0, 4096)
			for iter := 0; ctx.Err() == nil && time.Now().Before(deadline); iter++ {
				step(w, iter, t)
			}
		})
	}
	wg.Wait()
	return merge(ts)
}

// percentile is the nearest-rank percentile p (0 < p <= 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(len(sorted)) * p / 100))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// result turns a phase's tally into its report row.
func (t *tally) result(mode, phase string) Result {
	r := Result{Mode: mode, Phase: phase, OK: float64(t.ok), Err: float64(t.err), Bytes: float64(t.bytes)}
	wall := t.last.Sub(t.first)
	if wall > 0 {
		s := wall.Seconds()
		r.WallS = s
		r.ReqS = float64(t.ok) / s
		if t.bytes > 0 {
			r.MBs = float64(t.bytes) / s / 1e6
		}
	}
	slices.Sort(t.lat)
	r.P50ms = ms(percentile(t.lat, 50))
	r.P99ms = ms(percentile(t.lat, 99))
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
