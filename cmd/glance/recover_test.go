package main

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-glance/glance/dal/daltest"
)

// A server that died mid-upload leaves the image saving and a partial
// file in the datadir. The next start of the server owning the embedded
// database queues the image again and removes the partial file, so the
// owner can simply upload again.
func TestStartRecoversInterruptedUpload(t *testing.T) {
	dir := t.TempDir()
	datadir := filepath.Join(dir, "images")
	conf := mustWriteConfig(t, dir, "", "", "")

	var id string
	t.Run("before the crash", func(t *testing.T) {
		base := MustRun(t, dir, "api", "--config-file", conf)
		resp, body := request{method: "POST", path: "/v2/images", header: map[string]string{"Content-Type": "application/json"},
			body: `{"name": "cut off", "disk_format": "raw", "container_format": "bare"}`}.do(t, base)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		var img map[string]any
		json.Unmarshal(body, &img)
		id, _ = img["id"].(string)
	})

	// What the crash leaves: the row saving, a partial file.
	db, err := sql.Open("sqlite3", filepath.Join(dir, "glance.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE images SET status = 'saving' WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	db.Close()
	partial := filepath.Join(datadir, ".upload-"+id+"-1234")
	if err := os.MkdirAll(datadir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(partial, []byte("half an image"), 0o600); err != nil {
		t.Fatal(err)
	}

	base := MustRun(t, dir, "api", "--config-file", conf)
	resp, body := request{method: "GET", path: "/v2/images/" + id}.do(t, base)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status": "queued"`) {
		t.Fatalf("after restart: %d %s", resp.StatusCode, body)
	}
	if _, err := os.Stat(partial); !os.IsNotExist(err) {
		t.Errorf("partial upload file still there: %v", err)
	}
	resp, body = request{method: "PUT", path: "/v2/images/" + id + "/file",
		header: map[string]string{"Content-Type": "application/octet-stream"}, body: "the whole image"}.do(t, base)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("upload after recovery: %d %s", resp.StatusCode, body)
	}
}

// Data stored under a queued image's id was left by a crash (say, of a
// version that did not clean up at start, or one cut off between
// storing and recording a location): it must not make the image
// refuse every upload, nor outlive the image.
func TestOrphanedDataIsDiscarded(t *testing.T) {
	base, dir := MustStartServerIn(t, "")
	a := api{base: base}
	orphan := func(id string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "images", id), []byte("left by a crash"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	uploaded := a.create(t, `{"name":"upload again","disk_format":"raw","container_format":"bare"}`)
	orphan(uploaded.ID)
	a.upload(t, uploaded.ID, []byte("the real data"))
	resp, body := a.do(t, "GET", "/v2/images/"+uploaded.ID+"/file", nil, "")
	mustStatus(t, "download", resp, body, http.StatusOK)
	if string(body) != "the real data" {
		t.Errorf("downloaded %q", body)
	}

	deleted := a.create(t, `{"name":"delete","disk_format":"raw","container_format":"bare"}`)
	orphan(deleted.ID)
	resp, body = a.do(t, "DELETE", "/v2/images/"+deleted.ID, nil, "")
	mustStatus(t, "delete", resp, body, http.StatusNoContent)
	if files := datadirFiles(t, dir); len(files) != 1 || files[0] != uploaded.ID {
		t.Errorf("datadir holds %q, want only %s", files, uploaded.ID)
	}
}

// Servers sharing a MariaDB database and a datadir (decision 12 of the
// design) must never remove a peer's live upload: a server starting
// while another one uploads leaves that upload alone, and the clean-up
// of data left under an image's id touches only images no upload owns.
func TestPeersKeepEachOthersUploads(t *testing.T) {
	conn := daltest.Open(t, daltest.NewMariaDBURL(t)).URL
	dir := t.TempDir()
	datadir := filepath.Join(dir, "images")
	conf := mustWriteConfig(t, dir, "", conn, "")
	peer := api{base: MustRun(t, dir, "api", "--config-file", conf)}

	// The peer is half way through an upload.
	live := peer.create(t, `{"name":"live","disk_format":"raw","container_format":"bare"}`)
	data := randomData(2 << 20)
	upload := mustDial(t, peer.base)
	startUpload(t, upload, live.ID, data, 1<<20)
	waitFor(t, "the peer's upload to be written", func() bool {
		files := datadirFiles(t, dir)
		return len(files) == 1 && strings.HasPrefix(files[0], ".upload-")
	})

	// This server starts, then cleans up after crashed uploads of images
	// nobody uploads.
	a := api{base: MustRun(t, dir, "api", "--config-file", conf)}
	orphan := func(id string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(datadir, id), []byte("left by a crash"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	again := a.create(t, `{"name":"upload again","disk_format":"raw","container_format":"bare"}`)
	orphan(again.ID)
	a.upload(t, again.ID, []byte("new data"))
	gone := a.create(t, `{"name":"delete","disk_format":"raw","container_format":"bare"}`)
	orphan(gone.ID)
	resp, body := a.do(t, "DELETE", "/v2/images/"+gone.ID, nil, "")
	mustStatus(t, "delete", resp, body, http.StatusNoContent)
	if got := a.get(t, live.ID); got.Status != "saving" {
		t.Fatalf("the peer's upload is %s, want saving", got.Status)
	}

	// The peer's upload ends as if nothing happened.
	if _, err := upload.Write(data[1<<20:]); err != nil {
		t.Fatal(err)
	}
	reply, err := http.ReadResponse(bufio.NewReader(upload), nil)
	if err != nil {
		t.Fatal(err)
	}
	reply.Body.Close()
	if reply.StatusCode != http.StatusNoContent {
		t.Fatalf("the peer's upload: %d", reply.StatusCode)
	}
	resp, body = a.do(t, "GET", "/v2/images/"+live.ID+"/file", nil, "")
	mustStatus(t, "download", resp, body, http.StatusOK)
	if !bytes.Equal(body, data) {
		t.Errorf("the peer's image holds %d bytes that differ from its upload", len(body))
	}
	files := datadirFiles(t, dir)
	slices.Sort(files)
	want := []string{again.ID, live.ID}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Errorf("datadir holds %q, want %q", files, want)
	}
}
