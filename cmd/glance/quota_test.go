package main

import (
	"bytes"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/dal/daltest"
)

// quotaServer starts a trusted-auth server with user_storage_quota =
// quota on connection (SQLite in a temp dir when empty) and returns
// clients of projects alpha and beta and the server's directory.
func quotaServer(t *testing.T, quota, connection string) (alpha, beta api, dir string) {
	t.Helper()
	dir = t.TempDir()
	conf := mustWriteConfig(t, dir, "user_storage_quota = "+quota+"\n[paste_deploy]\nflavor = trusted-auth\n[DEFAULT]\n", connection, "")
	base := MustRun(t, dir, "api", "--config-file", conf)
	return api{base: base, header: identity("alpha", "member,reader")}, api{base: base, header: identity("beta", "member,reader")}, dir
}

const rawImage = `{"name":"q","disk_format":"raw","container_format":"bare"}`

// putAs uploads body as a's project; a negative size sends it chunked.
func (a api) put(t *testing.T, id string, body []byte, size int64) (*http.Response, []byte) {
	t.Helper()
	return put(t, a.base, id, bytes.NewReader(body), size, a.header)
}

// mustRefuse checks a 413 with msg that left the image queued, without
// size, and no file of it in the datadir.
func mustRefuse(t *testing.T, a api, dir, id string, resp *http.Response, body []byte, msg string) {
	t.Helper()
	mustStatus(t, "upload over the quota", resp, body, http.StatusRequestEntityTooLarge)
	if !strings.Contains(text(body), msg) {
		t.Errorf("413 body lacks %q:\n%s", msg, body)
	}
	if img := a.get(t, id); img.Status != "queued" || img.Size != nil || img.Checksum != nil {
		t.Errorf("after the refused upload: status %s size %v checksum %v", img.Status, img.Size, img.Checksum)
	}
	if slices.Contains(datadirFiles(t, dir), id) {
		t.Errorf("the refused upload left %s in the datadir", id)
	}
}

// TestStorageQuota walks one project up to user_storage_quota with the
// answers Glance gives: a known size is refused before any data is
// read, an unknown one once its data passes what remains, an empty
// remainder refuses even an upload of unknown size. Other projects have
// their own quota, and deleting an image frees its room.
func TestStorageQuota(t *testing.T) {
	alpha, beta, dir := quotaServer(t, "1KB", "")
	first := alpha.create(t, rawImage)
	resp, body := alpha.put(t, first.ID, randomData(600), 600)
	mustStatus(t, "upload of 600 bytes", resp, body, http.StatusNoContent)

	second := alpha.create(t, rawImage)
	resp, body = alpha.put(t, second.ID, randomData(500), 500)
	mustRefuse(t, alpha, dir, second.ID, resp, body,
		"Image exceeds the storage quota: The size of the data 500 will exceed the limit. 424 bytes remaining.")
	// Chunked, the upload is cut off at the first byte past the quota.
	resp, body = alpha.put(t, second.ID, randomData(500), -1)
	mustRefuse(t, alpha, dir, second.ID, resp, body,
		"Image exceeds the storage quota: The size of the data 425 will exceed the limit. 424 bytes remaining.")
	// A size header below the data does not let more through.
	resp, body = put(t, alpha.base, second.ID, bytes.NewReader(randomData(500)), -1,
		map[string]string{"X-Openstack-Image-Size": "100", "X-Project-Id": "alpha", "X-Roles": "member,reader", "X-Identity-Status": "Confirmed"})
	mustRefuse(t, alpha, dir, second.ID, resp, body, "The size of the data 425 will exceed the limit. 424 bytes remaining.")

	data := randomData(424)
	resp, body = alpha.put(t, second.ID, data, -1)
	mustStatus(t, "upload of the 424 bytes left", resp, body, http.StatusNoContent)
	if img := alpha.get(t, second.ID); img.Status != "active" || img.Size == nil || *img.Size != 424 || *img.Checksum != md5Hex(data) {
		t.Errorf("after filling the quota: %+v", img)
	}

	third := alpha.create(t, rawImage)
	resp, body = alpha.put(t, third.ID, nil, -1)
	mustRefuse(t, alpha, dir, third.ID, resp, body,
		"Image exceeds the storage quota: The size of the data None will exceed the limit. 0 bytes remaining.")

	other := beta.create(t, rawImage)
	resp, body = beta.put(t, other.ID, randomData(1024), 1024)
	mustStatus(t, "another project's upload", resp, body, http.StatusNoContent)

	resp, body = alpha.do(t, "DELETE", "/v2/images/"+first.ID, nil, "")
	mustStatus(t, "delete", resp, body, http.StatusNoContent)
	resp, body = alpha.put(t, third.ID, randomData(600), -1)
	mustStatus(t, "upload into the freed room", resp, body, http.StatusNoContent)
}

