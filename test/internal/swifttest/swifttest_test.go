package swifttest

import (
	"bytes"
	"net/http"
	"slices"
	"testing"

	"github.com/go-glance/glance/test/internal/keystonetest"
)

// TestTempauth logs in to test/swift.sh's Swift, stores an object in a
// fresh container, reads and lists it, and finds nothing left once the
// container is removed.
func TestTempauth(t *testing.T) {
	Require(t)
	s := Login(t, Tester)
	c := s.NewContainer(t, "swifttest-")
	data := []byte("an image's bytes")
	s.Put(t, c, "dir/object one", data)
	if got := s.Get(t, c, "dir/object one"); !bytes.Equal(got, data) {
		t.Fatalf("read back %q, want %q", got, data)
	}
	objs := s.Objects(t, c)
	if len(objs) != 1 || objs[0].Name != "dir/object one" || objs[0].Bytes != int64(len(data)) {
		t.Fatalf("listing %+v, want the one object of %d bytes", objs, len(data))
	}
	if !slices.Contains(s.Containers(t), c) {
		t.Fatalf("account lacks container %s", c)
	}
	s.RemoveContainer(t, c)
	if objs := s.Objects(t, c); objs != nil {
		t.Fatalf("removed container still lists %+v", objs)
	}
	if slices.Contains(s.Containers(t), c) {
		t.Fatalf("account still has container %s", c)
	}
}

// TestAccountsApart: one tempauth account does not see another's
// containers.
func TestAccountsApart(t *testing.T) {
	Require(t)
	s1, s2 := Login(t, Tester), Login(t, Tester2)
	if s1.StorageURL == s2.StorageURL {
		t.Fatalf("both users got storage URL %s", s1.StorageURL)
	}
	c := s1.NewContainer(t, "swifttest-")
	if slices.Contains(s2.Containers(t), c) {
		t.Fatalf("%s sees %s's container %s", Tester2.Name, Tester.Name, c)
	}
}

// TestKeystone uses a project's account with a Keystone token of one of
// its members, and is refused another project's account.
func TestKeystone(t *testing.T) {
	keystonetest.Require(t)
	RequireKeystone(t)
	alpha := keystonetest.MustToken(t, keystonetest.AlphaMember)
	beta := keystonetest.MustToken(t, keystonetest.BetaMember)
	s := KeystoneSession(alpha.ID, alpha.ProjectID)
	c := s.NewContainer(t, "swifttest-")
	s.Put(t, c, "object", []byte("bytes"))
	if objs := s.Objects(t, c); len(objs) != 1 || objs[0].Name != "object" {
		t.Fatalf("listing %+v", objs)
	}
	other := KeystoneSession(beta.ID, alpha.ProjectID)
	resp, err := other.do(t.Context(), http.MethodGet, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another project's member listing %s got %s, want 403", c, resp.Status)
	}
}
