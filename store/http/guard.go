package http

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/go-glance/glance/store"
)

// errAddressRefused is the dialer's refusal of an address the guard
// keeps this service from reaching.
var errAddressRefused = fmt.Errorf("address not allowed for image locations: %w", store.ErrForbidden)

// guard decides which addresses the driver may connect to. A location
// URL is chosen by API users, so without it they could make this
// service read its own loopback ports, the cloud's metadata service
// (169.254.169.254) or private networks and tell, by sizes and errors,
// what answers there. It runs in the dialer's Control hook, on the
// address actually dialled after DNS resolution, so neither a host name
// that resolves inward nor one whose answer changes between checks (DNS
// rebinding) nor a redirect gets past it.
type guard struct {
	// allowed are networks an operator opened despite being internal.
	allowed []netip.Prefix
}

// internal reports whether a is an address of this host or of a
// network that is not the public internet.
func internal(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() ||
		(a.Is4() && a.As4()[0] == 0) // 0.0.0.0/8 reaches this host on Linux
}

// permits reports whether the driver may connect to a.
func (g guard) permits(a netip.Addr) bool {
	a = a.Unmap()
	if !internal(a) {
		return true
	}
	for _, p := range g.allowed {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// control is a net.Dialer Control hook refusing what permits refuses.
func (g guard) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, errAddressRefused)
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !g.permits(a) {
		return fmt.Errorf("dial %s: %w", address, errAddressRefused)
	}
	return nil
}

// parseNetworks reads http_allowed_networks: CIDR prefixes or single
// addresses.
func parseNetworks(items []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range items {
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("option %s: %q is not an address or a network in CIDR notation", optAllowedNetworks, item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
