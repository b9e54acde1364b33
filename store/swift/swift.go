// Package swift stores image data in OpenStack Swift, as glance_store's
// Swift driver does: one object per image in the configured container,
// named by the image id; data larger than the large-object threshold, or
// of unknown size, is written as segments named <id>-<upload>-NNNNN in
// the same container, joined by a Dynamic Large Object manifest
// (X-Object-Manifest). Location URLs carry the credentials, as Glance
// records them: swift+http://account%3Auser:key@host/auth/v1.0/container/id.
// Authentication is tempauth's (v1: a GET of the auth address with
// X-Auth-User and X-Auth-Key) or Keystone's (v3: a password login scoped
// to a project, the storage URL taken from the catalog).
package swift

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// Options configures a Swift store.
type Options struct {
	// AuthAddress is the tempauth login URL (http://host:8080/auth/v1.0)
	// or, with AuthVersion 3, Keystone's (http://host:5000/v3).
	AuthAddress string
	// AuthVersion is 1 (tempauth-style, the default) or 3 (Keystone).
	AuthVersion int
	// User is account:user for v1, project:user for v3; Key its key or
	// password.
	User, Key string
	// UserDomainID and ProjectDomainID scope a v3 login ("default" if
	// empty); Region and Interface pick the object-store endpoint of the
	// catalog (any region, "public" if empty).
	UserDomainID, ProjectDomainID, Region, Interface string
	// Container holds the images and their segments.
	Container string
	// CreateContainer creates Container on the first Put if missing.
	CreateContainer bool
	// LargeObjectSize: data of a known size above it is segmented (bytes).
	LargeObjectSize int64
	// ChunkSize is the size of a segment (bytes).
	ChunkSize int64
	// BackendID is recorded as the "store" metadata of locations.
	BackendID string
	// Client sends the requests; http.DefaultClient if nil.
	Client *http.Client
}

// putGrace is how long a PUT whose context ended may wait for Swift's
// answer.
const putGrace = 30 * time.Second

// Driver is a Swift store.
type Driver struct {
	o      Options
	scheme string // swift+http or swift+https
	where  string // auth address without its scheme, as in location URLs
	client *http.Client

	mu         sync.Mutex
	token      string
	storageURL string
	container  bool // the container is known to exist
	puts       map[string]*idLock
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

var (
	_ store.Driver    = (*Driver)(nil)
	_ store.Owner     = (*Driver)(nil)
	_ store.Discarder = (*Driver)(nil)
	_ store.Describer = (*Driver)(nil)
)

// New checks o and returns the driver; it does not contact Swift.
func New(o Options) (*Driver, error) {
	u, err := url.Parse(o.AuthAddress)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("option swift_store_auth_address: %q is not an http(s) URL", o.AuthAddress)
	}
	if o.AuthVersion == 0 {
		o.AuthVersion = 1
	}
	if o.AuthVersion != 1 && o.AuthVersion != 3 {
		return nil, fmt.Errorf("option swift_store_auth_version: %d is not supported: only 1 and 3 are", o.AuthVersion)
	}
	if o.User == "" || o.Key == "" {
		return nil, errors.New("options swift_store_user and swift_store_key are required")
	}
	if o.Container == "" || strings.Contains(o.Container, "/") {
		return nil, fmt.Errorf("option swift_store_container: %q is not a container name", o.Container)
	}
	if o.ChunkSize <= 0 || o.LargeObjectSize <= 0 {
		return nil, errors.New("options swift_store_large_object_size and swift_store_large_object_chunk_size must be positive")
	}
	c := o.Client
	if c == nil {
		c = http.DefaultClient
	}
	where := strings.TrimSuffix(u.Host+u.EscapedPath(), "/")
	return &Driver{o: o, scheme: "swift+" + u.Scheme, where: where, client: c}, nil
}

// Describe shows the container and the large-object sizes in bytes.
func (d *Driver) Describe() []store.Property {
	return []store.Property{
		{Key: "container", Value: d.o.Container},
		{Key: "large_object_size", Value: d.o.LargeObjectSize},
		{Key: "large_object_chunk_size", Value: d.o.ChunkSize},
	}
}

