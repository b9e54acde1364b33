package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// list creates n images with properties and tags (timed, c creators), then
// times c workers getting one big page for d, then one client walking the
// whole listing page by page, following next, for d.
func (s *session) list(ctx context.Context) error {
	cfg := s.cfg
	s.phase("list", fmt.Sprintf("list.create n=%d c=%d", cfg.n, cfg.c), func() tally {
		_, t := s.createImages(ctx, cfg.n, cfg.c, s.listImage)
		return t
	}, nil)
	if err := ctx.Err(); err != nil {
		return err
	}

	path := "/v2/images?limit=" + strconv.Itoa(cfg.limit)
	s.phase("list", fmt.Sprintf("list.limit%d n=%d c=%d", cfg.limit, cfg.n, cfg.c), func() tally {
		reqs := make([]*http.Request, cfg.c)
		for w := range reqs {
			reqs[w] = s.api.newRequest(ctx, http.MethodGet, path, "", nil)
			reqs[w].Header.Set("Accept", jsonType)
		}
		return runFor(ctx, cfg.c, cfg.d, func(w, _ int, t *tally) {
			start := time.Now()
			n, err := s.api.roundTrip(reqs[w], nil)
			t.add(start, time.Now(), err, n)
		})
	}, func(r *Result) { r.MBs = 0 }) // the body bytes are kept, the rate is not a data rate
	if err := ctx.Err(); err != nil {
		return err
	}

	var walk pageWalk
	s.phase("list", fmt.Sprintf("list.paginate n=%d page=%d", cfg.n, cfg.page), func() tally {
		return walk.run(ctx, s.api, cfg.page, cfg.d)
	}, func(r *Result) {
		r.MBs = 0
		r.Listings = float64(walk.listings)
		r.Items = float64(walk.items)
	})
	return ctx.Err()
}

func (s *session) listImage(i int) map[string]any {
	return map[string]any{
		"name":              fmt.Sprintf("glance-load-list-%s-%d", s.tag, i),
		"disk_format":       "raw",
		"container_format":  "bare",
		"tags":              []string{"glance-load", "list", "i" + strconv.Itoa(i%10)},
		"glance_load_run":   s.tag,
		"glance_load_index": strconv.Itoa(i),
		"glance_load_group": "g" + strconv.Itoa(i%8),
	}
}

// pageWalk lists all images page by page, as clients do, until d passes.
type pageWalk struct {
	listings int // complete listings
	items    int // images in the first complete listing
}

type imagePage struct {
	Images []struct {
		ID string `json:"id"`
	} `json:"images"`
	Next string `json:"next"`
}

func (p *pageWalk) run(ctx context.Context, a *api, limit int, d time.Duration) tally {
	var t tally
	deadline := time.Now().Add(d)
	first := "/v2/images?limit=" + strconv.Itoa(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		seen := 0
		next := first
		for next != "" && ctx.Err() == nil && time.Now().Before(deadline) {
			var page imagePage
			start := time.Now()
			err := a.doJSON(ctx, http.MethodGet, next, "", nil, &page)
			if err == nil && page.Next == next {
				err = fmt.Errorf("GET %s: next points to the same page", next)
			}
			t.add(start, time.Now(), err, 0)
			if err != nil {
				break
			}
			seen += len(page.Images)
			next = page.Next
			if u, err := url.Parse(next); err == nil && u.IsAbs() {
				next = u.RequestURI() // the endpoint is ours, whatever host the server names
			}
			if next == "" {
				if p.listings == 0 {
					p.items = seen
				}
				p.listings++
			}
		}
	}
	return t
}
