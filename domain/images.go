package domain

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/go-glance/glance/domain/fault"
)

type imageService struct {
	repo   ImageRepo
	stores Stores
	cfg    ImageConfig
}

// NewImageService returns the image service over repo and stores.
func NewImageService(repo ImageRepo, stores Stores, cfg ImageConfig) ImageService {
	if len(cfg.Locations.StoreTypes) > 0 {
		repo = orderedRepo{ImageRepo: repo, order: cfg.Locations}
	}
	return &imageService{repo: repo, stores: stores, cfg: cfg}
}

var _ ImageService = (*imageService)(nil)

func (s *imageService) logf(ctx context.Context, format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(ctx, format, args...)
	}
}

func (s *imageService) Create(ctx context.Context, req NewImage) (*Image, error) {
	caller := CallerFrom(ctx)
	// Glance's order: reserved names, the quotas (tags counted as sent),
	// then what the database cannot store; counts come before any
	// per-item work.
	for _, p := range req.Properties {
		if err := CheckWritable(p.Name); err != nil {
			return nil, err
		}
	}
	owner := caller.ProjectID
	if req.Owner != nil {
		owner = *req.Owner
	}
	if err := s.cfg.Quotas.checkCreate(ctx, owner); err != nil {
		return nil, err
	}
	if OverQuota(len(req.Tags), s.cfg.TagQuota) {
		return nil, TagLimitError(len(req.Tags), s.cfg.TagQuota)
	}
	if n := countUserProperties(req.Properties); OverQuota(n, s.cfg.PropertyQuota) {
		return nil, PropertyLimitError(n, s.cfg.PropertyQuota)
	}
	if err := checkNewImageStorable(req); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	img := &Image{
		ID:              req.ID,
		Name:            req.Name,
		Status:          StatusQueued,
		Visibility:      req.Visibility,
		Protected:       req.Protected,
		Hidden:          req.Hidden,
		MinDisk:         req.MinDisk,
		MinRAM:          req.MinRAM,
		ContainerFormat: req.ContainerFormat,
		DiskFormat:      req.DiskFormat,
		Owner:           req.Owner,
		CreatedAt:       now,
		UpdatedAt:       now,
		Properties:      append(Properties(nil), req.Properties...),
	}
	if img.ID == "" {
		img.ID = s.cfg.NewID()
	}
	if img.Visibility == "" {
		img.Visibility = VisibilityShared
	}
	if img.Owner == nil && caller.ProjectID != "" {
		p := caller.ProjectID
		img.Owner = &p
	}
	if img.Owner != nil && *img.Owner == "" {
		img.Owner = nil
	}
	img.SetTags(req.Tags)
	if err := s.repo.Create(ctx, img); err != nil {
		return nil, err
	}
	return img, nil
}

// checkNewImageStorable refuses what the database cannot store, in the
// order Glance's database layer looks: name, owner, each property (name,
// then value), then the tags.
func checkNewImageStorable(req NewImage) error {
	for _, a := range []struct {
		name  string
		value *string
	}{{"name", req.Name}, {"owner", req.Owner}} {
		if a.value != nil {
			if err := CheckStorableValue(a.name, *a.value); err != nil {
				return err
			}
		}
	}
	for _, p := range req.Properties {
		if err := CheckStorableName(p.Name); err != nil {
			return err
		}
		if err := CheckStorableValue(p.Name, p.Value); err != nil {
			return err
		}
	}
	for _, t := range req.Tags {
		if err := CheckTag(t); err != nil {
			return err
		}
	}
	return nil
}

func countUserProperties(p Properties) int {
	n := 0
	for _, x := range p {
		if !strings.HasPrefix(x.Name, ReservedPrefix) {
			n++
		}
	}
	return n
}

func (s *imageService) Get(ctx context.Context, id string) (*Image, error) {
	return s.repo.Get(ctx, id, CallerFrom(ctx).Viewer())
}

// load returns image id as this request loaded it already, else as the
// repository has it for the caller.
func (s *imageService) load(ctx context.Context, id string) (*Image, error) {
	if img := Loaded(ctx, id); img != nil {
		return img, nil
	}
	return s.repo.Get(ctx, id, CallerFrom(ctx).Viewer())
}

