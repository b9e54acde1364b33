//go:build ceph

// Package rbd stores image data in Ceph RBD images, laid out as
// glance_store's rbd driver lays them out, so that Nova and Cinder clone
// from them: one RBD image per Glance image, named by the image id, in
// one pool; once written, a protected snapshot "snap" of it, and the
// location rbd://<cluster fsid>/<pool>/<image>/snap.
//
// It needs librados and librbd, so it is built only with the build tag
// "ceph" (and go-ceph's tag for the Ceph release, "pacific" on Debian
// 12): go build -tags ceph,pacific ./cmd/glance.
package rbd

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/ceph/go-ceph/rbd"

	"github.com/go-glance/glance/store"
)

// Glance's defaults, and the bounds this driver puts on waits Glance
// leaves to librados (which waits 5 minutes for a monitor and forever
// for an OSD).
const (
	defaultPool      = "images"
	defaultChunkSize = 8 // MiB
	snapName         = "snap"
	// defaultConnectTimeout bounds connecting and each monitor request
	// when rados_connect_timeout is 0.
	defaultConnectTimeout = 30 * time.Second
	// defaultOpTimeout bounds each OSD request when ceph.conf does not.
	defaultOpTimeout = 60 * time.Second
	// minOrder and maxOrder bound RBD's object size (4 KiB to 32 MiB).
	minOrder, maxOrder = 12, 25
	// maxReadUnit caps the bytes a download asks for at once.
	maxReadUnit = 8 << 20
)

func init() { store.Register("rbd", Open) }

// Options configures a Driver.
type Options struct {
	// BackendID is the enabled_backends key, recorded as the "store"
	// metadata of locations; "" for the single store.
	BackendID string
	// Pool is the RADOS pool of the images (rbd_store_pool).
	Pool string
	// User is the Ceph user id without "client." (rbd_store_user); ""
	// lets librados choose (client.admin).
	User string
	// ConfFile is the ceph.conf (rbd_store_ceph_conf); "" lets librados
	// search its default places ($CEPH_CONF, /etc/ceph/ceph.conf...).
	ConfFile string
	// ChunkSize is the bytes written at once (rbd_store_chunk_size); the
	// image's objects are the largest power of two not above it.
	ChunkSize int64
	// ThinProvisioning skips writing chunks that are all zeros
	// (rbd_thin_provisioning).
	ThinProvisioning bool
	// ConnectTimeout bounds connecting and each monitor request
	// (rados_connect_timeout); 0 means defaultConnectTimeout.
	ConnectTimeout time.Duration
}

// Driver is the rbd store. It keeps one RADOS connection, made on first
// use and made again after a failed attempt, and opens an I/O context
// per operation. It is safe for concurrent use.
type Driver struct {
	o     Options
	order int

	mu     sync.Mutex
	conn   *rados.Conn
	fsid   string
	closed bool
	active sync.WaitGroup // operations holding an I/O context

	handles handles
}

var (
	_ store.Driver      = (*Driver)(nil)
	_ store.Owner       = (*Driver)(nil)
	_ store.Discarder   = (*Driver)(nil)
	_ store.DirectURLer = (*Driver)(nil)
	_ store.Describer   = (*Driver)(nil)
)

// Open builds the store of type "rbd" from its section, with
// glance_store's option names: rbd_store_pool, rbd_store_user,
// rbd_store_ceph_conf, rbd_store_chunk_size (MiB),
// rbd_thin_provisioning and rados_connect_timeout (seconds). It does not
// connect: the first operation does.
func Open(backendID string, opts store.Options) (store.Driver, error) {
	chunk, err := opts.Int("rbd_store_chunk_size", defaultChunkSize)
	if err != nil {
		return nil, err
	}
	if chunk < 1 || chunk > 1<<(maxOrder-20) {
		return nil, fmt.Errorf("option rbd_store_chunk_size: %d is not between 1 and %d MiB", chunk, 1<<(maxOrder-20))
	}
	thin, err := opts.Bool("rbd_thin_provisioning", false)
	if err != nil {
		return nil, err
	}
	timeout, err := opts.Int("rados_connect_timeout", 0)
	if err != nil {
		return nil, err
	}
	return New(Options{
		BackendID:        backendID,
		Pool:             strings.TrimSpace(opts.String("rbd_store_pool", defaultPool)),
		User:             strings.TrimSpace(opts.String("rbd_store_user", "")),
		ConfFile:         strings.TrimSpace(opts.String("rbd_store_ceph_conf", "")),
		ChunkSize:        chunk << 20,
		ThinProvisioning: thin,
		ConnectTimeout:   time.Duration(max(timeout, 0)) * time.Second,
	})
}

