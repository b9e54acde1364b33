package daltest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/domain"
)

func testMembers(t *testing.T, s *suite) {
	members := dal.Members(s.b.DB)
	img := s.create(t, s.image("shared"))
	at := base.Add(time.Hour)
	add := func(t *testing.T, project string, quota int) error {
		t.Helper()
		return members.Add(s.ctx, &domain.Member{ImageID: img.ID, MemberID: project, Status: domain.MemberPending,
			CreatedAt: at, UpdatedAt: at}, quota)
	}
	mustList := func(t *testing.T, v domain.Viewer) []string {
		t.Helper()
		list, err := members.List(s.ctx, img.ID, v)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range list {
			ids = append(ids, m.MemberID+":"+string(m.Status))
		}
		return ids
	}

	t.Run("add, list, get", func(t *testing.T) {
		for _, p := range []string{"p2", "p3"} {
			if err := add(t, p, -1); err != nil {
				t.Fatalf("Add %s: %v", p, err)
			}
		}
		if got := mustList(t, project("p1")); !slices.Equal(got, []string{"p2:pending", "p3:pending"}) {
			t.Errorf("the owner lists %q", got)
		}
		if got := mustList(t, admin); !slices.Equal(got, []string{"p2:pending", "p3:pending"}) {
			t.Errorf("an admin lists %q", got)
		}
		// A member project sees its own membership only; others none.
		if got := mustList(t, project("p2")); !slices.Equal(got, []string{"p2:pending"}) {
			t.Errorf("p2 lists %q", got)
		}
		if got := mustList(t, project("p9")); len(got) != 0 {
			t.Errorf("p9 lists %q", got)
		}
		m, err := members.Get(s.ctx, img.ID, "p3", project("p1"))
		if err != nil || m.Status != domain.MemberPending || !m.CreatedAt.Equal(at) || m.ImageID != img.ID {
			t.Errorf("Get p3 by the owner: %+v, %v", m, err)
		}
		if _, err := members.Get(s.ctx, img.ID, "p3", project("p2")); !domain.IsKind(err, domain.KindNotFound) {
			t.Errorf("p2 gets p3's membership: %v, want NotFound", err)
		}
		if err := add(t, "p2", -1); !domain.IsKind(err, domain.KindConflict) {
			t.Errorf("adding p2 again: %v, want Conflict", err)
		}
	})

	t.Run("status and removal", func(t *testing.T) {
		later := at.Add(time.Minute)
		m, err := members.SetStatus(s.ctx, img.ID, "p2", domain.MemberAccepted, later)
		if err != nil || m.Status != domain.MemberAccepted || !m.UpdatedAt.Equal(later) || !m.CreatedAt.Equal(at) {
			t.Fatalf("SetStatus: %+v, %v", m, err)
		}
		if _, err := members.SetStatus(s.ctx, img.ID, "p9", domain.MemberAccepted, later); !domain.IsKind(err, domain.KindNotFound) {
			t.Errorf("SetStatus of no membership: %v, want NotFound", err)
		}
		// The membership opens the image to p2 whatever its status.
		if _, err := s.repo.Get(s.ctx, img.ID, project("p2")); err != nil {
			t.Errorf("p2 cannot get the image it accepted: %v", err)
		}
		if err := members.Remove(s.ctx, img.ID, "p2", later); err != nil {
			t.Fatalf("Remove: %v", err)
		}
		if err := members.Remove(s.ctx, img.ID, "p2", later); !domain.IsKind(err, domain.KindNotFound) {
			t.Errorf("Remove again: %v, want NotFound", err)
		}
		if _, err := s.repo.Get(s.ctx, img.ID, project("p2")); !domain.IsKind(err, domain.KindNotFound) {
			t.Errorf("p2 still gets the image after its removal: %v", err)
		}
		// Added again, the one row comes back as pending, as in Glance.
		if err := add(t, "p2", -1); err != nil {
			t.Fatalf("adding p2 back: %v", err)
		}
		var rows int
		if err := s.b.SQL.QueryRow("SELECT COUNT(*) FROM image_members WHERE image_id = ? AND member = 'p2'", img.ID).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != 1 {
			t.Errorf("%d rows for p2 after remove and add, want the one reused", rows)
		}
		if got := mustList(t, project("p2")); !slices.Equal(got, []string{"p2:pending"}) {
			t.Errorf("p2 back: %q", got)
		}
	})

	t.Run("quota", func(t *testing.T) {
		// p2 and p3 hold two of three places.
		if err := add(t, "p4", 3); err != nil {
			t.Fatalf("the third member: %v", err)
		}
		err := add(t, "p5", 3)
		if !domain.IsKind(err, domain.KindTooLarge) {
			t.Fatalf("the fourth member: %v, want TooLarge", err)
		}
		if want := "Attempted: 4, Maximum: 3"; !strings.Contains(err.Error(), want) {
			t.Errorf("quota error %q lacks %q", err, want)
		}
		// Glance counts before it looks for a duplicate.
		if err := add(t, "p4", 3); !domain.IsKind(err, domain.KindTooLarge) {
			t.Errorf("a duplicate at the quota: %v, want TooLarge", err)
		}
	})

	t.Run("concurrent adds keep the quota", func(t *testing.T) {
		race := s.create(t, s.image("raced"))
		const n, quota = 12, 5
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[g] = members.Add(s.ctx, &domain.Member{ImageID: race.ID, MemberID: "q" + string(rune('a'+g)),
					Status: domain.MemberPending, CreatedAt: at, UpdatedAt: at}, quota)
			}()
		}
		close(start)
		wg.Wait()
		added := 0
		for _, err := range errs {
			switch {
			case err == nil:
				added++
			case !domain.IsKind(err, domain.KindTooLarge):
				t.Errorf("concurrent add: %v", err)
			}
		}
		list, err := members.List(s.ctx, race.ID, admin)
		if err != nil {
			t.Fatal(err)
		}
		if added != quota || len(list) != quota {
			t.Errorf("%d adds succeeded and %d members stored, want %d of %d", added, len(list), quota, n)
		}
	})

	t.Run("deleting the image deletes its memberships", func(t *testing.T) {
		gone := s.create(t, s.image("gone"))
		if err := members.Add(s.ctx, &domain.Member{ImageID: gone.ID, MemberID: "p2", Status: domain.MemberPending,
			CreatedAt: at, UpdatedAt: at}, -1); err != nil {
			t.Fatal(err)
		}
		if err := s.repo.Delete(s.ctx, gone.ID, domain.StatusQueued, domain.StatusDeleted, at); err != nil {
			t.Fatal(err)
		}
		if list, err := members.List(s.ctx, gone.ID, admin); err != nil || len(list) != 0 {
			t.Errorf("members of a deleted image: %v, %v", list, err)
		}
		if err := members.Add(s.ctx, &domain.Member{ImageID: gone.ID, MemberID: "p3", Status: domain.MemberPending,
			CreatedAt: at, UpdatedAt: at}, -1); !domain.IsKind(err, domain.KindNotFound) {
			t.Errorf("adding a member to a deleted image: %v, want NotFound", err)
		}
	})
}
