package http

import (
	"net/netip"
	"testing"
)

func TestGuardRefusesInternalAddresses(t *testing.T) {
	strict := guard{}
	for _, a := range []string{
		"127.0.0.1", "127.1.2.3", "::1", // loopback
		"10.1.2.3", "172.16.0.1", "192.168.1.1", "fd00::1", "fc00::1", // private
		"169.254.169.254", "169.254.0.1", "fe80::1", // link-local, the metadata service
		"0.0.0.0", "0.1.2.3", "::", // unspecified
		"224.0.0.1", "ff02::1", // multicast
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", // IPv4 in IPv6
	} {
		if strict.permits(netip.MustParseAddr(a)) {
			t.Errorf("%s permitted", a)
		}
	}
	for _, a := range []string{"8.8.8.8", "192.0.2.1", "2001:db8::1", "::ffff:8.8.8.8"} {
		if !strict.permits(netip.MustParseAddr(a)) {
			t.Errorf("%s refused", a)
		}
	}
	nets, err := parseNetworks([]string{"10.0.0.0/8", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	open := guard{allowed: nets}
	for a, want := range map[string]bool{"10.9.9.9": true, "127.0.0.1": true, "::ffff:127.0.0.1": true,
		"127.0.0.2": false, "169.254.169.254": false, "192.168.0.1": false} {
		if open.permits(netip.MustParseAddr(a)) != want {
			t.Errorf("%s with 10.0.0.0/8 and 127.0.0.1 opened: permitted %v, want %v", a, !want, want)
		}
	}
	if err := open.control("tcp", "[::1]:80", nil); err == nil {
		t.Error("dial to [::1]:80 allowed")
	}
	if err := open.control("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("dial to an opened address refused: %v", err)
	}
}
