package s3

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/go-glance/glance/store"
)

// Glance's defaults for the options Open reads (sizes in MiB).
const (
	defaultLargeObjectSize      = 100
	defaultLargeObjectChunkSize = 10
	defaultThreadPools          = 10
	// minChunkSize is S3's smallest part but the last.
	minChunkSize = 5
)

func init() { store.Register("s3", Open) }

// Open builds the store of type "s3" from its section, with
// glance_store's option names: s3_store_host (with or without an
// http:// or https:// scheme; without one, http), s3_store_access_key,
// s3_store_secret_key, s3_store_bucket, s3_store_create_bucket_on_put,
// s3_store_bucket_url_format (auto, path or virtual),
// s3_store_large_object_size and s3_store_large_object_chunk_size (MiB),
// s3_store_thread_pools and s3_store_region_name.
func Open(backendID string, opts store.Options) (store.Driver, error) {
	o, err := parseOptions(backendID, opts)
	if err != nil {
		return nil, err
	}
	d, err := New(o)
	if err != nil {
		return nil, err
	}
	for _, c := range []struct{ name, why string }{
		{"s3_store_thread_pools", "parts go up one at a time"},
		{"s3_store_large_object_size", "data longer than one s3_store_large_object_chunk_size always goes up in parts"},
	} {
		if _, set := opts[c.name]; set {
			d.caveats = append(d.caveats, c.name+" is set but not acted on in this version: "+c.why)
		}
	}
	return d, nil
}

// Caveats implements store.Caveats.
func (d *Driver) Caveats() []string { return d.caveats }

func parseOptions(backendID string, opts store.Options) (Options, error) {
	o := Options{
		BackendID: backendID,
		AccessKey: opts.String("s3_store_access_key", ""),
		SecretKey: opts.String("s3_store_secret_key", ""),
		Bucket:    opts.String("s3_store_bucket", ""),
		Region:    opts.String("s3_store_region_name", ""),
		URLFormat: strings.ToLower(strings.TrimSpace(opts.String("s3_store_bucket_url_format", "auto"))),
	}
	for name, v := range map[string]string{"s3_store_host": opts.String("s3_store_host", ""),
		"s3_store_access_key": o.AccessKey, "s3_store_secret_key": o.SecretKey, "s3_store_bucket": o.Bucket} {
		if strings.TrimSpace(v) == "" {
			return Options{}, fmt.Errorf("option %s must be set", name)
		}
	}
	host := strings.TrimRight(strings.TrimSpace(opts.String("s3_store_host", "")), "/")
	switch {
	case strings.HasPrefix(host, "https://"):
		o.Secure, o.Host = true, strings.TrimPrefix(host, "https://")
	case strings.HasPrefix(host, "http://"):
		o.Host = strings.TrimPrefix(host, "http://")
	default:
		o.Host = host
	}
	if u, err := url.Parse("http://" + o.Host); err != nil || u.Host != o.Host || o.Host == "" {
		return Options{}, fmt.Errorf("option s3_store_host: %q is not a host[:port]", host)
	}
	switch o.URLFormat {
	case "auto", "path", "virtual":
	default:
		return Options{}, fmt.Errorf("option s3_store_bucket_url_format: %q is not auto, path or virtual", o.URLFormat)
	}
	var err error
	if o.CreateBucket, err = opts.Bool("s3_store_create_bucket_on_put", false); err != nil {
		return Options{}, err
	}
	large, err := opts.Int("s3_store_large_object_size", defaultLargeObjectSize)
	if err != nil {
		return Options{}, err
	}
	chunk, err := opts.Int("s3_store_large_object_chunk_size", defaultLargeObjectChunkSize)
	if err != nil {
		return Options{}, err
	}
	if large < 1 {
		return Options{}, fmt.Errorf("option s3_store_large_object_size: %d is less than 1 MiB", large)
	}
	if chunk < minChunkSize || chunk > 5<<10 {
		return Options{}, fmt.Errorf("option s3_store_large_object_chunk_size: %d is not between %d MiB and 5 GiB", chunk, minChunkSize)
	}
	o.LargeObjectSize, o.ChunkSize = large<<20, chunk<<20
	if o.ThreadPools, err = opts.Int("s3_store_thread_pools", defaultThreadPools); err != nil {
		return Options{}, err
	}
	if o.ThreadPools < 1 {
		return Options{}, fmt.Errorf("option s3_store_thread_pools: %d is less than 1", o.ThreadPools)
	}
	return o, nil
}
