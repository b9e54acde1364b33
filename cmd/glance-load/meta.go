package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// metaProp is the property the meta mode's PATCHes replace.
const metaProp = "glance_load_prop"

// meta creates a few images, then runs c workers that GET or PATCH them
// for d; -patch is the share of PATCHes.
func (s *session) meta(ctx context.Context) error {
	cfg := s.cfg
	ids, err := s.setupImages(ctx, cfg.images, min(cfg.images, cfg.c), func(i int) map[string]any {
		f := s.dataImage("meta")(i)
		f[metaProp] = "0"
		return f
	})
	if err != nil {
		return err
	}
	name := fmt.Sprintf("meta c=%d d=%s patch=%.2f", cfg.c, cfg.d, cfg.patch)
	if len(ids) > 1 {
		name += fmt.Sprintf(" images=%d", len(ids))
	}
	s.phase("meta", name, func() tally {
		workers := make([]*metaWorker, cfg.c)
		for w := range workers {
			workers[w] = s.newMetaWorker(ctx, ids, w)
		}
		return runFor(ctx, cfg.c, cfg.d, func(w, iter int, t *tally) {
			workers[w].step(iter, t)
		})
	}, nil)
	return ctx.Err()
}

// metaWorker holds one worker's prepared requests: a GET is sent as built,
// a PATCH is a shallow copy of its template with a fresh body reader (the
// transport may still hold the previous one).
type metaWorker struct {
	api     *api
	w       int
	npatch  int
	patch   float64
	rng     *rand.Rand
	gets    []*http.Request
	patches []*http.Request
	bodies  [2][]byte // alternate values, so every PATCH changes the image
}

func (s *session) newMetaWorker(ctx context.Context, ids []string, w int) *metaWorker {
	m := &metaWorker{
		api:   s.api,
		w:     w,
		patch: s.cfg.patch,
		rng:   rand.New(rand.NewPCG(s.seed, uint64(w))),
	}
	for _, id := range ids {
		get := s.api.newRequest(ctx, http.MethodGet, "/v2/images/"+id, "", nil)
		get.Header.Set("Accept", jsonType)
		m.gets = append(m.gets, get)
		p := s.api.newRequest(ctx, http.MethodPatch, "/v2/images/"+id, patchType, nil)
		p.Header.Set("Accept", jsonType)
		m.patches = append(m.patches, p)
	}
	for i := range m.bodies {
		m.bodies[i] = fmt.Appendf(nil, `[{"op": "replace", "path": "/%s", "value": "w%d-%c"}]`, metaProp, w, 'a'+i)
	}
	return m
}

func (m *metaWorker) step(iter int, t *tally) {
	img := (m.w + iter) % len(m.gets)
	req := m.gets[img]
	if m.patch > 0 && m.rng.Float64() < m.patch {
		p := *m.patches[img]
		b := m.bodies[m.npatch&1]
		m.npatch++
		p.Body = io.NopCloser(bytes.NewReader(b))
		p.ContentLength = int64(len(b))
		req = &p
	}
	start := time.Now()
	_, err := m.api.roundTrip(req, nil)
	t.add(start, time.Now(), err, 0)
}
