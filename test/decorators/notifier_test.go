package decorators

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/notifier"
	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/filesystem"
)

// recorder is a sink that keeps what it hears, in order.
type recorder struct {
	mu sync.Mutex
	ns []domain.Notification
}

func (r *recorder) Notify(_ context.Context, n domain.Notification) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ns = append(r.ns, n)
}

// take returns the notifications heard since the last take.
func (r *recorder) take() []domain.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.ns
	r.ns = nil
	return ns
}

func newNotified(t *testing.T) (domain.ImageService, *recorder) {
	t.Helper()
	rec := &recorder{}
	return notifier.NewImages(newService(t, 1<<20), rec), rec
}

var memberCtx = domain.WithCaller(context.Background(), &domain.Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"member", "reader"}})

// events names the notifications and checks each payload with check.
func events(t *testing.T, ns []domain.Notification, check func(event string, p map[string]any)) []string {
	t.Helper()
	var names []string
	for _, n := range ns {
		names = append(names, n.EventType)
		if n.Priority != "INFO" {
			t.Errorf("%s: priority %q, want INFO", n.EventType, n.Priority)
		}
		p, ok := n.Payload.(map[string]any)
		if !ok {
			t.Fatalf("%s: payload %T", n.EventType, n.Payload)
		}
		if check != nil {
			check(n.EventType, p)
		}
	}
	return names
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// An image's life produces Glance's notifications, in order, each
// payload showing the image as stored at that moment.
func TestImageLifecycleNotifications(t *testing.T) {
	svc, rec := newNotified(t)
	img, err := svc.Create(memberCtx, domain.NewImage{Name: str("cirros"), DiskFormat: str("raw"), ContainerFormat: str("bare"), Tags: []string{"base"}})
	if err != nil {
		t.Fatal(err)
	}
	got := events(t, rec.take(), func(e string, p map[string]any) {
		if p["id"] != img.ID || p["name"] != "cirros" || p["status"] != "queued" || p["owner"] != "p1" {
			t.Errorf("%s payload: %v", e, p)
		}
	})
	if !equal(got, []string{"image.create"}) {
		t.Errorf("create: %v", got)
	}

	if _, err := svc.Update(memberCtx, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "renamed"}}); err != nil {
		t.Fatal(err)
	}
	got = events(t, rec.take(), func(e string, p map[string]any) {
		if p["name"] != "renamed" {
			t.Errorf("%s payload name = %v", e, p["name"])
		}
	})
	if !equal(got, []string{"image.update"}) {
		t.Errorf("update: %v", got)
	}

	data := []byte("0123456789")
	if _, err := svc.Upload(memberCtx, img.ID, domain.Upload{Data: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	got = events(t, rec.take(), func(e string, p map[string]any) {
		if e != "image.prepare" && (p["status"] != "active" || p["size"] != int64(10) || p["checksum"] == nil) {
			t.Errorf("%s payload: status %v size %v checksum %v", e, p["status"], p["size"], p["checksum"])
		}
	})
	if !equal(got, []string{"image.prepare", "image.upload", "image.activate"}) {
		t.Errorf("upload: %v", got)
	}

	d, err := svc.Download(memberCtx, img.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.take()) != 0 {
		t.Error("image.send before the data was sent")
	}
	io.ReadAll(d.Body)
	d.Body.Close()
	got = events(t, rec.take(), func(e string, p map[string]any) {
		if p["image_id"] != img.ID || p["bytes_sent"] != int64(10) || p["receiver_tenant_id"] != "p1" || p["receiver_user_id"] != "u1" {
			t.Errorf("%s payload: %v", e, p)
		}
	})
	if !equal(got, []string{"image.send"}) {
		t.Errorf("download: %v", got)
	}

	if err := svc.Delete(memberCtx, img.ID); err != nil {
		t.Fatal(err)
	}
	got = events(t, rec.take(), func(e string, p map[string]any) {
		if p["status"] != "deleted" || p["deleted"] != true || p["deleted_at"] == nil {
			t.Errorf("%s payload: %v", e, p)
		}
	})
	if !equal(got, []string{"image.delete"}) {
		t.Errorf("delete: %v", got)
	}
}

// Failed operations are not announced: listeners would act on events
// that never happened.
func TestFailuresAreSilent(t *testing.T) {
	svc, rec := newNotified(t)
	img, err := svc.Create(memberCtx, domain.NewImage{Name: str("x"), DiskFormat: str("raw"), ContainerFormat: str("bare")})
	if err != nil {
		t.Fatal(err)
	}
	rec.take()

	if _, err := svc.Update(memberCtx, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"status"}, Value: "active"}}); err == nil {
		t.Fatal("changing status succeeded")
	}
	if _, err := svc.RemoveTag(memberCtx, img.ID, "absent"); err == nil {
		t.Fatal("removing an absent tag succeeded")
	}
	if err := svc.Delete(memberCtx, uuid.NewString()); err == nil {
		t.Fatal("deleting an unknown image succeeded")
	}
	// Too large: the cap is 1 MiB.
	if _, err := svc.Upload(memberCtx, img.ID, domain.Upload{Data: bytes.NewReader(make([]byte, 2<<20)), Size: -1}); !domain.IsKind(err, domain.KindTooLarge) {
		t.Fatalf("oversized upload: %v", err)
	}
	for _, n := range rec.take() {
		if n.EventType != "image.prepare" {
			t.Errorf("failed operation announced %s", n.EventType)
		}
	}
}

