package policy_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/policy"
)

// protectionFile: members own x_owner_ properties; they may create
// secret_ ones but only admins read them; x_all_ is anyone's; the rest
// is the admins'.
const protectionFile = `[^x_owner_]
create = admin,member
read = admin,member
update = admin,member
delete = admin,member

[^secret_]
create = admin,member
read = admin
update = admin
delete = admin

[^x_all_]
create = @
read = @
update = @
delete = @

[.*]
create = admin
read = admin
update = admin
delete = admin
`

// seeded are the properties of P's private image.
var seeded = domain.Properties{{Name: "x_owner_a", Value: "1"}, {Name: "secret_s", Value: "s"},
	{Name: "os_distro", Value: "ubuntu"}, {Name: "x_all_a", Value: "all"}}

// protectedFixture is newFixture with seeded properties on p-private and
// the decorator under protectionFile.
func protectedFixture(t *testing.T) (*fixture, domain.ImageService) {
	t.Helper()
	f := newFixture(t)
	raw, bare, name, owner := "raw", "bare", "p-props", "P"
	img := &domain.Image{ID: "id-p-props", Name: &name, Owner: &owner, Visibility: domain.VisibilityPrivate,
		Status: domain.StatusQueued, DiskFormat: &raw, ContainerFormat: &bare, Properties: slices.Clone(seeded),
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := f.repo.Create(context.Background(), img); err != nil {
		t.Fatal(err)
	}
	f.ids[name] = img.ID
	path := filepath.Join(t.TempDir(), "protections.conf")
	if err := os.WriteFile(path, []byte(protectionFile), 0o600); err != nil {
		t.Fatal(err)
	}
	e := secure(t)
	prot, err := policy.NewProtections(path, policy.ProtectionRoles, e)
	if err != nil {
		t.Fatal(err)
	}
	return f, policy.NewImages(f.svc, e, prot)
}

// stored is what the repository holds, past every protection.
func (f *fixture) stored(t *testing.T, name string) domain.Properties {
	t.Helper()
	img, err := f.svc.Get(domain.WithCaller(context.Background(), adminP), f.ids[name])
	if err != nil {
		t.Fatal(err)
	}
	return img.Properties
}

func propertyNames(p domain.Properties) string {
	var names []string
	for _, x := range p {
		names = append(names, x.Name+"="+x.Value)
	}
	return strings.Join(names, ",")
}

func as(c *domain.Caller) context.Context { return domain.WithCaller(context.Background(), c) }

// TestProtectedReads: a caller sees only the properties it may read,
// in show, list and the image every action returns, while the stored
// image keeps them all.
func TestProtectedReads(t *testing.T) {
	f, svc := protectedFixture(t)
	id := f.ids["p-props"]
	member := "x_owner_a=1,x_all_a=all"
	all := propertyNames(seeded)
	reads := map[string]func(ctx context.Context) (*domain.Image, error){
		"get": func(ctx context.Context) (*domain.Image, error) { return svc.Get(ctx, id) },
		"list": func(ctx context.Context) (*domain.Image, error) {
			page, err := svc.List(ctx, domain.ListRequest{Limit: -1})
			if err != nil {
				return nil, err
			}
			for _, img := range page.Images {
				if img.ID == id {
					return img, nil
				}
			}
			t.Fatalf("list lacks %s", id)
			return nil, nil
		},
		// Each caller adds and removes a tag of its own.
		"tag": func(ctx context.Context) (*domain.Image, error) {
			return svc.AddTag(ctx, id, domain.CallerFrom(ctx).Roles[0])
		},
		"untag": func(ctx context.Context) (*domain.Image, error) {
			return svc.RemoveTag(ctx, id, domain.CallerFrom(ctx).Roles[0])
		},
		"rename": func(ctx context.Context) (*domain.Image, error) {
			return svc.Update(ctx, id, []domain.Change{{Op: domain.OpReplace, Path: []string{"name"}, Value: "renamed"}})
		},
		"upload": func(ctx context.Context) (*domain.Image, error) {
			return svc.Upload(ctx, id, domain.Upload{Data: bytes.NewReader([]byte("data")), Size: 4})
		},
		"deactivate": func(ctx context.Context) (*domain.Image, error) { return svc.Deactivate(ctx, id) },
		"reactivate": func(ctx context.Context) (*domain.Image, error) { return svc.Reactivate(ctx, id) },
	}
	// In this order, so that each action is allowed on the image when
	// the callers named try it.
	for _, step := range []struct {
		op      string
		callers []*domain.Caller
	}{
		{"get", []*domain.Caller{memberP, readerP, adminP}},
		{"list", []*domain.Caller{memberP, readerP, adminP}},
		{"tag", []*domain.Caller{memberP, adminP}},
		{"untag", []*domain.Caller{memberP, adminP}},
		{"rename", []*domain.Caller{memberP, adminP}},
		{"upload", []*domain.Caller{memberP}},
		{"deactivate", []*domain.Caller{adminP}},
		{"reactivate", []*domain.Caller{memberP}},
	} {
		for _, caller := range step.callers {
			want := map[*domain.Caller]string{memberP: member, readerP: "x_all_a=all", adminP: all}[caller]
			img, err := reads[step.op](as(caller))
			if err != nil {
				t.Fatalf("%s by %v: %v", step.op, caller.Roles, err)
			}
			if got := propertyNames(img.Properties); got != want {
				t.Errorf("%s by %v shows %s, want %s", step.op, caller.Roles, got, want)
			}
		}
	}
	if got := propertyNames(f.stored(t, "p-props")); got != all {
		t.Errorf("stored %s, want %s", got, all)
	}
}

// TestProtectedCreate: a property the caller may not create is
// Glance's 403; one it may create but not read is stored and hidden.
func TestProtectedCreate(t *testing.T) {
	f, svc := protectedFixture(t)
	for _, c := range []struct {
		caller *domain.Caller
		props  domain.Properties
		err    string
		shown  string
	}{
		{memberP, domain.Properties{{Name: "x_owner_b", Value: "1"}, {Name: "os_distro", Value: "x"}}, "Attribute 'os_distro' is reserved.", ""},
		{memberP, domain.Properties{{Name: "x_owner_b", Value: "1"}, {Name: "secret_b", Value: "2"}}, "", "x_owner_b=1"},
		{adminP, domain.Properties{{Name: "os_distro", Value: "x"}, {Name: "secret_b", Value: "2"}}, "", "os_distro=x,secret_b=2"},
		// Base attributes are never protected.
		{memberP, nil, "", ""},
	} {
		img, err := svc.Create(as(c.caller), domain.NewImage{Name: strp("n"), Properties: c.props})
		if c.err != "" {
			if !domain.IsKind(err, domain.KindForbidden) || err.Error() != c.err {
				t.Errorf("%v creates %s: %v, want Forbidden %q", c.caller.Roles, propertyNames(c.props), err, c.err)
			}
			// Without the decorator the same request succeeds.
			if _, err := f.svc.Create(as(c.caller), domain.NewImage{Name: strp("n"), Properties: c.props}); err != nil {
				t.Errorf("the image service alone refuses: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%v creates %s: %v", c.caller.Roles, propertyNames(c.props), err)
		}
		if got := propertyNames(img.Properties); got != c.shown {
			t.Errorf("%v creates %s and is shown %s, want %s", c.caller.Roles, propertyNames(c.props), got, c.shown)
		}
		f.ids[img.ID] = img.ID
		if got := propertyNames(f.stored(t, img.ID)); got != propertyNames(c.props) {
			t.Errorf("%v creates %s; stored %s", c.caller.Roles, propertyNames(c.props), got)
		}
	}
}

// TestProtectedUpdate walks PATCHes as Glance applies them to the
// properties the caller can read.
func TestProtectedUpdate(t *testing.T) {
	add := func(name, value string) domain.Change {
		return domain.Change{Op: domain.OpAdd, Path: []string{name}, Value: value}
	}
	strictAdd := func(name, value string) domain.Change {
		c := add(name, value)
		c.StrictAdd = true
		return c
	}
	replace := func(name string, value any) domain.Change {
		return domain.Change{Op: domain.OpReplace, Path: []string{name}, Value: value}
	}
	remove := func(name string) domain.Change {
		return domain.Change{Op: domain.OpRemove, Path: []string{name}}
	}
	for _, c := range []struct {
		name    string
		caller  *domain.Caller
		changes []domain.Change
		kind    domain.Kind
		msg     string
		// stored is what the repository holds after, when not seeded.
		stored string
	}{
		{"replace own", memberP, []domain.Change{replace("x_owner_a", "2")}, ok, "",
			"x_owner_a=2,secret_s=s,os_distro=ubuntu,x_all_a=all"},
		{"remove own", memberP, []domain.Change{remove("x_owner_a")}, ok, "", "secret_s=s,os_distro=ubuntu,x_all_a=all"},
		{"add then replace", memberP, []domain.Change{add("x_owner_b", "1"), replace("x_owner_b", "2")}, ok, "",
			"x_owner_a=1,secret_s=s,os_distro=ubuntu,x_all_a=all,x_owner_b=2"},
		{"anyone's", readerP, []domain.Change{replace("x_all_a", "2")}, domain.KindForbidden, "You are not authorized to complete modify_image action.", ""},
		{"strict add over a visible one", memberP, []domain.Change{strictAdd("x_owner_a", "2")}, domain.KindConflict, "Property x_owner_a already present.", ""},
		// What the caller cannot read does not exist for it.
		{"replace unreadable", memberP, []domain.Change{replace("secret_s", "2")}, domain.KindConflict, "Property secret_s does not exist.", ""},
		{"remove unreadable", memberP, []domain.Change{remove("os_distro")}, domain.KindConflict, "Property os_distro does not exist.", ""},
		{"add unreadable, create denied", memberP, []domain.Change{add("os_distro", "x")}, domain.KindForbidden, "Attribute 'os_distro' is reserved.", ""},
		// Adding one it may create overwrites it, strict or not.
		{"add unreadable, create allowed", memberP, []domain.Change{add("secret_s", "2")}, ok, "",
			"x_owner_a=1,secret_s=2,os_distro=ubuntu,x_all_a=all"},
		{"strict add unreadable", memberP, []domain.Change{strictAdd("secret_s", "2")}, ok, "",
			"x_owner_a=1,secret_s=2,os_distro=ubuntu,x_all_a=all"},
		// Added here but unreadable: a second set checks create again,
		// a removal delete.
		{"add and replace unreadable", memberP, []domain.Change{add("secret_b", "1"), replace("secret_b", "2")}, ok, "",
			"x_owner_a=1,secret_s=s,os_distro=ubuntu,x_all_a=all,secret_b=2"},
		{"add and remove unreadable", memberP, []domain.Change{add("secret_b", "1"), remove("secret_b")}, domain.KindForbidden, "Attribute 'secret_b' is reserved.", ""},
		{"admin updates, may not", adminP, []domain.Change{replace("secret_s", "2"), remove("os_distro")}, ok, "",
			"x_owner_a=1,secret_s=2,x_all_a=all"},
		{"no section", memberP, []domain.Change{add("new", "1")}, domain.KindForbidden, "Attribute 'new' is reserved.", ""},
		// The first refusal in patch order is the answer.
		{"order", memberP, []domain.Change{remove("secret_s"), add("os_distro", "x")}, domain.KindConflict, "Property secret_s does not exist.", ""},
		{"base attributes", memberP, []domain.Change{replace("name", "n"), replace("min_ram", 1), replace("visibility", "shared")}, ok, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, svc := protectedFixture(t)
			_, err := svc.Update(as(c.caller), f.ids["p-props"], c.changes)
			got := ok
			if err != nil {
				got = kindOf(err)
			}
			if got != c.kind || (err != nil && err.Error() != c.msg) {
				t.Fatalf("%v, want kind %d %q", err, c.kind, c.msg)
			}
			want := c.stored
			if want == "" {
				want = propertyNames(seeded)
			}
			if got := propertyNames(f.stored(t, "p-props")); got != want {
				t.Errorf("stored %s, want %s", got, want)
			}
		})
	}
}
