package filesystem

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/go-glance/glance/store"
)

// datadir is one directory of the store.
type datadir struct {
	path      string // absolute
	asWritten string
	priority  int
}

// datadirs resolves o's directories, highest priority first (in written
// order within a priority). It refuses none, both forms, an empty path,
// and a directory given twice with different priorities, as
// glance_store does.
func datadirs(o Options) ([]datadir, error) {
	switch {
	case len(o.Datadirs) > 0 && o.Datadir != "":
		return nil, fmt.Errorf("filesystem store: specify either filesystem_store_datadir or filesystem_store_datadirs")
	case len(o.Datadirs) == 0 && o.Datadir == "":
		return nil, fmt.Errorf("filesystem store: no datadir configured")
	case len(o.Datadirs) == 0:
		o.Datadirs = []Datadir{{Path: o.Datadir}}
	}
	var dirs []datadir
	for _, d := range o.Datadirs {
		if strings.TrimSpace(d.Path) == "" {
			return nil, fmt.Errorf("filesystem store: empty directory in filesystem_store_datadirs")
		}
		abs, err := filepath.Abs(d.Path)
		if err != nil {
			return nil, fmt.Errorf("filesystem store: datadir %s: %w", d.Path, err)
		}
		if i := slices.IndexFunc(dirs, func(x datadir) bool { return x.path == abs }); i >= 0 {
			if dirs[i].priority != d.Priority {
				return nil, fmt.Errorf("filesystem store: directory %s is given twice with different priorities", d.Path)
			}
			continue
		}
		dirs = append(dirs, datadir{path: abs, asWritten: d.Path, priority: d.Priority})
	}
	slices.SortStableFunc(dirs, func(a, b datadir) int { return b.priority - a.priority })
	return dirs, nil
}

// ParseDatadir reads one filesystem_store_datadirs value, "path" or
// "path:priority" (priority 0 when missing), as glance_store splits it
// at the last colon.
func ParseDatadir(v string) (Datadir, error) {
	path, prio, found := cutLast(v, ":")
	d := Datadir{Path: strings.TrimSpace(v)}
	if found {
		d.Path = strings.TrimSpace(path)
		if p := strings.TrimSpace(prio); p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return Datadir{}, fmt.Errorf("option filesystem_store_datadirs: invalid priority %q of %s", p, d.Path)
			}
			d.Priority = n
		}
	}
	if d.Path == "" {
		return Datadir{}, fmt.Errorf("option filesystem_store_datadirs: %q names no directory", v)
	}
	return d, nil
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// holds reports whether dir is one of the store's directories.
func (s *Store) holds(dir string) bool {
	return slices.ContainsFunc(s.dirs, func(d datadir) bool { return d.path == dir })
}

// pick returns the directory a new image of size bytes (-1 if unknown)
// goes to, by glance_store's rule: the first priority, highest first,
// with a directory that has room for it, and within that priority the
// directory with the most free space. A missing directory is created.
//
// Errors: ErrFull if no directory has room.
func (s *Store) pick(size int64) (string, error) {
	if len(s.dirs) == 1 {
		return s.dirs[0].path, nil
	}
	need := max(size, 0)
	for i := 0; i < len(s.dirs); {
		best, most := "", int64(0)
		j := i
		for ; j < len(s.dirs) && s.dirs[j].priority == s.dirs[i].priority; j++ {
			free, err := freeSpace(s.dirs[j].path)
			if errors.Is(err, fs.ErrNotExist) {
				if err = os.MkdirAll(s.dirs[j].path, 0o755); err == nil {
					free, err = freeSpace(s.dirs[j].path)
				}
			}
			if err != nil {
				return "", writeError(fmt.Errorf("datadir %s: %w", s.dirs[j].path, err))
			}
			if free >= need && free > most {
				best, most = s.dirs[j].path, free
			}
		}
		if best != "" {
			return best, nil
		}
		i = j
	}
	return "", fmt.Errorf("no datadir has %d bytes free: %w", need, store.ErrFull)
}