// TestStorageQuotaReleasedByFailedUploads checks that what an upload
// reserved goes back when it fails: cut off by its client, refused by
// the size cap, or of a size other than it announced.
func TestStorageQuotaReleasedByFailedUploads(t *testing.T) {
	dir := t.TempDir()
	conf := mustWriteConfig(t, dir, "user_storage_quota = 2MB\nimage_size_cap = 1500000\n", "", "")
	a := api{base: MustRun(t, dir, "api", "--config-file", conf)}
	img := a.create(t, rawImage)

	conn := mustDial(t, a.base)
	startUpload(t, conn, img.ID, randomData(1<<20), 512<<10)
	waitFor(t, "the upload to reserve its size", func() bool {
		got := a.get(t, img.ID)
		return got.Status == "saving" && got.Size != nil && *got.Size == 1<<20
	})
	conn.Close()
	waitFor(t, "the image to be queued again", func() bool { return a.get(t, img.ID).Status == "queued" })
	mustBeQueued(t, a, dir, img.ID)

	resp, body := put(t, a.base, img.ID, bytes.NewReader(randomData(1_600_000)), -1, nil)
	mustStatus(t, "upload over the size cap", resp, body, http.StatusRequestEntityTooLarge)
	resp, body = put(t, a.base, img.ID, bytes.NewReader(randomData(1000)), -1, map[string]string{"X-Openstack-Image-Size": "2000"})
	mustStatus(t, "upload shorter than announced", resp, body, http.StatusBadRequest)
	mustBeQueued(t, a, dir, img.ID)

	// Had any of them kept its reservation, the quota would not hold
	// these two.
	for _, size := range []int{1 << 20, 1 << 20} {
		img := a.create(t, rawImage)
		resp, body := put(t, a.base, img.ID, bytes.NewReader(randomData(size)), int64(size), nil)
		mustStatus(t, "upload after the failures", resp, body, http.StatusNoContent)
	}
}

// TestConcurrentUploadsKeepTheQuota races eight uploads of one project
// that each fit its quota alone but only three together, on SQLite and
// on MariaDB: at most three succeed, the others get Glance's 413 and
// leave nothing behind (test/quota races two server processes). With announced sizes the
// whole size is reserved at once, so exactly three succeed; with
// chunked uploads the reservations grow as data arrives.
func TestConcurrentUploadsKeepTheQuota(t *testing.T) {
	const size, quota = 1 << 20, 3*1<<20 + 1000
	backends := map[string]func(t *testing.T) string{
		"sqlite":  func(t *testing.T) string { return "" },
		"mariadb": func(t *testing.T) string { return daltest.OpenMariaDB(t).URL },
	}
	for name, connection := range backends {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, chunked %v", name, chunked), func(t *testing.T) {
				a, _, dir := quotaServer(t, fmt.Sprint(quota), connection(t))
				const n = 8
				ids := make([]string, n)
				for i := range ids {
					ids[i] = a.create(t, rawImage).ID
				}
				codes, msgs := make([]int, n), make([]string, n)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						sent := int64(size)
						if chunked {
							sent = -1
						}
						<-start
						body := &slowReader{data: randomData(size), chunk: 64 << 10, pause: 2 * time.Millisecond}
						resp, msg, err := tryPut(a.base, ids[i], body, sent, a.header)
						if err != nil {
							msgs[i] = err.Error()
							return
						}
						codes[i], msgs[i] = resp.StatusCode, text(msg)
					})
				}
				close(start)
				wg.Wait()
				succeeded := 0
				for i, code := range codes {
					switch code {
					case http.StatusNoContent:
						succeeded++
					case http.StatusRequestEntityTooLarge:
						if !strings.Contains(msgs[i], "Image exceeds the storage quota: The size of the data") {
							t.Errorf("upload %d: 413 %s", i, msgs[i])
						}
						mustBeQueuedAs(t, a, ids[i])
					default:
						t.Errorf("upload %d: %d %s", i, code, msgs[i])
					}
				}
				if succeeded > 3 || succeeded == 0 || !chunked && succeeded != 3 {
					t.Errorf("%d of %d uploads succeeded under a quota for 3: %v", succeeded, n, codes)
				}
				var stored int64
				var active []string
				for _, id := range ids {
					if img := a.get(t, id); img.Status == "active" {
						stored += *img.Size
						active = append(active, id)
					}
				}
				if stored > quota {
					t.Errorf("the project stores %d bytes under a quota of %d", stored, quota)
				}
				files := datadirFiles(t, dir)
				slices.Sort(files)
				slices.Sort(active)
				if !slices.Equal(files, active) {
					t.Errorf("the datadir holds %q, want the active images %q", files, active)
				}
			})
		}
	}
}

