package keystone

import (
	"context"
	"sync"
	"time"
)

// flightKey tells apart the validations that may share one answer: the
// same token asked the same way.
type flightKey struct {
	token        tokenKey
	allowExpired bool
}

// flights lets concurrent requests for one uncached token share a single
// validation. Its map holds only validations in progress, so it is
// bounded by the requests being served.
type flights struct {
	mu      sync.Mutex
	pending map[flightKey]*flight
}

type flight struct {
	done    chan struct{}
	token   *token
	err     error
	callers int // how many share it, for tests
}

// do runs fn once for key among concurrent callers. fn runs detached from
// any one caller's cancellation (others may be waiting on it) but within
// bound; each caller stops waiting when its own ctx ends.
func (f *flights) do(ctx context.Context, key flightKey, bound time.Duration, fn func(context.Context) (*token, error)) (*token, error) {
	f.mu.Lock()
	fl, running := f.pending[key]
	if !running {
		if f.pending == nil {
			f.pending = make(map[flightKey]*flight)
		}
		fl = &flight{done: make(chan struct{})}
		f.pending[key] = fl
	}
	fl.callers++
	f.mu.Unlock()

	if !running {
		go func() {
			runCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bound)
			defer cancel()
			fl.token, fl.err = fn(runCtx)
			f.mu.Lock()
			delete(f.pending, key)
			f.mu.Unlock()
			close(fl.done)
		}()
	}
	select {
	case <-fl.done:
		return fl.token, fl.err
	case <-ctx.Done():
		return nil, unavailable(ctx.Err())
	}
}
