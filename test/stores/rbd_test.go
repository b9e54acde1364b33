//go:build ceph

package stores

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/rbd"
	"github.com/go-glance/glance/store/storetest"
	"github.com/go-glance/glance/test/internal/cephtest"
	"github.com/go-glance/glance/test/internal/glancetest"
)

// rbdOptions is the section of an rbd backend on the test cluster,
// with 1 MiB objects so that the suite's data spans several.
func rbdOptions() store.Options {
	return store.Options{
		"rbd_store_ceph_conf":  cephtest.Conf,
		"rbd_store_user":       cephtest.User,
		"rbd_store_pool":       cephtest.Pool,
		"rbd_store_chunk_size": "1",
	}
}

// openRBD opens an rbd driver on opts, closed when the test ends.
func openRBD(t *testing.T, backendID string, opts store.Options) *rbd.Driver {
	t.Helper()
	d, err := store.Open("rbd", backendID, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.(*rbd.Driver).Close() })
	return d.(*rbd.Driver)
}

// recording is a driver that remembers the ids it was given: the pool
// is shared with other tests running at once, so what a driver left
// behind is what the pool holds under those ids (the driver names
// images by id alone).
type recording struct {
	*rbd.Driver
	mu  sync.Mutex
	ids []string
}

func (r *recording) record(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, id)
}

func (r *recording) Put(ctx context.Context, id string, data io.Reader, size int64) (domain.StoredData, error) {
	r.record(id)
	return r.Driver.Put(ctx, id, data, size)
}

func (r *recording) Discard(ctx context.Context, id string) error {
	r.record(id)
	return r.Driver.Discard(ctx, id)
}

// left lists the images of the pool named by the ids r was given.
func (r *recording) left(t *testing.T) []string {
	r.mu.Lock()
	ids := slices.Clone(r.ids)
	r.mu.Unlock()
	var left []string
	for _, name := range cephtest.RBDImages(t) {
		if slices.Contains(ids, name) {
			left = append(left, name)
		}
	}
	return left
}

func TestRBDConformance(t *testing.T) {
	cephtest.Require(t)
	storetest.Run(t, func(t *testing.T) store.Driver {
		r := &recording{Driver: openRBD(t, "ceph", rbdOptions())}
		t.Cleanup(func() {
			for _, name := range r.left(t) {
				cephtest.RemoveRBDImage(t, name)
			}
		})
		return r
	}, storetest.PartSize(1<<20), storetest.Leftovers(func(t *testing.T, d store.Driver) []string {
		return d.(*recording).left(t)
	}))
}

// TestRBDLayout: an image is stored as Glance stores it, so that Nova
// and Cinder clone from it: one RBD image named by the image id, with a
// protected snapshot "snap", at rbd://<cluster fsid>/<pool>/<id>/snap,
// which is also its direct URL; the driver owns that URL and Glance's
// old rbd://<id>, not another cluster's or pool's.
func TestRBDLayout(t *testing.T) {
	cephtest.Require(t)
	d := openRBD(t, "ceph", rbdOptions())
	id, data := storetest.NewID(), storetest.Data(3<<20+5)
	got := storetest.MustPut(t, d, id, data)
	t.Cleanup(func() { cephtest.RemoveRBDImage(t, id) })
	fsid := cephtest.FSID(t)
	want := "rbd://" + fsid + "/" + cephtest.Pool + "/" + id + "/snap"
	if got.URL != want || got.Metadata["store"] != "ceph" {
		t.Fatalf("Put = %+v; want location %s with store ceph", got, want)
	}
	if snaps := cephtest.RBDSnapshots(t, id); !slices.Equal(snaps, []cephtest.Snapshot{{Name: "snap", Protected: true}}) {
		t.Fatalf("snapshots of %s: %+v; want snap, protected", id, snaps)
	}
	if direct, err := d.DirectURL(t.Context(), got.URL); err != nil || direct != want {
		t.Fatalf("DirectURL = %q, %v; want %s", direct, err, want)
	}
	for url, owned := range map[string]bool{
		want:          true,
		"rbd://" + id: true,
		"rbd://00000000-0000-0000-0000-000000000000/" + cephtest.Pool + "/" + id + "/snap": false,
		"rbd://" + fsid + "/volumes/" + id + "/snap":                                       false,
		"file:///var/lib/glance/images/" + id:                                              false,
	} {
		if d.Owns(url) != owned {
			t.Errorf("Owns(%s) = %v, want %v", url, !owned, owned)
		}
	}
	// Glance's old form reads the image's head, the same bytes.
	if back := storetest.MustGet(t, d, "rbd://"+id, 0, -1); !bytes.Equal(back, data) {
		t.Fatalf("read back through rbd://%s: %d bytes that differ", id, len(back))
	}
	if err := d.Delete(t.Context(), got.URL); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cephtest.RBDImages(t), id) {
		t.Fatalf("image %s is still in the pool after Delete", id)
	}
}

