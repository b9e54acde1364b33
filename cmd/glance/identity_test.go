package main

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

const trustedAuth = "[paste_deploy]\nflavor = trusted-auth\n"

// TestTrustedAuth checks who may do what when an authenticating proxy
// vouches for the caller, under Glance's default (secure RBAC) policy.
func TestTrustedAuth(t *testing.T) {
	base := MustStartServer(t, trustedAuth)
	admin := api{base: base, header: identity("admin-project", "admin")}
	memberA := api{base: base, header: identity("A", "member,reader")}
	readerA := api{base: base, header: identity("A", "reader")}
	memberB := api{base: base, header: identity("B", "member,reader")}
	readerB := api{base: base, header: identity("B", "reader")}

	t.Run("unauthenticated", func(t *testing.T) {
		for _, h := range []map[string]string{
			{},
			{"X-Identity-Status": "Invalid", "X-Project-Id": "A", "X-Roles": "admin"},
			// Glance compares the status exactly.
			{"X-Identity-Status": "confirmed", "X-Project-Id": "A", "X-Roles": "admin"},
		} {
			for _, r := range []struct{ method, path, body string }{
				{"GET", "/v2/images", ""},
				{"POST", "/v2/images", `{"name":"x"}`},
				{"GET", "/v2/images/11111111-2222-3333-4444-555555555555", ""},
			} {
				hh := map[string]string{"Content-Type": "application/json"}
				for k, v := range h {
					hh[k] = v
				}
				resp, body := request{method: r.method, path: r.path, header: hh, body: r.body}.do(t, base)
				mustStatus(t, r.method+" "+r.path+" as "+h["X-Identity-Status"], resp, body, http.StatusUnauthorized)
				if !strings.Contains(string(body), "This server could not verify that you are authorized to access the document you requested.") {
					t.Errorf("401 body: %s", body)
				}
			}
		}
	})

	// The caller's project owns what it creates.
	private := memberA.create(t, `{"name":"a-private","visibility":"private","disk_format":"raw","container_format":"bare"}`)
	if private.Owner == nil || *private.Owner != "A" {
		t.Fatalf("owner %v, want the caller's project A", private.Owner)
	}
	memberA.upload(t, private.ID, []byte("private data"))
	public := admin.create(t, `{"name":"a-public","visibility":"public","owner":"A","disk_format":"raw","container_format":"bare"}`)
	memberA.upload(t, public.ID, []byte("public data"))
	shared := memberA.create(t, `{"name":"a-shared"}`)

	img := func(id string) string { return "/v2/images/" + id }
	patch := `[{"op":"replace","path":"/name","value":"renamed"}]`
	cases := []struct {
		name   string
		who    api
		method string
		path   string
		header map[string]string
		body   string
		status int
	}{
		{"member creates", memberA, "POST", "/v2/images", jsonType, `{"name":"x"}`, 201},
		{"reader cannot create", readerA, "POST", "/v2/images", jsonType, `{"name":"x"}`, 403},
		{"member cannot create for another project", memberA, "POST", "/v2/images", jsonType, `{"name":"x","owner":"B"}`, 403},
		{"member cannot publicize", memberA, "POST", "/v2/images", jsonType, `{"name":"x","visibility":"public"}`, 403},
		{"member may share with the community", memberA, "POST", "/v2/images", jsonType, `{"name":"x","visibility":"community"}`, 201},
		{"admin creates for a project", admin, "POST", "/v2/images", jsonType, `{"name":"x","owner":"B"}`, 201},

		{"reader sees own project's image", readerA, "GET", img(private.ID), nil, "", 200},
		{"reader cannot download", readerA, "GET", img(private.ID) + "/file", nil, "", 403},
		{"reader cannot modify", readerA, "PATCH", img(private.ID), patchType, patch, 403},
		{"reader cannot tag", readerA, "PUT", img(private.ID) + "/tags/t", nil, "", 403},
		{"reader cannot upload", readerA, "PUT", img(shared.ID) + "/file", octetType, "data", 403},
		{"reader cannot delete", readerA, "DELETE", img(private.ID), nil, "", 403},
		{"member downloads", memberA, "GET", img(private.ID) + "/file", nil, "", 200},

		// Another project's private image does not exist for B.
		{"other project: show", memberB, "GET", img(private.ID), nil, "", 404},
		{"other project: download", memberB, "GET", img(private.ID) + "/file", nil, "", 404},
		{"other project: modify", memberB, "PATCH", img(private.ID), patchType, patch, 404},
		{"other project: delete", memberB, "DELETE", img(private.ID), nil, "", 404},
		{"other project: deactivate", memberB, "POST", img(private.ID) + "/actions/deactivate", nil, "", 404},
		{"other project: upload", memberB, "PUT", img(shared.ID) + "/file", octetType, "data", 404},
		{"shared without membership", memberB, "GET", img(shared.ID), nil, "", 404},

		// A public image is seen and downloaded by all, changed by none
		// but its owner.
		{"public: show", readerB, "GET", img(public.ID), nil, "", 200},
		{"public: download", memberB, "GET", img(public.ID) + "/file", nil, "", 200},
		{"public: reader cannot download", readerB, "GET", img(public.ID) + "/file", nil, "", 403},
		{"public: modify", memberB, "PATCH", img(public.ID), patchType, patch, 403},
		{"public: delete", memberB, "DELETE", img(public.ID), nil, "", 403},
		{"public: deactivate", memberB, "POST", img(public.ID) + "/actions/deactivate", nil, "", 403},
		{"public: owner modifies", memberA, "PATCH", img(public.ID), patchType, `[{"op":"add","path":"/os_distro","value":"ubuntu"}]`, 200},
		{"public: owner changes it", memberA, "PATCH", img(public.ID), patchType, `[{"op":"replace","path":"/min_ram","value":64}]`, 200},

		{"admin sees every project's image", admin, "GET", img(private.ID), nil, "", 200},
		{"admin modifies any image", admin, "PATCH", img(private.ID), patchType, patch, 200},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := c.who.do(t, c.method, c.path, c.header, c.body)
			mustStatus(t, c.method+" "+c.path, resp, body, c.status)
			if c.status == http.StatusCreated {
				var got image
				mustDecode(t, body, &got)
				want := c.who.header["X-Project-Id"]
				if strings.Contains(c.body, `"owner":"B"`) {
					want = "B"
				}
				if got.Owner == nil || *got.Owner != want {
					t.Errorf("owner %v, want %s", got.Owner, want)
				}
			}
		})
	}

	// Role names are compared lower-cased, as Glance does.
	upper := api{base: base, header: identity("A", "Member")}
	if got := upper.create(t, `{"name":"by Member"}`); got.Owner == nil || *got.Owner != "A" {
		t.Errorf("owner %v", got.Owner)
	}
}

