package keystone

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/endpoints"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/limits"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/regions"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/registeredlimits"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/services"

	"github.com/go-glance/glance/domain"
)

// Endpoint names the image service endpoint whose limits apply, as
// [oslo_limit] does: by ID, else by service type and/or name with the
// region and interface of the endpoint.
type Endpoint struct {
	ID          string
	ServiceType string
	ServiceName string
	Region      string
	// Interface is public, internal or admin (a URL suffix is allowed);
	// "" is public.
	Interface string
}

// Limits reads the image service's unified limits from Keystone, as
// oslo.limit's flat enforcer reads them for Glance. It is safe for
// concurrent use and implements domain.Limits.
type Limits struct {
	identity *identity
	endpoint Endpoint
	// Every Get asks Keystone, so a changed limit counts at once (as
	// Glance asks on every check); only where the limits live, the
	// endpoint's service and region, is looked up once.
	mu     sync.Mutex
	target *limitTarget
}

// limitTarget is the service and region the limits are registered for.
type limitTarget struct {
	serviceID, regionID string
}

var _ domain.Limits = (*Limits)(nil)

// NewLimits returns a reader of the limits registered for endpoint.
// Of opts, the fields that reach Keystone count: AuthURL, Credentials
// (the user needs Keystone's reader role on the system to read every
// project's limits, and a system-scoped token), Region and Interface
// of the identity endpoint, Timeout, Retries, TLS and Logger. It does
// not contact Keystone.
func NewLimits(opts Options, endpoint Endpoint) (*Limits, error) {
	if endpoint.ID == "" && endpoint.ServiceType == "" && endpoint.ServiceName == "" {
		return nil, errors.New("keystone: the endpoint of the limits needs an id, a service type or a service name")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	id, err := newIdentity(opts)
	if err != nil {
		return nil, err
	}
	return &Limits{identity: id, endpoint: endpoint}, nil
}

// Get implements domain.Limits. It returns an Unavailable error when
// Keystone cannot be asked or fails, and an Internal one when the
// endpoint cannot be found or Keystone enforces another model than
// flat, as oslo.limit fails then.
func (l *Limits) Get(ctx context.Context, project string, resources ...string) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, l.identity.bound())
	defer cancel()
	c, err := l.identity.serviceClient(ctx)
	if err != nil {
		return nil, err
	}
	t, err := l.resolve(ctx, c)
	if err != nil {
		return nil, err
	}
	var (
		wg         sync.WaitGroup
		own        []limits.Limit
		registered []registeredlimits.RegisteredLimit
		ownErr     error
		regErr     error
	)
	if project != "" {
		wg.Go(func() {
			page, err := limits.List(c, limits.ListOpts{ServiceID: t.serviceID, RegionID: t.regionID, ProjectID: project}).AllPages(ctx)
			if err == nil {
				own, err = limits.ExtractLimits(page)
			}
			ownErr = err
		})
	}
	page, err := registeredlimits.List(c, registeredlimits.ListOpts{ServiceID: t.serviceID, RegionID: t.regionID}).AllPages(ctx)
	if err == nil {
		registered, err = registeredlimits.ExtractRegisteredLimits(page)
	}
	regErr = err
	wg.Wait()
	if err := errors.Join(ownErr, regErr); err != nil {
		return nil, unavailable(fmt.Errorf("reading the limits at %s: %w", c.Endpoint, describe(ctx, err)))
	}
	out := make([]int64, len(resources))
	for i, name := range resources {
		out[i] = limitOf(name, own, registered)
	}
	return out, nil
}

// limitOf is what oslo.limit takes: the project's first limit for
// name, else the first registered one, else 0.
func limitOf(name string, own []limits.Limit, registered []registeredlimits.RegisteredLimit) int64 {
	for _, o := range own {
		if o.ResourceName == name {
			return int64(o.ResourceLimit)
		}
	}
	for _, r := range registered {
		if r.ResourceName == name {
			return int64(r.DefaultLimit)
		}
	}
	return 0
}

