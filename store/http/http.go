// Package http is the read-only store of type "http": it serves image
// data from http:// and https:// locations that users add to images,
// streaming it from the remote server as a download asks for it (a
// byte range is passed on as a Range request). Nothing is ever written
// to it; deleting a location leaves the remote data alone, as Glance's
// http store does. Every connection goes through an address guard that
// keeps it from this host and internal networks unless the operator
// opens them (http_allowed_networks).
package http

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	stdhttp "net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// Bounds on waiting for a remote server. Glance's http store waits as
// long as the server keeps the connection; here each step is bounded.
const (
	dialTimeout   = 10 * time.Second
	tlsTimeout    = 10 * time.Second
	headerTimeout = 30 * time.Second
	// readIdleTimeout ends a download whose server stops sending.
	readIdleTimeout = 60 * time.Second
	// maxRedirects is glance_store's MAX_REDIRECTS.
	maxRedirects = 5
)

// Options configure a Driver.
type Options struct {
	// Insecure skips the verification of servers' certificates
	// (https_insecure; Glance's default is true).
	Insecure bool
	// CAFile verifies servers' certificates against this bundle
	// (https_ca_certificates_file); it overrides Insecure.
	CAFile string
	// AllowedNetworks are internal networks the driver may reach
	// (http_allowed_networks); every other loopback, private,
	// link-local, unspecified or multicast address is refused.
	AllowedNetworks []string
	// ReadIdleTimeout overrides readIdleTimeout (0: the default).
	ReadIdleTimeout time.Duration
}

// Driver is the http store. It is safe for concurrent use.
type Driver struct {
	client *stdhttp.Client
	idle   time.Duration
}

var (
	_ store.Driver    = (*Driver)(nil)
	_ store.Owner     = (*Driver)(nil)
	_ store.Describer = (*Driver)(nil)
)

// New returns a driver with options o. It returns an error for a bad
// network or an unreadable CA bundle.
func New(o Options) (*Driver, error) {
	allowed, err := parseNetworks(o.AllowedNetworks)
	if err != nil {
		return nil, err
	}
	tlsConfig := &tls.Config{InsecureSkipVerify: o.Insecure} // Glance's https_insecure: the operator's choice
	if o.CAFile != "" {
		pool, err := loadCAFile(o.CAFile)
		if err != nil {
			return nil, err
		}
		tlsConfig = &tls.Config{RootCAs: pool}
	}
	dialer := &net.Dialer{Timeout: dialTimeout, Control: guard{allowed: allowed}.control}
	transport := &stdhttp.Transport{
		// No proxy from the environment: the guard must see the server.
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   tlsTimeout,
		ResponseHeaderTimeout: headerTimeout,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		// Image data is served as it is stored: no transparent gunzip.
		DisableCompression: true,
	}
	d := &Driver{idle: o.ReadIdleTimeout}
	if d.idle <= 0 {
		d.idle = readIdleTimeout
	}
	d.client = &stdhttp.Client{Transport: transport, CheckRedirect: checkRedirect}
	return d, nil
}

// checkRedirect follows at most maxRedirects redirects, and only the two
// kinds glance_store follows; the guard checks each new connection.
func checkRedirect(req *stdhttp.Request, via []*stdhttp.Request) error {
	if len(via) > maxRedirects {
		return fmt.Errorf("the HTTP URL exceeded %d maximum redirects: %w", maxRedirects, store.ErrInvalid)
	}
	if code := req.Response.StatusCode; code != stdhttp.StatusMovedPermanently && code != stdhttp.StatusFound {
		return fmt.Errorf("the HTTP URL attempted to redirect with an invalid %d status code: %w", code, store.ErrInvalid)
	}
	return nil
}

// Owns reports whether url is an http or https URL: the http store
// serves every such location.
func (d *Driver) Owns(u string) bool {
	scheme, _, ok := strings.Cut(u, "://")
	scheme = strings.ToLower(scheme)
	return ok && (scheme == "http" || scheme == "https")
}

// Describe shows no properties, as Glance shows none for http stores.
func (d *Driver) Describe() []store.Property { return nil }

// Put refuses: the http store is read-only. Errors: ErrReadOnly.
func (d *Driver) Put(_ context.Context, id string, _ io.Reader, _ int64) (domain.StoredData, error) {
	return domain.StoredData{}, fmt.Errorf("image %s: %w", id, store.ErrReadOnly)
}

// Delete leaves the remote data alone and succeeds, as Glance treats
// the http store when a location or image goes.
func (d *Driver) Delete(_ context.Context, u string) error {
	_, err := parseURL(u)
	return err
}

// Stat returns the Content-Length a HEAD request answers, 0 when the
// server sends none (Glance reads it so, and refuses such a location).
func (d *Driver) Stat(ctx context.Context, u string) (int64, error) {
	resp, err := d.do(ctx, stdhttp.MethodHead, u, "")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return max(resp.ContentLength, 0), nil
}