// mustBeQueuedAs checks that image id is queued without size.
func mustBeQueuedAs(t *testing.T, a api, id string) {
	t.Helper()
	if img := a.get(t, id); img.Status != "queued" || img.Size != nil {
		t.Errorf("image %s after its refused upload: status %s size %v", id, img.Status, img.Size)
	}
}

// TestKeystoneLimitsNeedTheirSection: use_keystone_limits without the
// [oslo_limit] options that read the limits stops the server at start,
// naming them, rather than failing every upload later.
func TestKeystoneLimitsNeedTheirSection(t *testing.T) {
	dir := t.TempDir()
	conf := mustWriteConfig(t, dir, "use_keystone_limits = true\n[oslo_limit]\nauth_url = http://127.0.0.1:1\n[DEFAULT]\n", "", "")
	_, err := runCommand(t, "api", "--config-file", conf)
	if err == nil {
		t.Fatal("the server started")
	}
	for _, want := range []string{"use_keystone_limits needs [oslo_limit]", "[oslo_limit] endpoint_id", "[oslo_limit] auth_type",
		"[oslo_limit] username", "[oslo_limit] password"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// TestKeystoneLimitsWarnings: the server starts while Keystone is
// unreachable (limits are read per request), and warns of what will
// not work as the operator may think: user_storage_quota is ignored,
// and a user without a system-scoped token reads only its own
// project's limits.
func TestKeystoneLimitsWarnings(t *testing.T) {
	log := filepath.Join(t.TempDir(), "api.log")
	MustStartServer(t, "log_file = "+log+"\nuser_storage_quota = 1GB\nuse_keystone_limits = true\n"+
		"[oslo_limit]\nauth_type = password\nauth_url = http://127.0.0.1:1\nusername = glance\npassword = x\n"+
		"user_domain_id = default\nproject_name = service\nproject_domain_id = default\nendpoint_service_type = image\n[DEFAULT]\n")
	warnings := mustLogLines(t, log, " WARNING ")
	for _, want := range []string{"[DEFAULT] user_storage_quota is ignored", "[oslo_limit] system_scope is not all"} {
		if count(warnings, want) != 1 {
			t.Errorf("no WARNING line says %q:\n%s", want, strings.Join(warnings, "\n"))
		}
	}
}

// TestUsageWithoutKeystoneLimits: /v2/info/usage is empty unless
// use_keystone_limits is set, whatever user_storage_quota says, as in
// Glance.
func TestUsageWithoutKeystoneLimits(t *testing.T) {
	alpha, _, _ := quotaServer(t, "1GB", "")
	resp, body := alpha.do(t, "GET", "/v2/info/usage", nil, "")
	mustStatus(t, "usage", resp, body, http.StatusOK)
	if string(body) != `{"usage": {}}` {
		t.Errorf("usage: %s", body)
	}
}
