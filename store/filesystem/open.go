package filesystem

import (
	"fmt"
	"io/fs"
	"strconv"

	"github.com/go-glance/glance/store"
)

// Glance's defaults for the options Open reads.
const (
	defaultDatadir   = "/var/lib/glance/images"
	defaultChunkSize = 64 << 10
)

func init() { store.Register("file", Open) }

// Open builds the store of type "file" from its section, with
// glance_store's option names: filesystem_store_datadir,
// filesystem_store_file_perm (octal, as Glance reads it),
// filesystem_store_chunk_size, filesystem_thin_provisioning, and
// filesystem_store_datadirs ("path:priority", repeated) instead of a set
// filesystem_store_datadir.
func Open(backendID string, opts store.Options) (store.Driver, error) {
	o := Options{Datadir: opts.String("filesystem_store_datadir", defaultDatadir), BackendID: backendID}
	for _, v := range opts.Strings("filesystem_store_datadirs") {
		d, err := ParseDatadir(v)
		if err != nil {
			return nil, err
		}
		o.Datadirs = append(o.Datadirs, d)
	}
	if _, set := opts["filesystem_store_datadir"]; len(o.Datadirs) > 0 && !set {
		o.Datadir = "" // the default gives way to the datadirs
	}
	if v := opts.String("filesystem_store_file_perm", "0"); v != "0" {
		perm, err := strconv.ParseUint(v, 8, 32)
		if err != nil {
			return nil, fmt.Errorf("option filesystem_store_file_perm: %q is not an octal mode", v)
		}
		o.FilePerm = fs.FileMode(perm)
	}
	var err error
	if o.ChunkSize, err = opts.Int("filesystem_store_chunk_size", defaultChunkSize); err != nil {
		return nil, err
	}
	if o.ThinProvisioning, err = opts.Bool("filesystem_thin_provisioning", false); err != nil {
		return nil, err
	}
	return New(o)
}
