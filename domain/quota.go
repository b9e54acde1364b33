package domain

import (
	"context"
	"fmt"
	"math"
)

// The unified limits Glance registers in Keystone for the image service.
const (
	LimitImageSizeTotal      = "image_size_total"      // MiB stored
	LimitImageStageTotal     = "image_stage_total"     // MiB staged for import
	LimitImageCountTotal     = "image_count_total"     // images
	LimitImageCountUploading = "image_count_uploading" // uploads and imports at once
)

// UsageResources are the unified limits in the order GET /v2/info/usage
// shows them.
var UsageResources = []string{LimitImageSizeTotal, LimitImageStageTotal, LimitImageCountTotal, LimitImageCountUploading}

// MiB is the unit of the size limits.
const MiB = 1 << 20

// Usage is what one project's images use, counted as Glance counts it.
type Usage struct {
	// Storage is bytes of image data: each image's size once per
	// location (killed and deleted images aside), plus the bytes the
	// project's uploads in progress have reserved.
	Storage int64
	// Staging is bytes staged for import: images uploading or
	// importing, and images being copied to more stores.
	Staging int64
	// Images counts the images that are neither killed nor deleted.
	Images int64
	// Uploading counts the images saving, uploading or importing, and
	// those being copied to more stores.
	Uploading int64
}

// UsageRepo measures what a project's images use and reserves storage
// for uploads. Implementations live in package dal. An owner of "" is
// the images without one.
type UsageRepo interface {
	// Usage returns what owner's images use.
	Usage(ctx context.Context, owner string) (Usage, error)
	// Reserve sets the storage reserved for the upload of image id, which
	// must be saving, to at least need and at most want bytes, provided
	// that owner's other images (their data and reservations) and the
	// reservation stay within limit. Checking and reserving is one
	// atomic step per owner: concurrent calls for one owner's images,
	// from any process sharing the database, take turns and see each
	// other's reservations. The reservation lives in the image's size
	// until the upload ends: the upload's final size or the move back to
	// queued replaces it. When the room is less than need nothing is
	// written and Granted is 0. Returns NotFound if the image is gone,
	// Conflict if it is no longer saving.
	Reserve(ctx context.Context, id, owner string, need, want, limit int64) (Reservation, error)
}

// Reservation is what Reserve did.
type Reservation struct {
	// Granted is the bytes now reserved for the upload; 0 when refused.
	Granted int64
	// Used is the bytes owner's other images hold or have reserved.
	Used int64
}

// Limits reads a project's unified limits for the image service from
// Keystone, as oslo.limit does: the project's own limit, else the
// registered default, else 0. A negative limit is unlimited.
type Limits interface {
	// Get returns the limits of project for resources, in their order.
	// An empty project gets the registered defaults. Returns Unavailable
	// when Keystone cannot say.
	Get(ctx context.Context, project string, resources ...string) ([]int64, error)
}

// ResourceUsage is one line of GET /v2/info/usage.
type ResourceUsage struct {
	Resource     string
	Limit, Usage int64
}

// Quotas enforces the quotas that depend on what a project uses:
// user_storage_quota, or with use_keystone_limits the unified limits
// in Keystone instead (as in Glance, the one excludes the other). A nil
// *Quotas enforces nothing.
type Quotas struct {
	usage UsageRepo
	// storage is user_storage_quota in bytes; 0 is unlimited.
	storage int64
	// limits is Keystone's unified limits; nil unless use_keystone_limits.
	limits Limits
}

// NewQuotas returns the quotas over usage: storageQuota bytes per
// project (user_storage_quota; 0: unlimited) or, when limits is not
// nil, the unified limits it reads. It returns nil when neither applies.
func NewQuotas(usage UsageRepo, storageQuota int64, limits Limits) *Quotas {
	if limits == nil && storageQuota <= 0 {
		return nil
	}
	return &Quotas{usage: usage, storage: storageQuota, limits: limits}
}

