// Package daltest is the conformance suite every database behind package
// dal passes, and the openers of the databases it runs on.
package daltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/domain"
)

// Run runs the image repository conformance suite. open returns a fresh,
// synced backend; each group of tests opens its own.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	groups := []struct {
		name string
		run  func(t *testing.T, s *suite)
	}{
		{"Create", testCreate},
		{"Get", testGet},
		{"Visibility", testVisibility},
		{"ListFilters", testListFilters},
		{"ListSort", testListSort},
		{"ListPaging", testListPaging},
		{"Update", testUpdate},
		{"Loads", testLoads},
		{"Delete", testDelete},
		{"Concurrency", testConcurrency},
		{"Members", testMembers},
		{"Usage", testUsage},
		{"PendingDeletes", testPendingDeletes},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			g.run(t, newSuite(t, open(t)))
		})
	}
}

// suite is one test group's database and repository.
type suite struct {
	b    Backend
	repo domain.ImageRepo
	ctx  context.Context
	seq  int
}

func newSuite(t *testing.T, b Backend) *suite {
	return &suite{b: b, repo: dal.Images(b.DB), ctx: context.Background()}
}

// base is the creation time of fixtures; each gets a later second, as
// MySQL DATETIME keeps whole seconds.
var base = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

var (
	admin = domain.Viewer{Admin: true}
	anon  = domain.Viewer{}
)

func project(p string) domain.Viewer { return domain.Viewer{ProjectID: p} }

func ptr[T any](v T) *T { return &v }

// NewID returns a random UUID-shaped image id.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// image returns a new queued shared image of project p1, named name,
// created one second after the previous one.
func (s *suite) image(name string, mods ...func(*domain.Image)) *domain.Image {
	s.seq++
	at := base.Add(time.Duration(s.seq) * time.Second)
	img := &domain.Image{
		ID: NewID(), Name: ptr(name), Status: domain.StatusQueued,
		Visibility: domain.VisibilityShared, Owner: ptr("p1"), CreatedAt: at, UpdatedAt: at,
	}
	for _, m := range mods {
		m(img)
	}
	return img
}

// create stores img, failing t on error.
func (s *suite) create(t *testing.T, img *domain.Image) *domain.Image {
	t.Helper()
	if err := s.repo.Create(s.ctx, img); err != nil {
		t.Fatalf("Create(%s): %v", text(img.Name), err)
	}
	return img
}

// get loads id as admin, failing t on error.
func (s *suite) get(t *testing.T, id string) *domain.Image {
	t.Helper()
	img, err := s.repo.Get(s.ctx, id, admin)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return img
}

// list runs q with a page large enough for every fixture unless q has
// a limit, failing t on error.
func (s *suite) list(t *testing.T, q domain.ImageQuery) []*domain.Image {
	t.Helper()
	if q.Limit == 0 {
		q.Limit = 1000
	}
	images, err := s.repo.List(s.ctx, q)
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return images
}

// count returns the number of rows query finds on the raw connection.
func (s *suite) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.b.SQL.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func text(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func names(images []*domain.Image) []string {
	out := make([]string, len(images))
	for i, img := range images {
		out[i] = text(img.Name)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// wantKind fails t unless err is a domain error of kind.
func wantKind(t *testing.T, err error, kind domain.Kind, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want kind %d", what, kind)
	}
	if !domain.IsKind(err, kind) {
		t.Fatalf("%s: got %v (kind %d), want kind %d", what, err, domain.ErrorKind(err), kind)
	}
}

// wantMessage fails t unless err's client message is msg.
func wantMessage(t *testing.T, err error, msg string) {
	t.Helper()
	if got := domain.ErrorMessage(err); got != msg {
		t.Fatalf("message %q, want %q", got, msg)
	}
}

// sameImage fails t unless got holds what want does. Times compare to
// the second, which every dialect keeps.
func sameImage(t *testing.T, want, got *domain.Image) {
	t.Helper()
	w, g := comparable(want), comparable(got)
	wj, _ := json.MarshalIndent(w, "", " ")
	gj, _ := json.MarshalIndent(g, "", " ")
	if string(wj) != string(gj) {
		t.Fatalf("image differs:\nwant %s\ngot  %s", wj, gj)
	}
}

// comparable is img with times cut to seconds, location ids dropped
// and empty collections as nil.
func comparable(img *domain.Image) domain.Image {
	c := *img.Clone()
	c.CreatedAt = c.CreatedAt.Truncate(time.Second).UTC()
	c.UpdatedAt = c.UpdatedAt.Truncate(time.Second).UTC()
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	if len(c.Properties) == 0 {
		c.Properties = nil
	}
	if len(c.Locations) == 0 {
		c.Locations = nil
	}
	for i := range c.Locations {
		c.Locations[i].ID = 0
	}
	return c
}
