package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/dal"
	"github.com/google/uuid"
)

// checkCatalogue logs an ERROR when the database holds no image at all
// while a filesystem store already holds image data: the usual sign of a
// mistyped [database] connection, which would otherwise show up only as
// images that vanished. It costs one query, and a directory read only
// when the catalogue is empty.
func checkCatalogue(ctx context.Context, cfg *configs.Config, db *dal.DB, logger *slog.Logger) {
	has, err := db.HasImages(ctx)
	if err != nil || has {
		return
	}
	for _, dir := range datadirs(cfg) {
		if name := firstImageFile(dir); name != "" {
			logger.Error("The image database " + db.Where() + " holds no images, but the store directory " + dir +
				" holds image data (for example " + name + "): check [database] connection")
			return
		}
	}
}

// datadirs lists the directories of the filesystem stores in use.
func datadirs(cfg *configs.Config) []string {
	if !cfg.MultiStore() {
		return []string{cfg.Store.FilesystemStoreDatadir}
	}
	var dirs []string
	for _, b := range cfg.Backends {
		if b.Type == "file" {
			dirs = append(dirs, b.DataDir)
		}
	}
	return dirs
}

// firstImageFile returns the name of a regular file in dir named like an
// image id, or "" when there is none. It reads the directory in batches
// and stops at the first match.
func firstImageFile(dir string) string {
	f, err := os.Open(dir)
	if err != nil {
		return ""
	}
	defer f.Close()
	for {
		entries, err := f.ReadDir(256)
		for _, e := range entries {
			if e.Type().IsRegular() && uuid.Validate(e.Name()) == nil && len(e.Name()) == 36 {
				return filepath.Join(dir, e.Name())
			}
		}
		if err != nil {
			return ""
		}
	}
}