// New returns the driver for o. It returns an error for an empty pool
// or a chunk size RBD cannot make objects of.
func New(o Options) (*Driver, error) {
	if o.Pool == "" {
		return nil, fmt.Errorf("option rbd_store_pool must not be empty")
	}
	if o.ChunkSize <= 0 {
		return nil, fmt.Errorf("option rbd_store_chunk_size must be positive")
	}
	// Glance floors the logarithm: a chunk size that is no power of two
	// makes objects of the power below it.
	order := bits.Len64(uint64(o.ChunkSize)) - 1
	if order < minOrder || order > maxOrder {
		return nil, fmt.Errorf("option rbd_store_chunk_size: objects of 2^%d bytes are outside RBD's 2^%d to 2^%d", order, minOrder, maxOrder)
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = defaultConnectTimeout
	}
	return &Driver{o: o, order: order}, nil
}

// Describe shows what Glance's /v2/info/stores/detail shows of an rbd
// store: the chunk size in bytes, the pool and thin provisioning.
func (d *Driver) Describe() []store.Property {
	return []store.Property{
		{Key: "chunk_size", Value: d.o.ChunkSize},
		{Key: "pool", Value: d.o.Pool},
		{Key: "thin_provisioning", Value: d.o.ThinProvisioning},
	}
}

// connect returns the driver's connection and the cluster's fsid,
// connecting first if no attempt has succeeded yet. Connecting waits at
// most the connect timeout. Errors: ErrUnavailable, ErrForbidden.
func (d *Driver) connect() (*rados.Conn, string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, "", fmt.Errorf("rbd: the driver is closed: %w", store.ErrUnavailable)
	}
	if d.conn != nil {
		return d.conn, d.fsid, nil
	}
	conn, fsid, err := d.dial()
	if err != nil {
		return nil, "", err
	}
	d.conn, d.fsid = conn, fsid
	return conn, fsid, nil
}

func (d *Driver) dial() (*rados.Conn, string, error) {
	var conn *rados.Conn
	var err error
	if d.o.User != "" {
		conn, err = rados.NewConnWithUser(d.o.User)
	} else {
		conn, err = rados.NewConn()
	}
	if err != nil {
		return nil, "", fmt.Errorf("rbd: making a RADOS client: %w: %w", store.ErrUnavailable, err)
	}
	if d.o.ConfFile != "" {
		err = conn.ReadConfigFile(d.o.ConfFile)
	} else {
		err = conn.ReadDefaultConfigFile()
	}
	if err != nil {
		conn.Shutdown()
		return nil, "", fmt.Errorf("rbd: reading the Ceph configuration %q: %w: %w", d.o.ConfFile, store.ErrUnavailable, err)
	}
	if err := d.bound(conn); err != nil {
		conn.Shutdown()
		return nil, "", fmt.Errorf("rbd: setting timeouts: %w: %w", store.ErrUnavailable, err)
	}
	if err := conn.Connect(); err != nil {
		conn.Shutdown()
		return nil, "", fmt.Errorf("rbd: connecting to the Ceph cluster: %w", classify(err, store.ErrUnavailable))
	}
	fsid, err := conn.GetFSID()
	if err != nil {
		conn.Shutdown()
		return nil, "", fmt.Errorf("rbd: reading the cluster's fsid: %w: %w", store.ErrUnavailable, err)
	}
	return conn, fsid, nil
}

