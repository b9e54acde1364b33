package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
)

// pendingRepo is an in-memory domain.PendingDeletes.
type pendingRepo struct {
	mu      sync.Mutex
	pending map[int64]domain.Location
	deleted chan int64
}

func (r *pendingRepo) MarkPendingDelete(_ context.Context, ids []int64) error { return nil }

func (r *pendingRepo) PendingDeletes(_ context.Context, after int64, limit int) ([]domain.Location, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []domain.Location
	for id, l := range r.pending {
		if id > after && len(out) < limit {
			out = append(out, l)
		}
	}
	return out, nil
}

func (r *pendingRepo) MarkDataDeleted(_ context.Context, ids []int64) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, id := range ids {
		delete(r.pending, id)
		r.deleted <- id
	}
	return nil
}

// downStore is a store that is down for its first failures deletes: a
// fault a real store cannot produce on demand here.
type downStore struct {
	mu       sync.Mutex
	failures int
	data     map[string]bool
}

func (s *downStore) Put(context.Context, string, io.Reader, int64) (domain.StoredData, error) {
	return domain.StoredData{}, domain.Errorf(domain.KindUnavailable, "down")
}
func (s *downStore) Get(context.Context, string, int64, int64) (io.ReadCloser, error) {
	return nil, domain.Errorf(domain.KindUnavailable, "down")
}
func (s *downStore) Stat(context.Context, string) (int64, error) { return 0, nil }
func (s *downStore) Delete(_ context.Context, url string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failures > 0 {
		s.failures--
		return domain.Errorf(domain.KindUnavailable, "The image storage backend is unavailable.")
	}
	if !s.data[url] {
		return domain.Errorf(domain.KindNotFound, "Image data not found.")
	}
	delete(s.data, url)
	return nil
}

type oneStore struct{ s domain.Store }

func (o oneStore) Store(string) (domain.Store, error)                { return o.s, nil }
func (o oneStore) ForLocation(domain.Location) (domain.Store, error) { return o.s, nil }
func (o oneStore) IDs() []string                                     { return []string{"file"} }
func (o oneStore) Default() string                                   { return "file" }
func (o oneStore) Multi() bool                                       { return false }

// TestPurgeRetriesUntilTheStoreIsBack: the clean-up retries data whose
// store is down until it is back, then removes it and records it gone;
// data already gone counts as removed.
func TestPurgeRetriesUntilTheStoreIsBack(t *testing.T) {
	repo := &pendingRepo{deleted: make(chan int64, 2), pending: map[int64]domain.Location{
		1: {ID: 1, URL: "mem://one"}, 2: {ID: 2, URL: "mem://gone"}}}
	st := &downStore{failures: 3, data: map[string]bool{"mem://one": true}}
	var log bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &log, mu: &logMu}, nil))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		runPurge(ctx, repo, oneStore{st}, logger, purgeSchedule{retry: time.Millisecond, maxRetry: 4 * time.Millisecond, idle: time.Hour, pass: time.Minute})
	}()
	got := map[int64]bool{<-repo.deleted: true, <-repo.deleted: true}
	cancel()
	<-done
	if !got[1] || !got[2] {
		t.Errorf("locations marked deleted: %v, want 1 and 2", got)
	}
	if st.data["mem://one"] {
		t.Error("the data is still in the store")
	}
	logMu.Lock()
	defer logMu.Unlock()
	for _, want := range []string{"could not be removed yet", "Removed the image data of"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