// url is the location URL of object obj.
func (d *Driver) url(obj string) string {
	cred := url.QueryEscape(d.o.User) + ":" + url.QueryEscape(d.o.Key) + "@"
	return d.scheme + "://" + cred + d.where + "/" + d.o.Container + "/" + obj
}

// parse returns the container and object a location URL names:
// ErrInvalid if it is malformed, ErrNotFound if it is another store's.
func (d *Driver) parse(raw string) (container, obj string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("location %q: %w", raw, store.ErrInvalid)
	}
	switch u.Scheme {
	case "swift", "swift+http", "swift+https":
	default:
		return "", "", fmt.Errorf("location %q is not a Swift one: %w", raw, store.ErrNotFound)
	}
	rest, ok := strings.CutPrefix(u.Host+u.EscapedPath(), d.where+"/")
	if !ok {
		return "", "", fmt.Errorf("location %q is another Swift's: %w", raw, store.ErrNotFound)
	}
	container, obj, ok = strings.Cut(rest, "/")
	if !ok || container == "" || obj == "" || strings.Contains(obj, "/") {
		return "", "", fmt.Errorf("location %q names no object: %w", raw, store.ErrInvalid)
	}
	if container, err = url.PathUnescape(container); err != nil {
		return "", "", fmt.Errorf("location %q: %w", raw, store.ErrInvalid)
	}
	if obj, err = url.PathUnescape(obj); err != nil {
		return "", "", fmt.Errorf("location %q: %w", raw, store.ErrInvalid)
	}
	return container, obj, nil
}

// Owns reports whether url is a Swift location of this auth address.
func (d *Driver) Owns(url string) bool {
	_, _, err := d.parse(url)
	return err == nil
}

func checkID(id string) error {
	if id == "" || len(id) > 512 || strings.ContainsAny(id, "/\x00") || strings.ContainsFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("image id %q: %w", id, store.ErrInvalid)
	}
	return nil
}

// auth returns the storage URL and a token, logging in if needed.
func (d *Driver) auth(ctx context.Context) (string, string, error) {
	d.mu.Lock()
	su, tok := d.storageURL, d.token
	d.mu.Unlock()
	if tok != "" {
		return su, tok, nil
	}
	var err error
	if d.o.AuthVersion == 3 {
		su, tok, err = d.loginV3(ctx)
	} else {
		su, tok, err = d.loginV1(ctx)
	}
	if err != nil {
		return "", "", err
	}
	if su == "" || tok == "" {
		return "", "", fmt.Errorf("login to Swift answered no storage URL or token: %w", store.ErrUnavailable)
	}
	d.mu.Lock()
	d.storageURL, d.token = su, tok
	d.mu.Unlock()
	return su, tok, nil
}

// loginV1 is tempauth's login: a GET with X-Auth-User and X-Auth-Key.
func (d *Driver) loginV1(ctx context.Context) (string, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.o.AuthAddress, nil)
	if err != nil {
		return "", "", err
	}
	req.Header.Set("X-Auth-User", d.o.User)
	req.Header.Set("X-Auth-Key", d.o.Key)
	resp, err := d.client.Do(req)
	if err != nil {
		return "", "", netErr(ctx, "Swift login", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return "", "", fmt.Errorf("login as %s to Swift answered %s: %w", d.o.User, resp.Status, store.ErrUnavailable)
	}
	return resp.Header.Get("X-Storage-Url"), resp.Header.Get("X-Auth-Token"), nil
}