// checkCreate refuses a new image of owner beyond image_count_total.
// Like Glance it counts before the insert, so creates racing each other
// may pass together; storage alone is reserved atomically.
func (q *Quotas) checkCreate(ctx context.Context, owner string) error {
	if q == nil || q.limits == nil {
		return nil
	}
	limits, err := q.limits.Get(ctx, owner, LimitImageCountTotal)
	if err != nil {
		return err
	}
	if limits[0] < 0 {
		return nil
	}
	u, err := q.usage.Usage(ctx, owner)
	if err != nil {
		return err
	}
	if u.Images+1 > limits[0] {
		return limitExceededError(owner, overLimit{LimitImageCountTotal, limits[0], u.Images, 1})
	}
	return nil
}

// beginUpload checks the quotas an upload of size bytes (-1: unknown)
// to the saving image id of owner must pass before any data is read,
// and returns the allowance that reserves storage while data arrives;
// nil when no quota limits the upload's bytes.
func (q *Quotas) beginUpload(ctx context.Context, id, owner string, size int64) (*allowance, error) {
	if q == nil {
		return nil, nil
	}
	a := &allowance{ctx: ctx, usage: q.usage, id: id, owner: owner, limit: q.storage}
	if q.limits != nil {
		limits, err := q.limits.Get(ctx, owner, LimitImageSizeTotal, LimitImageCountUploading)
		if err != nil {
			return nil, err
		}
		u, err := q.usage.Usage(ctx, owner)
		if err != nil {
			return nil, err
		}
		// Glance's checks, each with no delta: a project already over a
		// limit uploads nothing more.
		sizeLimit, uploading := limits[0], limits[1]
		if sizeLimit >= 0 && u.Storage/MiB > sizeLimit {
			return nil, limitExceededError(owner, overLimit{LimitImageSizeTotal, sizeLimit, u.Storage / MiB, 0})
		}
		// This upload is saving already, so it counts itself.
		if uploading >= 0 && u.Uploading > uploading {
			return nil, limitExceededError(owner, overLimit{LimitImageCountUploading, uploading, u.Uploading, 0})
		}
		if sizeLimit < 0 {
			return nil, nil
		}
		a.limit, a.unified = math.MaxInt64, true
		if sizeLimit <= math.MaxInt64/MiB {
			a.limit = sizeLimit * MiB
		}
	}
	// A known size is reserved whole, as Glance compares it with what
	// remains.
	if size > 0 {
		if err := a.reserve(size, size); err != nil {
			return nil, err
		}
		return a, nil
	}
	// Glance reads an empty body's size as unknown too. Under a unified
	// limit it only refuses a project already over, so the first byte
	// that arrives is the first one to reserve.
	if a.unified {
		return a, nil
	}
	// user_storage_quota needs room for a byte before reading. The room
	// is not known yet: the first step is a small one.
	granted, err := a.try(1, 1+minReserveNear)
	if err != nil {
		return nil, err
	}
	if !granted {
		return nil, storageQuotaError("None", a.limit-a.used)
	}
	return a, nil
}

// allowance is how many bytes an upload may store under its quota. It
// grows as data arrives, reserving ahead so that the database is asked
// a few dozen times per GiB, and less far ahead as the quota fills up,
// so that concurrent uploads of one project rarely keep each other from
// room that real data would have fitted in.
type allowance struct {
	ctx       context.Context
	usage     UsageRepo
	id, owner string
	limit     int64 // bytes the owner may store in all
	unified   bool  // the limit is image_size_total rather than user_storage_quota
	granted   int64 // bytes reserved for this upload
	used      int64 // bytes the owner's other images held at the last reservation
}

// Reservations grow by a quarter of what has arrived, within these
// bounds, and by at most half the room left.
const (
	minReserveAhead = 8 << 20
	maxReserveAhead = 1 << 30
	// minReserveNear keeps the last steps before a full quota from
	// shrinking to a few bytes each.
	minReserveNear = 1 << 20
)

