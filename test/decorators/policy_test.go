package decorators

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/policy"
)

// newImages is the service as glance-api wires it, minus HTTP: policy
// over the image service.
func newImages(t *testing.T) domain.ImageService {
	t.Helper()
	enforcer, err := policy.NewEnforcer(policy.Config{EnforceScope: true, EnforceNewDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	return policy.NewImages(newService(t, 1<<30), enforcer, nil)
}

func as(c *domain.Caller) context.Context {
	return domain.WithCaller(context.Background(), c)
}

var (
	admin     = as(&domain.Caller{UserID: "u0", ProjectID: "p0", Roles: []string{"admin", "member", "reader"}, Admin: true})
	member1   = as(&domain.Caller{UserID: "u1", ProjectID: "p1", Roles: []string{"member", "reader"}})
	reader1   = as(&domain.Caller{UserID: "u2", ProjectID: "p1", Roles: []string{"reader"}})
	member2   = as(&domain.Caller{UserID: "u3", ProjectID: "p2", Roles: []string{"member", "reader"}})
	reader2   = as(&domain.Caller{UserID: "u4", ProjectID: "p2", Roles: []string{"reader"}})
	noProject = as(&domain.Caller{UserID: "u5", Roles: []string{"member"}})
)

func mustCreate(t *testing.T, svc domain.ImageService, ctx context.Context, req domain.NewImage) *domain.Image {
	t.Helper()
	req.DiskFormat, req.ContainerFormat = str("raw"), str("bare")
	img, err := svc.Create(ctx, req)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	return img
}

// errOf drops the image an action returns, keeping its error.
func errOf(_ *domain.Image, err error) error { return err }

func wantKind(t *testing.T, what string, err error, kind domain.Kind) {
	t.Helper()
	if !domain.IsKind(err, kind) {
		t.Errorf("%s: got %v, want %v", what, err, kind)
	}
}

// The secure-RBAC defaults decide who may create what: members of the
// project create its images, readers do not, nobody but an admin
// creates for another project or makes an image public.
func TestCreateRules(t *testing.T) {
	svc := newImages(t)
	_, err := svc.Create(reader1, domain.NewImage{Name: str("x")})
	wantKind(t, "reader creates", err, domain.KindForbidden)
	_, err = svc.Create(noProject, domain.NewImage{Name: str("x")})
	wantKind(t, "caller without project creates", err, domain.KindForbidden)
	_, err = svc.Create(member1, domain.NewImage{Name: str("x"), Owner: str("p2")})
	wantKind(t, "member creates for another project", err, domain.KindForbidden)
	_, err = svc.Create(member1, domain.NewImage{Name: str("x"), Visibility: domain.VisibilityPublic})
	wantKind(t, "member publicizes", err, domain.KindForbidden)

	img := mustCreate(t, svc, member1, domain.NewImage{Name: str("mine"), Visibility: domain.VisibilityCommunity})
	if img.Owner == nil || *img.Owner != "p1" {
		t.Errorf("owner = %v, want the caller's project p1", img.Owner)
	}
	mustCreate(t, svc, admin, domain.NewImage{Name: str("public"), Visibility: domain.VisibilityPublic, Owner: str("p2")})
}

// A private image of another project does not exist for the caller:
// every call on it is 404, never 403, so ids do not leak.
func TestOtherProjectsPrivateImageIsNotFound(t *testing.T) {
	svc := newImages(t)
	img := mustCreate(t, svc, member1, domain.NewImage{Name: str("private"), Visibility: domain.VisibilityPrivate})
	id := img.ID

	_, err := svc.Get(member2, id)
	wantKind(t, "get", err, domain.KindNotFound)
	_, err = svc.Update(member2, id, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "stolen"}})
	wantKind(t, "update", err, domain.KindNotFound)
	wantKind(t, "delete", svc.Delete(member2, id), domain.KindNotFound)
	wantKind(t, "add tag", errOf(svc.AddTag(member2, id, "t")), domain.KindNotFound)
	wantKind(t, "deactivate", errOf(svc.Deactivate(member2, id)), domain.KindNotFound)
	wantKind(t, "upload", errOf(svc.Upload(member2, id, domain.Upload{Data: bytes.NewReader([]byte("x")), Size: 1})), domain.KindNotFound)
	_, err = svc.Download(member2, id, nil)
	wantKind(t, "download", err, domain.KindNotFound)

	got, err := svc.Get(member1, id)
	if err != nil || got.Name == nil || *got.Name != "private" {
		t.Fatalf("owner's get after the attempts: %v, %v", got, err)
	}
}