// loginV3 gets a project-scoped token from Keystone with a password and
// finds the object-store endpoint in its catalog.
func (d *Driver) loginV3(ctx context.Context) (string, string, error) {
	project, user, _ := strings.Cut(d.o.User, ":")
	or := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	var reqBody struct {
		Auth struct {
			Identity struct {
				Methods  []string `json:"methods"`
				Password struct {
					User struct {
						Name   string `json:"name"`
						Domain struct {
							ID string `json:"id"`
						} `json:"domain"`
						Password string `json:"password"`
					} `json:"user"`
				} `json:"password"`
			} `json:"identity"`
			Scope struct {
				Project struct {
					Name   string `json:"name"`
					Domain struct {
						ID string `json:"id"`
					} `json:"domain"`
				} `json:"project"`
			} `json:"scope"`
		} `json:"auth"`
	}
	a := &reqBody.Auth
	a.Identity.Methods = []string{"password"}
	a.Identity.Password.User.Name = user
	a.Identity.Password.User.Domain.ID = or(d.o.UserDomainID, "default")
	a.Identity.Password.User.Password = d.o.Key
	a.Scope.Project.Name = project
	a.Scope.Project.Domain.ID = or(d.o.ProjectDomainID, "default")
	b, err := json.Marshal(&reqBody)
	if err != nil {
		return "", "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(d.o.AuthAddress, "/")+"/auth/tokens", strings.NewReader(string(b)))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.client.Do(req)
	if err != nil {
		return "", "", netErr(ctx, "Keystone login", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return "", "", fmt.Errorf("login as %s to Keystone answered %s: %w", d.o.User, resp.Status, store.ErrUnavailable)
	}
	var token struct {
		Token struct {
			Catalog []struct {
				Type      string `json:"type"`
				Endpoints []struct {
					Interface string `json:"interface"`
					Region    string `json:"region"`
					URL       string `json:"url"`
				} `json:"endpoints"`
			} `json:"catalog"`
		} `json:"token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&token); err != nil {
		return "", "", fmt.Errorf("the token from Keystone: %v: %w", err, store.ErrUnavailable)
	}
	for _, svc := range token.Token.Catalog {
		if svc.Type != "object-store" {
			continue
		}
		for _, ep := range svc.Endpoints {
			if ep.Interface == or(d.o.Interface, "public") && (d.o.Region == "" || ep.Region == d.o.Region) {
				return strings.TrimSuffix(ep.URL, "/"), resp.Header.Get("X-Subject-Token"), nil
			}
		}
	}
	return "", "", fmt.Errorf("the catalog of Keystone has no %s object-store endpoint: %w", or(d.o.Interface, "public"), store.ErrUnavailable)
}

func (d *Driver) forgetToken(tok string) {
	d.mu.Lock()
	if d.token == tok {
		d.token = ""
	}
	d.mu.Unlock()
}

// netErr is the error of a request that got no answer.
func netErr(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%s: %v: %w", what, err, store.ErrUnavailable)
}

// do sends a request for path (container or container/object, unescaped)
// with query q. A request without a body is sent again once after a new
// login when the token was refused.
func (d *Driver) do(ctx context.Context, method, path, q string, body io.Reader, hdr http.Header) (*http.Response, error) {
	for try := 0; ; try++ {
		su, tok, err := d.auth(ctx)
		if err != nil {
			return nil, err
		}
		u := su + "/" + escapePath(path)
		if q != "" {
			u += "?" + q
		}
		req, err := http.NewRequestWithContext(ctx, method, u, body)
		if err != nil {
			return nil, err
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		req.Header.Set("X-Auth-Token", tok)
		resp, err := d.client.Do(req)
		if err != nil {
			return nil, netErr(ctx, method+" "+path, err)
		}
		if resp.StatusCode == http.StatusUnauthorized {
			resp.Body.Close()
			d.forgetToken(tok)
			if body == nil && try == 0 {
				continue
			}
			return nil, fmt.Errorf("%s %s: token refused: %w", method, path, store.ErrUnavailable)
		}
		return resp, nil
	}
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// statusErr maps an unexpected answer to a sentinel, and closes it.
func statusErr(resp *http.Response, what string) error {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	var kind error
	switch c := resp.StatusCode; {
	case c == http.StatusNotFound:
		kind = store.ErrNotFound
	case c == http.StatusForbidden:
		kind = store.ErrForbidden
	case c == http.StatusPreconditionFailed:
		kind = store.ErrExists
	case c == http.StatusRequestedRangeNotSatisfiable:
		kind = store.ErrRangeNotSatisfiable
	case c == http.StatusRequestEntityTooLarge || c == http.StatusInsufficientStorage:
		kind = store.ErrFull
	case c >= 500 || c == http.StatusTooManyRequests:
		kind = store.ErrUnavailable
	default:
		return fmt.Errorf("%s: Swift answered %s", what, resp.Status)
	}
	return fmt.Errorf("%s: Swift answered %s: %w", what, resp.Status, kind)
}

// simple sends a bodiless request and expects a 2xx answer.
func (d *Driver) simple(ctx context.Context, method, path, q string, hdr http.Header) (*http.Response, error) {
	resp, err := d.do(ctx, method, path, q, nil, hdr)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, statusErr(resp, method+" "+path)
	}
	return resp, nil
}

func drop(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// head returns the object's size and headers.
func (d *Driver) head(ctx context.Context, container, obj string) (int64, http.Header, error) {
	resp, err := d.simple(ctx, http.MethodHead, container+"/"+obj, "", nil)
	if err != nil {
		return 0, nil, err
	}
	drop(resp)
	n, err := strconv.ParseInt(resp.Header.Get("Content-Length"), 10, 64)
	if err != nil {
		return 0, nil, fmt.Errorf("HEAD %s/%s: no Content-Length", container, obj)
	}
	return n, resp.Header, nil
}

// Stat returns the size of the object (of all its segments for a manifest).
func (d *Driver) Stat(ctx context.Context, url string) (int64, error) {
	c, o, err := d.parse(url)
	if err != nil {
		return 0, err
	}
	n, _, err := d.head(ctx, c, o)
	return n, err
}

type body struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *body) Close() error {
	b.cancel()
	return b.ReadCloser.Close()
}

// Get reads a range of the object with a Range request.
func (d *Driver) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	c, o, err := d.parse(url)
	if err != nil {
		return nil, err
	}
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("range %d+%d: %w", offset, length, store.ErrInvalid)
	}
	if length == 0 {
		n, _, err := d.head(ctx, c, o)
		if err != nil {
			return nil, err
		}
		if offset > n {
			return nil, fmt.Errorf("offset %d past %d bytes: %w", offset, n, store.ErrRangeNotSatisfiable)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	rng := fmt.Sprintf("bytes=%d-", offset)
	if length > 0 {
		rng += strconv.FormatInt(offset+length-1, 10)
	}
	rctx, cancel := context.WithCancel(ctx)
	resp, err := d.do(rctx, http.MethodGet, c+"/"+o, "", nil, http.Header{"Range": {rng}})
	if err != nil {
		cancel()
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
		return &body{resp.Body, cancel}, nil
	case http.StatusRequestedRangeNotSatisfiable:
		drop(resp)
		cancel()
		// Swift refuses an offset equal to the size too: that one reads
		// as no bytes.
		n, _, err := d.head(ctx, c, o)
		if err != nil {
			return nil, err
		}
		if offset == n {
			return io.NopCloser(strings.NewReader("")), nil
		}
		return nil, fmt.Errorf("offset %d past %d bytes: %w", offset, n, store.ErrRangeNotSatisfiable)
	}
	cancel()
	return nil, statusErr(resp, "GET "+c+"/"+o)
}

// Delete removes the object and, for a manifest, its segments.
func (d *Driver) Delete(ctx context.Context, loc string) error {
	c, o, err := d.parse(loc)
	if err != nil {
		return err
	}
	_, hdr, err := d.head(ctx, c, o)
	if err != nil {
		return err
	}
	manifest := hdr.Get("X-Object-Manifest")
	if err := d.deleteObject(ctx, c, o); err != nil {
		return err
	}
	if manifest == "" {
		return nil
	}
	mc, prefix, ok := strings.Cut(manifest, "/")
	if !ok {
		return nil
	}
	mc, err1 := url.PathUnescape(mc)
	prefix, err2 := url.PathUnescape(prefix)
	if err1 != nil || err2 != nil || prefix == "" {
		return nil
	}
	// A listing may not show every segment yet: those the manifest
	// counts (manifests this driver wrote say how many) go by name.
	n, _ := strconv.Atoi(hdr.Get(segmentsHeader))
	for i := 1; i <= n && i <= maxSegments; i++ {
		if err := d.deleteObject(ctx, mc, fmt.Sprintf("%s%05d", prefix, i)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return d.deletePrefix(ctx, mc, prefix)
}

// segmentsHeader records on a manifest the number of its segments.
const segmentsHeader = "X-Object-Meta-Segments"

// maxSegments bounds the segments Delete removes by name.
const maxSegments = 100000

func (d *Driver) deleteObject(ctx context.Context, c, o string) error {
	resp, err := d.simple(ctx, http.MethodDelete, c+"/"+o, "", nil)
	if err != nil {
		return err
	}
	drop(resp)
	return nil
}

// list returns the names of the objects of container c starting with prefix.
func (d *Driver) list(ctx context.Context, c, prefix string) ([]string, error) {
	var names []string
	marker := ""
	for {
		q := url.Values{"format": {"json"}, "prefix": {prefix}, "limit": {"1000"}}
		if marker != "" {
			q.Set("marker", marker)
		}
		resp, err := d.simple(ctx, http.MethodGet, c, q.Encode(), nil)
		if errors.Is(err, store.ErrNotFound) {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		var page []struct {
			Name string `json:"name"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		drop(resp)
		if err != nil && resp.StatusCode != http.StatusNoContent {
			return nil, fmt.Errorf("listing %s: %v: %w", c, err, store.ErrUnavailable)
		}
		if len(page) == 0 {
			return names, nil
		}
		for _, p := range page {
			names = append(names, p.Name)
		}
		marker = page[len(page)-1].Name
	}
}

// deletePrefix removes the objects of c whose names start with prefix;
// objects gone already are no error.
func (d *Driver) deletePrefix(ctx context.Context, c, prefix string) error {
	names, err := d.list(ctx, c, prefix)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := d.deleteObject(ctx, c, n); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
	}
	return nil
}

// Discard removes the object of image id and every segment of it.
func (d *Driver) Discard(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := d.deleteObject(ctx, d.o.Container, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return d.deletePrefix(ctx, d.o.Container, id+"-")
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
	resp, err := d.simple(ctx, http.MethodHead, d.o.Container, "", nil)
	if errors.Is(err, store.ErrNotFound) {
		if !d.o.CreateContainer {
			return fmt.Errorf("container %s does not exist and swift_store_create_container_on_put is false: %w", d.o.Container, store.ErrUnavailable)
		}
		resp, err = d.simple(ctx, http.MethodPut, d.o.Container, "", nil)
	}
	if err != nil {
		return err
	}
	drop(resp)
	d.mu.Lock()
	d.container = true
	d.mu.Unlock()
	return nil
}

// reader counts what data yields and keeps its error, so that the
// error of data is told from Swift's.
type reader struct {
	r   io.Reader
	n   int64
	err error
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if err != nil && err != io.EOF {
		r.err = err
	}
	return n, err
}

// segment streams up to limit bytes of data; the body is sent chunked,
// and ends at limit or at data's end.
type segment struct {
	src   *reader
	left  int64
	eof   bool
	count int64
}

func (s *segment) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.src.Read(p)
	s.left -= int64(n)
	s.count += int64(n)
	if err == io.EOF {
		s.eof = true
	}
	return n, err
}

// trackedBody tells when the transport has closed a request body.
// Reading it fails once ctx ends.
type trackedBody struct {
	r      io.Reader
	ctx    context.Context
	once   sync.Once
	closed chan struct{}
}

func (b *trackedBody) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	return b.r.Read(p)
}

