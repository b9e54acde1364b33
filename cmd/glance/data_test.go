package main

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// datadirFiles lists the filesystem store's datadir under dir.
func datadirFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "images"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// mustBeQueued checks that a failed upload left no trace: the image is
// queued again, without size or hashes, and the datadir holds no file.
func mustBeQueued(t *testing.T, a api, dir, id string) {
	t.Helper()
	img := a.get(t, id)
	if img.Status != "queued" || img.Size != nil || img.VirtualSize != nil || img.Checksum != nil ||
		img.HashAlgo != nil || img.HashValue != nil {
		t.Errorf("after a failed upload: status %s size %v virtual_size %v checksum %v hash %v %v",
			img.Status, img.Size, img.VirtualSize, img.Checksum, img.HashAlgo, img.HashValue)
	}
	if files := datadirFiles(t, dir); len(files) != 0 {
		t.Errorf("datadir holds %q after a failed upload", files)
	}
}

func randomData(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func sha512Hex(b []byte) string {
	s := sha512.Sum512(b)
	return hex.EncodeToString(s[:])
}

// hideLength hides a reader's type so that the client sends it chunked.
type hideLength struct{ io.Reader }

// put uploads body to the image; a negative size sends it chunked.
func put(t *testing.T, base, id string, body io.Reader, size int64, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	resp, b, err := tryPut(base, id, body, size, header)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// tryPut is put for goroutines other than the test's.
func tryPut(base, id string, body io.Reader, size int64, header map[string]string) (*http.Response, []byte, error) {
	if size < 0 {
		body = hideLength{body}
	}
	req, err := http.NewRequest("PUT", base+"/v2/images/"+id+"/file", body)
	if err != nil {
		return nil, nil, err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestUploadDownload(t *testing.T) {
	base, dir := MustStartServerIn(t, "")
	a := api{base: base}
	data := randomData(1000)
	img := a.create(t, `{"name":"data","disk_format":"raw","container_format":"bare"}`)
	file := "/v2/images/" + img.ID + "/file"

	// No data yet: 204 and an empty body.
	resp, body := a.do(t, "GET", file, nil, "")
	mustStatus(t, "download before upload", resp, body, http.StatusNoContent)
	if len(body) != 0 {
		t.Errorf("204 with a body: %q", body)
	}

	a.upload(t, img.ID, data)
	got := a.get(t, img.ID)
	if got.Status != "active" || got.Size == nil || *got.Size != 1000 || got.VirtualSize == nil || *got.VirtualSize != 1000 {
		t.Errorf("after upload: status %s size %v virtual_size %v", got.Status, got.Size, got.VirtualSize)
	}
	if got.Checksum == nil || *got.Checksum != md5Hex(data) {
		t.Errorf("checksum %v, want md5 %s", got.Checksum, md5Hex(data))
	}
	if got.HashAlgo == nil || *got.HashAlgo != "sha512" || got.HashValue == nil || *got.HashValue != sha512Hex(data) {
		t.Errorf("os_hash_algo %v os_hash_value %v, want sha512 of the data", got.HashAlgo, got.HashValue)
	}
	// The data sits where Glance's filesystem store puts it.
	if stored, err := os.ReadFile(filepath.Join(dir, "images", img.ID)); err != nil || !bytes.Equal(stored, data) {
		t.Errorf("datadir file: %d bytes, %v", len(stored), err)
	}

	resp, body = a.do(t, "GET", file, nil, "")
	mustStatus(t, "download", resp, body, http.StatusOK)
	if !bytes.Equal(body, data) {
		t.Errorf("downloaded %d bytes that differ from the upload", len(body))
	}
	for h, want := range map[string]string{"Content-Type": "application/octet-stream", "Content-Length": "1000", "Content-Md5": md5Hex(data)} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}

	for _, c := range []struct {
		header, value string
		status        int
		contentRange  string
		want          []byte
		msg           string
	}{
		{"Range", "bytes=0-9", 206, "bytes 0-9/1000", data[:10], ""},
		{"Range", "bytes=990-", 206, "bytes 990-999/1000", data[990:], ""},
		{"Range", "bytes=999-999", 206, "bytes 999-999/1000", data[999:], ""},
		{"Range", "bytes=-10", 206, "bytes 990-999/1000", data[990:], ""},
		// An end past the data is clamped; so is a suffix longer than it.
		{"Range", "bytes=995-5000", 206, "bytes 995-999/1000", data[995:], ""},
		{"Range", "bytes=-5000", 206, "bytes 0-999/1000", data, ""},
		// Glance still honours a Content-Range sent as a request header.
		{"Content-Range", "bytes 10-19/*", 206, "bytes 10-19/1000", data[10:20], ""},
		{"Range", "bytes=1000-", 416, "", nil, "Invalid start position in Range header. Start position MUST be in the inclusive range [0, 999]."},
		{"Range", "bytes=5000-6000", 416, "", nil, "Invalid start position in Range header."},
		{"Range", "bytes=abc", 416, "", nil, "Invalid Range header."},
		{"Range", "bytes=9-0", 416, "", nil, "Invalid Range header."},
		{"Range", "bytes=0-1,5-6", 400, "", nil, "Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead."},
	} {
		t.Run(c.header+": "+c.value, func(t *testing.T) {
			resp, body := a.do(t, "GET", file, map[string]string{c.header: c.value}, "")
			mustStatus(t, c.value, resp, body, c.status)
			if c.status != http.StatusPartialContent {
				if !strings.Contains(text(body), c.msg) {
					t.Errorf("body lacks %q:\n%s", c.msg, body)
				}
				return
			}
			if !bytes.Equal(body, c.want) {
				t.Errorf("got %d bytes, want %d of the image's", len(body), len(c.want))
			}
			if got := resp.Header.Get("Content-Range"); got != c.contentRange {
				t.Errorf("Content-Range %q, want %q", got, c.contentRange)
			}
			if got := resp.Header.Get("Content-Length"); got != fmt.Sprint(len(c.want)) {
				t.Errorf("Content-Length %q, want %d", got, len(c.want))
			}
			// Content-MD5 is the whole image's, as in Glance.
			if got := resp.Header.Get("Content-Md5"); got != md5Hex(data) {
				t.Errorf("Content-Md5 %q", got)
			}
		})
	}

	// The image is looked up before the header is read, as in Glance.
	for _, value := range []string{"bytes=abc", "bytes=0-1,5-6"} {
		resp, body := a.do(t, "GET", "/v2/images/"+uuid.NewString()+"/file", map[string]string{"Range": value}, "")
		mustStatus(t, "bad range on an unknown image", resp, body, http.StatusNotFound)
	}
}

func TestUploadErrors(t *testing.T) {
	base, dir := MustStartServerIn(t, "")
	a := api{base: base}
	img := a.create(t, `{"name":"x","disk_format":"raw","container_format":"bare"}`)
	file := "/v2/images/" + img.ID + "/file"
	noFormats := a.create(t, `{"name":"no formats"}`)
	runErrCases(t, a, []errCase{
		{name: "json", method: "PUT", path: file, header: jsonType, body: "data", status: 415,
			msg: "The request media type application/json is not supported by this server."},
		{name: "no content type", method: "PUT", path: file, body: "data", status: 415,
			msg: "The request media type None is not supported by this server."},
		{name: "bad size header", method: "PUT", path: file, header: map[string]string{"Content-Type": "application/octet-stream", "X-Openstack-Image-Size": "abc"},
			body: "data", status: 400, msg: ""},
		{name: "no formats", method: "PUT", path: "/v2/images/" + noFormats.ID + "/file", header: octetType, body: "data", status: 400,
			msg: "Properties container_format, disk_format must be set prior to saving data."},
	})
	mustBeQueued(t, a, dir, img.ID)
	mustBeQueued(t, a, dir, noFormats.ID)

	a.upload(t, img.ID, []byte("first"))
	resp, body := a.do(t, "PUT", file, octetType, "second")
	mustStatus(t, "upload to an active image", resp, body, http.StatusConflict)
	if !strings.Contains(text(body), "Image status transition from active to saving is not allowed") {
		t.Errorf("409 body: %s", body)
	}
	resp, body = a.do(t, "GET", file, nil, "")
	mustStatus(t, "download after the refused upload", resp, body, http.StatusOK)
	if string(body) != "first" {
		t.Errorf("a refused upload replaced the data: %q", body)
	}
}

func TestUploadSizeCap(t *testing.T) {
	base, dir := MustStartServerIn(t, "image_size_cap = 100")
	a := api{base: base}
	img := a.create(t, `{"name":"cap","disk_format":"raw","container_format":"bare"}`)
	const tooLarge = "The incoming image is too large: The provided image is too large."
	for _, c := range []struct {
		name   string
		size   int
		sent   int64 // Content-Length, or -1 for chunked
		header map[string]string
	}{
		{"announced", 101, 101, nil},
		{"chunked", 150, -1, nil},
		// A size header under the cap does not let more data through.
		{"understated", 150, -1, map[string]string{"X-Openstack-Image-Size": "50"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, body := put(t, base, img.ID, bytes.NewReader(randomData(c.size)), c.sent, c.header)
			mustStatus(t, "upload", resp, body, http.StatusRequestEntityTooLarge)
			if !strings.Contains(text(body), tooLarge) {
				t.Errorf("413 body: %s", body)
			}
			mustBeQueued(t, a, dir, img.ID)
		})
	}
	data := randomData(100)
	resp, body := put(t, base, img.ID, bytes.NewReader(data), -1, nil)
	mustStatus(t, "upload at the cap", resp, body, http.StatusNoContent)
	if got := a.get(t, img.ID); got.Status != "active" || got.Size == nil || *got.Size != 100 || *got.Checksum != md5Hex(data) {
		t.Errorf("after upload at the cap: %+v", got)
	}
}

// slowReader hands out data a chunk at a time with a pause before each,
// so that concurrent uploads overlap.
type slowReader struct {
	data  []byte
	chunk int
	pause time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestConcurrentUploads(t *testing.T) {
	base, dir := MustStartServerIn(t, "")
	a := api{base: base}
	img := a.create(t, `{"name":"race","disk_format":"raw","container_format":"bare"}`)
	const n = 8
	bodies := make([][]byte, n)
	codes := make([]int, n)
	msgs := make([]string, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		bodies[i] = bytes.Repeat([]byte{byte('a' + i)}, 64<<10)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			body := &slowReader{data: bodies[i], chunk: 8 << 10, pause: 3 * time.Millisecond}
			resp, msg, err := tryPut(base, img.ID, body, int64(len(bodies[i])), nil)
			if err != nil {
				msgs[i] = err.Error()
				return
			}
			codes[i], msgs[i] = resp.StatusCode, text(msg)
		}()
	}
	close(start)
	wg.Wait()

	winner, overlapped := -1, false
	for i, code := range codes {
		switch code {
		case http.StatusNoContent:
			if winner >= 0 {
				t.Errorf("uploads %d and %d both succeeded", winner, i)
			}
			winner = i
		case http.StatusConflict:
			if !strings.Contains(msgs[i], "to saving is not allowed") {
				t.Errorf("upload %d: 409 %s", i, msgs[i])
			}
			overlapped = overlapped || strings.Contains(msgs[i], "from saving to saving")
		default:
			t.Errorf("upload %d: %d %s", i, code, msgs[i])
		}
	}
	if winner < 0 {
		t.Fatalf("no upload succeeded: %v", codes)
	}
	if !overlapped {
		t.Errorf("no upload ran into another one in progress")
	}
	got := a.get(t, img.ID)
	if got.Status != "active" || got.Checksum == nil || *got.Checksum != md5Hex(bodies[winner]) ||
		got.HashValue == nil || *got.HashValue != sha512Hex(bodies[winner]) {
		t.Errorf("image does not hold the winner's data: %+v", got)
	}
	resp, body := a.do(t, "GET", "/v2/images/"+img.ID+"/file", nil, "")
	mustStatus(t, "download", resp, body, http.StatusOK)
	if !bytes.Equal(body, bodies[winner]) {
		t.Errorf("downloaded data is not the winner's")
	}
	if files := datadirFiles(t, dir); len(files) != 1 || files[0] != img.ID {
		t.Errorf("datadir holds %q, want only the image's file", files)
	}
}

// TestInterruptedUpload cuts the connection halfway through an upload:
// the image goes back to queued, the partial file goes, and the image
// can be uploaded again.
func TestInterruptedUpload(t *testing.T) {
	base, dir := MustStartServerIn(t, "")
	a := api{base: base}
	img := a.create(t, `{"name":"cut","disk_format":"raw","container_format":"bare"}`)
	data := randomData(200_000)

	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "PUT /v2/images/%s/file HTTP/1.1\r\nHost: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n",
		img.ID, strings.TrimPrefix(base, "http://"), len(data))
	w.Write(data[:len(data)/2])
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	// Wait until the server is writing the upload, then hang up.
	waitFor(t, "the upload's temporary file", func() bool {
		files := datadirFiles(t, dir)
		return len(files) == 1 && strings.HasPrefix(files[0], ".upload-")
	})
	if got := a.get(t, img.ID); got.Status != "saving" {
		t.Errorf("mid-upload status %s, want saving", got.Status)
	}
	conn.Close()
	waitFor(t, "the image to be queued again", func() bool { return a.get(t, img.ID).Status == "queued" })
	mustBeQueued(t, a, dir, img.ID)

	a.upload(t, img.ID, data)
	if got := a.get(t, img.ID); got.Status != "active" || *got.Checksum != md5Hex(data) {
		t.Errorf("upload after the interrupted one: %+v", got)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
