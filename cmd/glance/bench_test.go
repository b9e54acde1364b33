package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// zeroReader is an endless source of request data that costs nothing to
// produce, so a profile of the upload benchmark is the server's.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func benchCreate(b *testing.B, base string) string {
	b.Helper()
	resp, body := request{method: "POST", path: "/v2/images",
		header: map[string]string{"Content-Type": "application/json"},
		body:   `{"name":"bench","disk_format":"raw","container_format":"bare"}`}.do(b, base)
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	_, rest, _ := strings.Cut(string(body), `"id": "`)
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

func benchUpload(b *testing.B, base, id string, size int64) {
	b.Helper()
	req, err := http.NewRequest("PUT", base+"/v2/images/"+id+"/file", io.LimitReader(zeroReader{}, size))
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b.Fatalf("upload: %d %s", resp.StatusCode, msg)
	}
}

// BenchmarkUpload streams 256 MiB images through the whole server:
// HTTP, policy, the digest pipeline and the filesystem store.
func BenchmarkUpload(b *testing.B) {
	const size = 256 << 20
	base := MustStartServer(b, "")
	b.SetBytes(size)
	for b.Loop() {
		b.StopTimer()
		id := benchCreate(b, base)
		b.StartTimer()
		benchUpload(b, base, id, size)
		b.StopTimer()
		// Deleting lets the next upload reuse the page cache pages.
		if resp, body := (request{method: "DELETE", path: "/v2/images/" + id}).do(b, base); resp.StatusCode != http.StatusNoContent {
			b.Fatalf("delete: %d %s", resp.StatusCode, body)
		}
		b.StartTimer()
	}
}

// BenchmarkDownload reads a 256 MiB image back, from the page cache.
func BenchmarkDownload(b *testing.B) {
	const size = 256 << 20
	base := MustStartServer(b, "")
	id := benchCreate(b, base)
	benchUpload(b, base, id, size)
	b.SetBytes(size)
	for b.Loop() {
		resp, err := http.Get(base + "/v2/images/" + id + "/file")
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size {
			b.Fatalf("download: %d bytes, %v", n, err)
		}
	}
}

// BenchmarkGetImage is one image GET, the commonest metadata call.
func BenchmarkGetImage(b *testing.B) {
	base := MustStartServer(b, "")
	id := benchCreate(b, base)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := http.Get(base + "/v2/images/" + id)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("get: %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkList1000 is one full page of the largest size the API
// serves, images with a few properties and tags each.
func BenchmarkList1000(b *testing.B) {
	base := MustStartServer(b, "")
	for i := range 1000 {
		resp, body := request{method: "POST", path: "/v2/images",
			header: map[string]string{"Content-Type": "application/json"},
			body: `{"name":"image-` + strings.Repeat("x", i%7) + `","disk_format":"qcow2","container_format":"bare",` +
				`"tags":["bench","group"],"os_distro":"ubuntu","os_version":"24.04","hw_disk_bus":"virtio"}`}.do(b, base)
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("create: %d %s", resp.StatusCode, body)
		}
	}
	for b.Loop() {
		resp, err := http.Get(base + "/v2/images?limit=1000")
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || n < 1000*500 {
			b.Fatalf("list: %d, %d bytes", resp.StatusCode, n)
		}
	}
}