func (s *imageService) List(ctx context.Context, req ListRequest) (*ImagePage, error) {
	caller := CallerFrom(ctx)
	limit := req.Limit
	if limit < 0 {
		limit = s.cfg.LimitDefault
	}
	if limit > s.cfg.LimitMax {
		limit = s.cfg.LimitMax
	}
	q := ImageQuery{Viewer: caller.Viewer(), Filter: req.Filter, Limit: limit}
	q.Sort = withTieBreakers(req.Sort)
	if req.Marker != "" {
		// A marker the caller may not see is answered as one that does
		// not exist (Glance's 403 would tell that it exists).
		marker, err := s.repo.Get(ctx, req.Marker, q.Viewer)
		if IsKind(err, KindNotFound) {
			return nil, Errorf(KindInvalid, "No image found with ID %s", req.Marker)
		}
		if err != nil {
			return nil, err
		}
		q.After = marker
	}
	if limit == 0 {
		return &ImagePage{}, nil
	}
	images, err := s.repo.List(ctx, q)
	if err != nil {
		return nil, err
	}
	return &ImagePage{Images: images, More: len(images) == limit && limit > 0}, nil
}

// withTieBreakers appends created_at and id, as Glance does, so that
// pages are stable; they take the single given direction, else desc.
func withTieBreakers(keys []SortKey) []SortKey {
	if len(keys) == 0 {
		return []SortKey{{Key: "created_at", Desc: true}, {Key: "id", Desc: true}}
	}
	desc := true
	if len(keys) == 1 {
		desc = keys[0].Desc
	}
	out := append([]SortKey(nil), keys...)
	for _, k := range []string{"created_at", "id"} {
		found := false
		for _, x := range keys {
			found = found || x.Key == k
		}
		if !found {
			out = append(out, SortKey{Key: k, Desc: desc})
		}
	}
	return out
}

// update runs change on the image under the repository's
// compare-and-swap, after the checks every modification shares.
func (s *imageService) update(ctx context.Context, id string, change func(*Image) error) (*Image, error) {
	return s.repo.Update(ctx, id, CallerFrom(ctx).Viewer(), s.cfg.Now().UTC(), change)
}

