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
// filesystem_store_chunk_size and filesystem_thin_provisioning.
// filesystem_store_datadirs (several directories with priorities) is
// refused rather than ignored, as data would go elsewhere than the
// operator meant.
func Open(backendID string, opts store.Options) (store.Driver, error) {
	if len(opts.List("filesystem_store_datadirs")) > 0 {
		return nil, fmt.Errorf("filesystem_store_datadirs is not supported: configure one filesystem_store_datadir per backend")
	}
	o := Options{Datadir: opts.String("filesystem_store_datadir", defaultDatadir), BackendID: backendID}
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
