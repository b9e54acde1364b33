package stores

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/s3"
	"github.com/go-glance/glance/store/storetest"
	"github.com/go-glance/glance/test/internal/cephtest"
	"github.com/go-glance/glance/test/internal/faultproxy"
	"github.com/go-glance/glance/test/internal/glancetest"
)

// msgUnavailable is what a client reads when the store is down.
const msgUnavailable = "The image storage backend is unavailable."

// s3Behind starts a fault proxy in front of radosgw and a server whose
// single store is s3 on bucket through it ([glance_store] default_store
// = s3, with the s3 options in [glance_store]).
func s3Behind(t *testing.T, dir, bucket string) (*faultproxy.Proxy, glancetest.Config) {
	t.Helper()
	proxy := faultproxy.Start(t, cephtest.S3Endpoint)
	opts := map[string]string{"default_store": "s3", "stores": "file, s3"}
	for k, v := range s3Options(bucket) {
		opts[k] = v
	}
	opts["s3_store_host"] = "http://" + proxy.Addr()
	return proxy, glancetest.Config{Dir: dir, Options: map[string]map[string]string{"glance_store": opts}}
}

// waitFor polls cond until it holds, failing after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); !cond(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

func mustUploadStatus(t *testing.T, c glancetest.Client, id string, data []byte) (int, string) {
	t.Helper()
	code, _, body := c.Do(t, http.MethodPut, "/v2/images/"+id+"/file", data,
		http.Header{"Content-Type": {"application/octet-stream"}})
	return code, string(body)
}

// TestServerS3StoreDown: while the store's port is closed or it answers
// 503, uploads and downloads answer 503 with a clear message and the
// image stays as it was; once the store is back the next upload works
// without a restart.
func TestServerS3StoreDown(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-down-")
	proxy, cfg := s3Behind(t, t.TempDir(), bucket)
	c := glancetest.MustStart(t, cfg).Client
	stored := c.MustCreate(t, map[string]any{"name": "stored", "disk_format": "raw", "container_format": "bare"}).ID()
	data := glancetest.MustRandomData(t, 6<<20+17) // more than one part
	c.MustUpload(t, stored, data)

	for name, down := range map[string]func(){
		"port closed":   proxy.Stop,
		"answering 503": func() { proxy.Fail(http.StatusServiceUnavailable) },
		"answering 500": func() { proxy.Fail(http.StatusInternalServerError) },
	} {
		t.Run(name, func(t *testing.T) {
			id := c.MustCreate(t, map[string]any{"name": name, "disk_format": "raw", "container_format": "bare"}).ID()
			down()
			code, body := mustUploadStatus(t, c, id, data)
			if code != http.StatusServiceUnavailable || !strings.Contains(body, msgUnavailable) {
				t.Errorf("upload while the store is down: %d %s; want 503 saying the store is unavailable", code, body)
			}
			if img := c.MustGet(t, id); img["status"] != "queued" || img["size"] != nil {
				t.Errorf("image after the failed upload: status %v size %v; want queued without a size", img["status"], img["size"])
			}
			code, _, got := c.Do(t, http.MethodGet, "/v2/images/"+stored+"/file", nil, nil)
			if code != http.StatusServiceUnavailable || !strings.Contains(string(got), msgUnavailable) {
				t.Errorf("download while the store is down: %d %.200s; want 503", code, got)
			}
			if err := proxy.Restore(); err != nil {
				t.Fatal(err)
			}
			if code, body := mustUploadStatus(t, c, id, data); code != http.StatusNoContent {
				t.Fatalf("upload once the store is back: %d %s", code, body)
			}
			if got := c.MustDownload(t, id); !bytes.Equal(got, data) {
				t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
			}
		})
	}
	if ups := cephtest.S3Uploads(t, bucket); len(ups) > 0 {
		t.Errorf("multipart uploads left: %v", ups)
	}
}