// TestAnonymous: with allow_anonymous_access a caller without a
// confirmed identity is read-only.
func TestAnonymous(t *testing.T) {
	base := MustStartServer(t, "allow_anonymous_access = true\n"+trustedAuth)
	anon := api{base: base}
	resp, body := anon.do(t, "POST", "/v2/images", jsonType, `{"name":"x"}`)
	mustStatus(t, "anonymous create", resp, body, http.StatusForbidden)
}

// TestNoAuth: without a paste flavor every caller is Glance's
// unauthenticated context: an admin (is_admin) with no user, project or
// role, under the legacy defaults. Rules that ask for the admin role,
// such as publicize_image, refuse it, as Glance's do, until the policy
// says otherwise.
func TestNoAuth(t *testing.T) {
	a := api{base: MustStartServer(t, "")}
	resp, body := a.do(t, "POST", "/v2/images", jsonType, `{"name":"x","visibility":"public"}`)
	mustStatus(t, "no-auth publicize", resp, body, http.StatusForbidden)
	if !strings.Contains(text(body), "You are not authorized to complete publicize_image action.") {
		t.Errorf("403 body: %s", body)
	}
	img := a.create(t, `{"name":"x","visibility":"community","disk_format":"raw","container_format":"bare"}`)
	if img.Owner != nil {
		t.Errorf("owner %q, want none", *img.Owner)
	}
	other := a.create(t, `{"name":"y","owner":"some-project"}`)
	if other.Owner == nil || *other.Owner != "some-project" {
		t.Errorf("owner %v, want some-project", other.Owner)
	}
	a.upload(t, img.ID, []byte("data"))
	for _, c := range []struct {
		method, path string
		header       map[string]string
		body         string
		status       int
	}{
		{"PATCH", "/v2/images/" + other.ID, patchType, `[{"op":"replace","path":"/owner","value":"another"}]`, 200},
		{"POST", "/v2/images/" + img.ID + "/actions/deactivate", nil, "", 204},
		// Admins may download deactivated images.
		{"GET", "/v2/images/" + img.ID + "/file", nil, "", 200},
		{"POST", "/v2/images/" + img.ID + "/actions/reactivate", nil, "", 204},
		{"DELETE", "/v2/images/" + other.ID, nil, "", 204},
	} {
		resp, body := a.do(t, c.method, c.path, c.header, c.body)
		mustStatus(t, c.method+" "+c.path, resp, body, c.status)
	}
	// Headers claiming an identity change nothing without trusted-auth.
	claimed := api{base: a.base, header: identity("A", "reader")}
	if got := claimed.create(t, `{"name":"z"}`); got.Owner != nil {
		t.Errorf("noauth took the owner %q from headers", *got.Owner)
	}

	// The operator's policy file decides: is_admin reads the context.
	publishing := api{base: MustStartServer(t, mustPolicyFile(t, `publicize_image: "is_admin:True"`))}
	if got := publishing.create(t, `{"name":"p","visibility":"public"}`); got.Visibility != "public" {
		t.Errorf("visibility %q after an override allowed publicize_image", got.Visibility)
	}
}

