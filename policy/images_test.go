package policy_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/domain/domaintest"
	"github.com/go-glance/glance/policy"
)

var (
	adminP  = &domain.Caller{ProjectID: "P", Roles: []string{"admin", "member", "reader"}, Admin: true}
	memberP = &domain.Caller{ProjectID: "P", Roles: []string{"member", "reader"}}
	readerP = &domain.Caller{ProjectID: "P", Roles: []string{"reader"}}
	memberQ = &domain.Caller{ProjectID: "Q", Roles: []string{"member", "reader"}}
	anon    = &domain.Caller{ReadOnly: true}
	systemA = &domain.Caller{SystemScope: "all", Roles: []string{"admin", "member", "reader"}, Admin: true}
)

// fixture holds images of projects P and Q in an in-memory repository.
type fixture struct {
	svc  domain.ImageService
	repo *domaintest.Images
	ids  map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	svc, repo, _ := domaintest.NewService()
	f := &fixture{svc: svc, repo: repo, ids: map[string]string{}}
	for _, im := range []struct {
		name, owner string
		vis         domain.Visibility
		status      domain.Status
	}{
		{"p-private", "P", domain.VisibilityPrivate, domain.StatusQueued},
		{"p-deactivated", "P", domain.VisibilityPrivate, domain.StatusDeactivated},
		{"q-private", "Q", domain.VisibilityPrivate, domain.StatusQueued},
		{"q-public", "Q", domain.VisibilityPublic, domain.StatusQueued},
		{"q-shared", "Q", domain.VisibilityShared, domain.StatusQueued},
	} {
		owner, name := im.owner, im.name
		raw, bare := "raw", "bare"
		img := &domain.Image{ID: "id-" + name, Name: &name, Owner: &owner, Visibility: im.vis, Status: im.status,
			DiskFormat: &raw, ContainerFormat: &bare, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := repo.Create(context.Background(), img); err != nil {
			t.Fatal(err)
		}
		f.ids[name] = img.ID
	}
	repo.AddMember(f.ids["q-shared"], "P")
	return f
}

// operations the table exercises, each on one image.
var operations = map[string]func(s domain.ImageService, ctx context.Context, id string) error{
	"get": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.Get(ctx, id)
		return err
	},
	"rename": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.Update(ctx, id, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "renamed"}})
		return err
	},
	"publicize": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.Update(ctx, id, []domain.Change{{Op: domain.OpReplace, Path: []string{"visibility"}, Value: "public"}})
		return err
	},
	"give away": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.Update(ctx, id, []domain.Change{{Op: domain.OpReplace, Path: []string{"owner"}, Value: "Z"}})
		return err
	},
	"tag": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.AddTag(ctx, id, "t")
		return err
	},
	"untag": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.RemoveTag(ctx, id, "t")
		return err
	},
	"delete": func(s domain.ImageService, ctx context.Context, id string) error { return s.Delete(ctx, id) },
	"deactivate": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.Deactivate(ctx, id)
		return err
	},
	"reactivate": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.Reactivate(ctx, id)
		return err
	},
	"upload": func(s domain.ImageService, ctx context.Context, id string) error {
		_, err := s.Upload(ctx, id, domain.Upload{Data: bytes.NewReader([]byte("data")), Size: 4})
		return err
	},
	"download": func(s domain.ImageService, ctx context.Context, id string) error {
		d, err := s.Download(ctx, id, nil)
		if err == nil && d.Body != nil {
			d.Body.Close()
		}
		return err
	},
}

type authCase struct {
	who    string
	caller *domain.Caller
	op     string
	image  string
	// want is the error kind, or ok.
	want domain.Kind
}

// ok stands for success in the kind column.
const ok domain.Kind = -1

func kindOf(err error) domain.Kind {
	var e *domain.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return domain.KindInternal
}

