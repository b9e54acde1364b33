package configs

import (
	"errors"
)

const secLimit = "oslo_limit"

// OsloLimit is the [oslo_limit] section: where the unified limits of
// use_keystone_limits are read, under oslo.limit's option names (with
// keystoneauth's password plugin, session and adapter options for its
// own Keystone user).
type OsloLimit struct {
	// EndpointID names the image service's endpoint whose limits apply;
	// without it the endpoint is looked up by EndpointServiceType and/or
	// EndpointServiceName, EndpointRegionName and EndpointInterface.
	EndpointID          string
	EndpointServiceType string
	EndpointServiceName string
	EndpointRegionName  string
	EndpointInterface   string

	// The user that reads the limits: it needs the reader role on the
	// system and a system-scoped token (SystemScope "all") to read every
	// project's limits.
	ServiceUser

	// RegionName and ValidInterfaces pick the identity endpoint of the
	// user's catalog that the limits are read from.
	RegionName      string
	ValidInterfaces []string
	// Timeout bounds each request to Keystone, in seconds; 0 (unset, no
	// bound in keystoneauth) takes the server's own.
	Timeout        int
	ConnectRetries int
	CAFile         string
	Insecure       bool
}

func (c *Config) limitOptions() []option {
	l, s := &c.OsloLimit, secLimit
	return append(serviceUserOptions(s, &l.ServiceUser),
		strOpt(s, "endpoint_id", "", &l.EndpointID),
		strOpt(s, "endpoint_service_type", "", &l.EndpointServiceType),
		strOpt(s, "endpoint_service_name", "", &l.EndpointServiceName),
		strOpt(s, "endpoint_region_name", "", &l.EndpointRegionName),
		choiceOpt(s, "endpoint_interface", "public", interfaces, &l.EndpointInterface),
		strOpt(s, "region_name", "", &l.RegionName),
		choiceListOpt(s, "valid_interfaces", "public", interfaces, &l.ValidInterfaces),
		intOpt(s, "timeout", "0", 0, noMax, &l.Timeout),
		intOpt(s, "connect_retries", "0", 0, noMax, &l.ConnectRetries),
		strOpt(s, "cafile", "", &l.CAFile),
		boolOpt(s, "insecure", "false", &l.Insecure),
	)
}

// CheckOsloLimit returns why [oslo_limit] does not say enough to read
// the unified limits (one *ValueError per missing or unsupported
// option, joined), or nil. Only use_keystone_limits needs the section,
// so Load leaves the check to the server, which makes it before serving.
func (c *Config) CheckOsloLimit() error {
	l := &c.OsloLimit
	var errs []error
	if l.EndpointID == "" && l.EndpointServiceType == "" && l.EndpointServiceName == "" {
		errs = append(errs, &ValueError{Section: secLimit, Option: "endpoint_id",
			Reason: "is not set, nor endpoint_service_type or endpoint_service_name: the limits are those of the image service's endpoint"})
	}
	errs = append(errs, l.ServiceUser.check(secLimit, " (use_keystone_limits reads the limits as the user these options name)"))
	return errors.Join(errs...)
}
