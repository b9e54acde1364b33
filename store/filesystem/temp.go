package filesystem

import (
	"context"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tempPrefix starts the names of files being uploaded. The leading dot
// keeps them apart from image files: image ids never start with one, and
// path refuses such names, so a temporary file is never served.
const tempPrefix = ".upload-"

// tempSuffixLen is the length of the random end of a temporary name.
const tempSuffixLen = 8

// createTemp creates a new, empty temporary file for id in dir,
// creating dir if it is missing. The mode is 0666 less the
// umask, as Glance's files get.
func (s *Store) createTemp(dir, id string) (*os.File, error) {
	for {
		name := filepath.Join(dir, tempPrefix+id+"-"+rand.Text()[:tempSuffixLen])
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			continue
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
}

// tempsOf lists the paths of the temporary files of uploads of id in
// dir.
func tempsOf(dir, id string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, e := range entries {
		// createTemp's suffix has no dash, so "<id>-<suffix>" names id
		// alone, not an id that id begins.
		rest, ok := strings.CutPrefix(e.Name(), tempPrefix+id+"-")
		if ok && len(rest) == tempSuffixLen && !strings.Contains(rest, "-") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths, nil
}

// RemoveTemp removes temporary files that uploads left in the datadirs
// when the process died mid-upload, and returns their paths. Call it at
// startup. Only files last written more than olderThan ago go: a running
// upload keeps its file's modification time fresh, so when several
// processes share the datadir (over NFS, say) pass an age well beyond
// any stall of an upload, such as an hour; a process alone may pass 0.
// A missing datadir has nothing to remove. It returns the first error
// met, after trying every file.
func (s *Store) RemoveTemp(ctx context.Context, olderThan time.Duration) ([]string, error) {
	var removed []string
	var first error
	for _, d := range s.dirs {
		got, err := removeTemp(ctx, d.path, time.Now().Add(-olderThan))
		removed = append(removed, got...)
		if err != nil && first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return removed, first
}

func removeTemp(ctx context.Context, dir string, cutoff time.Time) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	var first error
	for _, e := range entries {
		if ctx.Err() != nil {
			return removed, ctx.Err()
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // its upload just finished or failed
		}
		if err == nil && info.ModTime().After(cutoff) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err == nil {
			err = os.Remove(p)
		}
		switch {
		case err == nil:
			removed = append(removed, p)
		case !errors.Is(err, fs.ErrNotExist) && first == nil:
			first = err
		}
	}
	return removed, first
}