// ahead returns how far to reserve once read bytes have arrived.
func (a *allowance) ahead(read int64) int64 {
	step := min(max(read/4, minReserveAhead), maxReserveAhead)
	if room := a.limit - a.used - read; room/2 < step {
		step = max(room/2, minReserveNear)
	}
	if read > math.MaxInt64-step {
		return math.MaxInt64
	}
	return read + step
}

// extend is called with the bytes read so far once they pass the
// allowance; it returns the new allowance, or the quota's TooLarge.
func (a *allowance) extend(read int64) (int64, error) {
	if err := a.reserve(read, a.ahead(read)); err != nil {
		return 0, err
	}
	return a.granted, nil
}

// reserve reserves at least need and at most want bytes, or returns
// the quota's TooLarge.
func (a *allowance) reserve(need, want int64) error {
	granted, err := a.try(need, want)
	if err == nil && !granted {
		err = a.exceeded(need)
	}
	return err
}

// try is reserve reporting a refusal as false.
func (a *allowance) try(need, want int64) (bool, error) {
	r, err := a.usage.Reserve(a.ctx, a.id, a.owner, need, want, a.limit)
	if err != nil {
		return false, err
	}
	a.used = r.Used
	if r.Granted == 0 {
		return false, nil
	}
	a.granted = r.Granted
	return true, nil
}

// exceeded is the 413 for an upload that needs size bytes where the
// quota has less room.
func (a *allowance) exceeded(size int64) error {
	if !a.unified {
		return storageQuotaError(fmt.Sprint(size), a.limit-a.used)
	}
	// In MiB as oslo.limit counts, rounded so that usage plus delta
	// exceeds the limit as the bytes do.
	usage := a.used / MiB
	delta := (a.used+size+MiB-1)/MiB - usage
	return limitExceededError(a.owner, overLimit{LimitImageSizeTotal, a.limit / MiB, usage, delta})
}

// Report returns the caller's project's usage against each unified
// limit, as GET /v2/info/usage shows it (sizes in MiB); nil without
// use_keystone_limits.
func (q *Quotas) Report(ctx context.Context) ([]ResourceUsage, error) {
	if q == nil || q.limits == nil {
		return nil, nil
	}
	project := CallerFrom(ctx).ProjectID
	limits, err := q.limits.Get(ctx, project, UsageResources...)
	if err != nil {
		return nil, err
	}
	u, err := q.usage.Usage(ctx, project)
	if err != nil {
		return nil, err
	}
	used := []int64{u.Storage / MiB, u.Staging / MiB, u.Images, u.Uploading}
	report := make([]ResourceUsage, len(UsageResources))
	for i, r := range UsageResources {
		report[i] = ResourceUsage{Resource: r, Limit: limits[i], Usage: used[i]}
	}
	return report, nil
}

// overLimit is one resource a request would take past its limit, as
// oslo.limit's OverLimitInfo describes it.
type overLimit struct {
	resource            string
	limit, usage, delta int64
}

// limitExceededError is Glance's 413 for a unified limit that a request
// would exceed, with oslo.limit's account of it. Glance checks one
// limit at a time, so the list has one item.
func limitExceededError(project string, o overLimit) error {
	if project == "" {
		project = "None"
	}
	return Errorf(KindTooLarge, "The request returned a 413 Request Entity Too Large. This generally means that "+
		"rate limiting or a quota threshold was breached.\n\nThe response body:\n"+
		"Project %s is over a limit for [Resource %s is over limit of %d due to current usage %d and delta %d]",
		project, o.resource, o.limit, o.usage, o.delta)
}

// storageQuotaError is Glance's 413 for an upload of size bytes ("None"
// when unknown) past user_storage_quota, which leaves remaining bytes.
func storageQuotaError(size string, remaining int64) error {
	return Errorf(KindTooLarge, "Image exceeds the storage quota: The size of the data %s will exceed the limit. %d bytes remaining.",
		size, remaining)
}
