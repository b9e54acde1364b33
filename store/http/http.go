// Package http is the read-only store of images whose data another web
// server holds, as glance_store's http store: locations are the data's
// http:// or https:// URLs, read with GET (ranges with a Range header)
// and sized with HEAD. It stores nothing and deletes nothing: the data
// is not this service's. It registers as type "http".
package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// maxRedirects is glance_store's limit on redirects followed.
const maxRedirects = 5

func init() { store.Register("http", Open) }

// Options configure a Driver.
type Options struct {
	// CAFile is https_ca_certificates_file: the CA bundle that
	// verifies https servers; "" uses the system's.
	CAFile string
	// Insecure is https_insecure: skip verifying https servers.
	Insecure bool
	// Proxies is http_proxy_information: proxy URL by scheme.
	Proxies map[string]string
	// Timeout bounds each network wait; 0 is store.NetTimeout.
	Timeout time.Duration
}

// Driver is the http store. It is safe for concurrent use.
type Driver struct {
	client *http.Client
}

var _ store.Owner = (*Driver)(nil)

// Open builds the store of type "http" from its section, with
// glance_store's option names: https_ca_certificates_file,
// https_insecure (default true, as glance_store's) and
// http_proxy_information ("scheme:url" pairs).
func Open(_ string, opts store.Options) (store.Driver, error) {
	o := Options{CAFile: opts.String("https_ca_certificates_file", "")}
	var err error
	if o.Insecure, err = opts.Bool("https_insecure", true); err != nil {
		return nil, err
	}
	for _, p := range opts.List("http_proxy_information") {
		scheme, u, ok := strings.Cut(p, ":")
		if !ok || strings.TrimSpace(u) == "" {
			return nil, fmt.Errorf("option http_proxy_information: %q is not scheme:url", p)
		}
		if o.Proxies == nil {
			o.Proxies = map[string]string{}
		}
		o.Proxies[strings.TrimSpace(scheme)] = strings.TrimSpace(u)
	}
	return New(o)
}

// New returns the driver for o. It contacts no server.
func New(o Options) (*Driver, error) {
	if o.Timeout <= 0 {
		o.Timeout = store.NetTimeout
	}
	t := store.BoundedTransport(o.Timeout)
	t.TLSClientConfig = &tls.Config{InsecureSkipVerify: o.Insecure}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("option https_ca_certificates_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("option https_ca_certificates_file: no certificate in %s", o.CAFile)
		}
		t.TLSClientConfig.RootCAs = pool
	}
	if len(o.Proxies) > 0 {
		t.Proxy = func(r *http.Request) (*url.URL, error) {
			if p, ok := o.Proxies[r.URL.Scheme]; ok {
				return url.Parse(p)
			}
			return nil, nil
		}
	}
	return &Driver{client: &http.Client{Transport: t, CheckRedirect: func(_ *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects: %w", maxRedirects, store.ErrUnavailable)
		}
		return nil
	}}}, nil
}

// Owns reports whether url is an http or https URL.
func (d *Driver) Owns(url string) bool {
	_, err := parse(url)
	return err == nil
}

func parse(raw string) (*url.URL, error) {
	if !strings.HasPrefix(raw, "http://") && !strings.HasPrefix(raw, "https://") {
		return nil, fmt.Errorf("%s is not an http URL: %w", raw, store.ErrNotFound)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("malformed http URL: %w", store.ErrInvalid)
	}
	return u, nil
}

// Put refuses: the http store is read-only.
func (d *Driver) Put(context.Context, string, io.Reader, int64) (domain.StoredData, error) {
	return domain.StoredData{}, fmt.Errorf("the http store is read-only: %w", store.ErrForbidden)
}

// Delete leaves the data where it is, as glance_store's http store
// does: it belongs to the web server, not to this service.
func (d *Driver) Delete(ctx context.Context, url string) error {
	_, err := parse(url)
	return err
}

// Stat returns the Content-Length of a HEAD of url.
func (d *Driver) Stat(ctx context.Context, url string) (int64, error) {
	resp, err := d.do(ctx, http.MethodHead, url, "")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.ContentLength < 0 {
		return 0, fmt.Errorf("%s sent no Content-Length: %w", redact(url), store.ErrUnavailable)
	}
	return resp.ContentLength, nil
}

// Get reads url from offset, length bytes (-1: to the end), with a
// Range header when only part is wanted.
func (d *Driver) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 || length < -1 {
		return nil, fmt.Errorf("range %d+%d: %w", offset, length, store.ErrInvalid)
	}
	size, err := d.Stat(ctx, url)
	if err != nil {
		return nil, err
	}
	switch {
	case offset > size:
		return nil, fmt.Errorf("offset %d of %d bytes: %w", offset, size, store.ErrRangeNotSatisfiable)
	case offset == size || length == 0:
		return io.NopCloser(strings.NewReader("")), nil
	}
	end := size - 1
	if length > 0 {
		end = min(end, offset+length-1)
	}
	rng := ""
	if offset > 0 || end < size-1 {
		rng = "bytes=" + strconv.FormatInt(offset, 10) + "-" + strconv.FormatInt(end, 10)
	}
	resp, err := d.do(ctx, http.MethodGet, url, rng)
	if err != nil {
		return nil, err
	}
	if rng != "" && resp.StatusCode != http.StatusPartialContent {
		resp.Body.Close()
		return nil, fmt.Errorf("%s ignored the range %s: %w", redact(url), rng, store.ErrUnavailable)
	}
	return resp.Body, nil
}

// do sends a request and maps a failure or an error status to the
// store's sentinels.
func (d *Driver) do(ctx context.Context, method, raw, rng string) (*http.Response, error) {
	if _, err := parse(raw); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("malformed http URL: %w", store.ErrInvalid)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, store.ErrUnavailable) {
			return nil, err
		}
		return nil, fmt.Errorf("%s %s: %v: %w", method, redact(raw), err, store.ErrUnavailable)
	}
	var sentinel error
	switch {
	case resp.StatusCode < 300:
		return resp, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		sentinel = store.ErrNotFound
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		sentinel = store.ErrForbidden
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		sentinel = store.ErrRangeNotSatisfiable
	default:
		sentinel = store.ErrUnavailable
	}
	resp.Body.Close()
	return nil, fmt.Errorf("%s %s: %s: %w", method, redact(raw), resp.Status, sentinel)
}

// redact drops credentials and the query from a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "an http URL"
	}
	u.User, u.RawQuery = nil, ""
	return u.String()
}
