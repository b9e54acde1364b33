package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/gateway"
	"github.com/go-glance/glance/schemas"
	"github.com/go-glance/glance/store"
	_ "github.com/go-glance/glance/store/filesystem" // registers type "file"
	_ "github.com/go-glance/glance/store/http"       // registers type "http"
	_ "github.com/go-glance/glance/store/s3"         // registers type "s3"
	_ "github.com/go-glance/glance/store/swift"      // registers type "swift"
)

// newStores builds the backends from [glance_store] (single store) or
// enabled_backends (multi-store), and what /v2/info/stores shows of them.
// Each driver reads its own options from its section. Partial uploads
// older than staleAfter are removed. A store type this binary does not
// serve stops start-up: data kept there would be neither served nor
// ever deleted.
func newStores(ctx context.Context, cfg *configs.Config, logger *slog.Logger, staleAfter time.Duration) (domain.Stores, []gateway.StoreInfo, error) {
	if !cfg.MultiStore() {
		return singleStores(ctx, cfg, logger, staleAfter)
	}
	var backends []*store.Backend
	var infos []gateway.StoreInfo
	for _, b := range cfg.Backends {
		d, err := openStore(b.Type, b.Name, b.Options, "[DEFAULT] enabled_backends", logger)
		if err != nil {
			return nil, nil, err
		}
		cleanup(ctx, b.Name, d, logger, staleAfter)
		backends = append(backends, store.NewBackend(b.Name, d))
		infos = append(infos, gateway.StoreInfo{
			ID: b.Name, Type: b.Type, Description: b.Options["store_description"],
			Default:    b.Name == cfg.Store.DefaultBackend,
			ReadOnly:   b.Type == "http", // as Glance marks it
			Properties: storeProperties(d),
		})
	}
	reg, err := store.NewRegistry(backends, cfg.Store.DefaultBackend, true)
	return reg, infos, err
}

// singleStores opens each store of [glance_store] stores from the
// [glance_store] section; writes go to default_store's.
func singleStores(ctx context.Context, cfg *configs.Config, logger *slog.Logger, staleAfter time.Duration) (domain.Stores, []gateway.StoreInfo, error) {
	var backends []*store.Backend
	for _, typ := range cfg.SingleStoreTypes() {
		d, err := openStore(typ, "", cfg.Store.Options, "[glance_store] stores", logger)
		if err != nil {
			return nil, nil, err
		}
		cleanup(ctx, typ, d, logger, staleAfter)
		backends = append(backends, store.NewBackend(typ, d))
	}
	reg, err := store.NewRegistry(backends, cfg.DefaultStoreType(), false)
	return reg, nil, err
}

// openStore builds a store's driver and logs its caveats. For a type no
// driver of this binary serves, it says what to do about it.
func openStore(typ, name string, opts store.Options, listedIn string, logger *slog.Logger) (store.Driver, error) {
	d, err := store.Open(typ, name, opts)
	if errors.Is(err, store.ErrUnknownType) {
		if name == "" {
			name = typ
		}
		if typ == "rbd" {
			return nil, fmt.Errorf("store %s of type rbd is not served by this binary: build it with -tags ceph,pacific, or remove the store from %s", name, listedIn)
		}
		return nil, fmt.Errorf("store %s of type %s is not served by this version: remove it from %s", name, typ, listedIn)
	}
	if err != nil {
		return nil, err
	}
	if c, ok := d.(store.Caveats); ok {
		label := name
		if label == "" {
			label = "glance_store"
		}
		for _, why := range c.Caveats() {
			logger.Warn("[" + label + "] " + why)
		}
	}
	return d, nil
}

// storeProperties are what /v2/info/stores/detail shows of a driver.
func storeProperties(d store.Driver) schemas.Object {
	obj := schemas.Object{}
	if desc, ok := d.(store.Describer); ok {
		for _, p := range desc.Describe() {
			obj = append(obj, schemas.Field{Key: p.Key, Value: p.Value})
		}
	}
	return obj
}

// cleanup removes what a crashed upload left in a backend.
func cleanup(ctx context.Context, id string, d store.Driver, logger *slog.Logger, staleAfter time.Duration) {
	tr, ok := d.(store.TempRemover)
	if !ok {
		return
	}
	removed, err := tr.RemoveTemp(ctx, staleAfter)
	if err != nil {
		logger.Warn("Could not clean the image store " + id + ": " + err.Error())
	} else if len(removed) > 0 {
		logger.Info("Removed data of uploads interrupted by a restart", "store", id, "count", len(removed))
	}
}

// directURL is the direct_url of a location: the URL a driver that
// implements store.DirectURLer gives, else the location's own.
func directURL(stores domain.Stores) func(domain.Location) string {
	return func(loc domain.Location) string {
		st, err := stores.ForLocation(loc)
		if err != nil {
			return loc.URL
		}
		b, ok := st.(interface{ Driver() store.Driver })
		if !ok {
			return loc.URL
		}
		d, ok := b.Driver().(store.DirectURLer)
		if !ok {
			return loc.URL
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		u, err := d.DirectURL(ctx, loc.URL)
		if err != nil {
			return loc.URL
		}
		return u
	}
}
