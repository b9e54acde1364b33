package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
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
// older than staleAfter are removed.
func newStores(ctx context.Context, cfg *configs.Config, logger *slog.Logger, staleAfter time.Duration) (domain.Stores, []gateway.StoreInfo, error) {
	if !cfg.MultiStore() {
		typ := singleStoreType(cfg)
		d, err := store.Open(typ, "", cfg.Store.Options)
		if err != nil {
			return nil, nil, err
		}
		cleanup(ctx, typ, d, logger, staleAfter)
		backends := []*store.Backend{store.NewBackend(typ, d)}
		// Glance's single store reads http locations when stores lists
		// http, as it does by default.
		if typ != "http" && slices.Contains(cfg.Store.Stores, "http") {
			web, err := store.Open("http", "", cfg.Store.Options)
			if err != nil {
				return nil, nil, err
			}
			backends = append(backends, store.NewBackend("http", web))
		}
		reg, err := store.NewRegistry(backends, typ, false)
		return reg, nil, err
	}
	var backends []*store.Backend
	var infos []gateway.StoreInfo
	for _, b := range cfg.Backends {
		d, err := store.Open(b.Type, b.Name, b.Options)
		if errors.Is(err, store.ErrUnknownType) {
			logger.Warn("Store " + b.Name + " of type " + b.Type + " is not available in this version; skipping it")
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if c, ok := d.(store.Caveats); ok {
			for _, why := range c.Caveats() {
				logger.Warn("[" + b.Name + "] " + why)
			}
		}
		cleanup(ctx, b.Name, d, logger, staleAfter)
		backends = append(backends, store.NewBackend(b.Name, d))
		infos = append(infos, gateway.StoreInfo{
			ID: b.Name, Type: b.Type, Description: b.Options["store_description"],
			Default:    b.Name == cfg.Store.DefaultBackend,
			ReadOnly:   b.Type == "http",
			Properties: storeProperties(d),
		})
	}
	reg, err := store.NewRegistry(backends, cfg.Store.DefaultBackend, true)
	return reg, infos, err
}

// singleStoreType is the type of default_store when a driver serves it,
// else "file": configs warns that the setting is not acted on.
func singleStoreType(cfg *configs.Config) string {
	if slices.Contains(store.Types(), cfg.Store.DefaultStore) {
		return cfg.Store.DefaultStore
	}
	return "file"
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
