package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// dataPhaseName names an upload or download phase by its parameters.
func dataPhaseName(mode string, cfg *config, n int) string {
	name := fmt.Sprintf("%s size=%s n=%d c=%d", mode, formatSize(cfg.size), n, cfg.c)
	if cfg.chunked && mode == "upload" {
		name += " chunked"
	}
	if cfg.verify.any() {
		name += " verify=" + cfg.verify.String()
	}
	return name
}

// uploadData PUTs the generated data of the images in ids with c workers.
// It reports which uploads succeeded and, with -verify, the digests of what
// each sent.
func (s *session) uploadData(ctx context.Context, ids []string, c int) (tally, []sent) {
	cfg := s.cfg
	out := make([]sent, len(ids))
	t := runN(ctx, c, len(ids), func(_, i int, t *tally) {
		gen := newGenReader(s.imageSeed(i), cfg.size)
		var body io.ReadCloser = gen
		var d *digests
		if cfg.verify.any() {
			d = newDigests(cfg.verify)
			body = hashingBody{gen, d}
		}
		start := time.Now()
		err := s.api.upload(ctx, ids[i], body, cfg.size, cfg.chunked)
		t.add(start, time.Now(), err, cfg.size)
		if err == nil {
			out[i].ok = true
			if d != nil {
				out[i].sums = d.sums()
			}
		}
	})
	return t, out
}

// sent is what one upload did.
type sent struct {
	ok   bool
	sums sums
}

// verifyImages checks each uploaded image's record against the digests of
// the data sent; it returns the number of images that do not match.
func (s *session) verifyImages(ctx context.Context, ids []string, up []sent) int {
	failed := 0
	for i, id := range ids {
		if !up[i].ok {
			continue // the upload failed and was counted as such
		}
		img, err := s.api.getImage(ctx, id)
		if err != nil {
			failed++
			s.logf("verify %s: %v", id, err)
			continue
		}
		if bad := checkImage(img, s.cfg.size, up[i].sums); len(bad) > 0 {
			failed++
			s.logf("verify %s: %s", id, strings.Join(bad, "; "))
		}
	}
	return failed
}

// upload creates n images (untimed), then times their uploads.
func (s *session) upload(ctx context.Context) error {
	cfg := s.cfg
	ids, err := s.setupImages(ctx, cfg.n, cfg.c, s.dataImage("upload"))
	if err != nil {
		return err
	}
	var up []sent
	s.phase("upload", dataPhaseName("upload", cfg, len(ids)), func() tally {
		var t tally
		t, up = s.uploadData(ctx, ids, cfg.c)
		return t
	}, func(r *Result) {
		if cfg.verify.any() {
			r.VerifyFail = float64(s.verifyImages(ctx, ids, up))
		}
		var hc hashCost
		if i := slices.IndexFunc(up, func(u sent) bool { return u.ok }); i >= 0 {
			hc = s.hashCostAfter(ctx, ids[i])
		}
		addCost(r, hc)
	})
	return ctx.Err()
}