func TestDeactivate(t *testing.T) {
	base := MustStartServer(t, trustedAuth)
	admin := api{base: base, header: identity("admin-project", "admin")}
	memberA := api{base: base, header: identity("A", "member,reader")}
	readerA := api{base: base, header: identity("A", "reader")}
	memberB := api{base: base, header: identity("B", "member,reader")}
	data := []byte("image data")
	mine := memberA.create(t, `{"name":"mine","disk_format":"raw","container_format":"bare"}`)
	memberA.upload(t, mine.ID, data)
	public := admin.create(t, `{"name":"public","visibility":"public","owner":"A","disk_format":"raw","container_format":"bare"}`)
	memberA.upload(t, public.ID, data)
	queued := memberA.create(t, `{"name":"queued"}`)

	const forbidden = "The requested image has been deactivated. Image data download is forbidden."
	steps := []struct {
		name   string
		who    api
		method string
		path   string
		status int
		msg    string
	}{
		{"reader cannot deactivate", readerA, "POST", "/v2/images/" + mine.ID + "/actions/deactivate", 403, ""},
		{"other project cannot see it", memberB, "POST", "/v2/images/" + mine.ID + "/actions/deactivate", 404, ""},
		{"owner deactivates", memberA, "POST", "/v2/images/" + mine.ID + "/actions/deactivate", 204, ""},
		{"deactivating again is a no-op", memberA, "POST", "/v2/images/" + mine.ID + "/actions/deactivate", 204, ""},
		{"owner cannot download", memberA, "GET", "/v2/images/" + mine.ID + "/file", 403, forbidden},
		{"admin downloads", admin, "GET", "/v2/images/" + mine.ID + "/file", 200, ""},
		{"no upload", memberA, "PUT", "/v2/images/" + mine.ID + "/file", 409, "Image status transition from deactivated to saving is not allowed"},
		{"public deactivated", admin, "POST", "/v2/images/" + public.ID + "/actions/deactivate", 204, ""},
		{"others cannot download it", memberB, "GET", "/v2/images/" + public.ID + "/file", 403, forbidden},
		{"others cannot reactivate it", memberB, "POST", "/v2/images/" + public.ID + "/actions/reactivate", 403, ""},
		{"queued cannot be deactivated", memberA, "POST", "/v2/images/" + queued.ID + "/actions/deactivate", 403, "Not allowed to deactivate image in status 'queued'"},
		{"queued cannot be reactivated", memberA, "POST", "/v2/images/" + queued.ID + "/actions/reactivate", 403, "Not allowed to reactivate image in status 'queued'"},
		{"owner reactivates", memberA, "POST", "/v2/images/" + mine.ID + "/actions/reactivate", 204, ""},
		{"reactivating again is a no-op", memberA, "POST", "/v2/images/" + mine.ID + "/actions/reactivate", 204, ""},
		{"owner downloads again", memberA, "GET", "/v2/images/" + mine.ID + "/file", 200, ""},
		{"admin reactivates the public one", admin, "POST", "/v2/images/" + public.ID + "/actions/reactivate", 204, ""},
		{"others download it again", memberB, "GET", "/v2/images/" + public.ID + "/file", 200, ""},
	}
	for _, s := range steps {
		resp, body := s.who.do(t, s.method, s.path, octetType, "")
		mustStatus(t, s.name, resp, body, s.status)
		if !strings.Contains(text(body), s.msg) {
			t.Errorf("%s: body lacks %q:\n%s", s.name, s.msg, body)
		}
		if s.status == http.StatusOK && !bytes.Equal(body, data) {
			t.Errorf("%s: downloaded %q", s.name, body)
		}
		if s.name == "owner deactivates" {
			if got := memberA.get(t, mine.ID); got.Status != "deactivated" {
				t.Errorf("status %s after deactivate", got.Status)
			}
		}
	}
	if got := memberA.get(t, mine.ID); got.Status != "active" {
		t.Errorf("status %s after reactivate", got.Status)
	}
}
