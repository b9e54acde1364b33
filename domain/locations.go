package domain

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// restrictedSchemes are location URLs users may never add: they would
// make the service read its own files (Glance's RESTRICTED_URI_SCHEMAS).
var restrictedSchemes = []string{"file", "filesystem", "swift+config"}

// statTimeout bounds the reading of the sizes of the locations one
// request adds, done before the image is locked.
const statTimeout = 2 * time.Minute

// locationCheck is what the store of a location URL a request adds
// said about it.
type locationCheck struct {
	storeID string // the backend whose driver serves the URL, if it has an id
	size    int64
	err     error // why the location is not valid; nil when it is
}

// storeIdentifier is a Store that knows its backend id (store.Backend).
type storeIdentifier interface{ ID() string }

// locationPrep is what a PATCH's location changes need from outside
// the image's lock: the stores' answers for each URL added, and the
// owner's storage use when user_storage_quota applies.
type locationPrep struct {
	checks map[string]locationCheck
	used   int64 // bytes the owner stores, -1 when no quota applies
}

// newLocation is one location a PATCH adds, as sent.
type newLocation struct {
	loc        Location
	validation []keyValue // validation_data, in Glance's attribute order
}

// prepareLocations asks the stores about every location URL changes
// add, before the image is locked: a remote store may take seconds to
// answer, and the lock must not wait for it. The answers are used where
// Glance would ask, so errors keep Glance's order.
func (s *imageService) prepareLocations(ctx context.Context, id string, changes []Change) locationPrep {
	prep := locationPrep{checks: map[string]locationCheck{}, used: -1}
	if !s.cfg.ShowMultipleLocations {
		return prep
	}
	if !slices.ContainsFunc(changes, func(c Change) bool { return c.Path[0] == "locations" && c.Op != OpRemove }) {
		return prep
	}
	img, err := s.load(ctx, id)
	if err != nil {
		return prep // the change will fail on the image itself
	}
	var urls []string
	for _, c := range changes {
		if c.Path[0] != "locations" || c.Op == OpRemove {
			continue
		}
		values := []any{c.Value}
		if c.Op == OpReplace {
			list, _ := c.Value.([]any)
			if OverQuota(len(list), s.cfg.LocationQuota) {
				continue // refused by the quota before any store is asked
			}
			values = list
		}
		for _, v := range values {
			nl, err := parseNewLocation(v)
			if err != nil || slices.Contains(urls, nl.loc.URL) {
				continue
			}
			// Replacing the metadata of the image's own locations asks
			// no store, as in Glance.
			if c.Op == OpReplace && slices.ContainsFunc(img.Locations, func(l Location) bool { return l.URL == nl.loc.URL }) {
				continue
			}
			urls = append(urls, nl.loc.URL)
		}
	}
	if len(urls) == 0 {
		return prep
	}
	sctx, cancel := context.WithTimeout(ctx, statTimeout)
	defer cancel()
	for _, u := range urls {
		prep.checks[u] = s.checkLocation(sctx, u)
	}
	if q := s.cfg.Quotas; q != nil && q.limits == nil && q.storage > 0 {
		if u, err := q.usage.Usage(ctx, ownerOf(img)); err == nil {
			prep.used = u.Storage
		}
	}
	return prep
}

// checkLocation finds the backend serving u and reads the size of the
// data there. A location is valid when a backend serves it, its scheme
// is not restricted and its store reports a size above zero.
func (s *imageService) checkLocation(ctx context.Context, u string) locationCheck {
	scheme, _, ok := strings.Cut(u, "://")
	if !ok || slices.Contains(restrictedSchemes, strings.ToLower(scheme)) {
		return locationCheck{err: fmt.Errorf("scheme not allowed for image locations")}
	}
	st, err := s.stores.ForLocation(Location{URL: u, Metadata: map[string]any{}})
	if err != nil {
		return locationCheck{err: err}
	}
	c := locationCheck{}
	if idr, ok := st.(storeIdentifier); ok {
		c.storeID = idr.ID()
	}
	c.size, c.err = st.Stat(ctx, u)
	if c.err == nil && c.size <= 0 {
		c.err = fmt.Errorf("the store reports no data")
	}
	return c
}

// changeLocations applies one PATCH operation on /locations to img and
// returns the locations it removed, whose data is the caller's to
// delete once the change is stored.
func (s *imageService) changeLocations(ctx context.Context, img *Image, c Change, prep locationPrep) ([]Location, error) {
	switch c.Op {
	case OpAdd:
		return nil, s.addLocation(ctx, img, c, prep)
	case OpReplace:
		return nil, s.replaceLocations(ctx, img, c, prep)
	case OpRemove:
		return s.removeLocation(img, c)
	}
	return nil, Errorf(KindInvalid, "Invalid operation: `%s`. It must be one of the following: add, remove, replace.", c.Op)
}

