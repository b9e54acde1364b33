package decorators

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	stdhttp "net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/domain/domaintest"
	"github.com/go-glance/glance/store"
	httpstore "github.com/go-glance/glance/store/http"
	"github.com/go-glance/glance/store/memory"
)

// The image service's location rules over the in-memory repository and
// real stores: memory backends and the http store reading a web server
// on loopback.

// remote is an image server on loopback, counting the GETs it serves.
type remote struct {
	*httptest.Server
	gets atomic.Int64
}

var remoteData = bytes.Repeat([]byte("remote image data "), 1000)

func newRemote(t *testing.T) *remote {
	t.Helper()
	r := &remote{}
	r.Server = httptest.NewServer(stdhttp.HandlerFunc(func(w stdhttp.ResponseWriter, req *stdhttp.Request) {
		if req.URL.Path == "/missing" {
			stdhttp.NotFound(w, req)
			return
		}
		if req.Method == stdhttp.MethodGet {
			r.gets.Add(1)
		}
		stdhttp.ServeContent(w, req, "x", time.Time{}, bytes.NewReader(remoteData))
	}))
	t.Cleanup(r.Close)
	return r
}

// flaky is a driver whose reads fail while down is set: a store that
// went away, which a real one cannot be made to do on demand.
type flaky struct {
	store.Driver
	down atomic.Bool
}

func (f *flaky) Get(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error) {
	if f.down.Load() {
		return nil, fmt.Errorf("connection refused: %w", store.ErrUnavailable)
	}
	return f.Driver.Get(ctx, url, offset, length)
}

func (f *flaky) Owns(url string) bool { return f.Driver.(store.Owner).Owns(url) }

// locationEnv is the image service over an in-memory repository and three
// backends: memory stores "fast" and "slow" (slow can go down) and the
// http store "web", which may reach loopback.
type locationEnv struct {
	svc    domain.ImageService
	repo   *domaintest.Images
	fast   *memory.Store
	slow   *flaky
	remote *remote
	mu     sync.Mutex
	logged []string
}

func newLocationEnv(t *testing.T, change func(*domain.ImageConfig)) *locationEnv {
	t.Helper()
	e := &locationEnv{repo: domaintest.NewImages(), remote: newRemote(t)}
	e.fast = memory.New(memory.Options{BackendID: "fast"})
	e.slow = &flaky{Driver: memory.New(memory.Options{BackendID: "slow"})}
	web, err := httpstore.New(httpstore.Options{AllowedNetworks: []string{"127.0.0.1/32"}})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := store.NewRegistry([]*store.Backend{store.NewBackend("fast", e.fast),
		store.NewBackend("slow", e.slow), store.NewBackend("web", web)}, "fast", true)
	if err != nil {
		t.Fatal(err)
	}
	cfg := domain.ImageConfig{
		SizeCap: 1 << 30, HashAlgorithm: "sha512", LimitDefault: 25, LimitMax: 1000,
		PropertyQuota: 128, TagQuota: 128, Now: time.Now, NewID: func() string { return "new" },
		ShowMultipleLocations: true, LocationQuota: 10,
		Logf: func(_ context.Context, format string, args ...any) {
			e.mu.Lock()
			e.logged = append(e.logged, fmt.Sprintf(format, args...))
			e.mu.Unlock()
		},
	}
	if change != nil {
		change(&cfg)
	}
	e.svc = domain.NewImageService(e.repo, reg, cfg)
	return e
}