// resolve finds, once, the service and region of the endpoint, after
// checking that Keystone enforces the flat model, the only one
// oslo.limit implements.
func (l *Limits) resolve(ctx context.Context, c *gophercloud.ServiceClient) (limitTarget, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.target != nil {
		return *l.target, nil
	}
	model, err := limits.GetEnforcementModel(ctx, c).Extract()
	if err != nil {
		return limitTarget{}, l.failed(ctx, c, "reading the enforcement model", err)
	}
	if model.Name != "flat" {
		return limitTarget{}, domain.Wrap(fmt.Errorf("keystone enforces the %s model; only flat is supported", model.Name),
			"Unified limits cannot be read")
	}
	ep, err := l.find(ctx, c)
	if err != nil {
		return limitTarget{}, err
	}
	l.target = &limitTarget{serviceID: ep.ServiceID, regionID: ep.RegionID}
	return *l.target, nil
}

// find looks the endpoint up by id, or by service and region.
func (l *Limits) find(ctx context.Context, c *gophercloud.ServiceClient) (*endpoints.Endpoint, error) {
	e := l.endpoint
	if e.ID != "" {
		ep, err := endpoints.Get(ctx, c, e.ID).Extract()
		if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return nil, misconfigured("[oslo_limit] endpoint_id %s names no endpoint", e.ID)
		}
		if err != nil {
			return nil, l.failed(ctx, c, "reading endpoint "+e.ID, err)
		}
		return ep, nil
	}
	page, err := services.List(c, services.ListOpts{ServiceType: e.ServiceType, Name: e.ServiceName}).AllPages(ctx)
	if err != nil {
		return nil, l.failed(ctx, c, "listing services", err)
	}
	found, err := services.ExtractServices(page)
	if err != nil {
		return nil, l.failed(ctx, c, "listing services", err)
	}
	switch len(found) {
	case 0:
		return nil, misconfigured("no service of type %q and name %q", e.ServiceType, e.ServiceName)
	case 1:
	default:
		return nil, misconfigured("%d services of type %q and name %q", len(found), e.ServiceType, e.ServiceName)
	}
	opts := endpoints.ListOpts{ServiceID: found[0].ID, Availability: availability(e.Interface, gophercloud.AvailabilityPublic)}
	if e.Region != "" {
		region, err := regions.Get(ctx, c, e.Region).Extract()
		if gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return nil, misconfigured("[oslo_limit] endpoint_region_name %s names no region", e.Region)
		}
		if err != nil {
			return nil, l.failed(ctx, c, "reading region "+e.Region, err)
		}
		opts.RegionID = region.ID
	}
	page, err = endpoints.List(c, opts).AllPages(ctx)
	if err != nil {
		return nil, l.failed(ctx, c, "listing endpoints", err)
	}
	eps, err := endpoints.ExtractEndpoints(page)
	if err != nil {
		return nil, l.failed(ctx, c, "listing endpoints", err)
	}
	if len(eps) != 1 {
		return nil, misconfigured("%d %s endpoints of service %s%s", len(eps), opts.Availability, found[0].ID, inRegion(e.Region))
	}
	return &eps[0], nil
}

// failed words a Keystone call that did not succeed: refused for lack of
// rights it is a setup fault (Internal), anything else Unavailable.
func (l *Limits) failed(ctx context.Context, c *gophercloud.ServiceClient, what string, err error) error {
	if gophercloud.ResponseCodeIs(err, http.StatusForbidden) {
		return misconfigured("the [oslo_limit] user may not read the endpoints at %s (%s: %v); give it the reader role on the system and set system_scope = all",
			c.Endpoint, what, err)
	}
	return unavailable(fmt.Errorf("%s at %s: %w", what, c.Endpoint, describe(ctx, err)))
}

// misconfigured is a setup fault that no retry cures: a 500 whose cause
// goes to the log, as oslo.limit raises then.
func misconfigured(format string, args ...any) error {
	return domain.Wrap(fmt.Errorf("keystone: "+format, args...), "Unified limits cannot be read")
}
