package decorators

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/notifier"
	"github.com/go-glance/glance/policy"
)

// newSharing is glance-api's chain for images and members over one
// SQLite database: notifier, then policy, as cmd/glance builds it.
func newSharing(t *testing.T, quota int) (domain.ImageService, domain.MemberService, *recorder) {
	t.Helper()
	be := daltest.OpenSQLite(t)
	enforcer, err := policy.NewEnforcer(policy.Config{EnforceScope: true, EnforceNewDefaults: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	plain := domain.NewImageService(dal.Images(be.DB), nil, domain.ImageConfig{
		HashAlgorithm: "sha512", LimitDefault: 25, LimitMax: 1000, PropertyQuota: 128, TagQuota: 128,
		Now: time.Now, NewID: uuid.NewString})
	members := notifier.NewMembers(domain.NewMemberService(dal.Images(be.DB), dal.Members(be.DB),
		domain.MemberConfig{Quota: quota}), rec)
	return policy.NewImages(plain, enforcer, nil), policy.NewMembers(members, plain, enforcer), rec
}

func caller(project string, roles ...string) context.Context {
	return domain.WithCaller(context.Background(), &domain.Caller{UserID: "u-" + project, ProjectID: project, Roles: roles})
}

// Sharing sends image.member.create, .update and .delete, each payload
// the membership as Glance formats it.
func TestMemberNotifications(t *testing.T) {
	images, members, rec := newSharing(t, 128)
	owner, member := caller("p1", "member", "reader"), caller("p2", "member", "reader")
	img, err := images.Create(owner, domain.NewImage{Name: str("shared")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := members.Add(owner, img.ID, "p2"); err != nil {
		t.Fatal(err)
	}
	if _, err := members.SetStatus(member, img.ID, "p2", domain.MemberAccepted); err != nil {
		t.Fatal(err)
	}
	if _, err := members.Remove(owner, img.ID, "p2"); err != nil {
		t.Fatal(err)
	}
	// A refused call is silent.
	if _, err := members.Add(member, img.ID, "p3"); !domain.IsKind(err, domain.KindForbidden) && !domain.IsKind(err, domain.KindNotFound) {
		t.Fatalf("the member project shares the image: %v", err)
	}
	statuses := map[string]string{}
	got := events(t, rec.take(), func(event string, p map[string]any) {
		if p["image_id"] != img.ID || p["member_id"] != "p2" {
			t.Errorf("%s: payload %v", event, p)
		}
		statuses[event], _ = p["status"].(string)
		deleted := event == "image.member.delete"
		if p["deleted"] != deleted || (p["deleted_at"] != nil) != deleted {
			t.Errorf("%s: deleted %v at %v", event, p["deleted"], p["deleted_at"])
		}
		for _, k := range []string{"created_at", "updated_at"} {
			if s, _ := p[k].(string); len(s) != len("2006-01-02T15:04:05Z") {
				t.Errorf("%s: %s = %v", event, k, p[k])
			}
		}
	})
	if want := []string{"image.member.create", "image.member.update", "image.member.delete"}; !equal(got, want) {
		t.Fatalf("events %q, want %q", got, want)
	}
	if statuses["image.member.create"] != "pending" || statuses["image.member.update"] != "accepted" {
		t.Errorf("statuses %v", statuses)
	}
}

// The owner shares and the member answers, never the other way round;
// others see nothing, and only shared images have members.
func TestMemberRules(t *testing.T) {
	images, members, _ := newSharing(t, 2)
	owner, ownerReader := caller("p1", "member", "reader"), caller("p1", "reader")
	member, memberReader, stranger := caller("p2", "member", "reader"), caller("p2", "reader"), caller("p9", "member", "reader")
	admin := domain.WithCaller(context.Background(), &domain.Caller{ProjectID: "p0", Roles: []string{"admin", "member", "reader"}, Admin: true})
	img, err := images.Create(owner, domain.NewImage{Name: str("shared")})
	if err != nil {
		t.Fatal(err)
	}
	private, err := images.Create(owner, domain.NewImage{Name: str("private"), Visibility: domain.VisibilityPrivate})
	if err != nil {
		t.Fatal(err)
	}
	kind := func(err error) string {
		switch {
		case err == nil:
			return "ok"
		case domain.IsKind(err, domain.KindForbidden):
			return "403"
		case domain.IsKind(err, domain.KindNotFound):
			return "404"
		case domain.IsKind(err, domain.KindConflict):
			return "409"
		case domain.IsKind(err, domain.KindTooLarge):
			return "413"
		case domain.IsKind(err, domain.KindInvalid):
			return "400"
		}
		return err.Error()
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"reader of the owner shares", func() error { _, err := members.Add(ownerReader, img.ID, "p2"); return err }, "403"},
		{"owner shares", func() error { _, err := members.Add(owner, img.ID, "p2"); return err }, "ok"},
		{"owner shares again", func() error { _, err := members.Add(owner, img.ID, "p2"); return err }, "409"},
		{"owner shares a private image", func() error { _, err := members.Add(owner, private.ID, "p2"); return err }, "403"},
		{"stranger lists", func() error { _, err := members.List(stranger, img.ID); return err }, "404"},
		{"member shares on", func() error { _, err := members.Add(member, img.ID, "p3"); return err }, "403"},
		{"owner accepts for the member", func() error {
			_, err := members.SetStatus(owner, img.ID, "p2", domain.MemberAccepted)
			return err
		}, "403"},
		{"member's reader accepts", func() error {
			_, err := members.SetStatus(memberReader, img.ID, "p2", domain.MemberAccepted)
			return err
		}, "403"},
		{"member answers nonsense", func() error {
			_, err := members.SetStatus(member, img.ID, "p2", domain.MemberStatus("maybe"))
			return err
		}, "400"},
		{"member accepts", func() error { _, err := members.SetStatus(member, img.ID, "p2", domain.MemberAccepted); return err }, "ok"},
		{"member removes itself", func() error { _, err := members.Remove(member, img.ID, "p2"); return err }, "403"},
		{"stranger shows the membership", func() error { _, err := members.Get(stranger, img.ID, "p2"); return err }, "404"},
		{"member shows another membership", func() error { _, err := members.Get(member, img.ID, "p9"); return err }, "404"},
		{"admin shares", func() error { _, err := members.Add(admin, img.ID, "p4"); return err }, "ok"},
		{"third member passes the quota", func() error { _, err := members.Add(owner, img.ID, "p5"); return err }, "413"},
		{"owner unshares", func() error { _, err := members.Remove(owner, img.ID, "p4"); return err }, "ok"},
	}
	for _, s := range steps {
		if got := kind(s.do()); got != s.want {
			t.Errorf("%s: %s, want %s", s.name, got, s.want)
		}
	}
	// The member sees its own membership, the owner all.
	mine, err := members.List(member, img.ID)
	if err != nil || len(mine) != 1 || mine[0].MemberID != "p2" || mine[0].Status != domain.MemberAccepted {
		t.Errorf("member lists %v, %v", mine, err)
	}
	all, err := members.List(owner, img.ID)
	if err != nil || len(all) != 1 {
		t.Errorf("owner lists %v, %v", all, err)
	}
	// Turned private, the image keeps its members, who no longer see it.
	if _, err := images.Update(owner, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"visibility"}, Value: "private"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := images.Get(member, img.ID); !domain.IsKind(err, domain.KindNotFound) {
		t.Errorf("the member gets the image turned private: %v", err)
	}
	if _, err := images.Update(owner, img.ID, []domain.Change{{Op: domain.OpReplace, Path: []string{"visibility"}, Value: "shared"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := members.Get(member, img.ID, "p2"); err != nil || got.Status != domain.MemberAccepted {
		t.Errorf("after private and back, the membership is %v, %v", got, err)
	}
}
