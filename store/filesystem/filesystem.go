// Package filesystem is the store driver that keeps image data as files
// in one directory, or several with priorities, laid out as Glance's
// filesystem store does: the data of image ID is the file <datadir>/<ID>
// and its location URL is file://<datadir>/<ID>. Glance and this service
// can share a datadir.
package filesystem

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-glance/glance/store"
)

// Options configure a Store, from the [glance_store] (or per-backend)
// section of glance-api.conf.
type Options struct {
	// Datadir is filesystem_store_datadir. A relative path is taken
	// relative to the working directory at New.
	Datadir string
	// Datadirs is filesystem_store_datadirs, used instead of Datadir
	// when set: new images go to the directory of highest priority with
	// room for them; all of them are read.
	Datadirs []Datadir
	// BackendID is the enabled_backends key of this store, recorded as
	// the "store" metadata of its locations; "" in single-store mode.
	BackendID string
	// FilePerm is filesystem_store_file_perm: the mode given to image
	// files once written (so that, say, nova's group may read them). Zero
	// leaves the mode the umask gives.
	FilePerm fs.FileMode
	// ChunkSize is filesystem_store_chunk_size, shown in
	// /v2/info/stores/detail; the store picks its own buffer sizes.
	ChunkSize int64
	// ThinProvisioning is filesystem_thin_provisioning, shown in
	// /v2/info/stores/detail; the store writes every byte.
	ThinProvisioning bool
}

// Datadir is one directory of filesystem_store_datadirs.
type Datadir struct {
	Path     string
	Priority int
}

// Store is the filesystem driver. It is safe for concurrent use.
type Store struct {
	dirs      []datadir // by priority, highest first
	asWritten string    // the datadir as configured, as Glance shows it
	backendID string
	perm      fs.FileMode
	chunkSize int64
	thin      bool
	commitMu  sync.Mutex // see commit
}

var (
	_ store.Driver      = (*Store)(nil)
	_ store.Owner       = (*Store)(nil)
	_ store.Discarder   = (*Store)(nil)
	_ store.TempRemover = (*Store)(nil)
	_ store.Describer   = (*Store)(nil)
)

// New returns the driver for o. It does not touch the disk: Put creates
// the datadir when it first writes. It returns an error if Datadir is
// empty or FilePerm would keep the service from reading its own files.
func New(o Options) (*Store, error) {
	if o.FilePerm != 0 && o.FilePerm&0o400 == 0 {
		return nil, fmt.Errorf("filesystem store: file permission %o does not let the owner read", o.FilePerm)
	}
	dirs, err := datadirs(o)
	if err != nil {
		return nil, err
	}
	s := &Store{dirs: dirs, backendID: o.BackendID, perm: o.FilePerm.Perm(), chunkSize: o.ChunkSize, thin: o.ThinProvisioning}
	s.asWritten = o.Datadir
	if len(o.Datadirs) > 0 {
		s.asWritten = dirs[0].asWritten
	}
	return s, nil
}

// Datadir is the absolute directory the store keeps its files in, the
// one of highest priority when there are several.
func (s *Store) Datadir() string { return s.dirs[0].path }

// Describe shows the datadir and options as Glance's
// /v2/info/stores/detail does. Of several datadirs it shows the one of
// highest priority (Glance has no single datadir to show then).
func (s *Store) Describe() []store.Property {
	return []store.Property{
		{Key: "data_dir", Value: s.asWritten},
		{Key: "chunk_size", Value: s.chunkSize},
		{Key: "thin_provisioning", Value: s.thin},
	}
}

// Owns reports whether url is a file URL inside this store's datadir.
func (s *Store) Owns(url string) bool {
	_, err := s.path(url)
	return err == nil
}

// url is the location URL of image id in dir, as Glance writes it.
func url(dir, id string) string { return "file://" + filepath.Join(dir, id) }

func (s *Store) metadata() map[string]any {
	if s.backendID == "" {
		return map[string]any{}
	}
	return map[string]any{"store": s.backendID}
}

// path maps a location URL to the file it names. Only plain files
// directly in the datadir qualify, so that a URL read from the database
// can never make the service read or delete another file.
//
// It returns ErrInvalid for a file URL without a path, ErrNotFound for
// any other scheme or a path outside the datadir.
func (s *Store) path(url string) (string, error) {
	// Parsed as Glance does (netloc and path joined, nothing unescaped),
	// so URLs Glance wrote name the same files.
	rest, ok := strings.CutPrefix(url, "file://")
	if !ok {
		rest, ok = strings.CutPrefix(url, "filesystem://")
	}
	if !ok {
		return "", notFound(url)
	}
	p := strings.TrimSpace(rest)
	if p == "" {
		return "", fmt.Errorf("URL %s without a path: %w", url, store.ErrInvalid)
	}
	if !filepath.IsAbs(p) || strings.ContainsAny(p, "?#\x00") {
		return "", notFound(url)
	}
	p = filepath.Clean(p)
	if !s.holds(filepath.Dir(p)) || checkName(filepath.Base(p)) != nil {
		return "", notFound(url)
	}
	return p, nil
}

// checkName refuses ids that are not plain names in the datadir, and
// names of temporary files.
func checkName(id string) error {
	if id == "" || id == "." || id == ".." || strings.HasPrefix(id, ".") || strings.ContainsAny(id, "/\x00") {
		return fmt.Errorf("image id %q is not a file name: %w", id, store.ErrInvalid)
	}
	return nil
}
