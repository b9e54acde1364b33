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
	tlsConfig, err := keystoneTLS(a)
	if err != nil {
		return nil, "", err
	}
	userDomainID, userDomainName := a.UserDomainID, a.UserDomainName
	if userDomainID == "" && userDomainName == "" {
		userDomainID, userDomainName = a.DefaultDomainID, a.DefaultDomainName
	}
	projectDomainID, projectDomainName := a.ProjectDomainID, a.ProjectDomainName
	if projectDomainID == "" && projectDomainName == "" {
		projectDomainID, projectDomainName = a.DefaultDomainID, a.DefaultDomainName
	}
	cacheTime := time.Duration(a.TokenCacheTime) * time.Second
	if a.TokenCacheTime < 0 {
		cacheTime = -1
	}
	v, err := keystone.New(keystone.Options{
		AuthURL: a.AuthURL,
		Credentials: keystone.Credentials{
			UserID: a.UserID, Username: a.Username, Password: a.Password,
			UserDomainID: userDomainID, UserDomainName: userDomainName,
			ProjectID: a.ProjectID, ProjectName: a.ProjectName,
			ProjectDomainID: projectDomainID, ProjectDomainName: projectDomainName,
			DomainID: a.DomainID, DomainName: a.DomainName,
			System:  a.SystemScope == "all",
			TrustID: a.TrustID,
		},
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

// keystoneTLS reads cafile, certfile, keyfile and insecure; nil when
// none is set.
func keystoneTLS(a configs.Authtoken) (*tls.Config, error) {
	if a.CAFile == "" && a.CertFile == "" && !a.Insecure {
		return nil, nil
	}
	c := &tls.Config{InsecureSkipVerify: a.Insecure}
	if a.CAFile != "" {
		pem, err := os.ReadFile(a.CAFile)
		if err != nil {
			return nil, fmt.Errorf("[keystone_authtoken] cafile: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("[keystone_authtoken] cafile %s: no PEM certificate in it", a.CAFile)
		}
	}
	if a.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(a.CertFile, a.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("[keystone_authtoken] certfile and keyfile: %w", err)
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