// secureCases: who may do what under the secure-RBAC defaults. Each
// runs on a fresh fixture, so that no case depends on another.
var secureCases = []authCase{
	{"reader", readerP, "get", "p-private", ok},
	{"reader", readerP, "rename", "p-private", domain.KindForbidden},
	{"reader", readerP, "tag", "p-private", domain.KindForbidden},
	{"reader", readerP, "delete", "p-private", domain.KindForbidden},
	{"reader", readerP, "upload", "p-private", domain.KindForbidden},
	{"reader", readerP, "deactivate", "p-deactivated", domain.KindForbidden},
	{"member", memberP, "rename", "p-private", ok},
	{"member", memberP, "publicize", "p-private", domain.KindForbidden},
	{"member", memberP, "give away", "p-private", domain.KindForbidden},
	{"member", memberP, "upload", "p-private", ok},
	{"member", memberP, "delete", "p-private", ok},
	{"member", memberP, "download", "p-deactivated", domain.KindForbidden},
	{"member", memberP, "reactivate", "p-deactivated", ok},
	{"member", memberP, "get", "q-public", ok},
	{"member", memberP, "rename", "q-public", domain.KindForbidden},
	{"member", memberP, "delete", "q-public", domain.KindForbidden},
	{"member", memberP, "untag", "q-public", domain.KindForbidden},
	{"member", memberP, "get", "q-shared", ok},
	{"member", memberP, "rename", "q-shared", domain.KindForbidden},
	{"member", memberP, "get", "q-private", domain.KindNotFound},
	{"member of Q", memberQ, "rename", "p-private", domain.KindNotFound},
	{"member of Q", memberQ, "download", "p-private", domain.KindNotFound},
	{"admin", adminP, "publicize", "q-private", ok},
	{"admin", adminP, "give away", "q-private", ok},
	{"admin", adminP, "delete", "q-public", ok},
	{"anonymous", anon, "rename", "q-public", domain.KindForbidden},
	{"anonymous", anon, "delete", "q-public", domain.KindForbidden},
	{"anonymous", anon, "get", "q-public", domain.KindNotFound},
	{"system admin", systemA, "get", "q-public", domain.KindNotFound},
	{"system admin", systemA, "rename", "q-private", domain.KindNotFound},
	{"system admin", systemA, "delete", "p-private", domain.KindNotFound},
}

func run(t *testing.T, decorate func(domain.ImageService) domain.ImageService, cases []authCase) (failed int) {
	t.Helper()
	for _, c := range cases {
		f := newFixture(t)
		err := operations[c.op](decorate(f.svc), domain.WithCaller(context.Background(), c.caller), f.ids[c.image])
		got := ok
		if err != nil {
			got = kindOf(err)
		}
		if got != c.want {
			failed++
			t.Logf("%s %s %s: %v, want kind %d", c.who, c.op, c.image, err, c.want)
		}
	}
	return failed
}

