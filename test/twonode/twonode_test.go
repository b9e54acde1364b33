package twonode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
)

// rawImage is the body of an image create.
func rawImage(name string) map[string]any {
	return map[string]any{"name": name, "disk_format": "raw", "container_format": "bare"}
}

// put streams body to image id's file through c into store; size is
// the Content-Length. It returns the status and the answer's text.
func put(c glancetest.Client, id, store string, body io.Reader, size int64) (int, string, error) {
	req, err := http.NewRequest(http.MethodPut, c.Endpoint+"/v2/images/"+id+"/file", body)
	if err != nil {
		return 0, "", err
	}
	req.ContentLength = size
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Image-Meta-Store", store)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// mustPut uploads data through c into store (204).
func mustPut(t *testing.T, c glancetest.Client, id, store string, data []byte) {
	t.Helper()
	code, msg, err := put(c, id, store, bytes.NewReader(data), int64(len(data)))
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("upload of %d bytes to %s through %s: %d %v %.500s", len(data), store, c.Endpoint, code, err, msg)
	}
}

// dataSize is an image that crosses the backend's part size, if it
// has one, yet stays small.
func dataSize(b backend) int {
	if b.partSize > 0 {
		return b.partSize + 1<<20 + 123
	}
	return 3<<20 + 123
}

// mustHoldNothing fails unless the backend holds nothing for image id.
func mustHoldNothing(t *testing.T, b backend, id string) {
	t.Helper()
	if held := b.holds(t, id); len(held) > 0 {
		t.Errorf("%s backend holds %q for deleted image %s", b.typ, held, id)
	}
}