func (s *imageService) addLocation(ctx context.Context, img *Image, c Change, prep locationPrep) error {
	if !s.cfg.ShowMultipleLocations {
		return Errorf(KindForbidden, "It's not allowed to add locations if locations are invisible.")
	}
	if img.Status != StatusActive && img.Status != StatusQueued {
		return Errorf(KindConflict, "It's not allowed to add locations if image status is %s.", img.Status)
	}
	nl, err := parseNewLocation(c.Value)
	if err != nil {
		return err
	}
	values, err := s.validationData(img, []newLocation{nl})
	if err != nil {
		return err
	}
	check := prep.checks[nl.loc.URL]
	s.recordStore(&nl.loc, check)
	pos, ok := locationPosition(c.Path[1], len(img.Locations), true)
	if !ok {
		return Errorf(KindInvalid, "Invalid position for adding a location.")
	}
	if err := s.checkStorage(img, 1, check, prep, false); err != nil {
		return err
	}
	if n := len(img.Locations) + 1; OverQuota(n, s.cfg.LocationQuota) {
		return locationLimitError(n, s.cfg.LocationQuota)
	}
	if err := s.validLocation(ctx, img, nl.loc, check); err != nil {
		return err
	}
	for _, l := range img.Locations {
		if sameLocation(l, nl.loc) {
			return Errorf(KindInvalid, "The location %s already exists", RedactURL(nl.loc.URL))
		}
	}
	img.Locations = slices.Insert(img.Locations, min(pos, len(img.Locations)), nl.loc)
	if img.Size == nil {
		size := check.size
		img.Size = &size
	}
	return activate(img, values)
}

func (s *imageService) replaceLocations(ctx context.Context, img *Image, c Change, prep locationPrep) error {
	list, _ := c.Value.([]any)
	if len(list) == 0 {
		// Glance words these two after the generic text of a 403.
		return Detailf(KindForbidden, "Cannot set locations to empty list.")
	}
	if !s.cfg.ShowMultipleLocations {
		return Errorf(KindForbidden, "It's not allowed to update locations if locations are invisible.")
	}
	if img.Status != StatusActive && img.Status != StatusQueued {
		return Errorf(KindConflict, "It's not allowed to replace locations if image status is %s.", img.Status)
	}
	locs := make([]newLocation, len(list))
	for i, v := range list {
		nl, err := parseNewLocation(v)
		if err != nil {
			return err
		}
		locs[i] = nl
	}
	values, err := s.validationData(img, locs)
	if err != nil {
		return err
	}
	for i := range locs {
		s.recordStore(&locs[i].loc, prep.checks[locs[i].loc.URL])
	}
	if OverQuota(len(locs), s.cfg.LocationQuota) {
		return locationLimitError(len(locs), s.cfg.LocationQuota)
	}
	if err := s.checkStorage(img, len(locs), prep.checks[locs[0].loc.URL], prep, true); err != nil {
		return err
	}
	newURLs, oldURLs := make([]string, len(locs)), make([]string, len(img.Locations))
	for i, nl := range locs {
		newURLs[i] = nl.loc.URL
	}
	for i, l := range img.Locations {
		oldURLs[i] = l.URL
	}
	slices.Sort(newURLs)
	slices.Sort(oldURLs)
	changedURLs := !slices.Equal(newURLs, oldURLs)
	// Replacing may only change the metadata of the locations an image
	// has, or give locations to an image that has none.
	if changedURLs && len(img.Locations) > 0 {
		return Errorf(KindInvalid, "Original locations is not empty: %s", locationsText(img.Locations))
	}
	replaced := make([]Location, len(locs))
	for i, nl := range locs {
		if changedURLs {
			check := prep.checks[nl.loc.URL]
			if err := s.validLocation(ctx, img, nl.loc, check); err != nil {
				return err
			}
			for _, other := range locs[:i] {
				if sameLocation(other.loc, nl.loc) {
					return Errorf(KindInvalid, "The location %s already exists", RedactURL(nl.loc.URL))
				}
			}
		}
		replaced[i] = nl.loc
	}
	if changedURLs && img.Size == nil {
		for _, nl := range locs {
			if check := prep.checks[nl.loc.URL]; check.err == nil && check.size > 0 {
				size := check.size
				img.Size = &size
				break
			}
		}
	}
	img.Locations = replaced
	return activate(img, values)
}

