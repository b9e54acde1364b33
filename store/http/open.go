package http

import (
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/go-glance/glance/store"
)

// optAllowedNetworks names the internal networks the store may reach.
const optAllowedNetworks = "http_allowed_networks"

func init() { store.Register("http", Open) }

// Open builds the store of type "http" from its section, with
// glance_store's option names https_insecure (default true) and
// https_ca_certificates_file, and http_allowed_networks: addresses or
// CIDR networks the store may connect to although they are loopback,
// private, link-local, unspecified or multicast (default none).
// http_proxy_information is refused: through a proxy the address guard
// could not see the server.
func Open(_ string, opts store.Options) (store.Driver, error) {
	insecure, err := opts.Bool("https_insecure", true)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(opts.String("http_proxy_information", "")) != "" {
		return nil, fmt.Errorf("option http_proxy_information is not supported: the http store connects to image servers directly")
	}
	return New(Options{
		Insecure:        insecure,
		CAFile:          strings.TrimSpace(opts.String("https_ca_certificates_file", "")),
		AllowedNetworks: opts.List(optAllowedNetworks),
	})
}

func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("option https_ca_certificates_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("option https_ca_certificates_file: no certificate in %s", path)
	}
	return pool, nil
}
