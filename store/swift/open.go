package swift

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-glance/glance/store"
)

// Glance's defaults for the options Open reads.
const (
	defaultContainer       = "glance"
	defaultLargeObjectSize = 5 * 1024 // MiB
	defaultChunkSize       = 200      // MiB
	mib                    = 1 << 20
)

func init() { store.Register("swift", Open) }

// Open builds the store of type "swift" from its section, with
// glance_store's option names: swift_store_auth_address,
// swift_store_auth_version (1, tempauth-style, or 3, Keystone with the
// users and projects of domain "default"), swift_store_user
// (account:user, or project:user for Keystone), swift_store_region and
// swift_store_endpoint_type (for the catalog's object-store endpoint),
// swift_store_key, swift_store_container,
// swift_store_create_container_on_put, swift_store_large_object_size and
// swift_store_large_object_chunk_size (MiB). A swift references file
// (swift_store_config_file), auth version 2 and the multi-tenant mode
// are refused rather than ignored, as data would go elsewhere than the
// operator meant.
func Open(backendID string, opts store.Options) (store.Driver, error) {
	if opts.String("swift_store_config_file", "") != "" {
		return nil, errors.New("swift_store_config_file is not supported: set swift_store_auth_address, swift_store_user and swift_store_key in the store's section")
	}
	if mt, err := opts.Bool("swift_store_multi_tenant", false); err != nil {
		return nil, err
	} else if mt {
		return nil, errors.New("swift_store_multi_tenant is not supported")
	}
	o := Options{}
	switch v := strings.TrimSpace(opts.String("swift_store_auth_version", "1")); v {
	case "1":
		o.AuthVersion = 1
	case "3":
		o.AuthVersion = 3
	default:
		return nil, fmt.Errorf("option swift_store_auth_version: %q is not supported: only 1 (tempauth-style) and 3 (Keystone) are", v)
	}
	switch v := opts.String("swift_store_endpoint_type", "publicURL"); v {
	case "publicURL", "public":
		o.Interface = "public"
	case "internalURL", "internal":
		o.Interface = "internal"
	case "adminURL", "admin":
		o.Interface = "admin"
	default:
		return nil, fmt.Errorf("option swift_store_endpoint_type: %q is not one of publicURL, internalURL, adminURL", v)
	}
	o.Region = opts.String("swift_store_region", "")
	o = Options{
		AuthVersion: o.AuthVersion, Interface: o.Interface, Region: o.Region,
		AuthAddress: opts.String("swift_store_auth_address", ""),
		User:        opts.String("swift_store_user", ""),
		Key:         opts.String("swift_store_key", ""),
		Container:   opts.String("swift_store_container", defaultContainer),
		BackendID:   backendID,
	}
	var err error
	if o.CreateContainer, err = opts.Bool("swift_store_create_container_on_put", false); err != nil {
		return nil, err
	}
	if o.LargeObjectSize, err = opts.Int("swift_store_large_object_size", defaultLargeObjectSize); err != nil {
		return nil, err
	}
	if o.ChunkSize, err = opts.Int("swift_store_large_object_chunk_size", defaultChunkSize); err != nil {
		return nil, err
	}
	o.LargeObjectSize *= mib
	o.ChunkSize *= mib
	return New(o)
}
