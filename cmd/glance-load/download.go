package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// download uploads n images (untimed), then times downloading each
// once per pass, a phase each. Images whose setup failed are left out,
// and the phase says how many were downloaded.
func (s *session) download(ctx context.Context) error {
	cfg := s.cfg
	ids, err := s.setupImages(ctx, cfg.n, cfg.c, s.dataImage("download"))
	if err != nil {
		return err
	}
	start := time.Now()
	t, up := s.uploadData(ctx, ids, cfg.c)
	s.noteErrors("setup upload", &t)
	var ready []string
	var want []sums
	var records []image
	for i, id := range ids {
		if !up[i].ok {
			continue
		}
		ready = append(ready, id)
		want = append(want, up[i].sums)
		if cfg.verify.any() {
			img, err := s.api.getImage(ctx, id)
			if err != nil {
				return fmt.Errorf("setup: %w", err)
			}
			records = append(records, img)
		}
	}
	if len(ready) == 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		return fmt.Errorf("setup: no upload succeeded")
	}
	s.logf("setup: %d of %d images uploaded in %.1f s", len(ready), cfg.n, time.Since(start).Seconds())

	bufs := make([][]byte, cfg.c)
	for pass := 1; pass <= cfg.passes && ctx.Err() == nil; pass++ {
		name := dataPhaseName("download", cfg, len(ready))
		if cfg.passes > 1 {
			name += fmt.Sprintf(" pass=%d", pass)
		}
		s.downloadPass(ctx, name, ready, want, records, bufs)
	}
	return ctx.Err()
}

// downloadPass times downloading each image in ready once.
func (s *session) downloadPass(ctx context.Context, name string, ready []string, want []sums, records []image, bufs [][]byte) {
	cfg := s.cfg
	var verifyFail atomic.Int64
	s.phase("download", name, func() tally {
		return runN(ctx, cfg.c, len(ready), func(w, i int, t *tally) {
			if bufs[w] == nil {
				bufs[w] = make([]byte, 256<<10)
			}
			var d *digests
			if cfg.verify.any() {
				d = newDigests(cfg.verify)
			}
			var header string
			req := s.api.newRequest(ctx, http.MethodGet, "/v2/images/"+ready[i]+"/file", "", nil)
			begin := time.Now()
			n, err := s.api.roundTrip(req, func(resp *http.Response) (int64, error) {
				header = resp.Header.Get("Content-MD5")
				return readBody(resp, bufs[w], d)
			})
			if err == nil && n != cfg.size {
				err = fmt.Errorf("GET %s: %d bytes, want %d", req.URL.Path, n, cfg.size)
			}
			t.add(begin, time.Now(), err, n)
			if err == nil && d != nil {
				if bad := checkDownload(header, d.sums(), want[i], records[i]); len(bad) > 0 {
					verifyFail.Add(1)
					s.logf("verify download %s: %s", ready[i], strings.Join(bad, "; "))
				}
			}
		})
	}, func(r *Result) {
		r.VerifyFail = float64(verifyFail.Load())
		addCost(r, s.hashCostAfter(ctx, ready[0]))
	})
}

// readBody reads a body to its end through buf, hashing it when d is set.
func readBody(resp *http.Response, buf []byte, d *digests) (int64, error) {
	var n int64
	for {
		m, err := resp.Body.Read(buf)
		n += int64(m)
		if d != nil {
			d.Write(buf[:m])
		}
		if err != nil {
			if err == io.EOF {
				return n, nil
			}
			return n, err
		}
	}
}

// checkDownload compares the digests of received bytes with the
// Content-MD5 header, the image record and what the setup sent.
func checkDownload(header string, got, sentSums sums, rec image) []string {
	var bad []string
	if got.md5 != "" {
		switch {
		case header == "":
			bad = append(bad, "no Content-MD5 header")
		case !contentMD5Matches(header, got.md5):
			bad = append(bad, fmt.Sprintf("Content-MD5 %s, received bytes have md5 %s", header, got.md5))
		}
		if !strings.EqualFold(rec.Checksum, got.md5) {
			bad = append(bad, fmt.Sprintf("checksum %q, received bytes have md5 %s", rec.Checksum, got.md5))
		}
		if got.md5 != sentSums.md5 {
			bad = append(bad, "received bytes differ from uploaded bytes (md5)")
		}
	}
	if got.sha512 != "" {
		switch {
		case rec.HashAlgo != "sha512":
			bad = append(bad, fmt.Sprintf("os_hash_algo %q, want sha512", rec.HashAlgo))
		case !strings.EqualFold(rec.HashValue, got.sha512):
			bad = append(bad, fmt.Sprintf("os_hash_value %.16s..., received bytes have sha512 %.16s...", rec.HashValue, got.sha512))
		}
		if got.sha512 != sentSums.sha512 {
			bad = append(bad, "received bytes differ from uploaded bytes (sha512)")
		}
	}
	return bad
}
