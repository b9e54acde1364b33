// Package swift stores image data in OpenStack Swift, as glance_store's
// Swift driver does, through the github.com/ncw/swift client: one object
// per image in the configured container, named by the image id; data of
// unknown size, or of a known size at or above the large-object
// threshold, is written as segments named <id>-<upload>-NNNNN in the same
// container, joined by a Dynamic Large Object manifest (X-Object-Manifest)
// named by the id. Location URLs are Glance's: they carry the credentials
// (swift+http://account%3Auser:key@host/auth/v1.0/container/id), or name
// an account of a references file (swift+config://ref1/container/id).
// Authentication is tempauth's (v1) or Keystone's (v3, a password login
// scoped to a project, the storage URL taken from the catalog); the
// client logs in again when the token expires or is refused.
package swift

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ncw/swift/v2"

	"github.com/go-glance/glance/store"
)

// Account is where and as whom the store logs in to Swift.
type Account struct {
	// AuthAddress is the tempauth login URL (http://host:8080/auth/v1.0)
	// or, with AuthVersion 3, Keystone's (http://host:5000/v3; /v3 is
	// added when missing).
	AuthAddress string
	// AuthVersion is 1 (tempauth-style, the default) or 3 (Keystone).
	AuthVersion int
	// User is account:user for v1, project:user for v3; Key its key or
	// password.
	User, Key string
	// The domains of a v3 login, by id or name ("default" by id when
	// neither is set).
	UserDomainID, UserDomainName, ProjectDomainID, ProjectDomainName string
}

// Options configures a Swift store.
type Options struct {
	// AuthAddress, AuthVersion, User, Key and the domains are those of
	// the account the store writes with: see Account.
	AuthAddress                                                      string
	AuthVersion                                                      int
	User, Key                                                        string
	UserDomainID, UserDomainName, ProjectDomainID, ProjectDomainName string
	// Reference, when set, is the name of that account in a references
	// file: location URLs then name it (swift+config://Reference/...)
	// rather than carry the credentials.
	Reference string
	// References are the other accounts of the references file by name,
	// for reading and deleting data recorded with them.
	References map[string]Account
	// Region and Interface pick the object-store endpoint of a v3
	// catalog (any region; "public" if empty). Endpoint, when set, is
	// the storage URL used instead of the one the login returns.
	Region, Interface, Endpoint string
	// Container holds the images and their segments.
	Container string
	// CreateContainer creates Container on the first Put if missing.
	CreateContainer bool
	// LargeObjectSize: data of a known size at or above it is segmented
	// (bytes).
	LargeObjectSize int64
	// ChunkSize is the size of a segment (bytes).
	ChunkSize int64
	// RetryGetCount is how many times a read broken off is resumed from
	// where it stopped.
	RetryGetCount int
	// BackendID is recorded as the "store" metadata of locations.
	BackendID string
	// TLS configures https connections (Glance's
	// swift_store_auth_insecure and swift_store_cacert); nil for Go's
	// defaults.
	TLS *tls.Config
	// ConnectTimeout bounds connecting to Swift or Keystone and waiting
	// for the headers of an answer; IdleTimeout bounds a transfer that
	// stalls. Defaults: 10 s and 60 s.
	ConnectTimeout, IdleTimeout time.Duration
	// Transport sends the requests; one with the timeouts and TLS above
	// if nil.
	Transport http.RoundTripper
}

const (
	defaultConnectTimeout = 10 * time.Second
	defaultIdleTimeout    = 60 * time.Second
	// putGrace is how long a PUT whose context ended may wait for
	// Swift's answer.
	putGrace = 30 * time.Second
)

// Driver is a Swift store.
type Driver struct {
	o        Options
	def      *account            // the account Put writes with
	accounts map[string]*account // by reference name, def included
	caveats  []string

	mu        sync.Mutex
	container bool // the container is known to exist
	puts      map[string]*idLock
}

var (
	_ store.Driver    = (*Driver)(nil)
	_ store.Owner     = (*Driver)(nil)
	_ store.Discarder = (*Driver)(nil)
	_ store.Describer = (*Driver)(nil)
	_ store.Caveats   = (*Driver)(nil)
)

// New checks o and returns the driver; it does not contact Swift.
func New(o Options) (*Driver, error) {
	if o.Container == "" || strings.Contains(o.Container, "/") {
		return nil, fmt.Errorf("option swift_store_container: %q is not a container name", o.Container)
	}
	if o.ChunkSize <= 0 || o.LargeObjectSize <= 0 {
		return nil, errors.New("options swift_store_large_object_size and swift_store_large_object_chunk_size must be positive")
	}
	if o.RetryGetCount < 0 {
		return nil, fmt.Errorf("option swift_store_retry_get_count: %d is negative", o.RetryGetCount)
	}
	if o.Endpoint != "" {
		if u, err := url.Parse(o.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("option swift_store_endpoint: %q is not an http(s) URL", o.Endpoint)
		}
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = defaultConnectTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = defaultIdleTimeout
	}
	if o.Transport == nil {
		o.Transport = newTransport(o)
	}
	d := &Driver{o: o, accounts: map[string]*account{}}
	var err error
	d.def, err = d.newAccount(Account{
		AuthAddress: o.AuthAddress, AuthVersion: o.AuthVersion, User: o.User, Key: o.Key,
		UserDomainID: o.UserDomainID, UserDomainName: o.UserDomainName,
		ProjectDomainID: o.ProjectDomainID, ProjectDomainName: o.ProjectDomainName,
	})
	if err != nil {
		return nil, err
	}
	d.accounts[o.Reference] = d.def
	for name, acc := range o.References {
		if name == o.Reference {
			continue
		}
		a, err := d.newAccount(acc)
		if err != nil {
			return nil, fmt.Errorf("reference %s: %w", name, err)
		}
		d.accounts[name] = a
	}
	return d, nil
}

