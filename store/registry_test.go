package store_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
)

// plainDriver cannot tell its own URLs.
type plainDriver struct{}

func (plainDriver) Put(context.Context, string, io.Reader, int64) (domain.StoredData, error) {
	return domain.StoredData{}, nil
}
func (plainDriver) Get(context.Context, string, int64, int64) (io.ReadCloser, error) { return nil, nil }
func (plainDriver) Delete(context.Context, string) error                             { return nil }
func (plainDriver) Stat(context.Context, string) (int64, error)                      { return 0, nil }

// fakeDriver owns the URLs that start with its prefix.
type fakeDriver struct {
	plainDriver
	prefix string
}

func (f *fakeDriver) Owns(url string) bool { return strings.HasPrefix(url, f.prefix) }

// driverOf is the driver under a store the registry returns.
func driverOf(s domain.Store) store.Driver {
	switch b := s.(type) {
	case *store.Backend:
		return b.Driver()
	case interface{ Driver() store.Driver }:
		return b.Driver()
	}
	return nil
}

func mustRegistry(t *testing.T, backends []*store.Backend, def string, multi bool) *store.Registry {
	t.Helper()
	r, err := store.NewRegistry(backends, def, multi)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRegistrySingle(t *testing.T) {
	file := &fakeDriver{prefix: "file:///var/lib/glance/images/"}
	r := mustRegistry(t, []*store.Backend{store.NewBackend("file", file)}, "", false)
	if r.Multi() || r.Default() != "file" || !slices.Equal(r.IDs(), []string{"file"}) {
		t.Fatalf("Multi %v, Default %q, IDs %v", r.Multi(), r.Default(), r.IDs())
	}
	for _, id := range []string{"", "file", "other"} {
		if got, err := r.Store(id); err != nil || driverOf(got) != file {
			t.Errorf("Store(%q) = %v, %v; single-store gives its one backend", id, got, err)
		}
	}
	got, err := r.ForLocation(domain.Location{URL: "file:///var/lib/glance/images/x", Metadata: map[string]any{}})
	if err != nil || driverOf(got) != file {
		t.Errorf("ForLocation by URL = %v, %v", got, err)
	}
	_, err = r.ForLocation(domain.Location{URL: "file:///etc/passwd"})
	if !domain.IsKind(err, domain.KindNotFound) {
		t.Errorf("ForLocation of a foreign URL: %v, want NotFound", err)
	}
}

func TestRegistryMulti(t *testing.T) {
	fast := &fakeDriver{prefix: "file:///fast/"}
	slow := &fakeDriver{prefix: "file:///slow/"}
	blind := &plainDriver{}
	r := mustRegistry(t, []*store.Backend{store.NewBackend("slow", slow), store.NewBackend("fast", fast), store.NewBackend("s3", blind)}, "fast", true)
	if !r.Multi() || r.Default() != "fast" || !slices.Equal(r.IDs(), []string{"slow", "fast", "s3"}) {
		t.Fatalf("Multi %v, Default %q, IDs %v", r.Multi(), r.Default(), r.IDs())
	}
	for id, want := range map[string]store.Driver{"": fast, "fast": fast, "slow": slow, "s3": blind} {
		if got, err := r.Store(id); err != nil || driverOf(got) != want {
			t.Errorf("Store(%q) = %v, %v", id, got, err)
		}
	}
	_, err := r.Store("nope")
	if !domain.IsKind(err, domain.KindInvalid) || domain.ErrorMessage(err) != "Unknown scheme 'nope' found in URI" {
		t.Errorf("Store(unknown): %v", err)
	}
	cases := []struct {
		loc  domain.Location
		want store.Driver
	}{
		{domain.Location{URL: "file:///fast/x", Metadata: map[string]any{"store": "slow"}}, slow},
		{domain.Location{URL: "file:///fast/x", Metadata: map[string]any{"store": "gone"}}, fast},
		{domain.Location{URL: "file:///slow/x"}, slow},
		{domain.Location{URL: "s3://bucket/x", Metadata: map[string]any{"store": "s3"}}, blind},
	}
	for _, c := range cases {
		if got, err := r.ForLocation(c.loc); err != nil || driverOf(got) != c.want {
			t.Errorf("ForLocation(%v) = %v, %v; want %v", c.loc, got, err, c.want)
		}
	}
	if _, err := r.ForLocation(domain.Location{URL: "s3://bucket/x"}); !domain.IsKind(err, domain.KindNotFound) {
		t.Errorf("ForLocation of a URL no driver owns: %v", err)
	}
}

func TestNewRegistryErrors(t *testing.T) {
	d := &fakeDriver{}
	cases := map[string]struct {
		backends []*store.Backend
		def      string
		multi    bool
	}{
		"none":            {nil, "", true},
		"empty id":        {[]*store.Backend{store.NewBackend("", d)}, "", true},
		"nil driver":      {[]*store.Backend{store.NewBackend("a", nil)}, "", true},
		"nil backend":     {[]*store.Backend{nil}, "", true},
		"twice":           {[]*store.Backend{store.NewBackend("a", d), store.NewBackend("a", d)}, "", true},
		"unknown default": {[]*store.Backend{store.NewBackend("a", d)}, "b", true},
	}
	for name, c := range cases {
		if _, err := store.NewRegistry(c.backends, c.def, c.multi); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