// image creates image id in status with data in the given stores.
func (e *locationEnv) image(t *testing.T, id string, status domain.Status, stores ...string) *domain.Image {
	t.Helper()
	raw, bare, owner := "raw", "bare", "P"
	img := &domain.Image{ID: id, Status: status, Visibility: domain.VisibilityPrivate, Owner: &owner,
		DiskFormat: &raw, ContainerFormat: &bare, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	for _, s := range stores {
		var d store.Driver = e.fast
		if s == "slow" {
			d = e.slow
		}
		got, err := store.NewBackend(s, d).Put(admin, id, bytes.NewReader([]byte("data of "+s)), -1)
		if err != nil {
			t.Fatal(err)
		}
		size := got.Size
		img.Size = &size
		img.Locations = append(img.Locations, domain.Location{URL: got.URL, Metadata: got.Metadata})
	}
	if err := e.repo.Create(admin, img); err != nil {
		t.Fatal(err)
	}
	return img
}

func add(pos string, value map[string]any) domain.Change {
	return domain.Change{Op: domain.OpAdd, Path: []string{"locations", pos}, Value: value}
}

func loc(url string, meta map[string]any) map[string]any {
	if meta == nil {
		meta = map[string]any{}
	}
	return map[string]any{"url": url, "metadata": meta}
}

func wantError(t *testing.T, err error, kind domain.Kind, msg string) {
	t.Helper()
	if !domain.IsKind(err, kind) || !strings.Contains(domain.ErrorMessage(err), msg) {
		t.Fatalf("got %v (kind %d), want kind %d with %q", err, domain.ErrorKind(err), kind, msg)
	}
}

func TestAddLocationActivatesQueuedImage(t *testing.T) {
	e := newLocationEnv(t, nil)
	e.image(t, "q", domain.StatusQueued)
	md5sum := md5.Sum(remoteData)
	sha := sha512.Sum512(remoteData)
	l := loc(e.remote.URL+"/image", nil)
	l["validation_data"] = map[string]any{"checksum": hex.EncodeToString(md5sum[:]),
		"os_hash_algo": "sha512", "os_hash_value": hex.EncodeToString(sha[:])}
	img, err := e.svc.Update(admin, "q", []domain.Change{add("-", l)})
	if err != nil {
		t.Fatal(err)
	}
	if img.Status != domain.StatusActive || img.Size == nil || *img.Size != int64(len(remoteData)) {
		t.Fatalf("status %s size %v, want active with the remote size", img.Status, img.Size)
	}
	if *img.Checksum != hex.EncodeToString(md5sum[:]) || *img.HashAlgo != "sha512" {
		t.Fatalf("validation data not applied: %v %v", *img.Checksum, *img.HashAlgo)
	}
	if len(img.Locations) != 1 || img.Locations[0].Store() != "web" {
		t.Fatalf("locations %+v, want one in store web", img.Locations)
	}
	// The data downloads from the remote server, byte for byte.
	d, err := e.svc.Download(admin, "q", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if !bytes.Equal(got, remoteData) {
		t.Fatalf("downloaded %d bytes, want the remote %d", len(got), len(remoteData))
	}
	// The same location again is refused; so is a third past the quota.
	_, err = e.svc.Update(admin, "q", []domain.Change{add("-", loc(e.remote.URL+"/image", map[string]any{"store": "web"}))})
	wantError(t, err, domain.KindInvalid, "already exists")
}

func TestAddLocationRefusals(t *testing.T) {
	e := newLocationEnv(t, func(c *domain.ImageConfig) { c.LocationQuota = 2 })
	e.image(t, "a", domain.StatusActive, "fast")
	e.image(t, "s", domain.StatusSaving)
	good := e.remote.URL + "/image"
	for _, c := range []struct {
		name    string
		id      string
		changes []domain.Change
		kind    domain.Kind
		msg     string
	}{
		{"wrong status", "s", []domain.Change{add("-", loc(good, nil))}, domain.KindConflict, "It's not allowed to add locations if image status is saving."},
		{"bad position", "a", []domain.Change{add("x", loc(good, nil))}, domain.KindInvalid, "Invalid position for adding a location."},
		{"missing data", "a", []domain.Change{add("-", loc(e.remote.URL+"/missing", nil))}, domain.KindInvalid, "Invalid location"},
		{"file scheme", "a", []domain.Change{add("-", loc("file:///etc/passwd", nil))}, domain.KindInvalid, "Invalid location"},
		{"no store", "a", []domain.Change{add("-", loc("gopher://x/y", nil))}, domain.KindInvalid, "Invalid location"},
		{"over quota", "a", []domain.Change{add("-", loc(good, nil)), add("-", loc(good+"?2", nil))}, domain.KindTooLarge,
			"The limit has been exceeded on the number of allowed image locations. Attempted: 3, Maximum: 2"},
		{"new hash on active", "a", []domain.Change{add("-", map[string]any{"url": good, "metadata": map[string]any{},
			"validation_data": map[string]any{"os_hash_algo": "sha512", "os_hash_value": "ab"}})}, domain.KindConflict,
			"New value(s) for os_hash_algo, os_hash_value may only be provided when image status is 'queued'"},
		{"remove last", "a", []domain.Change{{Op: domain.OpRemove, Path: []string{"locations", "0"}}}, domain.KindForbidden,
			"Cannot remove last location in the image."},
		{"empty replace", "a", []domain.Change{{Op: domain.OpReplace, Path: []string{"locations"}, Value: []any{}}}, domain.KindForbidden,
			"Cannot set locations to empty list."},
		{"replace other URLs", "a", []domain.Change{{Op: domain.OpReplace, Path: []string{"locations"}, Value: []any{loc(good, nil)}}},
			domain.KindInvalid, "Original locations is not empty"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := e.svc.Get(admin, c.id)
			_, err := e.svc.Update(admin, c.id, c.changes)
			wantError(t, err, c.kind, c.msg)
			after, _ := e.svc.Get(admin, c.id)
			if len(after.Locations) != len(before.Locations) || after.Status != before.Status {
				t.Fatalf("a refused change was stored: %+v", after)
			}
		})
	}

	queued := e.image(t, "q", domain.StatusQueued)
	for _, vd := range []struct {
		data map[string]any
		msg  string
	}{
		{map[string]any{"os_hash_algo": "sha256", "os_hash_value": strings.Repeat("ab", 32)}, "os_hash_algo must be sha512, not sha256"},
		{map[string]any{"os_hash_algo": "sha512", "os_hash_value": "zz"}, "os_hash_value (zz) is not a valid hexadecimal value"},
		{map[string]any{"os_hash_algo": "sha512", "os_hash_value": "abcd"}, "is not the correct size for sha512 (should be 64 bytes)"},
		{map[string]any{"checksum": strings.Repeat("g", 32), "os_hash_algo": "sha512", "os_hash_value": "ab"}, "is not a valid hexadecimal value"},
	} {
		l := loc(good, nil)
		l["validation_data"] = vd.data
		_, err := e.svc.Update(admin, queued.ID, []domain.Change{add("-", l)})
		wantError(t, err, domain.KindConflict, vd.msg)
	}

	off := newLocationEnv(t, func(c *domain.ImageConfig) { c.ShowMultipleLocations = false })
	off.image(t, "a", domain.StatusActive, "fast")
	_, err := off.svc.Update(admin, "a", []domain.Change{add("-", loc(good, nil))})
	wantError(t, err, domain.KindForbidden, "It's not allowed to add locations if locations are invisible.")
}

func TestInternalAddressesAreInvalidLocations(t *testing.T) {
	e := newLocationEnv(t, nil)
	web, err := httpstore.New(httpstore.Options{}) // no network opened
	if err != nil {
		t.Fatal(err)
	}
	reg, err := store.NewRegistry([]*store.Backend{store.NewBackend("fast", e.fast), store.NewBackend("web", web)}, "fast", true)
	if err != nil {
		t.Fatal(err)
	}
	svc := domain.NewImageService(e.repo, reg, domain.ImageConfig{HashAlgorithm: "sha512", ShowMultipleLocations: true,
		LocationQuota: 10, Now: time.Now, Logf: func(context.Context, string, ...any) {}})
	e.image(t, "q", domain.StatusQueued)
	_, err = svc.Update(admin, "q", []domain.Change{add("-", loc(e.remote.URL+"/image", nil))})
	wantError(t, err, domain.KindInvalid, "Invalid location")
	if e.remote.gets.Load() != 0 {
		t.Fatal("the internal server was reached")
	}
}

func TestRemoveLocationDeletesItsData(t *testing.T) {
	e := newLocationEnv(t, nil)
	img := e.image(t, "a", domain.StatusActive, "fast", "slow")
	got, err := e.svc.Update(admin, "a", []domain.Change{{Op: domain.OpRemove, Path: []string{"locations", "0"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Locations) != 1 || got.Locations[0].URL != img.Locations[1].URL {
		t.Fatalf("locations %+v, want the slow one left", got.Locations)
	}
	if c := e.fast.Contents(); len(c) != 0 {
		t.Fatalf("the removed location's data is still stored: %v", c)
	}
	// Only the metadata of the locations an image has may be replaced.
	meta := map[string]any{"store": "slow", "note": "kept"}
	got, err = e.svc.Update(admin, "a", []domain.Change{{Op: domain.OpReplace, Path: []string{"locations"},
		Value: []any{loc(img.Locations[1].URL, meta)}}})
	if err != nil || got.Locations[0].Metadata["note"] != "kept" || got.Status != domain.StatusActive {
		t.Fatalf("metadata replace: %+v, %v", got, err)
	}
}

func TestDownloadFallsThroughToTheNextLocation(t *testing.T) {
	e := newLocationEnv(t, nil)
	e.image(t, "a", domain.StatusActive, "slow", "fast")
	e.slow.down.Store(true)
	d, err := e.svc.Download(admin, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if string(got) != "data of fast" {
		t.Fatalf("downloaded %q, want the fast store's data", got)
	}
	if len(e.logged) != 1 || !strings.Contains(e.logged[0], "location 1 of 2") {
		t.Fatalf("logged %q, want the slow store's failure", e.logged)
	}
	// When every location fails, the last one's error is the answer.
	only := newLocationEnv(t, nil)
	only.image(t, "c", domain.StatusActive, "slow")
	only.slow.down.Store(true)
	if _, err := only.svc.Download(admin, "c", nil); !domain.IsKind(err, domain.KindUnavailable) {
		t.Fatalf("download with its store down: %v, want Unavailable", err)
	}
}

func TestStoreTypeStrategyOrdersLocations(t *testing.T) {
	e := newLocationEnv(t, func(c *domain.ImageConfig) { c.Locations = domain.LocationStrategy{StoreTypes: []string{"http"}} })
	e.image(t, "a", domain.StatusActive, "fast")
	if _, err := e.svc.Update(admin, "a", []domain.Change{add("-", loc(e.remote.URL+"/image", nil))}); err != nil {
		t.Fatal(err)
	}
	img, err := e.svc.Get(admin, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(img.Locations[0].URL, "http://") {
		t.Fatalf("locations %+v, want the http one first", img.Locations)
	}
	// The preferred location serves the download (ranges pass through).
	d, err := e.svc.Download(admin, "a", &domain.ByteRange{First: 0, Last: 3})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if e.remote.gets.Load() != 1 || string(got) != "remo" {
		t.Fatalf("download %q with %d remote GETs, want the remote's first bytes", got, e.remote.gets.Load())
	}
}

func TestDeleteFromStore(t *testing.T) {
	e := newLocationEnv(t, nil)
	e.image(t, "two", domain.StatusActive, "fast", "slow")
	e.image(t, "one", domain.StatusActive, "fast")
	e.image(t, "q", domain.StatusQueued)
	_, err := e.svc.DeleteFromStore(admin, "two", "nowhere")
	wantError(t, err, domain.KindConflict, "The selected store nowhere is not available on this node.")
	_, err = e.svc.DeleteFromStore(admin, "missing", "fast")
	wantError(t, err, domain.KindNotFound, "Failed to find image missing")
	_, err = e.svc.DeleteFromStore(admin, "q", "fast")
	wantError(t, err, domain.KindConflict, "It's not allowed to remove image data from store if image status is not 'active'")
	_, err = e.svc.DeleteFromStore(admin, "one", "fast")
	wantError(t, err, domain.KindForbidden, "Cannot delete image data from the only store containing it.")
	_, err = e.svc.DeleteFromStore(admin, "two", "web")
	wantError(t, err, domain.KindNotFound, "Image two is not stored in store web.")

	img, err := e.svc.DeleteFromStore(admin, "two", "slow")
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Locations) != 1 || img.Locations[0].Store() != "fast" {
		t.Fatalf("locations %+v, want only fast", img.Locations)
	}
	if c := e.slow.Driver.(*memory.Store).Contents(); len(c) != 0 {
		t.Fatalf("slow still holds %v", c)
	}
}