// TestServerS3DeleteWhileStoreDown: deleting an image whose store is
// down deletes the image (204, then 404) and records its data; the
// server removes that data once the store is back (here at its next
// start) and logs it.
func TestServerS3DeleteWhileStoreDown(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-deldown-")
	proxy, cfg := s3Behind(t, t.TempDir(), bucket)
	srv := glancetest.MustStart(t, cfg)
	c := srv.Client
	id := c.MustCreate(t, map[string]any{"name": "doomed", "disk_format": "raw", "container_format": "bare"}).ID()
	c.MustUpload(t, id, []byte("data of a deleted image"))

	proxy.Stop()
	if code, _, body := c.Do(t, http.MethodDelete, "/v2/images/"+id, nil, nil); code != http.StatusNoContent {
		t.Fatalf("delete while the store is down: %d %s; want 204", code, body)
	}
	if code := c.Status(t, "/v2/images/"+id); code != http.StatusNotFound {
		t.Fatalf("image after delete: %d, want 404", code)
	}
	if objs := cephtest.S3Objects(t, bucket); !slices.Equal(objs, []string{id}) {
		t.Fatalf("bucket holds %v; the store was down, so the data should still be there", objs)
	}
	if log, _ := os.ReadFile(cfg.LogFile()); !strings.Contains(string(log), "for clean-up once the store is back") {
		t.Errorf("the log does not say the data was recorded for clean-up")
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(t); err != nil {
		t.Fatal(err)
	}
	glancetest.MustStart(t, srv.Config)
	// The server removes the object, records it gone, then logs it.
	waitFor(t, "the server to log that it removed the object", func() bool {
		log, _ := os.ReadFile(cfg.LogFile())
		return strings.Contains(string(log), "Removed the image data of 1 deleted location(s)")
	})
	if objs := cephtest.S3Objects(t, bucket); len(objs) > 0 {
		t.Errorf("bucket holds %v after the clean-up", objs)
	}
}

// TestServerS3ClientLeavesMidUpload: a client that disconnects in the
// middle of an upload leaves the image queued and no object or
// multipart upload in the bucket.
func TestServerS3ClientLeavesMidUpload(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-leave-")
	_, cfg := s3Behind(t, t.TempDir(), bucket)
	srv := glancetest.MustStart(t, cfg)
	c := srv.Client
	id := c.MustCreate(t, map[string]any{"name": "abandoned", "disk_format": "raw", "container_format": "bare"}).ID()

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	head := "PUT /v2/images/" + id + "/file HTTP/1.1\r\nHost: glance\r\nContent-Type: application/octet-stream\r\n" +
		"Content-Length: 20971520\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(glancetest.MustRandomData(t, 12<<20)); err != nil { // two parts and some
		t.Fatal(err)
	}
	waitFor(t, "the upload to reach the store", func() bool {
		return c.MustGet(t, id)["status"] == "saving"
	})
	conn.Close()
	waitFor(t, "the image to be queued again", func() bool { return c.MustGet(t, id)["status"] == "queued" })
	left := ""
	waitFor(t, "the bucket to be empty", func() bool {
		objects, uploads := cephtest.S3Objects(t, bucket), cephtest.S3Uploads(t, bucket)
		if now := fmt.Sprintf("objects %v, unfinished uploads %v", objects, uploads); now != left {
			left = now
			t.Logf("left in the bucket: %s", left)
		}
		return len(objects) == 0 && len(uploads) == 0
	})
}

