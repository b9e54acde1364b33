// Package quota tests the quotas that depend on what a project stores,
// through the built server: user_storage_quota raced by two server
// processes sharing a MariaDB database and a datadir, and the unified
// limits test/keystone.sh registers in the real Keystone.
package quota

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/test/internal/glancetest"
)

func TestMain(m *testing.M) { glancetest.Main(m) }

const rawImage = `{"name":"q","disk_format":"raw","container_format":"bare"}`

// put uploads body to image id through c; size is the Content-Length,
// or -1 to send the body chunked.
func put(c glancetest.Client, id string, body io.Reader, size int64) (int, string, error) {
	if size < 0 {
		body = struct{ io.Reader }{body} // hides the length: chunked
	}
	req, err := http.NewRequest("PUT", c.Endpoint+"/v2/images/"+id+"/file", body)
	if err != nil {
		return 0, "", err
	}
	req.ContentLength = size
	req.Header.Set("Accept", "*/*") // as the real clients send it
	for k, vs := range c.Header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, text(b), err
}

// text is an error page as a reader sees it (WebOb escapes quotes).
func text(b []byte) string {
	return strings.NewReplacer("&#x27;", "'", "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(string(b))
}

func create(t *testing.T, c glancetest.Client) string {
	t.Helper()
	code, _, body := c.Do(t, "POST", "/v2/images", []byte(rawImage), http.Header{"Content-Type": {"application/json"}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var img glancetest.Image
	if err := json.Unmarshal(body, &img); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return img.ID()
}

// TestTwoServersKeepTheQuota races eight uploads of one project through
// two server processes that share a MariaDB database and a datadir;
// each upload fits user_storage_quota alone, three fit together. At
// most three succeed (exactly three when the sizes are announced, as
// each reserves its whole size at once), the others get Glance's 413
// and leave the image queued and nothing in the datadir.
func TestTwoServersKeepTheQuota(t *testing.T) {
	const size, quota = 1 << 20, 3*1<<20 + 1000
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked %v", chunked), func(t *testing.T) {
			conn := daltest.Open(t, daltest.NewMariaDBURL(t)).URL
			datadir := filepath.Join(t.TempDir(), "images")
			var servers []glancetest.Client
			for range 2 {
				srv := glancetest.MustStart(t, glancetest.Config{Dir: t.TempDir(), Connection: conn, DataDir: datadir,
					Options: map[string]map[string]string{"DEFAULT": {"user_storage_quota": fmt.Sprint(quota)}}})
				servers = append(servers, srv.Client)
			}
			const n = 8
			ids := make([]string, n)
			for i := range ids {
				ids[i] = create(t, servers[i%2])
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
					data := glancetest.MustRandomData(t, size)
					<-start
					var err error
					codes[i], msgs[i], err = put(servers[i%2], ids[i], &glancetest.SlowReader{Data: data, Chunk: 64 << 10, Pause: 2 * time.Millisecond}, sent)
					if err != nil {
						msgs[i] = err.Error()
					}
				})
			}
			close(start)
			wg.Wait()
			var active []string
			var stored int64
			for i, id := range ids {
				img := servers[(i+1)%2].MustGet(t, id)
				switch codes[i] {
				case http.StatusNoContent:
					active = append(active, id)
					if img.String("status") != "active" {
						t.Errorf("upload %d succeeded, the image is %s", i, img.String("status"))
					}
					var sz int64
					fmt.Sscan(img.String("size"), &sz)
					stored += sz
				case http.StatusRequestEntityTooLarge:
					if !strings.Contains(msgs[i], "Image exceeds the storage quota: The size of the data") {
						t.Errorf("upload %d: 413 %s", i, msgs[i])
					}
					if img.String("status") != "queued" || img.String("size") != "" {
						t.Errorf("upload %d was refused; the image is %s with size %q", i, img.String("status"), img.String("size"))
					}
				default:
					t.Errorf("upload %d: %d %s", i, codes[i], msgs[i])
				}
			}
			if len(active) > 3 || len(active) == 0 || !chunked && len(active) != 3 {
				t.Errorf("%d of %d uploads succeeded under a quota for 3: %v", len(active), n, codes)
			}
			if stored > quota {
				t.Errorf("the project stores %d bytes under a quota of %d", stored, quota)
			}
			entries, err := os.ReadDir(datadir)
			if err != nil {
				t.Fatal(err)
			}
			var files []string
			for _, e := range entries {
				files = append(files, e.Name())
			}
			slices.Sort(files)
			slices.Sort(active)
			if !slices.Equal(files, active) {
				t.Errorf("the datadir holds %q, want the active images %q", files, active)
			}
		})
	}
}
