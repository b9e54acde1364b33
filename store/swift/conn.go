package swift

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ncw/swift/v2"

	"github.com/go-glance/glance/store"
)

// account is a logged-in (or logging-in) client of one Swift account.
type account struct {
	Account
	scheme string // swift+http or swift+https, as in location URLs
	where  string // auth address without its scheme, as in location URLs
	conn   *swift.Connection
}

// newAccount checks acc and makes its client.
func (d *Driver) newAccount(acc Account) (*account, error) {
	u, err := url.Parse(acc.AuthAddress)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("option swift_store_auth_address: %q is not an http(s) URL", acc.AuthAddress)
	}
	if acc.AuthVersion == 0 {
		acc.AuthVersion = 1
	}
	if acc.AuthVersion != 1 && acc.AuthVersion != 3 {
		return nil, fmt.Errorf("option swift_store_auth_version: %d is not supported: only 1 (tempauth-style) and 3 (Keystone) are", acc.AuthVersion)
	}
	if acc.User == "" || acc.Key == "" {
		return nil, errors.New("options swift_store_user and swift_store_key are required")
	}
	c, err := d.newConn(acc, u)
	if err != nil {
		return nil, err
	}
	if d.o.Endpoint != "" {
		login, _ := d.newConn(acc, u)
		c.Auth = &endpointAuth{login: login, endpoint: strings.TrimSuffix(d.o.Endpoint, "/")}
	}
	return &account{
		Account: acc,
		scheme:  "swift+" + u.Scheme,
		where:   strings.TrimSuffix(u.Host+u.EscapedPath(), "/"),
		conn:    c,
	}, nil
}

// newConn makes the client of acc, whose auth address is u.
func (d *Driver) newConn(acc Account, u *url.URL) (*swift.Connection, error) {
	c := &swift.Connection{
		UserName:       acc.User,
		ApiKey:         acc.Key,
		AuthUrl:        acc.AuthAddress,
		AuthVersion:    acc.AuthVersion,
		ConnectTimeout: d.o.ConnectTimeout,
		Timeout:        d.o.IdleTimeout,
		Transport:      d.o.Transport,
		UserAgent:      "go-glance",
		// One more try after a new login when a token is refused (and of
		// a read the network broke); more would stretch the bound of a
		// wait on a dead Swift.
		Retries: 1,
	}
	if acc.AuthVersion == 3 {
		project, user, ok := strings.Cut(acc.User, ":")
		if !ok || project == "" || user == "" || strings.Contains(user, ":") {
			return nil, fmt.Errorf("option swift_store_user: %q is not project:user, as Keystone logins need", acc.User)
		}
		c.UserName, c.Tenant = user, project
		if !strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/v3") {
			c.AuthUrl = strings.TrimSuffix(acc.AuthAddress, "/") + "/v3"
		}
		c.Domain, c.DomainId = acc.UserDomainName, acc.UserDomainID
		if c.Domain == "" && c.DomainId == "" {
			c.DomainId = "default"
		}
		c.TenantDomain, c.TenantDomainId = acc.ProjectDomainName, acc.ProjectDomainID
		if c.TenantDomain == "" && c.TenantDomainId == "" {
			c.TenantDomainId = "default"
		}
		c.Region = d.o.Region
		c.EndpointType = swift.EndpointTypePublic
		if d.o.Interface != "" {
			c.EndpointType = swift.EndpointType(d.o.Interface)
		}
	}
	return c, nil
}

// newTransport is the HTTP transport of the store: every wait on the
// network is bounded.
func newTransport(o Options) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   o.ConnectTimeout,
		TLSClientConfig:       o.TLS,
		ResponseHeaderTimeout: o.IdleTimeout,
		// Uploads ask for 100 Continue first, so that a refused token
		// is answered before any data is sent and the upload can be
		// sent again after a new login.
		ExpectContinueTimeout: o.ConnectTimeout,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
	}
}

// endpointAuth logs in with another connection but makes the store use
// the storage URL of swift_store_endpoint.
type endpointAuth struct {
	login    *swift.Connection
	endpoint string
}

func (e *endpointAuth) Request(ctx context.Context, _ *swift.Connection) (*http.Request, error) {
	// The client asks only when it has no valid token: log in anew.
	e.login.UnAuthenticate()
	return nil, e.login.Authenticate(ctx)
}

func (e *endpointAuth) Response(context.Context, *http.Response) error { return nil }
func (e *endpointAuth) StorageUrl(bool) string                         { return e.endpoint }
func (e *endpointAuth) Token() string                                  { return e.login.AuthToken }
func (e *endpointAuth) Expires() time.Time                             { return e.login.Expires }
func (e *endpointAuth) CdnUrl() string                                 { return "" }

// call sends a request the client has no method for (or whose method
// does more than needed), with its logins, retries and timeouts.
func (a *account) call(ctx context.Context, op, c, o string, q url.Values, h swift.Headers, noResponse bool) (*http.Response, swift.Headers, error) {
	su, err := a.conn.GetStorageUrl(ctx)
	if err != nil {
		return nil, nil, err
	}
	return a.conn.Call(ctx, su, swift.RequestOpts{
		Container: c, ObjectName: o, Operation: op, Parameters: q, Headers: h, NoResponse: noResponse,
		OnReAuth: func() (string, error) { return a.conn.StorageUrl, nil },
	})
}

// fail maps an error of the client to the store's sentinels, naming
// what failed.
func (a *account) fail(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if ce := ctx.Err(); ce != nil {
		return ce
	}
	var se *swift.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("%s: Swift does not answer: %v: %w", what, err, store.ErrUnavailable)
	}
	var kind error
	switch c := se.StatusCode; {
	case c == http.StatusUnauthorized:
		return fmt.Errorf("%s: Swift refused the login of %s at %s (check swift_store_user and swift_store_key): %w", what, a.User, a.AuthAddress, store.ErrUnavailable)
	case c == 0:
		// The client's own error: a login that gave no storage URL (the
		// catalog has no such endpoint) or no token.
		return fmt.Errorf("%s: the login of %s at %s gave no storage URL or token (is there an object-store endpoint for swift_store_region and swift_store_endpoint_type?): %v: %w", what, a.User, a.AuthAddress, err, store.ErrUnavailable)
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
	case c >= 500 || c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c == 498:
		// 408: the client's own timeout.
		kind = store.ErrUnavailable
	default:
		return fmt.Errorf("%s: Swift answered %v", what, err)
	}
	return fmt.Errorf("%s: Swift answered %v: %w", what, err, kind)
}