// bound sets librados's timeouts so that no wait on a dead cluster
// outlasts them: the connect timeout for connecting and for each
// monitor request, and an OSD request timeout where ceph.conf sets
// none or a longer one.
func (d *Driver) bound(conn *rados.Conn) error {
	for _, t := range []struct {
		name  string
		limit time.Duration
	}{
		{"client_mount_timeout", d.o.ConnectTimeout},
		{"rados_mon_op_timeout", d.o.ConnectTimeout},
		{"rados_osd_op_timeout", defaultOpTimeout},
	} {
		cur, err := conn.GetConfigOption(t.name)
		if err != nil {
			return err
		}
		secs, err := strconv.ParseFloat(strings.TrimSpace(cur), 64)
		if t.name == "rados_osd_op_timeout" && err == nil && secs > 0 && secs <= t.limit.Seconds() {
			continue
		}
		if err := conn.SetConfigOption(t.name, strconv.FormatFloat(t.limit.Seconds(), 'f', -1, 64)); err != nil {
			return err
		}
	}
	return nil
}

// ioctx opens an I/O context on pool, for the caller to give back
// with release. Errors: ErrUnavailable, and missing for a pool that
// does not exist.
func (d *Driver) ioctx(pool string, missing error) (*rados.IOContext, string, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, "", fmt.Errorf("rbd: the driver is closed: %w", store.ErrUnavailable)
	}
	d.active.Add(1)
	d.mu.Unlock()
	conn, fsid, err := d.connect()
	if err != nil {
		d.active.Done()
		return nil, "", err
	}
	ioctx, err := conn.OpenIOContext(pool)
	if err != nil {
		d.active.Done()
		return nil, "", fmt.Errorf("rbd: opening pool %s: %w", pool, classify(err, missing))
	}
	return ioctx, fsid, nil
}

// release gives back an I/O context ioctx returned.
func (d *Driver) release(ioctx *rados.IOContext) {
	ioctx.Destroy()
	d.active.Done()
}

// Close waits for the operations under way, readers included, to end
// and shuts the connection down; later operations fail. The server
// never calls it: a driver lives as long as the process.
func (d *Driver) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.active.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil {
		d.conn.Shutdown()
		d.conn = nil
	}
	return nil
}

// locate parses url and checks it names this cluster. Errors:
// ErrNotFound for another scheme or cluster; ErrInvalid; those of
// connect.
func (d *Driver) locate(url string) (location, error) {
	loc, err := parseLocation(url)
	if err != nil {
		return location{}, err
	}
	if err := checkName(loc.image); err != nil {
		return location{}, fmt.Errorf("rbd URL %q: %w", url, store.ErrInvalid)
	}
	if loc.fsid == "" {
		loc.pool = d.o.Pool
		return loc, nil
	}
	_, fsid, err := d.connect()
	if err != nil {
		return location{}, err
	}
	if loc.fsid != fsid {
		return location{}, fmt.Errorf("rbd URL %q names cluster %s, not %s: %w", url, loc.fsid, fsid, store.ErrNotFound)
	}
	return loc, nil
}

// Owns reports whether url is an rbd:// URL of this cluster and pool,
// or of Glance's old form rbd://<image>, which names no cluster.
func (d *Driver) Owns(url string) bool {
	loc, err := parseLocation(url)
	if err != nil {
		return false
	}
	if loc.fsid == "" {
		return true
	}
	_, fsid, err := d.connect()
	return err == nil && loc.fsid == fsid && loc.pool == d.o.Pool
}

// location is where Put stores image id.
func (d *Driver) location(fsid, id string) location {
	return location{fsid: fsid, pool: d.o.Pool, image: id, snapshot: snapName}
}

// features are those Glance gives new images: the cluster's
// rbd_default_features, or layering alone where that is unset or 0.
func (d *Driver) features(conn *rados.Conn) uint64 {
	v, err := conn.GetConfigOption("rbd_default_features")
	if err == nil {
		if f, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64); err == nil && f != 0 {
			return f
		}
	}
	return rbd.FeatureLayering
}
