package quota

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/keystonetest"
	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/endpoints"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/services"
)

const mib = 1 << 20

// limitsServer starts a keystone-flavored server on SQLite that
// enforces the unified limits test/keystone.sh registers, read as the
// glance user with a system-scoped token; oslo overrides options of
// [oslo_limit].
func limitsServer(t *testing.T, oslo map[string]string) *glancetest.Server {
	t.Helper()
	section := map[string]string{
		"auth_type":             "password",
		"auth_url":              keystonetest.URL,
		"username":              keystonetest.Glance.Name,
		"password":              keystonetest.Glance.Password(),
		"user_domain_id":        keystonetest.DefaultDomain,
		"system_scope":          "all",
		"endpoint_service_type": "image",
		"endpoint_region_name":  keystonetest.Region,
	}
	for k, v := range oslo {
		section[k] = v
	}
	return glancetest.MustStart(t, glancetest.Config{
		Dir: t.TempDir(),
		Options: map[string]map[string]string{
			"DEFAULT":            {"use_keystone_limits": "true"},
			"paste_deploy":       {"flavor": "keystone"},
			"keystone_authtoken": keystonetest.AuthtokenSection(nil),
			"oslo_limit":         section,
		},
	})
}

// overLimit is Glance's 413 text for a unified limit, as oslo.limit
// words it.
func overLimit(project, resource string, limit, usage, delta int) string {
	return "The request returned a 413 Request Entity Too Large. This generally means that rate limiting or a quota " +
		"threshold was breached.\n\nThe response body:\n" +
		fmt.Sprintf("Project %s is over a limit for [Resource %s is over limit of %d due to current usage %d and delta %d]",
			project, resource, limit, usage, delta)
}

func mustUsage(t *testing.T, c glancetest.Client, want string) {
	t.Helper()
	code, _, body := c.Do(t, "GET", "/v2/info/usage", nil, nil)
	if code != http.StatusOK || string(body) != want {
		t.Errorf("usage: %d %s\nwant %s", code, body, want)
	}
}

func usageDoc(sizeUsage, sizeLimit, count, countLimit, uploading, uploadingLimit int) string {
	return fmt.Sprintf(`{"usage": {"image_size_total": {"usage": %d, "limit": %d}, "image_stage_total": {"usage": 0, "limit": 1000}, `+
		`"image_count_total": {"usage": %d, "limit": %d}, "image_count_uploading": {"usage": %d, "limit": %d}}}`,
		sizeUsage, sizeLimit, count, countLimit, uploading, uploadingLimit)
}

func mustRefuse(t *testing.T, what string, code int, body, want string) {
	t.Helper()
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, want) {
		t.Errorf("%s: %d %s\nwant 413 with %q", what, code, body, want)
	}
}

// TestUnifiedLimits walks project alpha up to the limits Keystone holds
// for it (image_count_total 4, image_count_uploading 2,
// image_size_total 3 MiB) with Glance's refusals, and reads beta's,
// which fall back to the registered defaults but for an unlimited
// image_count_uploading, through /v2/info/usage.
func TestUnifiedLimits(t *testing.T) {
	keystonetest.Require(t)
	srv := limitsServer(t, nil)
	alphaToken := keystonetest.MustToken(t, keystonetest.AlphaMember)
	alpha := srv.Client.WithToken(alphaToken.ID)
	beta := srv.Client.WithToken(keystonetest.MustToken(t, keystonetest.BetaMember).ID)
	project := alphaToken.ProjectID

	mustUsage(t, alpha, usageDoc(0, 3, 0, 4, 0, 2))
	mustUsage(t, beta, usageDoc(0, 1000, 0, 100, 0, -1))

	ids := make([]string, 4)
	for i := range ids {
		ids[i] = create(t, alpha)
	}
	code, _, body := alpha.Do(t, "POST", "/v2/images", []byte(rawImage), http.Header{"Content-Type": {"application/json"}})
	mustRefuse(t, "a fifth image", code, text(body), overLimit(project, "image_count_total", 4, 4, 1))

	// Two uploads in progress hold image_count_uploading, and what they
	// reserved counts against image_size_total.
	var held []*heldUpload
	for _, id := range ids[:2] {
		held = append(held, startHeld(t, alpha, id, glancetest.MustRandomData(t, mib)))
	}
	// Each reserves its size once it passed the checks; the one that
	// comes third is refused, whichever it is.
	for _, id := range ids[:2] {
		waitFor(t, "image "+id+" to reserve its size", func() bool {
			img := alpha.MustGet(t, id)
			return img.String("status") == "saving" && img.String("size") == fmt.Sprint(mib)
		})
	}
	mustUsage(t, alpha, usageDoc(2, 3, 4, 4, 2, 2))
	code, msg, err := put(alpha, ids[2], bytes.NewReader([]byte("x")), 1)
	if err != nil {
		t.Fatal(err)
	}
	mustRefuse(t, "a third upload at once", code, msg, overLimit(project, "image_count_uploading", 2, 3, 0))
	for _, h := range held {
		if code, msg := h.finish(t); code != http.StatusNoContent {
			t.Errorf("held upload: %d %s", code, msg)
		}
	}

	code, msg, _ = put(alpha, ids[2], bytes.NewReader(glancetest.MustRandomData(t, 2*mib)), 2*mib)
	mustRefuse(t, "2 MiB announced", code, msg, overLimit(project, "image_size_total", 3, 2, 2))
	code, msg, _ = put(alpha, ids[2], bytes.NewReader(glancetest.MustRandomData(t, 2*mib)), -1)
	mustRefuse(t, "2 MiB chunked", code, msg, overLimit(project, "image_size_total", 3, 2, 2))
	if img := alpha.MustGet(t, ids[2]); img.String("status") != "queued" || img.String("size") != "" {
		t.Errorf("after the refused uploads: status %s size %q", img.String("status"), img.String("size"))
	}
	if code, msg, _ = put(alpha, ids[2], bytes.NewReader(glancetest.MustRandomData(t, mib)), -1); code != http.StatusNoContent {
		t.Fatalf("the last MiB: %d %s", code, msg)
	}
	// At the limit, Glance's check with no delta passes, and the first
	// byte is one too many.
	code, msg, _ = put(alpha, ids[3], bytes.NewReader([]byte("x")), 1)
	mustRefuse(t, "a byte past the limit", code, msg, overLimit(project, "image_size_total", 3, 3, 1))
	// Nothing past it is still within it.
	if code, msg, _ = put(alpha, ids[3], bytes.NewReader(nil), 0); code != http.StatusNoContent {
		t.Errorf("an empty upload at the limit: %d %s", code, msg)
	}
	mustUsage(t, alpha, usageDoc(3, 3, 4, 4, 0, 2))
}