func (s *imageService) Update(ctx context.Context, id string, changes []Change) (*Image, error) {
	prep := s.prepareLocations(ctx, id, changes)
	var removed []Location
	img, err := s.update(ctx, id, func(img *Image) error {
		removed = nil // the repository may run a change again
		before := countUserProperties(img.Properties)
		for _, c := range changes {
			if c.Path[0] == "locations" {
				gone, err := s.changeLocations(ctx, img, c, prep)
				if err != nil {
					return err
				}
				removed = append(removed, gone...)
				continue
			}
			if err := img.Apply(c); err != nil {
				return err
			}
		}
		if n := countUserProperties(img.Properties); n > before && OverQuota(n, s.cfg.PropertyQuota) {
			return PropertyLimitError(n, s.cfg.PropertyQuota)
		}
		if OverQuota(len(img.Tags), s.cfg.TagQuota) {
			return TagLimitError(len(img.Tags), s.cfg.TagQuota)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The data of a removed location goes once no location names it.
	s.deleteData(ctx, unreferenced(removed, img.Locations))
	return img, nil
}

func (s *imageService) Delete(ctx context.Context, id string) error {
	img, err := s.load(ctx, id)
	if IsKind(err, KindNotFound) {
		return Errorf(KindNotFound, "Failed to find image %s to delete", id)
	}
	if err != nil {
		return err
	}
	if img.Protected {
		return Errorf(KindForbidden, "Image %s is protected and cannot be deleted.", id)
	}
	to := StatusDeleted
	if s.cfg.DelayedDelete && len(img.Locations) > 0 {
		to = StatusPendingDelete
		if !CanMove(img.Status, to) {
			return Errorf(KindInvalid, "Image status transition from %s to %s is not allowed", img.Status, to)
		}
	}
	if to == StatusDeleted {
		if err := checkNotInUse(ctx, s.stores, img.Locations); err != nil {
			return err
		}
	}
	// A saving image's upload may have died with its server, which on a
	// shared database no other server can tell from a live one. Its data
	// goes first, as Glance removes data before the record, so that a
	// backend that still holds it (Ceph keeps a dead client's watch on
	// an RBD image for 30 s) fails the delete instead of keeping data no
	// record points to. A live upload then fails, or finds the image
	// gone and removes what it stored.
	saving := img.Status == StatusSaving && len(img.Locations) == 0
	if saving {
		if err := discardData(context.WithoutCancel(ctx), s.stores, id); err != nil {
			return err
		}
	}
	if err := s.repo.Delete(ctx, id, img.Status, to, s.cfg.Now().UTC()); err != nil {
		if IsKind(err, KindNotFound) {
			return Errorf(KindNotFound, "Failed to find image %s to delete", id)
		}
		return err
	}
	if to == StatusDeleted {
		s.deleteData(ctx, img.Locations)
	}
	// An upload cut off by a crash may have stored data that no location
	// records.
	if len(img.Locations) == 0 && !saving {
		if err := discardData(context.WithoutCancel(ctx), s.stores, id); err != nil {
			s.logf(ctx, "Failed to remove data left for image %s: %v", id, err)
		}
	}
	return nil
}

// deleteData removes the data at locs, whose rows the caller has marked
// deleted. Data already gone counts as removed. A location whose data
// cannot be removed (its store is down) is recorded pending_delete when
// the repository keeps such records (PendingDeletes), for the clean-up
// to remove later, so that it is never silently orphaned. Nothing here
// fails the caller: the locations are gone from the image either way.
func (s *imageService) deleteData(ctx context.Context, locs []Location) {
	ctx = context.WithoutCancel(ctx) // a client that leaves must not orphan data
	var pending []int64
	for _, loc := range locs {
		if err := deleteLocationData(ctx, s.stores, loc); err != nil {
			s.logf(ctx, "Failed to delete the image data of location %d: %v", loc.ID, err)
			if loc.ID != 0 {
				pending = append(pending, loc.ID)
			}
		}
	}
	if len(pending) == 0 {
		return
	}
	pd, ok := s.repo.(PendingDeletes)
	if !ok {
		s.logf(ctx, "Image data of location(s) %v is left in its store: nothing records it for clean-up", pending)
		return
	}
	if err := pd.MarkPendingDelete(ctx, pending); err != nil {
		s.logf(ctx, "Image data of location(s) %v is left in its store: recording it for clean-up failed: %v", pending, err)
		return
	}
	s.logf(ctx, "Recorded the image data of location(s) %v for clean-up once the store is back", pending)
}

func (s *imageService) Deactivate(ctx context.Context, id string) (*Image, error) {
	return s.update(ctx, id, func(img *Image) error {
		switch img.Status {
		case StatusDeactivated:
			return nil
		case StatusActive:
			return img.MoveTo(StatusDeactivated)
		}
		return Errorf(KindForbidden, "Not allowed to deactivate image in status '%s'", img.Status)
	})
}

func (s *imageService) Reactivate(ctx context.Context, id string) (*Image, error) {
	return s.update(ctx, id, func(img *Image) error {
		switch img.Status {
		case StatusActive:
			return nil
		case StatusDeactivated:
			return img.MoveTo(StatusActive)
		}
		return Errorf(KindForbidden, "Not allowed to reactivate image in status '%s'", img.Status)
	})
}

func (s *imageService) AddTag(ctx context.Context, id, tag string) (*Image, error) {
	if err := CheckTag(tag); err != nil {
		return nil, err
	}
	return s.update(ctx, id, func(img *Image) error {
		img.AddTag(tag)
		if OverQuota(len(img.Tags), s.cfg.TagQuota) {
			return TagLimitError(len(img.Tags), s.cfg.TagQuota)
		}
		return nil
	})
}

func (s *imageService) RemoveTag(ctx context.Context, id, tag string) (*Image, error) {
	return s.update(ctx, id, func(img *Image) error {
		if !img.RemoveTag(tag) {
			return Errorf(KindNotFound, "The resource could not be found.")
		}
		return nil
	})
}

func (s *imageService) Upload(ctx context.Context, id string, up Upload) (*Image, error) {
	var active *Image
	err := s.upload(ctx, id, up, &active)
	if err != nil {
		return nil, err
	}
	return active, nil
}

// upload is Upload, leaving the active image in *active. The move to
// active writes over the image the move to saving returned: only the
// status is compared, so what others changed meanwhile is kept.
func (s *imageService) upload(ctx context.Context, id string, up Upload, active **Image) (err error) {
	if up.Size > s.cfg.SizeCap {
		return Errorf(KindTooLarge, "The incoming image is too large: The provided image is too large.")
	}
	st, err := s.stores.Store(up.Store)
	if err != nil {
		return err
	}
	// A queued image has no data, so whatever is stored under its id
	// was left by a crash; this request owns the upload from here on.
	var orphaned bool
	saving, err := s.update(ctx, id, func(img *Image) error {
		orphaned = img.Status == StatusQueued && len(img.Locations) == 0
		return img.MoveTo(StatusSaving)
	})
	if err != nil {
		return err
	}
	fault.Crash(fault.UploadSaving)
	var stored *StoredData
	defer func() {
		if err == nil {
			return
		}
		// Put removes its own partial data; what is stored already goes.
		bg := context.WithoutCancel(ctx)
		if stored != nil {
			if derr := st.Delete(bg, stored.URL); derr != nil && !IsKind(derr, KindNotFound) {
				s.logf(ctx, "Failed to remove data of failed upload at %s: %v", stored.URL, derr)
			}
		}
		_, rerr := s.repo.Update(bg, id, Viewer{Admin: true}, s.cfg.Now().UTC(), func(img *Image) error {
			if img.Status != StatusSaving {
				return nil
			}
			return img.MoveTo(StatusQueued)
		})
		if rerr != nil && !IsKind(rerr, KindNotFound) {
			s.logf(ctx, "Failed to return image %s to queued: %v", id, rerr)
		}
		if IsKind(rerr, KindNotFound) && IsKind(err, KindNotFound) {
			err = Errorf(KindGone, "Image %s could not be found after upload. The image may have been deleted during the upload.", id)
		}
	}()
	allowance, err := s.cfg.Quotas.beginUpload(ctx, id, ownerOf(saving), up.Size)
	if err != nil {
		return err
	}
	digest := newDigester(up.Data, s.cfg.SizeCap, s.cfg.HashAlgorithm)
	if allowance != nil {
		digest.withAllowance(allowance.granted, allowance.extend)
	}
	defer digest.Close()
	data, err := st.Put(ctx, id, digest, up.Size)
	if IsKind(err, KindConflict) && orphaned && !digest.started() {
		if derr := discardData(context.WithoutCancel(ctx), s.stores, id); derr != nil {
			return derr
		}
		s.logf(ctx, "Removed data that an interrupted upload left for image %s", id)
		data, err = st.Put(ctx, id, digest, up.Size)
	}
	if err != nil {
		if derr := digest.Err(); derr != nil {
			return derr
		}
		return err
	}
	stored = &data
	fault.Crash(fault.UploadStored)
	sum, err := digest.Sum()
	if err != nil {
		return err
	}
	if up.Size >= 0 && sum.Size != up.Size {
		return Errorf(KindInvalid, "Size of uploaded data (%d bytes) does not match the announced size (%d bytes).", sum.Size, up.Size)
	}
	*active, err = s.repo.UpdateLoaded(ctx, saving, s.cfg.Now().UTC(), func(img *Image) error {
		if img.Status != StatusSaving {
			return Errorf(KindConflict, "Image status transition from %s to active is not allowed", img.Status)
		}
		if err := checkSame("checksum", img.Checksum, sum.MD5); err != nil {
			return err
		}
		if err := checkSame("os_hash_value", img.HashValue, sum.Hash); err != nil {
			return err
		}
		size := sum.Size
		img.Size = &size
		if img.DiskFormat != nil && *img.DiskFormat == "raw" && img.VirtualSize == nil {
			img.VirtualSize = &size
		}
		md5, algo, hash := sum.MD5, s.cfg.HashAlgorithm, sum.Hash
		img.Checksum, img.HashAlgo, img.HashValue = &md5, &algo, &hash
		meta := data.Metadata
		if meta == nil {
			meta = map[string]any{}
		}
		img.Locations = append(img.Locations, Location{URL: data.URL, Metadata: meta})
		return img.MoveTo(StatusActive)
	})
	if err == nil {
		fault.Crash(fault.UploadActive)
	}
	return err
}

// ownerOf is the project whose quotas img counts against; "" for none.
func ownerOf(img *Image) string {
	if img.Owner == nil {
		return ""
	}
	return *img.Owner
}

func checkSame(name string, have *string, got string) error {
	if have != nil && *have != got {
		return Errorf(KindInvalid, "%s of the uploaded data does not match the image's %s.", name, name)
	}
	return nil
}

func (s *imageService) Download(ctx context.Context, id string, r *ByteRange) (*Download, error) {
	img, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &Download{Image: img}
	if len(img.Locations) == 0 || img.Size == nil {
		return d, nil
	}
	total := *img.Size
	d.Total, d.Length = total, total
	if r != nil {
		if err := d.resolve(*r); err != nil {
			return nil, err
		}
	}
	// Locations come in the order of location_strategy; each that fails
	// hands over to the next, and the last one's error is the answer.
	var lastErr error
	for i, loc := range img.Locations {
		st, err := s.stores.ForLocation(loc)
		if err == nil {
			var body io.ReadCloser
			if body, err = st.Get(ctx, loc.URL, d.Offset, d.Length); err == nil {
				d.Body = body
				return d, nil
			}
		}
		if ctx.Err() != nil {
			return nil, err
		}
		lastErr = err
		s.logf(ctx, "Failed to read data of image %s from location %d of %d (%s): %v",
			id, i+1, len(img.Locations), RedactURL(loc.URL), err)
	}
	if IsKind(lastErr, KindNotFound) {
		return &Download{Image: img}, nil
	}
	return nil, lastErr
}

// resolve fixes Offset and Length for r, clamping an end past EOF.
func (d *Download) resolve(r ByteRange) error {
	total := d.Total
	if r.Suffix > 0 {
		if r.Suffix > total {
			r.Suffix = total
		}
		d.Offset, d.Length, d.Partial = total-r.Suffix, r.Suffix, true
		return nil
	}
	if r.First < 0 || r.First >= total {
		return Detailf(KindRangeNotSatisfiable, "Invalid start position in Range header. Start position MUST be in the inclusive range [0, %d].", total-1)
	}
	last := r.Last
	if last < 0 || last >= total {
		last = total - 1
	}
	if last < r.First {
		return Detailf(KindRangeNotSatisfiable, "Invalid end position in Range header. End position MUST be in the inclusive range [%d, %d].", r.First, total-1)
	}
	d.Offset, d.Length, d.Partial = r.First, last-r.First+1, true
	return nil
}

// ErrorMessage returns the client-facing message of err.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return err.Error()
}

var _ io.Reader = (*digester)(nil)

// inUseChecker is implemented by stores that can tell data something
// outside this service depends on (volumes cloned from an RBD snapshot).
type inUseChecker interface {
	InUse(ctx context.Context, url string) error
}

// checkNotInUse returns the Conflict of the first location whose data is
// in use outside this service: Glance keeps such an image and answers
// 409. Other failures are left to the delete itself, which records data
// it cannot remove for a later clean-up.
func checkNotInUse(ctx context.Context, stores Stores, locs []Location) error {
	for _, loc := range locs {
		st, err := stores.ForLocation(loc)
		if err != nil {
			continue
		}
		c, ok := st.(inUseChecker)
		if !ok {
			continue
		}
		if err := c.InUse(ctx, loc.URL); IsKind(err, KindConflict) {
			return err
		}
	}
	return nil
}
