package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// session is one run of a mode: the images it made and where its results go.
type session struct {
	cfg  *config
	api  *api
	out  io.Writer // the report (stdout)
	log  io.Writer // progress and error notes (stderr)
	emit func(Result)
	tag  string // names this run's images
	seed uint64 // content of this run's images

	mu  sync.Mutex
	ids []string // images created, deleted at the end unless -keep

	logMu sync.Mutex // workers log concurrently
}

func (s *session) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.log, "glance-load: "+format+"\n", args...)
}

// imageSeed names the generated data of the run's i-th image.
func (s *session) imageSeed(i int) uint64 { return mix(s.seed + uint64(i)) }

// noteErrors prints a phase's error count and first messages.
func (s *session) noteErrors(phase string, t *tally) {
	if t.err == 0 {
		return
	}
	s.logf("%s: %d failed requests, e.g.:\n    %s", phase, t.err, strings.Join(t.errs, "\n    "))
}

// phase measures one timed phase: it follows the server process (with
// -pid) while body runs, and reports the tally body returns.
func (s *session) phase(mode, name string, body func() tally, adjust func(*Result)) Result {
	w := watchServer(s.cfg.pid)
	t := body()
	r := t.result(mode, name)
	if err := w.finish(&r); err != nil {
		s.logf("%s: %v", name, err)
	}
	s.noteErrors(name, &t)
	if adjust != nil {
		adjust(&r)
	}
	s.emit(r)
	return r
}

// createImages creates n images with c workers; fields gives the body of
// the i-th. ids[i] is "" where creation failed.
func (s *session) createImages(ctx context.Context, n, c int, fields func(i int) map[string]any) ([]string, tally) {
	ids := make([]string, n)
	t := runN(ctx, c, n, func(_, i int, t *tally) {
		start := time.Now()
		img, err := s.api.createImage(ctx, fields(i))
		t.add(start, time.Now(), err, 0)
		if err == nil {
			ids[i] = img.ID
			s.mu.Lock()
			s.ids = append(s.ids, img.ID)
			s.mu.Unlock()
		}
	})
	return ids, t
}

// setupImages creates images for a mode, untimed; it fails only when none
// could be made, and returns the ones that were.
func (s *session) setupImages(ctx context.Context, n, c int, fields func(i int) map[string]any) ([]string, error) {
	ids, t := s.createImages(ctx, n, c, fields)
	s.noteErrors("setup", &t)
	var made []string
	for _, id := range ids {
		if id != "" {
			made = append(made, id)
		}
	}
	if len(made) == 0 && n > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("setup: no image could be created (%d tries failed)", t.err)
	}
	return made, nil
}

// dataImage is the create body of an image that will hold data.
func (s *session) dataImage(kind string) func(int) map[string]any {
	return func(i int) map[string]any {
		return map[string]any{
			"name":             fmt.Sprintf("glance-load-%s-%s-%d", kind, s.tag, i),
			"disk_format":      "raw",
			"container_format": "bare",
		}
	}
}

// cleanup deletes the images the run created, even after an interrupt.
func (s *session) cleanup(ctx context.Context) {
	s.mu.Lock()
	ids := s.ids
	s.ids = nil
	s.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	if s.cfg.keep {
		s.logf("kept %d images (name prefix glance-load-*-%s)", len(ids), s.tag)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	// Delete concurrently, then retry what failed one at a time: servers
	// that lose concurrent writes (Glance on SQLite) mostly pass the retry.
	left, _ := s.deleteImages(ctx, ids, min(max(s.cfg.c, 4), 16))
	var errs []string
	if len(left) > 0 {
		left, errs = s.deleteImages(ctx, left, 1)
	}
	if len(left) > 0 {
		s.logf("cleanup: %d of %d images could not be deleted, e.g.:\n    %s", len(left), len(ids), strings.Join(errs, "\n    "))
	}
}

// deleteImages deletes ids with c workers and returns those that failed,
// with the first error messages. An image already gone counts as deleted.
func (s *session) deleteImages(ctx context.Context, ids []string, c int) ([]string, []string) {
	deleted := make([]bool, len(ids))
	t := runN(ctx, c, len(ids), func(_, i int, t *tally) {
		start := time.Now()
		err := s.api.deleteImage(ctx, ids[i])
		if se, ok := err.(*statusError); ok && se.Code == http.StatusNotFound {
			err = nil
		}
		deleted[i] = err == nil
		t.add(start, time.Now(), err, 0)
	})
	var left []string
	for i, id := range ids {
		if !deleted[i] {
			left = append(left, id)
		}
	}
	return left, t.errs
}