// TestServerS3StoreDiesMidUpload: a store that goes down in the middle
// of an upload fails it with 503, the image stays queued, and once the
// store is back the next upload of that image works and leaves only its
// object (what the failed one left is removed first).
func TestServerS3StoreDiesMidUpload(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-dies-")
	proxy, cfg := s3Behind(t, t.TempDir(), bucket)
	c := glancetest.MustStart(t, cfg).Client
	id := c.MustCreate(t, map[string]any{"name": "interrupted", "disk_format": "raw", "container_format": "bare"}).ID()
	data := glancetest.MustRandomData(t, 16<<20)
	body := &stopAfter{r: bytes.NewReader(data), n: 8 << 20, stop: proxy.Stop}
	req, err := http.NewRequest(http.MethodPut, c.Endpoint+"/v2/images/"+id+"/file", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	req.ContentLength = int64(len(data))
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(got), msgUnavailable) {
		t.Fatalf("upload whose store died: %d %s; want 503", resp.StatusCode, got)
	}
	if img := c.MustGet(t, id); img["status"] != "queued" {
		t.Fatalf("image after the failed upload: %v, want queued", img["status"])
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	if code, body := mustUploadStatus(t, c, id, data); code != http.StatusNoContent {
		t.Fatalf("upload once the store is back: %d %s", code, body)
	}
	if objs := cephtest.S3Objects(t, bucket); !slices.Equal(objs, []string{id}) {
		t.Errorf("bucket holds %v, want only [%s]", objs, id)
	}
	if ups := cephtest.S3Uploads(t, bucket); len(ups) > 0 {
		t.Errorf("multipart uploads left: %v", ups)
	}
	if got := c.MustDownload(t, id); !bytes.Equal(got, data) {
		t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(got), len(data))
	}
}

// stopAfter yields r, calling stop once n bytes were read.
type stopAfter struct {
	r    io.Reader
	n    int
	stop func()
}

func (s *stopAfter) Read(p []byte) (int, error) {
	if s.n <= 0 && s.stop != nil {
		s.stop()
		s.stop = nil
	}
	if s.n > 0 && len(p) > s.n {
		p = p[:s.n]
	}
	n, err := s.r.Read(p)
	s.n -= n
	return n, err
}

// TestS3StalledServer: a server that accepts and never answers makes
// every call fail as unavailable once the driver's timeout passes; when
// it answers again, the same driver works.
func TestS3StalledServer(t *testing.T) {
	cephtest.RequireS3(t)
	bucket := cephtest.NewBucket(t, "glance-stall-")
	proxy := faultproxy.Start(t, cephtest.S3Endpoint)
	d, err := s3.New(s3.Options{Host: proxy.Addr(), AccessKey: cephtest.S3AccessKey, SecretKey: cephtest.S3SecretKey,
		Bucket: bucket, Region: cephtest.S3Region, URLFormat: "path", LargeObjectSize: 100 << 20, ChunkSize: 5 << 20,
		ThreadPools: 10, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	kept := storetest.MustPut(t, d, storetest.NewID(), []byte("kept"))
	proxy.Stall()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute) // only a backstop
	defer cancel()
	id := storetest.NewID()
	if _, err := d.Put(ctx, id, bytes.NewReader(storetest.Data(6<<20)), -1); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put to a stalled server: %v, want ErrUnavailable", err)
	}
	if _, err := d.Get(ctx, kept.URL, 0, -1); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Get from a stalled server: %v, want ErrUnavailable", err)
	}
	if err := d.Delete(ctx, kept.URL); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Delete on a stalled server: %v, want ErrUnavailable", err)
	}
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	// The same driver works again; its short timeout may still trip on
	// a loaded radosgw, so a try that finds it busy is repeated.
	waitFor(t, "the data to read back", func() bool {
		rc, err := d.Get(t.Context(), kept.URL, 0, -1)
		if err != nil {
			return false
		}
		defer rc.Close()
		got, err := io.ReadAll(rc)
		if err == nil && string(got) != "kept" {
			t.Fatalf("data after the stall: %q", got)
		}
		return err == nil
	})
	waitFor(t, "a Put to succeed", func() bool {
		_, err := d.Put(t.Context(), id, bytes.NewReader(storetest.Data(6<<20)), 6<<20)
		return err == nil || errors.Is(err, store.ErrExists)
	})
	if err := d.Discard(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if objs := cephtest.S3Objects(t, bucket); !slices.Equal(objs, []string{strings.TrimPrefix(kept.URL[strings.LastIndex(kept.URL, "/"):], "/")}) {
		t.Errorf("bucket holds %v", objs)
	}
}
