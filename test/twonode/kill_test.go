package twonode

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// TestNodeKilledMidUpload: node A dies (kill -9) while it streams an
// upload into the shared backend, past the first part where the backend
// writes in parts. The image is not active and node B serves none of
// the partial data; B can delete the image, and then the backend holds
// nothing for it: no object, no unfinished multipart upload, no
// temporary file.
func TestNodeKilledMidUpload(t *testing.T) {
	t.Parallel()
	c := newCloud(t)
	for _, b := range c.backends {
		t.Run(b.typ, func(t *testing.T) {
			// The previous case killed node A.
			if c.a.Exited() {
				c.a = c.start(t)
			}
			id := c.b.Client.MustCreate(t, rawImage("killed")).ID()
			data := glancetest.MustRandomData(t, 2*dataSize(b))
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				code, msg, err := put(c.a.Client, id, b.name, pr, int64(len(data)))
				if err == nil {
					err = errors.New(http.StatusText(code) + ": " + msg)
				}
				done <- err
			}()
			// The pipe hands data over only as the server reads it.
			if _, err := pw.Write(data[:dataSize(b)]); err != nil {
				t.Fatalf("streaming the first half to node A: %v", err)
			}
			var partial []string
			waitFor(t, "the upload to reach the backend", func() bool {
				partial = b.holds(t, id)
				return len(partial) > 0
			})
			t.Logf("node A is killed while the backend holds %q", partial)
			c.a.Kill(t)
			pw.CloseWithError(errors.New("node A was killed"))
			select {
			case err := <-done:
				t.Logf("the upload through the killed node ended: %v", err)
			case <-time.After(time.Minute):
				t.Fatal("the upload through the killed node did not end within a minute")
			}

			if img := c.b.Client.MustGet(t, id); img.String("status") == "active" {
				t.Fatalf("after node A died mid-upload node B shows the image active: %v", img)
			}
			code, _, body := c.b.Client.Do(t, http.MethodGet, "/v2/images/"+id+"/file", nil, nil)
			if code == http.StatusOK || code == http.StatusPartialContent || len(body) > 0 {
				t.Errorf("node B serves %d with %d bytes of an upload cut off; want no data", code, len(body))
			}
			mustDeleteOnceFree(t, c.b.Client, id)
			if code := c.b.Client.Status(t, "/v2/images/"+id); code != http.StatusNotFound {
				t.Errorf("GET after the delete: %d; want 404", code)
			}
			mustHoldNothing(t, b, id)
		})
	}
}

// mustDeleteOnceFree deletes image id, which a dead node was uploading.
// Until the backend lets go of what the dead node held (Ceph keeps a
// dead client's watch on an RBD image for 30 s) the delete is Glance's
// 409 for data in use and the image stays; then it is 204.
func mustDeleteOnceFree(t *testing.T, c glancetest.Client, id string) {
	t.Helper()
	var code int
	var body []byte
	waitFor(t, "the delete of the image the dead node was uploading", func() bool {
		code, _, body = c.Do(t, http.MethodDelete, "/v2/images/"+id, nil, nil)
		if code == http.StatusConflict && strings.Contains(string(body), "in use through the backend store") {
			if img := c.MustGet(t, id); img.String("status") == "active" {
				t.Fatalf("the refused delete left the image active")
			}
			time.Sleep(time.Second)
			return false
		}
		return true
	})
	if code != http.StatusNoContent {
		t.Fatalf("delete through node B: %d %s", code, body)
	}
}

// waitFor polls cond every 50 ms for up to 90 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited 90 s for %s", what)
}