// Describe shows the container and the large-object sizes in bytes, as
// Glance's /v2/info/stores/detail does.
func (d *Driver) Describe() []store.Property {
	return []store.Property{
		{Key: "container", Value: d.o.Container},
		{Key: "large_object_size", Value: d.o.LargeObjectSize},
		{Key: "large_object_chunk_size", Value: d.o.ChunkSize},
	}
}

// Caveats names the options of the store's section that are read but
// have no effect.
func (d *Driver) Caveats() []string { return d.caveats }

// url is the location URL of object obj in container c, in Glance's form.
func (d *Driver) url(c, obj string) string {
	if d.o.Reference != "" {
		return "swift+config://" + d.o.Reference + "/" + url.PathEscape(c) + "/" + url.PathEscape(obj)
	}
	a := d.def
	cred := url.QueryEscape(a.User) + ":" + url.QueryEscape(a.Key) + "@"
	return a.scheme + "://" + cred + a.where + "/" + url.PathEscape(c) + "/" + url.PathEscape(obj)
}

// parse returns the account, container and object a location URL names:
// ErrInvalid if it is malformed, ErrNotFound if it is another store's.
func (d *Driver) parse(raw string) (a *account, container, obj string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, "", "", fmt.Errorf("location %q: %w", raw, store.ErrInvalid)
	}
	var rest string
	switch u.Scheme {
	case "swift+config":
		if a = d.accounts[u.Host]; a == nil || u.Host == "" {
			return nil, "", "", fmt.Errorf("location %q names a reference this store does not have: %w", raw, store.ErrNotFound)
		}
		rest = strings.TrimPrefix(u.EscapedPath(), "/")
	case "swift", "swift+http", "swift+https":
		whole := u.Host + u.EscapedPath()
		for _, cand := range d.ordered() {
			if r, ok := strings.CutPrefix(whole, cand.where+"/"); ok {
				a, rest = cand, r
				break
			}
		}
		if a == nil {
			return nil, "", "", fmt.Errorf("location %q is another Swift's: %w", raw, store.ErrNotFound)
		}
	default:
		return nil, "", "", fmt.Errorf("location %q is not a Swift one: %w", raw, store.ErrNotFound)
	}
	container, obj, ok := strings.Cut(rest, "/")
	if !ok || container == "" || obj == "" || strings.Contains(obj, "/") {
		return nil, "", "", fmt.Errorf("location %q names no object: %w", raw, store.ErrInvalid)
	}
	if container, err = url.PathUnescape(container); err != nil {
		return nil, "", "", fmt.Errorf("location %q: %w", raw, store.ErrInvalid)
	}
	if obj, err = url.PathUnescape(obj); err != nil {
		return nil, "", "", fmt.Errorf("location %q: %w", raw, store.ErrInvalid)
	}
	return a, container, obj, nil
}

// ordered lists the accounts, the one Put writes with first.
func (d *Driver) ordered() []*account {
	list := []*account{d.def}
	for _, a := range d.accounts {
		if a != d.def {
			list = append(list, a)
		}
	}
	return list
}

// Owns reports whether url is a Swift location of one of the store's
// accounts.
func (d *Driver) Owns(url string) bool {
	_, _, _, err := d.parse(url)
	return err == nil
}

func checkID(id string) error {
	if id == "" || len(id) > 512 || strings.ContainsAny(id, "/\x00") || strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("image id %q: %w", id, store.ErrInvalid)
	}
	return nil
}

// idLock serializes the Puts of one id in this process: Swift has no
// atomic create (If-None-Match only sees objects already written), so
// Puts of one id from two processes racing within the time of writing
// the object or manifest may both succeed, the later one's data winning.
type idLock struct {
	ch    chan struct{}
	users int
}

// lockID waits until no other Put of id runs in this process.
func (d *Driver) lockID(ctx context.Context, id string) (func(), error) {
	d.mu.Lock()
	if d.puts == nil {
		d.puts = map[string]*idLock{}
	}
	l := d.puts[id]
	if l == nil {
		l = &idLock{ch: make(chan struct{}, 1)}
		d.puts[id] = l
	}
	l.users++
	d.mu.Unlock()
	release := func() {
		d.mu.Lock()
		if l.users--; l.users == 0 {
			delete(d.puts, id)
		}
		d.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// ensureContainer checks once that the container exists, creating it
// when the options say so.
func (d *Driver) ensureContainer(ctx context.Context) error {
	d.mu.Lock()
	ok := d.container
	d.mu.Unlock()
	if ok {
		return nil
	}
	a, c := d.def, d.o.Container
	_, _, err := a.conn.Container(ctx, c)
	if errors.Is(err, swift.ContainerNotFound) {
		if !d.o.CreateContainer {
			return fmt.Errorf("container %s does not exist and swift_store_create_container_on_put is false: %w", c, store.ErrUnavailable)
		}
		err = a.conn.ContainerCreate(ctx, c, nil)
	}
	if err != nil {
		return a.fail(ctx, "container "+c, err)
	}
	d.mu.Lock()
	d.container = true
	d.mu.Unlock()
	return nil
}