// TestRBDOldLocation: an image an old Glance stored, without snapshot,
// at rbd://<image>, is read, sized and deleted through that URL.
func TestRBDOldLocation(t *testing.T) {
	cephtest.Require(t)
	d := openRBD(t, "", rbdOptions())
	id := storetest.NewID()
	cephtest.RBD(t, "create", "--size", "1M", cephtest.Pool+"/"+id)
	t.Cleanup(func() { cephtest.RemoveRBDImage(t, id) })
	url := "rbd://" + id
	if size, err := d.Stat(t.Context(), url); err != nil || size != 1<<20 {
		t.Fatalf("Stat(%s) = %d, %v; want 1 MiB", url, size, err)
	}
	if back := storetest.MustGet(t, d, url, 1000, 24); !bytes.Equal(back, make([]byte, 24)) {
		t.Fatalf("read %v from a new image, want zeros", back)
	}
	if err := d.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cephtest.RBDImages(t), id) {
		t.Fatalf("image %s is still in the pool after Delete", id)
	}
}

// TestRBDDeleteClonedSnapshot: while a volume cloned from an image's
// snapshot exists, deleting the image is refused as in use (409 with
// Glance's message through the backend) and both stay; Discard refuses
// too. Once the clone is gone, Delete removes the image.
func TestRBDDeleteClonedSnapshot(t *testing.T) {
	cephtest.Require(t)
	d := openRBD(t, "ceph", rbdOptions())
	id, data := storetest.NewID(), storetest.Data(2<<20)
	url := storetest.MustPut(t, d, id, data).URL
	t.Cleanup(func() { cephtest.RemoveRBDImage(t, id) })
	clone := "volume-" + storetest.NewID()
	cephtest.Clone(t, id, "snap", clone)
	t.Cleanup(func() { cephtest.RemoveRBDImage(t, clone) })

	if err := d.Delete(t.Context(), url); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("Delete of a cloned image: %v, want ErrInUse", err)
	}
	err := store.NewBackend("ceph", d).Delete(t.Context(), url)
	if !domain.IsKind(err, domain.KindConflict) ||
		domain.ErrorMessage(err) != "The image cannot be deleted because it is in use through the backend store outside of Glance." {
		t.Fatalf("Delete through the backend: kind %d, message %q; want Conflict", domain.ErrorKind(err), domain.ErrorMessage(err))
	}
	if err := d.Discard(t.Context(), id); !errors.Is(err, store.ErrInUse) {
		t.Fatalf("Discard of a cloned image: %v, want ErrInUse", err)
	}
	if snaps := cephtest.RBDSnapshots(t, id); !slices.Equal(snaps, []cephtest.Snapshot{{Name: "snap", Protected: true}}) {
		t.Fatalf("snapshots after the refused Delete: %+v; want snap, still protected", snaps)
	}
	if back := storetest.MustGet(t, d, url, 0, -1); !bytes.Equal(back, data) {
		t.Fatal("data read back after the refused Delete differs")
	}

	cephtest.RemoveRBDImage(t, clone)
	if err := d.Delete(t.Context(), url); err != nil {
		t.Fatalf("Delete once the clone is gone: %v", err)
	}
	if names := cephtest.RBDImages(t); slices.Contains(names, id) {
		t.Fatalf("image %s is still in the pool after Delete", id)
	}
}

// TestRBDConcurrentReadsOfOneImage: many downloads of one image at
// once, some dropped early by their client, with sizes asked meanwhile,
// all read the image's bytes and then leave it deletable. (librbd
// aborts a process whose client opens and closes handles of one image
// at once; the driver must not let that happen.)
func TestRBDConcurrentReadsOfOneImage(t *testing.T) {
	cephtest.Require(t)
	d := openRBD(t, "", rbdOptions())
	id, data := storetest.NewID(), storetest.Data(2<<20+5)
	url := storetest.MustPut(t, d, id, data).URL
	t.Cleanup(func() { cephtest.RemoveRBDImage(t, id) })
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 15 {
				if back := storetest.MustGet(t, d, url, 0, -1); !bytes.Equal(back, data) {
					t.Errorf("a concurrent download read %d bytes that differ", len(back))
					return
				}
				if n, err := d.Stat(t.Context(), url); err != nil || n != int64(len(data)) {
					t.Errorf("Stat during concurrent downloads = %d, %v", n, err)
					return
				}
				r, err := d.Get(t.Context(), url, 10, -1)
				if err != nil {
					t.Error(err)
					return
				}
				head := make([]byte, 10)
				if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, data[10:20]) {
					t.Errorf("a dropped download read %v, %v", head, err)
				}
				r.Close()
			}
		})
	}
	wg.Wait()
	if err := d.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(cephtest.RBDImages(t), id) {
		t.Fatalf("image %s is still in the pool after Delete", id)
	}
}

