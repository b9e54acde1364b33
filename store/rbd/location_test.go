//go:build ceph

package rbd

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-glance/glance/store"
)

// TestParseLocation: Glance's two forms of rbd:// URLs parse to their
// parts and print back the same; other schemes are not this driver's
// (NotFound) and malformed rbd:// URLs are Invalid.
func TestParseLocation(t *testing.T) {
	for _, c := range []struct {
		url  string
		want location
	}{
		{"rbd://5d1b3c2e-6a0f/images/0b5a5b1e-2c4d/snap", location{"5d1b3c2e-6a0f", "images", "0b5a5b1e-2c4d", "snap"}},
		{"rbd://0b5a5b1e-2c4d", location{image: "0b5a5b1e-2c4d"}},
		{"rbd://fsid/my%20pool/img%2Fx/snap", location{"fsid", "my pool", "img/x", "snap"}},
	} {
		got, err := parseLocation(c.url)
		if err != nil || got != c.want {
			t.Errorf("parseLocation(%q) = %+v, %v; want %+v", c.url, got, err, c.want)
			continue
		}
		if got.String() != c.url {
			t.Errorf("location %+v prints as %q, want %q", got, got.String(), c.url)
		}
	}
	for _, c := range []struct {
		url  string
		want error
	}{
		{"", store.ErrNotFound},
		{"file:///var/lib/glance/images/x", store.ErrNotFound},
		{"RBD://x", store.ErrNotFound},
		{"rbd://", store.ErrInvalid},
		{"rbd://a/b", store.ErrInvalid},
		{"rbd://a/b/c", store.ErrInvalid},
		{"rbd://a/b/c/d/e", store.ErrInvalid},
		{"rbd://a//c/d", store.ErrInvalid},
		{"rbd://a/b/c/", store.ErrInvalid},
		{"rbd://a/b/%zz/d", store.ErrInvalid},
		{"rbd://imäge", store.ErrInvalid},
		{"rbd://a\x00b", store.ErrInvalid},
	} {
		if _, err := parseLocation(c.url); !errors.Is(err, c.want) {
			t.Errorf("parseLocation(%q): %v, want %v", c.url, err, c.want)
		}
	}
}

// TestCheckName: image ids RBD cannot name are refused as Invalid.
func TestCheckName(t *testing.T) {
	if err := checkName("0b5a5b1e-2c4d-4e6f-8a9b-0c1d2e3f4a5b"); err != nil {
		t.Fatalf("a UUID: %v", err)
	}
	for _, name := range []string{"", "a/b", "a@snap", "tab\tx", "é", string(make([]byte, 256))} {
		if err := checkName(name); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("checkName(%q): %v, want ErrInvalid", name, err)
		}
	}
}

// TestOpenOptions: Glance's options and defaults, and refusals that
// name the option at fault.
func TestOpenOptions(t *testing.T) {
	d, err := Open("ceph", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rd := d.(*Driver)
	if rd.o.Pool != "images" || rd.o.User != "" || rd.o.ConfFile != "" || rd.o.ChunkSize != 8<<20 || rd.order != 23 ||
		rd.o.ThinProvisioning || rd.o.ConnectTimeout != defaultConnectTimeout {
		t.Fatalf("defaults: %+v, order %d", rd.o, rd.order)
	}
	d, err = Open("", store.Options{"rbd_store_pool": "vms", "rbd_store_user": "glance", "rbd_store_chunk_size": "3",
		"rbd_thin_provisioning": "True", "rados_connect_timeout": "5", "rbd_store_ceph_conf": "/etc/ceph/x.conf"})
	if err != nil {
		t.Fatal(err)
	}
	rd = d.(*Driver)
	if rd.o.Pool != "vms" || rd.o.User != "glance" || rd.o.ChunkSize != 3<<20 || rd.order != 21 || !rd.o.ThinProvisioning ||
		rd.o.ConnectTimeout.Seconds() != 5 || rd.o.ConfFile != "/etc/ceph/x.conf" {
		t.Fatalf("options: %+v, order %d", rd.o, rd.order)
	}
	props := rd.Describe()
	if len(props) != 3 || props[0] != (store.Property{Key: "chunk_size", Value: int64(3 << 20)}) ||
		props[1] != (store.Property{Key: "pool", Value: "vms"}) || props[2] != (store.Property{Key: "thin_provisioning", Value: true}) {
		t.Fatalf("Describe = %+v", props)
	}
	for opt, v := range map[string]string{"rbd_store_chunk_size": "0", "rbd_thin_provisioning": "maybe",
		"rados_connect_timeout": "soon", "rbd_store_pool": " "} {
		if _, err := Open("", store.Options{opt: v}); err == nil || !strings.Contains(err.Error(), opt) {
			t.Errorf("%s = %q: %v, want an error naming the option", opt, v, err)
		}
	}
}