func (s *imageService) removeLocation(img *Image, c Change) ([]Location, error) {
	if !s.cfg.ShowMultipleLocations {
		return nil, Errorf(KindForbidden, "It's not allowed to remove locations if locations are invisible.")
	}
	if img.Status != StatusActive {
		return nil, Errorf(KindConflict, "It's not allowed to remove locations if image status is %s.", img.Status)
	}
	if len(img.Locations) == 1 {
		return nil, Detailf(KindForbidden, "Cannot remove last location in the image.")
	}
	pos, ok := locationPosition(c.Path[1], len(img.Locations), false)
	if !ok {
		return nil, Errorf(KindInvalid, "Invalid position for removing a location.")
	}
	gone := img.Locations[pos]
	img.Locations = slices.Delete(img.Locations, pos, pos+1)
	return []Location{gone}, nil
}

// recordStore sets the backend id of a location a request adds, in
// multi-store, as Glance records it from the URL.
func (s *imageService) recordStore(loc *Location, check locationCheck) {
	if s.stores.Multi() && check.storeID != "" {
		loc.Metadata["store"] = check.storeID
	}
}

// validLocation returns Glance's 400 for a location no store serves.
func (s *imageService) validLocation(ctx context.Context, img *Image, loc Location, check locationCheck) error {
	if check.err == nil {
		return nil
	}
	s.logf(ctx, "Refused location %s for image %s: %v", RedactURL(loc.URL), img.ID, check.err)
	return Errorf(KindInvalid, "Invalid location")
}

// checkStorage refuses count more copies of img's data beyond
// user_storage_quota; replacing (setter) counts the image's current
// locations out first, as Glance does.
func (s *imageService) checkStorage(img *Image, count int, check locationCheck, prep locationPrep, setter bool) error {
	q := s.cfg.Quotas
	if prep.used < 0 || q == nil {
		return nil
	}
	var size int64
	switch {
	case img.Size != nil && *img.Size > 0:
		size = *img.Size
	case check.err == nil:
		size = check.size
	default:
		return nil // not known: nothing to count
	}
	used := prep.used
	if setter && img.Size != nil {
		used -= *img.Size * int64(len(img.Locations))
	}
	required, remaining := size*int64(count), q.storage-used
	if required > remaining {
		return Errorf(KindTooLarge, "Denying attempt to upload image because it exceeds the quota: The size of the data %d will exceed the limit. %d bytes remaining.", required, remaining)
	}
	return nil
}

// activate applies the validation data to a queued image and makes it
// active, as adding its first location does.
func activate(img *Image, values []keyValue) error {
	if img.Status != StatusQueued {
		return nil
	}
	for _, kv := range values {
		v := kv.value
		switch kv.key {
		case "checksum":
			img.Checksum = &v
		case "os_hash_algo":
			img.HashAlgo = &v
		case "os_hash_value":
			img.HashValue = &v
		}
	}
	return img.MoveTo(StatusActive)
}

// locationPosition reads the position segment of /locations/N: a
// number or "-" (the end for add, the last for remove). Adding allows
// any number, as Glance inserts past the end as at the end.
func locationPosition(seg string, n int, adding bool) (int, bool) {
	pos := n - 1
	if adding {
		pos = n
	}
	if seg != "-" {
		if seg == "" || strings.Trim(seg, "0123456789") != "" {
			return 0, false
		}
		p, err := strconv.Atoi(seg)
		if err != nil {
			p = int(^uint(0) >> 1) // beyond any list
		}
		pos = p
	}
	if !adding && (pos < 0 || pos >= n) {
		return 0, false
	}
	return pos, true
}

// locationsText lists locations for a message, without credentials.
func locationsText(locs []Location) string {
	urls := make([]string, len(locs))
	for i, l := range locs {
		urls[i] = "'" + RedactURL(l.URL) + "'"
	}
	return "[" + strings.Join(urls, ", ") + "]"
}

// locationLimitError is Glance's 413 for more locations than
// image_location_quota.
func locationLimitError(attempted, maximum int) error {
	return Errorf(KindTooLarge, "The limit has been exceeded on the number of allowed image locations. Attempted: %d, Maximum: %d", attempted, maximum)
}

// unreferenced returns the locations of removed whose URL none of kept
// names any more: their data can go.
func unreferenced(removed, kept []Location) []Location {
	var out []Location
	for _, r := range removed {
		if !slices.ContainsFunc(kept, func(k Location) bool { return k.URL == r.URL }) {
			out = append(out, r)
		}
	}
	return out
}