// TestRBDThinProvisioning: with rbd_thin_provisioning chunks of zeros
// are not written, so a mostly empty image takes a fraction of its
// size in the cluster, and reads back the same; without it every byte
// is written.
func TestRBDThinProvisioning(t *testing.T) {
	cephtest.Require(t)
	const size = 16 << 20
	data := make([]byte, size)
	copy(data[5<<20+7:], "not all zeros")
	for _, thin := range []bool{true, false} {
		opts := rbdOptions()
		if thin {
			opts["rbd_thin_provisioning"] = "true"
		}
		d := openRBD(t, "", opts)
		id := storetest.NewID()
		got, err := d.Put(t.Context(), id, bytes.NewReader(data), -1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cephtest.RemoveRBDImage(t, id) })
		allocated := cephtest.RBDAllocated(t, id+"@snap")
		if thin && allocated > 1<<20 {
			t.Errorf("thin: %d bytes allocated for %d bytes with one chunk of data; want at most that chunk", allocated, size)
		}
		if !thin && allocated != size {
			t.Errorf("thick: %d bytes allocated for %d bytes", allocated, size)
		}
		if back := storetest.MustGet(t, d, got.URL, 0, -1); !bytes.Equal(back, data) {
			t.Fatalf("thin %v: data read back differs", thin)
		}
		if n, err := d.Stat(t.Context(), got.URL); err != nil || n != size {
			t.Fatalf("thin %v: Stat = %d, %v", thin, n, err)
		}
	}
}

// TestRBDUnreachable: a cluster whose monitor does not answer makes
// every call fail as unavailable once rados_connect_timeout is up,
// instead of hanging.
func TestRBDUnreachable(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "ceph.conf")
	content := "[global]\nfsid = 00000000-0000-0000-0000-000000000001\nmon_host = 127.0.0.1:1\n" +
		"auth_client_required = cephx\nkeyring = " + cephtest.Keyring + "\nlog_to_stderr = false\nerr_to_stderr = false\n"
	if err := os.WriteFile(conf, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := rbdOptions()
	opts["rbd_store_ceph_conf"] = conf
	opts["rados_connect_timeout"] = "2"
	d := openRBD(t, "", opts)
	if _, err := d.Put(t.Context(), storetest.NewID(), bytes.NewReader([]byte("x")), 1); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Put to a dead cluster: %v, want ErrUnavailable", err)
	}
	if _, err := d.Stat(t.Context(), "rbd://00000000-0000-0000-0000-000000000001/images/x/snap"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Stat on a dead cluster: %v, want ErrUnavailable", err)
	}
	if d.Owns("rbd://00000000-0000-0000-0000-000000000001/images/x/snap") {
		t.Fatal("a driver that cannot reach its cluster owns a URL naming a cluster")
	}
}

