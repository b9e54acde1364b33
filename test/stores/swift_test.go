package stores

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/storetest"
	"github.com/go-glance/glance/store/swift"
	"github.com/go-glance/glance/test/internal/keystonetest"
	"github.com/go-glance/glance/test/internal/swifttest"
)

const swiftChunk = 1 << 20

// newSwift returns a driver on a container that does not exist yet, so
// that its first Put creates it; the container is removed after the test.
func newSwift(t *testing.T, s *swifttest.Session) (*swift.Driver, string) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	container := "glance-test-" + hex.EncodeToString(b)
	t.Cleanup(func() { s.RemoveContainer(t, container) })
	d, err := swift.New(swift.Options{
		AuthAddress:     swifttest.AuthURL,
		User:            swifttest.Tester.Name,
		Key:             swifttest.Tester.Key,
		Container:       container,
		CreateContainer: true,
		LargeObjectSize: swiftChunk,
		ChunkSize:       swiftChunk,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d, container
}

func TestSwiftConformance(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	containers := map[store.Driver]string{}
	storetest.Run(t,
		func(t *testing.T) store.Driver {
			d, c := newSwift(t, s)
			containers[d] = c
			return d
		},
		storetest.Leftovers(func(t *testing.T, d store.Driver) []string {
			var names []string
			for _, o := range s.Objects(t, containers[d]) {
				names = append(names, o.Name)
			}
			return names
		}),
		storetest.PartSize(swiftChunk),
	)
}

// TestSwiftLayout checks that data above the threshold is stored as
// glance_store stores it: segments in the container and a manifest
// object named by the image id pointing at them.
func TestSwiftLayout(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	d, c := newSwift(t, s)
	id := storetest.NewID()
	data := storetest.Data(2*swiftChunk + 10)
	got := storetest.MustPut(t, d, id, data)
	if !strings.HasPrefix(got.URL, "swift+http://test%3Atester:testing@127.0.0.1:8080/auth/v1.0/"+c+"/"+id) {
		t.Errorf("URL = %s", got.URL)
	}
	var segs []string
	for _, o := range s.Objects(t, c) {
		if o.Name != id {
			segs = append(segs, o.Name)
			if !strings.HasPrefix(o.Name, id+"-") {
				t.Errorf("object %s is neither the image nor its segment", o.Name)
			}
		}
	}
	if len(segs) != 3 {
		t.Fatalf("segments = %v, want 3", segs)
	}
	if string(s.Get(t, c, id)) != string(data) {
		t.Error("the manifest does not read as the data")
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodHead, s.StorageURL+"/"+c+"/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if m := resp.Header.Get("X-Object-Manifest"); m != c+"/"+strings.TrimSuffix(segs[0], "00001") {
		t.Errorf("X-Object-Manifest = %q, want the segments' prefix", m)
	}
	if n := resp.Header.Get("X-Object-Meta-Segments"); n != "3" {
		t.Errorf("X-Object-Meta-Segments = %q, want 3", n)
	}
	if err := d.Delete(t.Context(), got.URL); err != nil {
		t.Fatal(err)
	}
	if left := s.Objects(t, c); len(left) != 0 {
		t.Errorf("left after Delete: %v", left)
	}
}

// TestSwiftRefusals checks the errors of a wrong key and of a missing
// container Put may not create, and which URLs the driver owns.
func TestSwiftRefusals(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	c := s.NewContainer(t, "glance-test-")
	o := swift.Options{AuthAddress: swifttest.AuthURL, User: swifttest.Tester.Name, Key: "wrong",
		Container: c, LargeObjectSize: swiftChunk, ChunkSize: swiftChunk}
	bad, err := swift.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Put(t.Context(), storetest.NewID(), strings.NewReader("x"), 1); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put with a wrong key: %v, want ErrUnavailable", err)
	}

	o.Key, o.Container = swifttest.Tester.Key, c+"-missing"
	nocreate, err := swift.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nocreate.Put(t.Context(), storetest.NewID(), strings.NewReader("x"), 1); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Put to a missing container: %v, want ErrUnavailable", err)
	}
	if slices.Contains(s.Containers(t), o.Container) {
		t.Errorf("Put created container %s without swift_store_create_container_on_put", o.Container)
	}

	good, _ := newSwift(t, s)
	url := storetest.MustPut(t, good, storetest.NewID(), []byte("x")).URL
	if !good.Owns(url) {
		t.Errorf("the driver does not own its URL %s", url)
	}
	for _, foreign := range []string{
		"swift+http://a:b@swift.example:8080/auth/v1.0/glance/x",
		"s3://key:secret@s3.example/bucket/x",
		"file:///var/lib/glance/images/x",
	} {
		if good.Owns(foreign) {
			t.Errorf("the driver owns %s", foreign)
		}
	}
	if err := good.Delete(t.Context(), url); err != nil {
		t.Fatal(err)
	}
	if _, err := good.Stat(t.Context(), url); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Stat after Delete: %v, want ErrNotFound", err)
	}
}

// TestSwiftKeystoneConformance runs the suite with Keystone v3 auth: a
// project member's password login, the storage URL from the catalog.
func TestSwiftKeystoneConformance(t *testing.T) {
	keystonetest.Require(t)
	swifttest.RequireKeystone(t)
	p := keystonetest.AlphaMember
	tok := keystonetest.MustToken(t, p)
	s := swifttest.KeystoneSession(tok.ID, tok.ProjectID)
	containers := map[store.Driver]string{}
	storetest.Run(t,
		func(t *testing.T) store.Driver {
			b := make([]byte, 6)
			_, _ = rand.Read(b)
			container := "glance-test-" + hex.EncodeToString(b)
			t.Cleanup(func() { s.RemoveContainer(t, container) })
			d, err := swift.New(swift.Options{
				AuthAddress:     keystonetest.AuthURL,
				AuthVersion:     3,
				User:            p.Project + ":" + p.Name,
				Key:             p.Password(),
				Container:       container,
				CreateContainer: true,
				LargeObjectSize: swiftChunk,
				ChunkSize:       swiftChunk,
			})
			if err != nil {
				t.Fatal(err)
			}
			containers[d] = container
			return d
		},
		storetest.Leftovers(func(t *testing.T, d store.Driver) []string {
			var names []string
			for _, o := range s.Objects(t, containers[d]) {
				names = append(names, o.Name)
			}
			return names
		}),
		storetest.PartSize(swiftChunk),
	)
}