func (b *trackedBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// putObject streams body to c/o, failing with ErrExists if o exists.
func (d *Driver) putObject(ctx context.Context, c, o string, body io.Reader, src *reader, hdr http.Header) error {
	if hdr == nil {
		hdr = http.Header{}
	}
	hdr.Set("If-None-Match", "*")
	// When ctx ends the body fails, which makes Swift drop the object,
	// but the request itself goes on until Swift answers: had the whole
	// body gone already, the object is then stored, and the caller's
	// clean-up comes after it rather than before. putGrace bounds the
	// wait for that answer.
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(putGrace, cancel) })
	defer stop()
	tb := &trackedBody{r: body, ctx: ctx, closed: make(chan struct{})}
	resp, err := d.do(rctx, http.MethodPut, c+"/"+o, "", tb, hdr)
	// The transport may still be reading data after Do returns: wait
	// until it is done with it, so that nothing reads data after Put.
	select {
	case <-tb.closed:
	case <-ctx.Done():
	}
	if ctx.Err() != nil && (err != nil || resp.StatusCode/100 != 2) {
		if resp != nil {
			drop(resp)
		}
		if src != nil && src.err != nil {
			return src.err
		}
		return ctx.Err()
	}
	if src != nil && src.err != nil {
		if resp != nil {
			drop(resp)
		}
		return src.err
	}
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return statusErr(resp, "PUT "+c+"/"+o)
	}
	drop(resp)
	return nil
}

