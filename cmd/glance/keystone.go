package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/gateway/keystone"
)

// newTokens builds the token validator of the keystone flavors from
// [keystone_authtoken]; it fails on a section that cannot log the
// service user in, so the server never starts refusing every request.
func newTokens(cfg *configs.Config, logger *slog.Logger) (*keystone.Validator, string, error) {
	if err := cfg.CheckAuthtoken(); err != nil {
		return nil, "", fmt.Errorf("[paste_deploy] flavor = %s needs the service user: %w", cfg.Paste.Flavor, err)
	}
	a := cfg.Authtoken
	tlsConfig, err := keystoneTLS("keystone_authtoken", a.CAFile, a.CertFile, a.KeyFile, a.Insecure)
	if err != nil {
		return nil, "", err
	}
	cacheTime := time.Duration(a.TokenCacheTime) * time.Second
	if a.TokenCacheTime < 0 {
		cacheTime = -1
	}
	v, err := keystone.New(keystone.Options{
		AuthURL:                   a.AuthURL,
		Credentials:               credentials(a.ServiceUser),
		Region:                    a.RegionName,
		Interface:                 a.Interface,
		Timeout:                   time.Duration(a.HTTPConnectTimeout) * time.Second,
		Retries:                   a.HTTPRequestMaxRetries,
		TLS:                       tlsConfig,
		CacheTime:                 cacheTime,
		ServiceTokenRoles:         a.ServiceTokenRoles,
		ServiceTokenRolesRequired: a.ServiceTokenRolesRequired,
		EnforceTokenBind:          a.EnforceTokenBind,
		Logger:                    logger.With("logger", "keystonemiddleware.auth_token"),
	})
	if err != nil {
		return nil, "", fmt.Errorf("[keystone_authtoken]: %w", err)
	}
	if !a.ServiceTokenRolesRequired {
		logger.Warn("[keystone_authtoken] service_token_roles_required is false: a valid service token without " +
			"any of the service_token_roles still counts as one. This is backwards compatible but deprecated behaviour; set it to true")
	}
	uri := a.WWWAuthenticateURI
	if uri == "" {
		logger.Warn("[keystone_authtoken] www_authenticate_uri is not set; 401 responses name auth_url " + a.AuthURL +
			", which clients may not reach: set it to the public identity endpoint")
		uri = a.AuthURL
	}
	return v, uri, nil
}

// keystoneTLS reads the cafile, certfile, keyfile and insecure options
// of section; nil when none is set.
func keystoneTLS(section, caFile, certFile, keyFile string, insecure bool) (*tls.Config, error) {
	if caFile == "" && certFile == "" && !insecure {
		return nil, nil
	}
	c := &tls.Config{InsecureSkipVerify: insecure}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("[%s] cafile: %w", section, err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("[%s] cafile %s: no PEM certificate in it", section, caFile)
		}
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("[%s] certfile and keyfile: %w", section, err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}

// newLimits builds the reader of the unified limits from [oslo_limit];
// it fails on a section that cannot log its user in or name the
// endpoint, so the server never starts refusing every upload.
func newLimits(cfg *configs.Config, logger *slog.Logger) (*keystone.Limits, error) {
	if err := cfg.CheckOsloLimit(); err != nil {
		return nil, fmt.Errorf("[DEFAULT] use_keystone_limits needs [oslo_limit]: %w", err)
	}
	l := cfg.OsloLimit
	if l.SystemScope != "all" {
		logger.Warn("[oslo_limit] system_scope is not all: Keystone shows a token of another scope only its own " +
			"project's limits, so every other project gets the registered defaults")
	}
	if cfg.Default.UserStorageQuota > 0 {
		logger.Warn("[DEFAULT] user_storage_quota is ignored: use_keystone_limits enforces image_size_total instead")
	}
	tlsConfig, err := keystoneTLS("oslo_limit", l.CAFile, l.CertFile, l.KeyFile, l.Insecure)
	if err != nil {
		return nil, err
	}
	limits, err := keystone.NewLimits(keystone.Options{
		AuthURL:     l.AuthURL,
		Credentials: credentials(l.ServiceUser),
		Region:      l.RegionName,
		Interface:   firstOr(l.ValidInterfaces, "public"),
		Timeout:     time.Duration(l.Timeout) * time.Second,
		Retries:     l.ConnectRetries,
		TLS:         tlsConfig,
		Logger:      logger.With("logger", "oslo_limit"),
	}, keystone.Endpoint{
		ID:          l.EndpointID,
		ServiceType: l.EndpointServiceType,
		ServiceName: l.EndpointServiceName,
		Region:      l.EndpointRegionName,
		Interface:   l.EndpointInterface,
	})
	if err != nil {
		return nil, fmt.Errorf("[oslo_limit]: %w", err)
	}
	return limits, nil
}

func firstOr(list []string, def string) string {
	if len(list) == 0 {
		return def
	}
	return list[0]
}

// credentials are u's, with default_domain_* standing in for the user's
// and the project's domain where those are not set, as keystoneauth
// does.
func credentials(u configs.ServiceUser) keystone.Credentials {
	userDomainID, userDomainName := u.UserDomainID, u.UserDomainName
	if userDomainID == "" && userDomainName == "" {
		userDomainID, userDomainName = u.DefaultDomainID, u.DefaultDomainName
	}
	projectDomainID, projectDomainName := u.ProjectDomainID, u.ProjectDomainName
	if projectDomainID == "" && projectDomainName == "" {
		projectDomainID, projectDomainName = u.DefaultDomainID, u.DefaultDomainName
	}
	return keystone.Credentials{
		UserID: u.UserID, Username: u.Username, Password: u.Password,
		UserDomainID: userDomainID, UserDomainName: userDomainName,
		ProjectID: u.ProjectID, ProjectName: u.ProjectName,
		ProjectDomainID: projectDomainID, ProjectDomainName: projectDomainName,
		DomainID: u.DomainID, DomainName: u.DomainName,
		System:  u.SystemScope == "all",
		TrustID: u.TrustID,
	}
}