// heldUpload is an upload whose client sent half of its data and waits.
type heldUpload struct {
	w    *io.PipeWriter
	rest []byte
	done chan struct{}
	code int
	msg  string
}

func startHeld(t *testing.T, c glancetest.Client, id string, data []byte) *heldUpload {
	t.Helper()
	r, w := io.Pipe()
	h := &heldUpload{w: w, rest: data[len(data)/2:], done: make(chan struct{})}
	go func() {
		defer close(h.done)
		code, msg, err := put(c, id, r, int64(len(data)))
		if err != nil {
			msg = err.Error()
		}
		h.code, h.msg = code, msg
	}()
	// A test that stops early must not leave the server waiting for data.
	t.Cleanup(func() { w.CloseWithError(io.ErrUnexpectedEOF) })
	if _, err := w.Write(data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *heldUpload) finish(t *testing.T) (int, string) {
	t.Helper()
	if _, err := h.w.Write(h.rest); err != nil {
		t.Fatal(err)
	}
	h.w.Close()
	<-h.done
	return h.code, h.msg
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestUnifiedLimitsByEndpointID finds the limits through the endpoint
// id, as oslo.limit's endpoint_id names it; an id Keystone does not
// know is the server's fault (500), and a Keystone that cannot be
// reached makes requests that need a limit 503.
func TestUnifiedLimitsByEndpointID(t *testing.T) {
	keystonetest.Require(t)
	id := imageEndpointID(t)
	alpha := func(srv *glancetest.Server) glancetest.Client {
		return srv.Client.WithToken(keystonetest.MustToken(t, keystonetest.AlphaMember).ID)
	}
	byID := alpha(limitsServer(t, map[string]string{"endpoint_id": id}))
	mustUsage(t, byID, usageDoc(0, 3, 0, 4, 0, 2))

	unknown := alpha(limitsServer(t, map[string]string{"endpoint_id": "0123456789abcdef0123456789abcdef"}))
	if code, _, body := unknown.Do(t, "GET", "/v2/info/usage", nil, nil); code != http.StatusInternalServerError {
		t.Errorf("usage with an unknown endpoint id: %d %s", code, body)
	}

	srv := limitsServer(t, map[string]string{"auth_url": "http://127.0.0.1:9", "timeout": "2"})
	down := alpha(srv)
	code, _, body := down.Do(t, "POST", "/v2/images", []byte(rawImage), http.Header{"Content-Type": {"application/json"}})
	if code != http.StatusServiceUnavailable {
		t.Errorf("create while the limits cannot be read: %d %s", code, body)
	}
	// Only the limits are unavailable: the image service still answers.
	if code, _, body := down.Do(t, "GET", "/v2/images", nil, nil); code != http.StatusOK {
		t.Errorf("list while the limits cannot be read: %d %s", code, body)
	}
}

// imageEndpointID is the id of the public image endpoint in RegionOne.
func imageEndpointID(t *testing.T) string {
	t.Helper()
	c := keystonetest.MustClient(t, keystonetest.SystemAdmin)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	page, err := services.List(c, services.ListOpts{ServiceType: "image"}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found, err := services.ExtractServices(page)
	if err != nil || len(found) != 1 {
		t.Fatalf("image services: %v, %v", found, err)
	}
	page, err = endpoints.List(c, endpoints.ListOpts{ServiceID: found[0].ID, RegionID: keystonetest.Region,
		Availability: gophercloud.AvailabilityPublic}).AllPages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := endpoints.ExtractEndpoints(page)
	if err != nil || len(eps) != 1 {
		t.Fatalf("public image endpoints: %v, %v", eps, err)
	}
	return eps[0].ID
}