// Put writes data as one object, or as segments and a manifest when
// size is unknown or above the large-object threshold.
func (d *Driver) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	if err := checkID(id); err != nil {
		return domain.StoredData{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.StoredData{}, err
	}
	if err := d.ensureContainer(ctx); err != nil {
		return domain.StoredData{}, err
	}
	unlock, err := d.lockID(ctx, id)
	if err != nil {
		return domain.StoredData{}, err
	}
	defer unlock()
	c := d.o.Container
	if _, _, err := d.head(ctx, c, id); err == nil {
		return domain.StoredData{}, fmt.Errorf("object %s/%s: %w", c, id, store.ErrExists)
	} else if !errors.Is(err, store.ErrNotFound) {
		return domain.StoredData{}, err
	}
	src := &reader{r: data}
	if size >= 0 && size <= d.o.LargeObjectSize {
		// A wrong hint is not trusted: the body is sent chunked, so the
		// object holds what data yields.
		err = d.putObject(ctx, c, id, src, src, nil)
	} else {
		err = d.putLarge(ctx, c, id, src)
	}
	if err != nil {
		if ce := ctx.Err(); ce != nil && src.err == nil {
			err = ce
		}
		return domain.StoredData{}, err
	}
	meta := map[string]any{}
	if d.o.BackendID != "" {
		meta["store"] = d.o.BackendID
	}
	return domain.StoredData{URL: d.url(id), Size: src.n, Metadata: meta}, nil
}

