package domain

import (
	"context"
	"io"
	"time"
)

// ImageService is the image API's behaviour, independent of HTTP. The
// policy and notifier packages decorate it; the gateway calls it.
//
// A request loads its image at most twice: the policy decorator loads
// it to decide and passes it down with WithLoaded, and a change loads
// it once more, locked, to apply itself to the current state.
type ImageService interface {
	// Create registers a new queued image. Returns Forbidden for
	// read-only or reserved properties, Invalid for bad values, Conflict
	// for an id that exists, TooLarge for tag or property quotas and
	// the image_count_total limit.
	Create(ctx context.Context, req NewImage) (*Image, error)
	// Get returns the image, or NotFound if it is absent or not visible.
	Get(ctx context.Context, id string) (*Image, error)
	// List returns one page of the images the caller may see. Returns
	// Invalid for an unknown marker or sort key, Forbidden for a marker
	// the caller may not see.
	List(ctx context.Context, req ListRequest) (*ImagePage, error)
	// Update applies changes in order and saves once; any failing change
	// aborts the whole update.
	Update(ctx context.Context, id string, changes []Change) (*Image, error)
	// Delete removes the image and its data. Returns Forbidden for a
	// protected image, NotFound if absent.
	Delete(ctx context.Context, id string) error
	// Deactivate hides an active image's data from non-admins; a no-op
	// when already deactivated. Forbidden from any other status. Like
	// every action, it returns the image as stored.
	Deactivate(ctx context.Context, id string) (*Image, error)
	// Reactivate undoes Deactivate; a no-op when active.
	Reactivate(ctx context.Context, id string) (*Image, error)
	// AddTag adds a tag (idempotent).
	AddTag(ctx context.Context, id, tag string) (*Image, error)
	// RemoveTag removes a tag; NotFound if the image lacks it.
	RemoveTag(ctx context.Context, id, tag string) (*Image, error)
	// Upload stores the image's data and makes it active. Returns
	// Conflict unless the image is queued (exactly one of concurrent
	// uploads wins), TooLarge beyond image_size_cap or the owner's
	// storage quota or unified limits (concurrent uploads of one owner
	// never exceed them together), Invalid when the announced size
	// differs from the data. On any failure the image is
	// queued again and no data is left behind. Returns the active image
	// as stored.
	Upload(ctx context.Context, id string, up Upload) (*Image, error)
	// Download opens the image's data, or the byte range r of it (nil:
	// all). Returns a Download with a nil Body for an image without data,
	// RangeNotSatisfiable for a range outside the data, Forbidden for a
	// deactivated image and a non-admin caller.
	Download(ctx context.Context, id string, r *ByteRange) (*Download, error)
	// DeleteFromStore removes the image's location in backend store
	// and then its data there. Returns NotFound without multi-store or
	// when the image has no location in store, Conflict for a store
	// not configured or an image that is not active, Forbidden when it
	// is the image's only location. Returns the image as stored.
	DeleteFromStore(ctx context.Context, id, store string) (*Image, error)
}

// NewImage is what a client asks for when creating an image.
type NewImage struct {
	ID              string // empty: generated
	Name            *string
	Visibility      Visibility // empty: shared
	Protected       bool
	Hidden          bool
	MinDisk         int
	MinRAM          int
	ContainerFormat *string
	DiskFormat      *string
	// Owner nil means the caller's project.
	Owner      *string
	Tags       []string
	Properties Properties
}

// Upload is image data arriving from a client.
type Upload struct {
	Data io.Reader
	// Size is the announced size, or -1 when unknown.
	Size int64
	// Store is the backend to write to; empty means the default.
	Store string
}

// ByteRange is a requested byte range. Last is inclusive; Last < 0 means
// to the end. With Suffix set, the range is the last Suffix bytes.
type ByteRange struct {
	First, Last int64
	Suffix      int64
}

// Download is opened image data.
type Download struct {
	Image *Image
	// Body is nil when the image has no data.
	Body io.ReadCloser
	// Offset and Length select the bytes Body yields out of Total.
	Offset, Length, Total int64
	Partial               bool
}

// ImageConfig tunes the image service; zero values are not defaults, see
// the configs package for those.
type ImageConfig struct {
	SizeCap       int64  // image_size_cap
	HashAlgorithm string // hashing_algorithm
	LimitDefault  int    // limit_param_default
	LimitMax      int    // api_limit_max
	PropertyQuota int    // image_property_quota, negative: unlimited
	TagQuota      int    // image_tag_quota, negative: unlimited
	DelayedDelete bool   // delayed_delete
	Now           func() time.Time
	NewID         func() string
	// Logf reports failures the caller does not see (e.g. leftover data
	// that could not be removed).
	Logf func(ctx context.Context, format string, args ...any)
	// Quotas enforces user_storage_quota or the unified limits; nil:
	// neither.
	Quotas *Quotas
	// ShowMultipleLocations (show_multiple_locations) opens the
	// locations to PATCH.
	ShowMultipleLocations bool
	// LocationQuota is image_location_quota; negative: unlimited.
	LocationQuota int
	// Locations orders each image's locations (location_strategy).
	Locations LocationStrategy
}
