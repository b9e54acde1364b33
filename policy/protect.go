package policy

import (
	"context"

	"github.com/go-glance/glance/domain"
)

// Property protections as Glance applies them to an image: a property
// the caller may not read is not there for it, neither in what it is
// shown nor in what it can change; creating, changing or removing one it
// sees needs the create, update or delete permission. Only extra
// properties are protected, never the base attributes.

// reserved is Glance's refusal of a protected property.
func reserved(name string) error {
	return domain.Errorf(domain.KindForbidden, "Attribute '%s' is reserved.", name)
}

// protectable reports whether name is an extra property a caller may
// set; the rest is the domain's to accept or refuse.
func protectable(name string) bool {
	return !domain.IsBase(name) && name != "locations" && domain.CheckWritable(name) == nil
}

// shown returns img as the caller of ctx sees it: without the properties
// it may not read. img itself is never changed, since the repository may
// hold it; a copy is made only when something is hidden.
func (prot *Protections) shown(ctx context.Context, img *domain.Image) (*domain.Image, error) {
	if prot == nil || img == nil {
		return img, nil
	}
	caller := domain.CallerFrom(ctx)
	var kept domain.Properties
	hidden := false
	for i, p := range img.Properties {
		ok, err := prot.allows(caller, p.Name, opRead)
		if err != nil {
			return nil, err
		}
		switch {
		case !ok && !hidden:
			hidden = true
			kept = append(make(domain.Properties, 0, len(img.Properties)-1), img.Properties[:i]...)
		case ok && hidden:
			kept = append(kept, p)
		}
	}
	if !hidden {
		return img, nil
	}
	// A new image with its own properties; the rest is shared, for
	// what an operation returns is only read from then on.
	out := *img
	out.Properties = kept
	return &out, nil
}

// checkCreate refuses, with Glance's 403, the first property the caller
// of ctx may not create.
func (prot *Protections) checkCreate(ctx context.Context, props domain.Properties) error {
	if prot == nil {
		return nil
	}
	caller := domain.CallerFrom(ctx)
	for _, p := range props {
		if !protectable(p.Name) {
			continue
		}
		ok, err := prot.allows(caller, p.Name, opCreate)
		if err != nil {
			return err
		}
		if !ok {
			return reserved(p.Name)
		}
	}
	return nil
}

// checkChanges walks a PATCH's changes in order over the properties of
// img the caller of ctx may read, as Glance applies them: replacing or
// removing a property it cannot read is Conflict ("does not exist");
// setting one it reads needs update, any other create; removing needs
// delete. It returns the changes to apply: an add over a property the
// caller cannot see overwrites it, as in Glance, so a strict add (the
// draft-4 media type) does not reveal that it exists.
func (prot *Protections) checkChanges(ctx context.Context, img *domain.Image, changes []domain.Change) ([]domain.Change, error) {
	if prot == nil {
		return changes, nil
	}
	caller := domain.CallerFrom(ctx)
	visible := make(map[string]bool, len(img.Properties))
	hidden := map[string]bool{}
	for _, p := range img.Properties {
		ok, err := prot.allows(caller, p.Name, opRead)
		if err != nil {
			return nil, err
		}
		visible[p.Name], hidden[p.Name] = ok, !ok
	}
	out, copied := changes, false
	for i, c := range changes {
		name := c.Path[0]
		if len(c.Path) != 1 || !protectable(name) {
			continue
		}
		op := opDelete
		switch {
		case c.Op == domain.OpRemove || c.Op == domain.OpReplace:
			if !visible[name] {
				return nil, domain.Detailf(domain.KindConflict, "Property %s does not exist.", name)
			}
		case c.Op != domain.OpAdd:
			continue
		case c.StrictAdd && visible[name]:
			return nil, domain.Detailf(domain.KindConflict, "Property %s already present.", name)
		}
		if c.Op != domain.OpRemove {
			// A property added by this patch but not readable is new
			// again to Glance: it checks create, not update.
			op = opCreate
			if visible[name] {
				readable, err := prot.allows(caller, name, opRead)
				if err != nil {
					return nil, err
				}
				if readable {
					op = opUpdate
				}
			}
		}
		ok, err := prot.allows(caller, name, op)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, reserved(name)
		}
		if c.Op == domain.OpRemove {
			delete(visible, name)
			continue
		}
		if c.StrictAdd && hidden[name] {
			if !copied {
				out, copied = append([]domain.Change(nil), changes...), true
			}
			out[i].StrictAdd = false
		}
		visible[name], hidden[name] = true, false
	}
	return out, nil
}