// putLarge writes segments <id>-<upload>-00001... and the manifest; on
// failure it removes the segments it wrote. The upload part keeps two
// racing Puts of one id from writing over each other's segments: the
// manifest, written with If-None-Match, picks the winner.
func (d *Driver) putLarge(ctx context.Context, c, id string, src *reader) (err error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := id + "-" + hex.EncodeToString(b) + "-"
	// Segments are removed by name, not by listing: a listing may not
	// show an object just written yet. putObject returns only once Swift
	// has answered, so no segment is written after its DELETE.
	var names []string
	empty := 0 // 1 when the last segment written was empty and removed
	defer func() {
		if err != nil {
			for _, name := range names {
				_ = d.deleteObject(context.WithoutCancel(ctx), c, name)
			}
		}
	}()
	for n := 1; ; n++ {
		seg := &segment{src: src, left: d.o.ChunkSize}
		name := fmt.Sprintf("%s%05d", prefix, n)
		names = append(names, name)
		if err := d.putObject(ctx, c, name, seg, src, nil); err != nil {
			return err
		}
		if seg.count == 0 && n > 1 {
			// The data ended on a segment boundary: drop the empty one.
			if err := d.deleteObject(ctx, c, name); err != nil {
				return err
			}
			empty = 1
			break
		}
		if seg.eof || seg.count < d.o.ChunkSize {
			break
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	hdr := http.Header{
		"X-Object-Manifest": {url.PathEscape(c) + "/" + url.PathEscape(prefix)},
		segmentsHeader:      {strconv.Itoa(len(names) - empty)},
	}
	return d.putObject(ctx, c, id, http.NoBody, nil, hdr)
}