// A public image is visible to all, changed only by its project; any
// member downloads it, a mere reader does not.
func TestPublicImageRules(t *testing.T) {
	svc := newImages(t)
	img := mustCreate(t, svc, admin, domain.NewImage{Name: str("public"), Visibility: domain.VisibilityPublic, Owner: str("p1")})
	data := []byte("public image data")
	if _, err := svc.Upload(member1, img.ID, domain.Upload{Data: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatalf("owner's member uploads: %v", err)
	}

	if _, err := svc.Get(reader2, img.ID); err != nil {
		t.Errorf("reader of another project gets a public image: %v", err)
	}
	_, err := svc.Update(member2, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "mine now"}})
	wantKind(t, "other project updates", err, domain.KindForbidden)
	wantKind(t, "other project deletes", svc.Delete(member2, img.ID), domain.KindForbidden)
	wantKind(t, "other project tags", errOf(svc.AddTag(member2, img.ID, "t")), domain.KindForbidden)
	wantKind(t, "other project deactivates", errOf(svc.Deactivate(member2, img.ID)), domain.KindForbidden)
	_, err = svc.Download(reader2, img.ID, nil)
	wantKind(t, "reader downloads", err, domain.KindForbidden)

	d, err := svc.Download(member2, img.ID, nil)
	if err != nil {
		t.Fatalf("member of another project downloads: %v", err)
	}
	got, _ := io.ReadAll(d.Body)
	d.Body.Close()
	if !bytes.Equal(got, data) {
		t.Errorf("downloaded %q, want %q", got, data)
	}
}

// Within the project, readers read and members write.
func TestReaderAndMemberOfOwner(t *testing.T) {
	svc := newImages(t)
	img := mustCreate(t, svc, member1, domain.NewImage{Name: str("shared")})
	if _, err := svc.Get(reader1, img.ID); err != nil {
		t.Errorf("reader gets own project's image: %v", err)
	}
	_, err := svc.Update(reader1, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "x"}})
	wantKind(t, "reader updates", err, domain.KindForbidden)
	wantKind(t, "reader uploads", errOf(svc.Upload(reader1, img.ID, domain.Upload{Data: bytes.NewReader(nil), Size: 0})), domain.KindForbidden)
	wantKind(t, "reader deletes", svc.Delete(reader1, img.ID), domain.KindForbidden)

	_, err = svc.Update(member1, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"visibility"}, Value: "public"}})
	wantKind(t, "member publicizes by update", err, domain.KindForbidden)
	if _, err := svc.Update(member1, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "renamed"}}); err != nil {
		t.Errorf("member renames: %v", err)
	}
	if err := svc.Delete(member1, img.ID); err != nil {
		t.Errorf("member deletes: %v", err)
	}
}

// Listing drops what the caller may not see, and a caller without a
// reader role may not list at all.
func TestListShowsOnlyVisibleImages(t *testing.T) {
	svc := newImages(t)
	private := mustCreate(t, svc, member1, domain.NewImage{Name: str("private"), Visibility: domain.VisibilityPrivate})
	public := mustCreate(t, svc, admin, domain.NewImage{Name: str("public"), Visibility: domain.VisibilityPublic, Owner: str("p1")})
	own := mustCreate(t, svc, member2, domain.NewImage{Name: str("own"), Visibility: domain.VisibilityPrivate})

	page, err := svc.List(reader2, domain.ListRequest{Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, img := range page.Images {
		seen[img.ID] = true
	}
	if !seen[public.ID] || !seen[own.ID] || seen[private.ID] {
		t.Errorf("p2 lists %v; want the public image and its own, not p1's private one", seen)
	}
	_, err = svc.List(as(&domain.Caller{UserID: "u9", ProjectID: "p2", Roles: []string{"observer"}}), domain.ListRequest{})
	wantKind(t, "list without reader role", err, domain.KindForbidden)
}