// TestImageMovesBetweenNodes: an image created and uploaded through
// node A is listed, shown with the same digests, downloaded byte for
// byte (whole and by ranges) and deleted through node B; A then knows
// it no more and the backend holds nothing for it.
func TestImageMovesBetweenNodes(t *testing.T) {
	t.Parallel()
	c := newCloud(t)
	for _, b := range c.backends {
		t.Run(b.typ, func(t *testing.T) {
			name := "moves-" + b.name
			id := c.a.Client.MustCreate(t, rawImage(name)).ID()
			data := glancetest.MustRandomData(t, dataSize(b))
			want := glancetest.DigestsOf(data)
			mustPut(t, c.a.Client, id, b.name, data)

			listed := glancetest.FindImage(c.b.Client.MustList(t, "name="+name), id)
			if listed == nil || listed.String("status") != "active" {
				t.Fatalf("node B lists %v for the image node A uploaded; want it active", listed)
			}
			shown := c.b.Client.MustGet(t, id)
			for key, v := range map[string]string{
				"status": "active", "size": fmt.Sprint(want.Size), "checksum": want.MD5,
				"os_hash_algo": "sha512", "os_hash_value": want.SHA512, "stores": b.name,
			} {
				if got := shown.String(key); got != v {
					t.Errorf("node B shows %s = %q; want %q", key, got, v)
				}
			}
			if got := c.b.Client.MustDownload(t, id); !bytes.Equal(got, data) {
				t.Fatalf("node B served %d bytes that differ from the %d uploaded through A", len(got), len(data))
			}
			// One range inside the data, one across a part's end.
			mid := min(len(data)-20, max(b.partSize, 1<<20))
			for _, r := range [][2]int{{1000, 2999}, {mid - 10, mid + 9}} {
				code, hdr, got := c.b.Client.Do(t, http.MethodGet, "/v2/images/"+id+"/file", nil,
					http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", r[0], r[1])}})
				if code != http.StatusPartialContent || !bytes.Equal(got, data[r[0]:r[1]+1]) {
					t.Errorf("node B, bytes %d-%d: %d with %d bytes (%s); want 206 with those bytes",
						r[0], r[1], code, len(got), hdr.Get("Content-Range"))
				}
			}
			if held := b.holds(t, id); len(held) != 1 {
				t.Errorf("%s backend holds %q for the image; want its data alone", b.typ, held)
			}

			c.b.Client.MustDelete(t, id)
			for _, path := range []string{"/v2/images/" + id, "/v2/images/" + id + "/file"} {
				if code := c.a.Client.Status(t, path); code != http.StatusNotFound {
					t.Errorf("node A, GET %s after node B deleted it: %d; want 404", path, code)
				}
			}
			mustHoldNothing(t, b, id)
		})
	}
}

// TestRacingUploadsThroughBothNodes: uploads of different data to one
// queued image through A and B at once: exactly one succeeds, the other
// gets Glance's 409, and the image is active with the winner's bytes,
// which are all the backend holds for it (no second object, no
// unfinished multipart upload).
func TestRacingUploadsThroughBothNodes(t *testing.T) {
	t.Parallel()
	const rounds = 3
	c := newCloud(t)
	nodes := []glancetest.Client{c.a.Client, c.b.Client}
	for _, b := range c.backends {
		t.Run(b.typ, func(t *testing.T) {
			for round := range rounds {
				id := nodes[round%2].MustCreate(t, rawImage("race")).ID()
				var (
					datas [2][]byte
					codes [2]int
					msgs  [2]string
					wg    sync.WaitGroup
				)
				start := make(chan struct{})
				for i := range nodes {
					datas[i] = glancetest.MustRandomData(t, 2<<20)
					wg.Go(func() {
						<-start
						body := &glancetest.SlowReader{Data: datas[i], Chunk: 256 << 10, Pause: 5 * time.Millisecond}
						var err error
						codes[i], msgs[i], err = put(nodes[i], id, b.name, body, int64(len(datas[i])))
						if err != nil {
							msgs[i] = err.Error()
						}
					})
				}
				close(start)
				wg.Wait()
				won := slices.Index(codes[:], http.StatusNoContent)
				lost := 1 - won
				if won < 0 || codes[lost] != http.StatusConflict || !strings.Contains(msgs[lost], "Image status transition from") {
					t.Fatalf("round %d: uploads through A and B answered %d (%.200s) and %d (%.200s); want one 204 and one 409",
						round, codes[0], msgs[0], codes[1], msgs[1])
				}
				want := glancetest.DigestsOf(datas[won])
				img := nodes[lost].MustGet(t, id)
				if img.String("status") != "active" || img.String("checksum") != want.MD5 || img.String("os_hash_value") != want.SHA512 {
					t.Errorf("round %d: image is %s with checksum %s; want active with the winner's %s",
						round, img.String("status"), img.String("checksum"), want.MD5)
				}
				if got := nodes[lost].MustDownload(t, id); !bytes.Equal(got, datas[won]) {
					t.Errorf("round %d: the loser's node serves %d bytes that are not the winner's", round, len(got))
				}
				if held := b.holds(t, id); len(held) != 1 {
					t.Errorf("round %d: %s backend holds %q; want the winner's data alone", round, b.typ, held)
				}
				nodes[won].MustDelete(t, id)
				mustHoldNothing(t, b, id)
			}
		})
	}
}

// TestChangesSeenByTheOtherNode: tags, properties and members changed
// through one node are what the other shows at once: no node keeps a
// copy of an image of its own.
func TestChangesSeenByTheOtherNode(t *testing.T) {
	t.Parallel()
	c := newCloud(t)
	a, b := c.a.Client, c.b.Client
	fields := rawImage("shared")
	fields["visibility"] = "shared"
	id := a.MustCreate(t, fields).ID()

	a.MustAddTag(t, id, "base")
	a.MustAddTag(t, id, "gold")
	if tags := b.MustGet(t, id).Tags(); !slices.Equal(tags, []string{"base", "gold"}) {
		t.Errorf("node B shows tags %v after A added base and gold", tags)
	}
	if code, _, body := b.Do(t, http.MethodDelete, "/v2/images/"+id+"/tags/gold", nil, nil); code != http.StatusNoContent {
		t.Fatalf("node B removing tag gold: %d %s", code, body)
	}
	if tags := a.MustGet(t, id).Tags(); !slices.Equal(tags, []string{"base"}) {
		t.Errorf("node A shows tags %v after B removed gold", tags)
	}

	b.MustPatch(t, id, map[string]any{"op": "add", "path": "/os_distro", "value": "debian"})
	if got := a.MustGet(t, id).String("os_distro"); got != "debian" {
		t.Errorf("node A shows os_distro %q after B set it to debian", got)
	}

	const project = "0123456789abcdef0123456789abcdef"
	code, _, body := a.Do(t, http.MethodPost, "/v2/images/"+id+"/members", []byte(`{"member":"`+project+`"}`),
		http.Header{"Content-Type": {"application/json"}})
	if code != http.StatusOK {
		t.Fatalf("node A adding member %s: %d %s", project, code, body)
	}
	if got := members(t, b, id); !slices.Equal(got, []string{project + " pending"}) {
		t.Errorf("node B lists members %q after A added %s", got, project)
	}
	code, _, body = b.Do(t, http.MethodDelete, "/v2/images/"+id+"/members/"+project, nil, nil)
	if code != http.StatusNoContent {
		t.Fatalf("node B removing member %s: %d %s", project, code, body)
	}
	if got := members(t, a, id); len(got) != 0 {
		t.Errorf("node A lists members %q after B removed the only one", got)
	}
	a.MustDelete(t, id)
}

// members lists an image's members as "project status".
func members(t *testing.T, c glancetest.Client, id string) []string {
	t.Helper()
	code, _, body := c.Do(t, http.MethodGet, "/v2/images/"+id+"/members", nil, nil)
	if code != http.StatusOK {
		t.Fatalf("listing members of %s through %s: %d %s", id, c.Endpoint, code, body)
	}
	var list struct {
		Members []struct {
			MemberID string `json:"member_id"`
			Status   string `json:"status"`
		} `json:"members"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("members of %s: %v: %s", id, err, body)
	}
	var out []string
	for _, m := range list.Members {
		out = append(out, m.MemberID+" "+m.Status)
	}
	return out
}
