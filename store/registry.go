package store

import (
	"fmt"

	"github.com/go-glance/glance/domain"
)

// Backend is one configured store: its id (a key of enabled_backends,
// or "file" in single-store mode) and its driver.
type Backend struct {
	ID     string
	Driver Driver
}

// Registry is the set of configured backends; it implements
// domain.Stores. It is immutable and safe for concurrent use.
type Registry struct {
	backends []Backend
	byID     map[string]Driver
	def      string
	multi    bool
}

var _ domain.Stores = (*Registry)(nil)

// NewRegistry returns the registry of backends in configured order.
// defaultID names the default backend ("" picks the first); multi tells
// whether enabled_backends configured named backends. In single-store
// mode pass one backend, ID "file", and multi false.
//
// It returns an error for no backends, an empty or repeated id, a nil
// driver, an unknown defaultID, or several backends without multi.
func NewRegistry(backends []Backend, defaultID string, multi bool) (*Registry, error) {
	if len(backends) == 0 {
		return nil, fmt.Errorf("store: no backends configured")
	}
	if !multi && len(backends) > 1 {
		return nil, fmt.Errorf("store: %d backends configured without multi-store", len(backends))
	}
	r := &Registry{backends: append([]Backend(nil), backends...), byID: map[string]Driver{}, def: defaultID, multi: multi}
	for _, b := range backends {
		switch {
		case b.ID == "":
			return nil, fmt.Errorf("store: backend with an empty id")
		case b.Driver == nil:
			return nil, fmt.Errorf("store: backend %q has no driver", b.ID)
		case r.byID[b.ID] != nil:
			return nil, fmt.Errorf("store: backend %q configured twice", b.ID)
		}
		r.byID[b.ID] = b.Driver
	}
	if r.def == "" {
		r.def = backends[0].ID
	}
	if r.byID[r.def] == nil {
		return nil, fmt.Errorf("store: default backend %q is not configured", r.def)
	}
	return r, nil
}

// Store returns backend id, or the default backend for "". In
// single-store mode every id gives the one backend, as Glance ignores
// X-Image-Meta-Store unless enabled_backends is set. Returns Invalid for
// an unknown id in multi-store mode.
func (r *Registry) Store(id string) (domain.Store, error) {
	if id == "" || !r.multi {
		return r.byID[r.def], nil
	}
	if d := r.byID[id]; d != nil {
		return d, nil
	}
	return nil, domain.Errorf(domain.KindInvalid, "Unknown scheme '%s' found in URI", id)
}

// ForLocation returns the backend that holds loc: the one its "store"
// metadata names when that backend is configured, else the first whose
// driver Owns loc.URL. Returns NotFound if no backend serves it.
func (r *Registry) ForLocation(loc domain.Location) (domain.Store, error) {
	if d := r.byID[loc.Store()]; d != nil {
		return d, nil
	}
	for _, b := range r.backends {
		if o, ok := b.Driver.(Owner); ok && o.Owns(loc.URL) {
			return b.Driver, nil
		}
	}
	return nil, domain.Errorf(domain.KindNotFound, "No configured store serves the image location.")
}

// IDs lists the backend ids in configured order.
func (r *Registry) IDs() []string {
	ids := make([]string, len(r.backends))
	for i, b := range r.backends {
		ids[i] = b.ID
	}
	return ids
}

// Default is the id of the default backend.
func (r *Registry) Default() string { return r.def }

// Multi reports whether named backends are configured (enabled_backends).
func (r *Registry) Multi() bool { return r.multi }
