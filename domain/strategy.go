package domain

import (
	"context"
	"slices"
	"strings"
	"time"
)

// LocationStrategy orders an image's locations, as Glance's
// location_strategy does when it loads an image: the order serves
// downloads (the first location that answers wins), direct_url and the
// positions of PATCH /locations/N.
type LocationStrategy struct {
	// StoreTypes is store_type_preference under location_strategy =
	// store_type: locations of these store types come first, in this
	// order, the others after them. Empty keeps the stored order
	// (location_order).
	StoreTypes []string
}

// storeTypeSchemes are the URL schemes of each store type, as Glance's
// store_type strategy maps them, plus s3's.
var storeTypeSchemes = map[string][]string{
	"file":   {"file", "filesystem"},
	"http":   {"http", "https"},
	"rbd":    {"rbd"},
	"swift":  {"swift", "swift+https", "swift+http"},
	"cinder": {"cinder"},
	"vmware": {"vsphere"},
	"s3":     {"s3", "s3+http", "s3+https"},
}

// rank is where loc goes: the index of its store type in StoreTypes,
// or after all of them.
func (st LocationStrategy) rank(loc Location) int {
	scheme, _, _ := strings.Cut(strings.TrimSpace(loc.URL), "://")
	for i, t := range st.StoreTypes {
		if slices.Contains(storeTypeSchemes[strings.TrimSpace(t)], scheme) {
			return i
		}
	}
	return len(st.StoreTypes)
}

// Order sorts locs in place, keeping the stored order within a rank.
func (st LocationStrategy) Order(locs []Location) {
	if len(st.StoreTypes) == 0 || len(locs) < 2 {
		return
	}
	slices.SortStableFunc(locs, func(a, b Location) int { return st.rank(a) - st.rank(b) })
}

// orderedRepo is an ImageRepo whose images have their locations in the
// strategy's order, whichever way they are loaded.
type orderedRepo struct {
	ImageRepo
	order LocationStrategy
}

func (r orderedRepo) Get(ctx context.Context, id string, v Viewer) (*Image, error) {
	img, err := r.ImageRepo.Get(ctx, id, v)
	if err == nil {
		r.order.Order(img.Locations)
	}
	return img, err
}

func (r orderedRepo) List(ctx context.Context, q ImageQuery) ([]*Image, error) {
	images, err := r.ImageRepo.List(ctx, q)
	for _, img := range images {
		r.order.Order(img.Locations)
	}
	return images, err
}

func (r orderedRepo) Update(ctx context.Context, id string, v Viewer, now time.Time, change func(*Image) error) (*Image, error) {
	return r.ImageRepo.Update(ctx, id, v, now, r.ordered(change))
}

func (r orderedRepo) UpdateLoaded(ctx context.Context, loaded *Image, now time.Time, change func(*Image) error) (*Image, error) {
	return r.ImageRepo.UpdateLoaded(ctx, loaded, now, r.ordered(change))
}

func (r orderedRepo) ordered(change func(*Image) error) func(*Image) error {
	return func(img *Image) error {
		r.order.Order(img.Locations)
		return change(img)
	}
}
