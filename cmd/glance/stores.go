package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/gateway"
	"github.com/go-glance/glance/schemas"
	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/filesystem"
)

// newStores builds the backends from [glance_store] (single store) or
// enabled_backends (multi-store), and what /v2/info/stores shows of them.
// Partial uploads older than staleAfter are removed from the datadirs.
func newStores(ctx context.Context, cfg *configs.Config, logger *slog.Logger, staleAfter time.Duration) (domain.Stores, []gateway.StoreInfo, error) {
	if !cfg.MultiStore() {
		fs, err := filesystem.New(filesystem.Options{Datadir: cfg.Store.FilesystemStoreDatadir})
		if err != nil {
			return nil, nil, err
		}
		cleanup(ctx, fs, logger, staleAfter)
		reg, err := store.NewRegistry([]store.Backend{{ID: "file", Driver: fs}}, "file", false)
		return reg, nil, err
	}
	var backends []store.Backend
	var infos []gateway.StoreInfo
	for _, b := range cfg.Backends {
		if b.Type != "file" {
			logger.Warn("Store " + b.Name + " of type " + b.Type + " is not available in this version; skipping it")
			continue
		}
		fs, err := filesystem.New(filesystem.Options{Datadir: b.DataDir, BackendID: b.Name})
		if err != nil {
			return nil, nil, err
		}
		cleanup(ctx, fs, logger, staleAfter)
		backends = append(backends, store.Backend{ID: b.Name, Driver: fs})
		infos = append(infos, gateway.StoreInfo{
			ID: b.Name, Type: "file", Description: b.Options["store_description"],
			Default: b.Name == cfg.Store.DefaultBackend,
			Properties: schemas.Object{
				{Key: "data_dir", Value: b.DataDir},
				{Key: "chunk_size", Value: b.ChunkSize},
				{Key: "thin_provisioning", Value: false},
			},
		})
	}
	reg, err := store.NewRegistry(backends, cfg.Store.DefaultBackend, true)
	return reg, infos, err
}

// cleanup removes what a crashed upload left in a filesystem store.
func cleanup(_ context.Context, fs *filesystem.Store, logger *slog.Logger, staleAfter time.Duration) {
	removed, err := fs.RemoveTemp(staleAfter)
	if err != nil {
		logger.Warn("Could not clean the image store: " + err.Error())
	} else if len(removed) > 0 {
		logger.Info("Removed data of uploads interrupted by a restart", "count", len(removed))
	}
}
