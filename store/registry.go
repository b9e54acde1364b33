package store

import (
	"fmt"

	"github.com/go-glance/glance/domain"
)

// Registry is the set of configured backends; it implements
// domain.Stores. It is immutable and safe for concurrent use.
type Registry struct {
	backends []*Backend
	byID     map[string]*Backend
	def      string
	multi    bool
}

var _ domain.Stores = (*Registry)(nil)

// NewRegistry returns the registry of backends in configured order.
// defaultID names the default backend ("" picks the first); multi tells
// whether enabled_backends configured named backends. In single-store
// mode pass the backends of [glance_store] stores, each with its type as
// id, default_store's type as defaultID, and multi false: writes go to
// the default, locations to the backend that owns them.
//
// It returns an error for no backends, an empty or repeated id, a nil
// driver, or an unknown defaultID.
func NewRegistry(backends []*Backend, defaultID string, multi bool) (*Registry, error) {
	if len(backends) == 0 {
		return nil, fmt.Errorf("store: no backends configured")
	}
	r := &Registry{backends: append([]*Backend(nil), backends...), byID: map[string]*Backend{}, def: defaultID, multi: multi}
	for _, b := range backends {
		switch {
		case b == nil || b.driver == nil:
			return nil, fmt.Errorf("store: backend without a driver")
		case b.id == "":
			return nil, fmt.Errorf("store: backend with an empty id")
		case r.byID[b.id] != nil:
			return nil, fmt.Errorf("store: backend %q configured twice", b.id)
		}
		r.byID[b.id] = b
	}
	if r.def == "" {
		r.def = backends[0].id
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
		return r.byID[r.def].store(), nil
	}
	if b := r.byID[id]; b != nil {
		return b.store(), nil
	}
	return nil, domain.Errorf(domain.KindInvalid, "Unknown scheme '%s' found in URI", id)
}

// ForLocation returns the backend that holds loc: the one its "store"
// metadata names when that backend is configured, else the first whose
// driver Owns loc.URL. Returns NotFound if no backend serves it.
func (r *Registry) ForLocation(loc domain.Location) (domain.Store, error) {
	if b := r.byID[loc.Store()]; b != nil {
		return b.store(), nil
	}
	for _, b := range r.backends {
		if o, ok := b.driver.(Owner); ok && o.Owns(loc.URL) {
			return b.store(), nil
		}
	}
	return nil, domain.Errorf(domain.KindNotFound, "No configured store serves the image location.")
}

// IDs lists the backend ids in configured order.
func (r *Registry) IDs() []string {
	ids := make([]string, len(r.backends))
	for i, b := range r.backends {
		ids[i] = b.id
	}
	return ids
}

// Backends lists the backends in configured order.
func (r *Registry) Backends() []*Backend { return append([]*Backend(nil), r.backends...) }

// Default is the id of the default backend.
func (r *Registry) Default() string { return r.def }

// Multi reports whether named backends are configured (enabled_backends).
func (r *Registry) Multi() bool { return r.multi }