func secure(t *testing.T) *policy.Enforcer {
	t.Helper()
	e, err := policy.NewEnforcer(policy.Config{EnforceScope: true, EnforceNewDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestImageAuthorisation runs the cases through the policy decorator:
// every caller gets Glance's answer, and an image the caller may not
// get is NotFound, never Forbidden.
func TestImageAuthorisation(t *testing.T) {
	e := secure(t)
	if n := run(t, func(s domain.ImageService) domain.ImageService { return policy.NewImages(s, e, nil) }, secureCases); n > 0 {
		t.Errorf("%d of %d cases got another answer than Glance's", n, len(secureCases))
	}
}

// TestOnlyPolicyAuthorises runs the same cases on the image service
// alone: every refusal the policy decorator makes must then vanish,
// which proves the domain does not authorise on its own. Only
// visibility (the repository's query) still hides other projects'
// private images.
func TestOnlyPolicyAuthorises(t *testing.T) {
	var refusals []authCase
	for _, c := range secureCases {
		if c.want == domain.KindForbidden || (c.want == domain.KindNotFound && c.who == "system admin") {
			refusals = append(refusals, c)
		}
	}
	bare := func(s domain.ImageService) domain.ImageService { return s }
	for _, c := range refusals {
		c := c
		t.Run(c.who+" "+c.op+" "+c.image, func(t *testing.T) {
			f := newFixture(t)
			err := operations[c.op](bare(f.svc), domain.WithCaller(context.Background(), c.caller), f.ids[c.image])
			if err != nil && kindOf(err) == c.want {
				t.Errorf("the image service alone refuses with %v: the domain authorises", err)
			}
		})
	}
}

// TestLegacyOwnerChecks: with the legacy defaults the rules pass for
// anyone, and Glance's owner check still keeps others' images safe.
func TestLegacyOwnerChecks(t *testing.T) {
	e, err := policy.NewEnforcer(policy.Config{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []authCase{
		{"reader", readerP, "rename", "p-private", ok},
		{"reader", readerP, "delete", "p-private", ok},
		{"member", memberP, "rename", "q-public", domain.KindForbidden},
		{"member", memberP, "delete", "q-shared", domain.KindForbidden},
		{"member", memberP, "upload", "q-public", domain.KindForbidden},
		{"member", memberP, "deactivate", "q-public", domain.KindForbidden},
		{"member", memberP, "download", "q-shared", ok},
		{"member", memberP, "publicize", "p-private", domain.KindForbidden},
		{"system admin", systemA, "rename", "q-private", ok},
	}
	if n := run(t, func(s domain.ImageService) domain.ImageService { return policy.NewImages(s, e, nil) }, cases); n > 0 {
		t.Errorf("%d of %d legacy cases got another answer than Glance's", n, len(cases))
	}
}

// Creation: members create for their project only, with Glance's
// message for another owner; only admins publicize.
func TestCreateAuthorisation(t *testing.T) {
	e := secure(t)
	for _, c := range []struct {
		who    string
		caller *domain.Caller
		req    domain.NewImage
		want   domain.Kind
		msg    string
	}{
		{"member", memberP, domain.NewImage{}, ok, ""},
		{"member for Q", memberP, domain.NewImage{Owner: strp("Q")}, domain.KindForbidden, "You are not permitted to create images owned by 'Q'"},
		{"member public", memberP, domain.NewImage{Visibility: domain.VisibilityPublic}, domain.KindForbidden, "publicize_image"},
		{"member community", memberP, domain.NewImage{Visibility: domain.VisibilityCommunity}, ok, ""},
		{"reader", readerP, domain.NewImage{}, domain.KindForbidden, "add_image"},
		{"admin for Q", adminP, domain.NewImage{Owner: strp("Q"), Visibility: domain.VisibilityPublic}, ok, ""},
		{"anonymous", anon, domain.NewImage{}, domain.KindForbidden, "Read-only access"},
		{"system admin", systemA, domain.NewImage{}, domain.KindForbidden, "add_image"},
	} {
		f := newFixture(t)
		img, err := policy.NewImages(f.svc, e, nil).Create(domain.WithCaller(context.Background(), c.caller), c.req)
		got := ok
		if err != nil {
			got = kindOf(err)
		}
		if got != c.want || (err != nil && !contains(err.Error(), c.msg)) {
			t.Errorf("%s creates: %v, want kind %d %q", c.who, err, c.want, c.msg)
		}
		if err == nil && c.req.Owner == nil && (img.Owner == nil || *img.Owner != c.caller.ProjectID) {
			t.Errorf("%s creates: owner %v, want the caller's project", c.who, img.Owner)
		}
	}
}

// Listing needs get_images and drops what get_image refuses.
func TestListAuthorisation(t *testing.T) {
	e := secure(t)
	f := newFixture(t)
	svc := policy.NewImages(f.svc, e, nil)
	page, err := svc.List(domain.WithCaller(context.Background(), readerP), domain.ListRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, img := range page.Images {
		names = append(names, *img.Name)
	}
	want := map[string]bool{"p-private": true, "p-deactivated": true, "q-public": true, "q-shared": true}
	if len(names) != len(want) {
		t.Errorf("reader of P lists %q, want %d images", names, len(want))
	}
	for _, n := range names {
		if !want[n] {
			t.Errorf("reader of P lists %s", n)
		}
	}
	for _, c := range []*domain.Caller{systemA, {ProjectID: "P", Roles: []string{"observer"}}} {
		_, err := svc.List(domain.WithCaller(context.Background(), c), domain.ListRequest{Limit: -1})
		if !domain.IsKind(err, domain.KindForbidden) {
			t.Errorf("list by %+v: %v, want Forbidden", c, err)
		}
	}
}

func strp(s string) *string { return &s }

func contains(s, sub string) bool { return sub == "" || bytes.Contains([]byte(s), []byte(sub)) }

// Location changes need set_image_location (add, replace) or
// delete_image_location (remove, delete from a store, admin only by
// default) instead of modify_image; the domain, which here has
// locations hidden, answers whatever the policy lets through.
func TestLocationRules(t *testing.T) {
	e := secure(t)
	addLoc := domain.Change{Op: domain.OpAdd, Path: []string{"locations", "-"}, Value: map[string]any{"url": "http://x/y", "metadata": map[string]any{}}}
	removeLoc := domain.Change{Op: domain.OpRemove, Path: []string{"locations", "0"}}
	rename := domain.Change{Op: domain.OpReplace, Path: []string{"name"}, Value: "n"}
	for _, c := range []struct {
		who     string
		caller  *domain.Caller
		image   string
		changes []domain.Change
		want    domain.Kind
		msg     string
	}{
		{"reader adds", readerP, "p-private", []domain.Change{addLoc}, domain.KindForbidden, "set_image_location"},
		{"member adds", memberP, "p-private", []domain.Change{addLoc}, domain.KindForbidden, "locations are invisible"},
		{"member removes", memberP, "p-private", []domain.Change{removeLoc}, domain.KindForbidden, "delete_image_location"},
		{"member renames and removes", memberP, "p-private", []domain.Change{rename, removeLoc}, domain.KindForbidden, "delete_image_location"},
		{"admin removes", adminP, "q-private", []domain.Change{removeLoc}, domain.KindForbidden, "locations are invisible"},
		{"member of Q adds", memberQ, "p-private", []domain.Change{addLoc}, domain.KindNotFound, ""},
		{"member empties", memberP, "p-private", []domain.Change{{Op: domain.OpReplace, Path: []string{"locations"}, Value: []any{}}},
			domain.KindForbidden, "Cannot set locations to empty list."},
	} {
		f := newFixture(t)
		_, err := policy.NewImages(f.svc, e, nil).Update(domain.WithCaller(context.Background(), c.caller), f.ids[c.image], c.changes)
		if kindOf(err) != c.want || !contains(domain.ErrorMessage(err), c.msg) {
			t.Errorf("%s: %v, want kind %d %q", c.who, err, c.want, c.msg)
		}
	}
	for _, c := range []struct {
		who    string
		caller *domain.Caller
		image  string
		want   domain.Kind
		msg    string
	}{
		{"reader", readerP, "p-private", domain.KindForbidden, "delete_image_location"},
		{"member", memberP, "p-private", domain.KindForbidden, "delete_image_location"},
		{"member of Q", memberQ, "p-private", domain.KindNotFound, ""},
		{"anonymous", anon, "q-public", domain.KindForbidden, "Read-only access"},
		// Past the policy, the single store of the fixture has no stores
		// to delete from.
		{"admin", adminP, "q-private", domain.KindNotFound, ""},
	} {
		f := newFixture(t)
		_, err := policy.NewImages(f.svc, e, nil).DeleteFromStore(domain.WithCaller(context.Background(), c.caller), f.ids[c.image], "memory")
		if kindOf(err) != c.want || !contains(domain.ErrorMessage(err), c.msg) {
			t.Errorf("delete from store by %s: %v, want kind %d %q", c.who, err, c.want, c.msg)
		}
	}
}
