package keystone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
)

// maxTokenBody bounds Keystone's answer about one token (without its
// catalog it is a few KB even with many roles).
const maxTokenBody = 1 << 20

// identity talks to Keystone as the service user through gophercloud:
// it logs in on first use, logs in again when Keystone refuses its token
// (gophercloud's reauth), and validates tokens at the identity endpoint
// of its catalog.
type identity struct {
	opts     Options
	auth     gophercloud.AuthOptions
	endpoint gophercloud.EndpointOpts
	provider *gophercloud.ProviderClient
	log      *slog.Logger

	mu     sync.Mutex // serialises logging in
	client atomic.Pointer[gophercloud.ServiceClient]
}

func newIdentity(opts Options) (*identity, error) {
	if opts.AuthURL == "" {
		return nil, errors.New("keystone: no auth URL")
	}
	provider, err := openstack.NewClient(opts.AuthURL)
	if err != nil {
		return nil, fmt.Errorf("keystone: auth URL %q: %w", opts.AuthURL, err)
	}
	provider.HTTPClient = http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:       opts.TLS,
			TLSHandshakeTimeout:   opts.Timeout,
			ResponseHeaderTimeout: opts.Timeout,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       90 * time.Second,
		},
		Timeout: opts.Timeout,
	}
	provider.RetryFunc = retryConnect(opts.Retries)
	provider.UserAgent.Prepend("glance-api")
	return &identity{
		opts:     opts,
		auth:     authOptions(opts.AuthURL, opts.Credentials),
		endpoint: gophercloud.EndpointOpts{Region: opts.Region, Availability: availability(opts.Interface, gophercloud.AvailabilityInternal)},
		provider: provider,
		log:      opts.Logger,
	}, nil
}

// authOptions turns the service user's credentials into gophercloud's.
func authOptions(url string, c Credentials) gophercloud.AuthOptions {
	ao := gophercloud.AuthOptions{
		IdentityEndpoint: url,
		UserID:           c.UserID,
		Username:         c.Username,
		Password:         c.Password,
		AllowReauth:      true,
	}
	if c.UserID == "" {
		ao.DomainID, ao.DomainName = c.UserDomainID, c.UserDomainName
	}
	var scope gophercloud.AuthScope
	switch {
	case c.ProjectID != "":
		scope.ProjectID = c.ProjectID
	case c.ProjectName != "":
		scope.ProjectName, scope.DomainID, scope.DomainName = c.ProjectName, c.ProjectDomainID, c.ProjectDomainName
	case c.DomainID != "" || c.DomainName != "":
		scope.DomainID, scope.DomainName = c.DomainID, c.DomainName
	case c.System:
		scope.System = true
	case c.TrustID != "":
		scope.TrustID = c.TrustID
	}
	if scope != (gophercloud.AuthScope{}) {
		ao.Scope = &scope
	}
	return ao
}

// availability reads keystoneauth's interface names, old ones
// ("publicURL") included; anything else is def.
func availability(iface string, def gophercloud.Availability) gophercloud.Availability {
	switch strings.TrimSuffix(iface, "URL") {
	case "public":
		return gophercloud.AvailabilityPublic
	case "internal":
		return gophercloud.AvailabilityInternal
	case "admin":
		return gophercloud.AvailabilityAdmin
	}
	return def
}

// bound is the longest one validation may take: logging in and asking,
// each with every retry its timeouts and back-offs allow.
func (id *identity) bound() time.Duration {
	perCall := time.Duration(id.opts.Retries+1) * id.opts.Timeout
	for n := 1; n <= id.opts.Retries; n++ {
		perCall += backoff(uint(n))
	}
	return 2 * perCall
}

// serviceClient returns the identity client, logging the service user in
// first if no login has succeeded yet.
func (id *identity) serviceClient(ctx context.Context) (*gophercloud.ServiceClient, error) {
	if c := id.client.Load(); c != nil {
		return c, nil
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	if c := id.client.Load(); c != nil {
		return c, nil
	}
	if err := openstack.AuthenticateV3(ctx, id.provider, &id.auth, gophercloud.EndpointOpts{}); err != nil {
		return nil, unavailable(fmt.Errorf("the service user cannot log in to Keystone at %s: %w", id.opts.AuthURL, describe(ctx, err)))
	}
	c, err := openstack.NewIdentityV3(id.provider, id.endpoint)
	if err != nil {
		id.log.Warn(fmt.Sprintf("The service user's catalog has no %s identity endpoint%s; validating tokens at %s",
			id.endpoint.Availability, inRegion(id.opts.Region), id.opts.AuthURL))
		if c, err = openstack.NewIdentityV3(id.provider, gophercloud.EndpointOpts{}); err != nil {
			return nil, unavailable(err)
		}
	}
	id.client.Store(c)
	return c, nil
}

func inRegion(region string) string {
	if region == "" {
		return ""
	}
	return " in region " + region
}

// validate asks Keystone about token and returns its answer. It returns
// errInvalid when Keystone does not know the token (404) and an
// unavailable error for anything else that is not a token.
func (id *identity) validate(ctx context.Context, token string, allowExpired bool) ([]byte, error) {
	c, err := id.serviceClient(ctx)
	if err != nil {
		return nil, err
	}
	url := c.ServiceURL("auth", "tokens") + "?nocatalog"
	if allowExpired {
		url += "&allow_expired=1"
	}
	resp, err := c.Get(ctx, url, nil, &gophercloud.RequestOpts{
		MoreHeaders:      map[string]string{"X-Subject-Token": token},
		OkCodes:          []int{http.StatusOK, http.StatusNonAuthoritativeInfo},
		KeepResponseBody: true,
	})
	if err != nil {
		if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return nil, errInvalid
		}
		return nil, unavailable(fmt.Errorf("validating a token at %s: %w", c.Endpoint, describe(ctx, err)))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody+1))
	switch {
	case err != nil:
		return nil, unavailable(fmt.Errorf("reading Keystone's answer from %s: %w", c.Endpoint, describe(ctx, err)))
	case len(body) > maxTokenBody:
		return nil, unavailable(fmt.Errorf("keystone's answer from %s is over %d bytes", c.Endpoint, maxTokenBody))
	}
	return body, nil
}

// describe words a failed call for the log: a deadline says which bound
// passed rather than "context deadline exceeded".
func describe(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("no answer in time: %w", err)
	}
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) && ue.Timeout() {
		return fmt.Errorf("no answer within the request timeout: %w", err)
	}
	return err
}

// retryConnect retries requests that could not connect, up to max times,
// waiting as keystoneauth does between tries; every other failure is
// returned at once.
func retryConnect(max int) gophercloud.RetryFunc {
	return func(ctx context.Context, _, _ string, _ *gophercloud.RequestOpts, err error, failCount uint) error {
		var op *net.OpError
		if int(failCount) > max || !errors.As(err, &op) || op.Op != "dial" {
			return err
		}
		t := time.NewTimer(backoff(failCount))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return err
		case <-t.C:
			return nil
		}
	}
}

// backoff is keystoneauth's wait before the nth retry: 0.5 s doubling,
// at most 60 s.
func backoff(n uint) time.Duration {
	if n > 8 {
		return time.Minute
	}
	return min(500*time.Millisecond<<(n-1), time.Minute)
}
