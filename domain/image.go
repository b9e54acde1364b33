package domain

import "time"

// Status is where an image is in its life cycle.
type Status string

// Image statuses, as Glance names them.
const (
	StatusQueued        Status = "queued"
	StatusSaving        Status = "saving"
	StatusActive        Status = "active"
	StatusKilled        Status = "killed"
	StatusDeleted       Status = "deleted"
	StatusUploading     Status = "uploading"
	StatusImporting     Status = "importing"
	StatusPendingDelete Status = "pending_delete"
	StatusDeactivated   Status = "deactivated"
)

// Statuses lists every status in the order Glance's schema lists them.
var Statuses = []Status{StatusQueued, StatusSaving, StatusActive, StatusKilled,
	StatusDeleted, StatusUploading, StatusImporting, StatusPendingDelete, StatusDeactivated}

// Visibility is who may see an image besides its owner.
type Visibility string

// Visibilities.
const (
	VisibilityPublic    Visibility = "public"
	VisibilityPrivate   Visibility = "private"
	VisibilityShared    Visibility = "shared"
	VisibilityCommunity Visibility = "community"
)

// Visibilities lists every visibility in the order Glance's schema lists them.
var Visibilities = []Visibility{VisibilityCommunity, VisibilityPublic, VisibilityPrivate, VisibilityShared}

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool {
	for _, x := range Visibilities {
		if v == x {
			return true
		}
	}
	return false
}

// Image is a virtual machine disk image and its metadata. Optional
// attributes are pointers: nil is Glance's null.
type Image struct {
	ID              string
	Name            *string
	Status          Status
	Visibility      Visibility
	Protected       bool
	Hidden          bool // os_hidden
	Checksum        *string
	HashAlgo        *string // os_hash_algo
	HashValue       *string // os_hash_value
	Owner           *string
	Size            *int64
	VirtualSize     *int64
	ContainerFormat *string
	DiskFormat      *string
	MinDisk         int
	MinRAM          int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	// Tags is a set kept in insertion order.
	Tags []string
	// Properties are the additional (extra) properties.
	Properties Properties
	// Locations lists where the data is; only active locations are loaded.
	Locations []Location
}

// Location is one place holding an image's data.
type Location struct {
	// ID is the repository's identity of the location; zero for new ones.
	ID       int64
	URL      string
	Metadata map[string]any
}

// Store returns the backend id recorded in the location's metadata.
func (l Location) Store() string {
	s, _ := l.Metadata["store"].(string)
	return s
}

// HasTag reports whether the image carries tag.
func (img *Image) HasTag(tag string) bool {
	for _, t := range img.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// AddTag adds tag unless already present.
func (img *Image) AddTag(tag string) {
	if !img.HasTag(tag) {
		img.Tags = append(img.Tags, tag)
	}
}

// RemoveTag removes tag and reports whether it was there.
func (img *Image) RemoveTag(tag string) bool {
	for i, t := range img.Tags {
		if t == tag {
			img.Tags = append(img.Tags[:i:i], img.Tags[i+1:]...)
			return true
		}
	}
	return false
}

// SetTags replaces the tag set, dropping duplicates with a set so that a
// long list costs linear time.
func (img *Image) SetTags(tags []string) {
	img.Tags = nil
	if len(tags) == 0 {
		return
	}
	img.Tags = make([]string, 0, len(tags))
	seen := make(map[string]struct{}, len(tags))
	for _, t := range tags {
		if _, dup := seen[t]; !dup {
			seen[t] = struct{}{}
			img.Tags = append(img.Tags, t)
		}
	}
}

// Clone returns a deep copy, so that a failed change leaves the original
// untouched.
func (img *Image) Clone() *Image {
	c := *img
	c.Tags = append([]string(nil), img.Tags...)
	c.Properties = append(Properties(nil), img.Properties...)
	c.Locations = make([]Location, len(img.Locations))
	for i, l := range img.Locations {
		m := make(map[string]any, len(l.Metadata))
		for k, v := range l.Metadata {
			m[k] = v
		}
		c.Locations[i] = Location{ID: l.ID, URL: l.URL, Metadata: m}
	}
	return &c
}

// Property is one additional property of an image.
type Property struct {
	Name  string
	Value string
}

// Properties are an image's additional properties in insertion order.
// Images carry at most a few hundred, so lookups scan.
type Properties []Property

// Get returns the value of name and whether it is set.
func (p Properties) Get(name string) (string, bool) {
	for _, x := range p {
		if x.Name == name {
			return x.Value, true
		}
	}
	return "", false
}

// Set sets name to value, keeping the position of an existing property.
func (p *Properties) Set(name, value string) {
	for i := range *p {
		if (*p)[i].Name == name {
			(*p)[i].Value = value
			return
		}
	}
	*p = append(*p, Property{Name: name, Value: value})
}

// Delete removes name and reports whether it was set.
func (p *Properties) Delete(name string) bool {
	for i, x := range *p {
		if x.Name == name {
			*p = append((*p)[:i:i], (*p)[i+1:]...)
			return true
		}
	}
	return false
}