// Removing an image's data from one store is an image.update, as the
// location it loses is saved; its payload never names a location.
func TestDeleteFromStoreNotifies(t *testing.T) {
	be := daltest.OpenSQLite(t)
	var backends []*store.Backend
	for _, id := range []string{"a", "b"} {
		fs, err := filesystem.New(filesystem.Options{Datadir: t.TempDir(), BackendID: id})
		if err != nil {
			t.Fatal(err)
		}
		backends = append(backends, store.NewBackend(id, fs))
	}
	stores, err := store.NewRegistry(backends, "a", true)
	if err != nil {
		t.Fatal(err)
	}
	repo := dal.Images(be.DB)
	rec := &recorder{}
	svc := notifier.NewImages(domain.NewImageService(repo, stores, domain.ImageConfig{
		SizeCap: 1 << 20, HashAlgorithm: "sha512", LimitDefault: 25, LimitMax: 1000, Now: time.Now,
		NewID: uuid.NewString, Logf: func(context.Context, string, ...any) {},
	}), rec)
	img, err := svc.Create(memberCtx, domain.NewImage{DiskFormat: str("raw"), ContainerFormat: str("bare")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Upload(memberCtx, img.ID, domain.Upload{Data: bytes.NewReader([]byte("data")), Size: 4}); err != nil {
		t.Fatal(err)
	}
	// A copy in b, as copy-image would leave it.
	copied, err := backends[1].Put(memberCtx, img.ID, bytes.NewReader([]byte("data")), 4)
	if err != nil {
		t.Fatal(err)
	}
	admin := domain.Viewer{Admin: true}
	if _, err := repo.Update(memberCtx, img.ID, admin, time.Now(), func(i *domain.Image) error {
		i.Locations = append(i.Locations, domain.Location{URL: copied.URL, Metadata: copied.Metadata})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	rec.take()
	if _, err := svc.DeleteFromStore(memberCtx, img.ID, "b"); err != nil {
		t.Fatal(err)
	}
	names := events(t, rec.take(), func(event string, p map[string]any) {
		if _, ok := p["locations"]; ok {
			t.Errorf("%s payload shows locations", event)
		}
	})
	if !equal(names, []string{"image.update"}) {
		t.Fatalf("events %v, want image.update", names)
	}
	if _, err := svc.DeleteFromStore(memberCtx, img.ID, "a"); !domain.IsKind(err, domain.KindForbidden) {
		t.Fatalf("deleting the last copy: %v", err)
	}
	if ns := rec.take(); len(ns) != 0 {
		t.Fatalf("a refused delete notified %v", ns)
	}
}