// Get streams length bytes (-1: to the end) from offset, asking the
// server for just that range; a server that ignores Range is read past
// the offset instead.
func (d *Driver) Get(ctx context.Context, u string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("range offset %d length %d: %w", offset, length, store.ErrInvalid)
	}
	rng := ""
	switch {
	case length == 0:
		rng = fmt.Sprintf("bytes=%d-%d", offset, offset)
	case length > 0:
		rng = fmt.Sprintf("bytes=%d-%d", offset, offset+length-1)
	case offset > 0:
		rng = fmt.Sprintf("bytes=%d-", offset)
	}
	resp, err := d.do(ctx, stdhttp.MethodGet, u, rng)
	if err != nil {
		return nil, err
	}
	body := newIdleReader(resp.Body, d.idle)
	skip := int64(0)
	switch {
	case resp.StatusCode == stdhttp.StatusPartialContent:
		start, ok := rangeStart(resp.Header.Get("Content-Range"))
		if !ok || start > offset {
			body.Close()
			return nil, fmt.Errorf("GET %s: Content-Range %q does not start at %d: %w", redact(u), resp.Header.Get("Content-Range"), offset, store.ErrInvalid)
		}
		skip = offset - start
	case offset > 0:
		skip = offset // the server sent it all
	}
	if skip > 0 {
		if _, err := io.CopyN(io.Discard, body, skip); err != nil {
			body.Close()
			if errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("GET %s: offset %d past the end: %w", redact(u), offset, store.ErrRangeNotSatisfiable)
			}
			return nil, fmt.Errorf("GET %s: %w", redact(u), classify(err))
		}
	}
	if length >= 0 {
		return limitedBody{io.LimitReader(body, length), body}, nil
	}
	return body, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}

// do sends one request, following redirects, and maps failures and
// error statuses to the store's sentinels.
func (d *Driver) do(ctx context.Context, method, u, rng string) (*stdhttp.Response, error) {
	parsed, err := parseURL(u)
	if err != nil {
		return nil, err
	}
	req, err := stdhttp.NewRequestWithContext(ctx, method, parsed.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %w", method, redact(u), err, store.ErrInvalid)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%s %s: %w", method, redact(u), classify(err))
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	resp.Body.Close()
	return nil, fmt.Errorf("%s %s: the server answered %s: %w", method, redact(u), resp.Status, statusError(resp.StatusCode))
}

// statusError is the sentinel of an error status a server answers.
func statusError(code int) error {
	switch {
	case code == stdhttp.StatusNotFound || code == stdhttp.StatusGone:
		return store.ErrNotFound
	case code == stdhttp.StatusRequestedRangeNotSatisfiable:
		return store.ErrRangeNotSatisfiable
	case code == stdhttp.StatusUnauthorized || code == stdhttp.StatusForbidden:
		return store.ErrForbidden
	case code >= 500:
		return store.ErrUnavailable
	}
	return store.ErrInvalid
}

// classify maps a transport failure to a sentinel: the guard's refusal
// and redirect errors keep theirs, anything else is an unreachable
// server.
func classify(err error) error {
	for _, s := range []error{store.ErrForbidden, store.ErrInvalid, store.ErrRangeNotSatisfiable} {
		if errors.Is(err, s) {
			return err
		}
	}
	return fmt.Errorf("%v: %w", err, store.ErrUnavailable)
}

// parseURL accepts the http and https URLs glance_store's http
// location accepts: a host, a numeric port if any, credentials as
// user:password.
func parseURL(u string) (*url.URL, error) {
	parsed, err := url.Parse(u)
	if err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "" {
		return nil, fmt.Errorf("not an http(s) URL with a host: %q: %w", redact(u), store.ErrInvalid)
	}
	if port := parsed.Port(); port != "" {
		if _, err := strconv.ParseUint(port, 10, 16); err != nil {
			return nil, fmt.Errorf("bad port in %q: %w", redact(u), store.ErrInvalid)
		}
	}
	return parsed, nil
}

// redact drops the credentials of u for messages that may be logged.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "(malformed URL)"
	}
	parsed.User = nil
	return parsed.String()
}

// rangeStart reads the first byte of "bytes first-last/total".
func rangeStart(cr string) (int64, bool) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	first, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(first), 10, 64)
	return n, err == nil && n >= 0
}

// idleReader closes a body that yields nothing for a while, which ends
// a Read blocked on a server that stopped sending.
type idleReader struct {
	rc    io.ReadCloser
	idle  time.Duration
	timer *time.Timer
	once  sync.Once
	err   error
	fired bool
	mu    sync.Mutex
}

func newIdleReader(rc io.ReadCloser, idle time.Duration) *idleReader {
	r := &idleReader{rc: rc, idle: idle}
	r.timer = time.AfterFunc(idle, func() {
		r.mu.Lock()
		r.fired = true
		r.mu.Unlock()
		r.close()
	})
	return r
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	if err != nil && err != io.EOF {
		r.mu.Lock()
		fired := r.fired
		r.mu.Unlock()
		if fired {
			return n, fmt.Errorf("the remote server sent nothing for %s: %w", r.idle, store.ErrUnavailable)
		}
		return n, classify(err)
	}
	return n, err
}

func (r *idleReader) Close() error {
	r.timer.Stop()
	r.close()
	return r.err
}

func (r *idleReader) close() { r.once.Do(func() { r.err = r.rc.Close() }) }