// TestServerRBDBackend: with enabled_backends = fast:file, ceph:rbd an
// upload sent to the ceph store lands as one RBD image named by the
// image id, with its protected snapshot, downloads byte for byte, and
// deleting the image removes the RBD image, once no volume is cloned
// from it (409 until then, as Glance); /v2/info/stores/detail
// shows the rbd backend's properties as Glance does.
func TestServerRBDBackend(t *testing.T) {
	cephtest.Require(t)
	ceph := map[string]string{"store_description": "Images on Ceph"}
	for k, v := range rbdOptions() {
		ceph[k] = v
	}
	ceph["rbd_thin_provisioning"] = "true"
	c := startBeside(t, "ceph", "rbd", ceph)
	typ, props, body := storeDetail(t, c, "ceph")
	want := map[string]any{"chunk_size": float64(1 << 20), "pool": cephtest.Pool, "thin_provisioning": true}
	if typ != "rbd" || !maps.Equal(props, want) {
		t.Fatalf("stores detail lacks the rbd backend's properties %v: %s", want, body)
	}

	img := c.MustCreate(t, map[string]any{"name": "on-ceph", "disk_format": "raw", "container_format": "bare"})
	id := img.ID()
	t.Cleanup(func() { cephtest.RemoveRBDImage(t, id) })
	data := glancetest.MustRandomData(t, 3<<20+123) // several objects
	code, _, body := c.Do(t, http.MethodPut, "/v2/images/"+id+"/file", data, http.Header{
		"Content-Type":       {"application/octet-stream"},
		"X-Image-Meta-Store": {"ceph"},
	})
	if code != http.StatusNoContent {
		t.Fatalf("upload to the ceph store: %d %s", code, body)
	}
	if got := c.MustGet(t, id); got["stores"] != "ceph" || got["status"] != "active" {
		t.Fatalf("image after upload: stores %v, status %v; want ceph, active", got["stores"], got["status"])
	}
	if !slices.Contains(cephtest.RBDImages(t), id) {
		t.Fatalf("pool %s lacks image %s", cephtest.Pool, id)
	}
	if snaps := cephtest.RBDSnapshots(t, id); !slices.Equal(snaps, []cephtest.Snapshot{{Name: "snap", Protected: true}}) {
		t.Fatalf("snapshots of %s: %+v; want snap, protected", id, snaps)
	}
	if got := c.MustDownload(t, id); !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
	}

	// A volume cloned from the image's snapshot keeps the image: Glance
	// answers 409 and both the image and its data stay.
	clone := "volume-" + storetest.NewID()
	cephtest.Clone(t, id, "snap", clone)
	t.Cleanup(func() { cephtest.RemoveRBDImage(t, clone) })
	code, _, body = c.Do(t, http.MethodDelete, "/v2/images/"+id, nil, nil)
	if code != http.StatusConflict || !bytes.Contains(body, []byte("in use through the backend store outside of Glance")) {
		t.Fatalf("delete of an image a volume was cloned from: %d %s; want 409, in use", code, body)
	}
	if got := c.MustGet(t, id); got["status"] != "active" {
		t.Fatalf("image after the refused delete: status %v, want active", got["status"])
	}
	if got := c.MustDownload(t, id); !bytes.Equal(got, data) {
		t.Fatalf("after the refused delete the image serves %d bytes that differ", len(got))
	}
	cephtest.RemoveRBDImage(t, clone)

	c.MustDelete(t, id)
	if slices.Contains(cephtest.RBDImages(t), id) {
		t.Fatalf("RBD image %s left after deleting the image", id)
	}
}

// BenchmarkRBD stores and reads back 128 MiB through the driver, with
// no HTTP or hashing in the way: what the driver and the cluster give;
// GetParallel reads one 8 MiB image from several goroutines at once.
// Each image is deleted once stored: the test cluster is small.
func BenchmarkRBD(b *testing.B) {
	cephtest.Require(b)
	d, err := store.Open("rbd", "", store.Options{
		"rbd_store_ceph_conf": cephtest.Conf, "rbd_store_user": cephtest.User, "rbd_store_pool": cephtest.Pool})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.(*rbd.Driver).Close() })
	data := storetest.Data(128 << 20)
	put := func(b *testing.B) string {
		got, err := d.Put(b.Context(), storetest.NewID(), bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		return got.URL
	}
	remove := func(b *testing.B, url string) {
		if err := d.Delete(context.WithoutCancel(b.Context()), url); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("Put", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			url := put(b)
			b.StopTimer()
			remove(b, url)
			b.StartTimer()
		}
	})
	b.Run("Get", func(b *testing.B) {
		url := put(b)
		defer remove(b, url)
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			r, err := d.Get(b.Context(), url, 0, -1)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(data)) {
				b.Fatalf("read %d bytes, %v", n, err)
			}
			r.Close()
		}
	})
	// Many clients downloading one image at once, each also asking its
	// size: what a popular image sees, and what librbd's handling of
	// concurrent handles of one image must survive.
	b.Run("GetParallel", func(b *testing.B) {
		small := data[:8<<20]
		got, err := d.Put(b.Context(), storetest.NewID(), bytes.NewReader(small), int64(len(small)))
		if err != nil {
			b.Fatal(err)
		}
		defer remove(b, got.URL)
		b.SetBytes(int64(len(small)))
		b.SetParallelism(2)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if n, err := d.Stat(b.Context(), got.URL); err != nil || n != int64(len(small)) {
					b.Errorf("Stat = %d, %v", n, err)
					return
				}
				r, err := d.Get(b.Context(), got.URL, 0, -1)
				if err != nil {
					b.Error(err)
					return
				}
				n, err := io.Copy(io.Discard, r)
				r.Close()
				if err != nil || n != int64(len(small)) {
					b.Errorf("read %d bytes, %v", n, err)
					return
				}
			}
		})
	})
}
