package stores

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ncw "github.com/ncw/swift/v2"

	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/storetest"
	"github.com/go-glance/glance/store/swift"
	"github.com/go-glance/glance/test/internal/keystonetest"
	"github.com/go-glance/glance/test/internal/swifttest"
)

// swiftClient is a plain client of the tempauth account, to write
// objects as Glance's driver writes them.
func swiftClient(t *testing.T) *ncw.Connection {
	t.Helper()
	c := &ncw.Connection{UserName: swifttest.Tester.Name, ApiKey: swifttest.Tester.Key, AuthUrl: swifttest.AuthURL,
		ConnectTimeout: 10 * time.Second, Timeout: 60 * time.Second}
	if err := c.Authenticate(t.Context()); err != nil {
		t.Fatal(err)
	}
	return c
}

// glanceURL is the location Glance records for object id of container c
// in the tempauth account.
func glanceURL(c, id string) string {
	u, _ := url.Parse(swifttest.AuthURL)
	return "swift+http://" + url.QueryEscape(swifttest.Tester.Name) + ":" + swifttest.Tester.Key + "@" + u.Host + u.Path + "/" + c + "/" + id
}

// TestSwiftReadsGlanceDLO: an image Glance wrote in segments (<id>-00001,
// ... and a manifest <id> with X-Object-Manifest: <container>/<id>-)
// reads back whole and in ranges across segment boundaries, and Delete
// removes the manifest and every segment. An empty one (a manifest with
// no segments, as Glance writes an empty upload of unknown size) reads
// as no bytes.
func TestSwiftReadsGlanceDLO(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	c := s.NewContainer(t, "glance-test-")
	cl := swiftClient(t)
	d, err := swift.New(swift.Options{AuthAddress: swifttest.AuthURL, User: swifttest.Tester.Name, Key: swifttest.Tester.Key,
		Container: c, LargeObjectSize: swiftChunk, ChunkSize: swiftChunk})
	if err != nil {
		t.Fatal(err)
	}
	const seg = 100 << 10
	id := storetest.NewID()
	data := storetest.Data(3*seg + 77)
	for i := 0; i*seg < len(data); i++ {
		part := data[i*seg : min((i+1)*seg, len(data))]
		if err := cl.ObjectPutBytes(t.Context(), c, fmt.Sprintf("%s-%05d", id, i+1), part, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.ObjectPut(t.Context(), c, id, strings.NewReader(""), false, "", "", ncw.Headers{"X-Object-Manifest": c + "/" + id + "-"}); err != nil {
		t.Fatal(err)
	}
	loc := glanceURL(c, id)
	if !d.Owns(loc) {
		t.Fatalf("the driver does not own Glance's location %s", loc)
	}
	if got := storetest.MustGet(t, d, loc, 0, -1); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes that differ from the %d written", len(got), len(data))
	}
	for _, off := range []int64{seg - 5, 2*seg - 1, 3*seg - 3} {
		if got := storetest.MustGet(t, d, loc, off, 10); !bytes.Equal(got, data[off:off+10]) {
			t.Errorf("range at %d across a segment boundary differs", off)
		}
	}
	if n, err := d.Stat(t.Context(), loc); err != nil || n != int64(len(data)) {
		t.Errorf("Stat = %d, %v; want %d", n, err, len(data))
	}
	if err := d.Delete(t.Context(), loc); err != nil {
		t.Fatal(err)
	}
	if left := s.Objects(t, c); len(left) != 0 {
		t.Errorf("left after Delete: %v", left)
	}

	empty := storetest.NewID()
	if _, err := cl.ObjectPut(t.Context(), c, empty, strings.NewReader(""), false, "", "", ncw.Headers{"X-Object-Manifest": c + "/" + empty + "-"}); err != nil {
		t.Fatal(err)
	}
	loc = glanceURL(c, empty)
	if got := storetest.MustGet(t, d, loc, 0, -1); len(got) != 0 {
		t.Errorf("an empty manifest read as %d bytes", len(got))
	}
	if n, err := d.Stat(t.Context(), loc); err != nil || n != 0 {
		t.Errorf("Stat of an empty manifest = %d, %v", n, err)
	}
	if err := d.Delete(t.Context(), loc); err != nil {
		t.Fatal(err)
	}
}

// pattern is a stream of n bytes whose byte i is at(i): a large image
// that is never held in memory.
type pattern struct{ i, n int64 }

func at(i int64) byte { return byte((i * 2654435761) >> 13) }

func (p *pattern) Read(b []byte) (int, error) {
	if p.i >= p.n {
		return 0, io.EOF
	}
	k := int(min(int64(len(b)), p.n-p.i))
	for j := range k {
		b[j] = at(p.i + int64(j))
	}
	p.i += int64(k)
	return k, nil
}

func patternSum(n int64) [32]byte {
	h := sha256.New()
	_, _ = io.Copy(h, &pattern{n: n})
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// TestSwiftLargeUnknownSize stores a large image of unknown size (a
// chunked upload): it goes up as segments of the chunk size behind a
// manifest, and reads back identical, whole and in ranges across every
// segment boundary.
func TestSwiftLargeUnknownSize(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	c := s.NewContainer(t, "glance-test-")
	const chunk = 8 << 20
	const n = 5*chunk + 12345
	d, err := swift.Open("", store.Options{
		"swift_store_auth_address": swifttest.AuthURL, "swift_store_auth_version": "1",
		"swift_store_user": swifttest.Tester.Name, "swift_store_key": swifttest.Tester.Key,
		"swift_store_container":               c,
		"swift_store_large_object_size":       "16",
		"swift_store_large_object_chunk_size": "8",
	})
	if err != nil {
		t.Fatal(err)
	}
	id := storetest.NewID()
	got, err := d.Put(t.Context(), id, &pattern{n: n}, -1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Size != n {
		t.Fatalf("Put stored %d bytes, want %d", got.Size, n)
	}
	var segs int
	for _, o := range s.Objects(t, c) {
		if o.Name != id {
			segs++
			if o.Bytes > chunk {
				t.Errorf("segment %s holds %d bytes, more than a chunk", o.Name, o.Bytes)
			}
		}
	}
	if segs != 6 {
		t.Errorf("%d segments, want 6", segs)
	}
	r, err := d.Get(t.Context(), got.URL, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	_, err = io.Copy(h, r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := patternSum(n); !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("the image read back differs from the one stored")
	}
	for k := int64(1); k <= 5; k++ {
		off := k*chunk - 7
		part := storetest.MustGet(t, d, got.URL, off, 14)
		for j, b := range part {
			if b != at(off+int64(j)) {
				t.Fatalf("range at %d across segment boundary %d differs", off, k)
			}
		}
		if len(part) != 14 {
			t.Fatalf("range at %d read %d bytes", off, len(part))
		}
	}
	if err := d.Delete(t.Context(), got.URL); err != nil {
		t.Fatal(err)
	}
	if left := s.Objects(t, c); len(left) != 0 {
		t.Errorf("left after Delete: %d objects", len(left))
	}
}

// writeReferences writes a swift references file as Kolla writes
// glance-swift.conf: one section per account.
func writeReferences(t *testing.T, sections string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "glance-swift.conf")
	if err := os.WriteFile(path, []byte(sections), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSwiftReferenceConformance runs the suite with the account taken
// from swift_store_config_file's default_swift_reference section, and
// checks that locations then name the reference, not the credentials.
func TestSwiftReferenceConformance(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	refs := writeReferences(t, "[DEFAULT]\nauth_version = 1\n\n[store1]\nauth_address = "+swifttest.AuthURL+
		"\nuser = "+swifttest.Tester.Name+"\nkey = \""+swifttest.Tester.Key+"\"\n")
	containers := map[store.Driver]string{}
	open := func(t *testing.T) store.Driver {
		t.Helper()
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		c := "glance-test-" + hex.EncodeToString(b)
		t.Cleanup(func() { s.RemoveContainer(t, c) })
		d, err := swift.Open("objects", store.Options{
			"swift_store_config_file":             refs,
			"default_swift_reference":             "store1",
			"swift_store_container":               c,
			"swift_store_create_container_on_put": "True",
			"swift_store_large_object_size":       "1",
			"swift_store_large_object_chunk_size": "1",
		})
		if err != nil {
			t.Fatal(err)
		}
		containers[d] = c
		return d
	}
	storetest.Run(t, open,
		storetest.Leftovers(func(t *testing.T, d store.Driver) []string {
			var names []string
			for _, o := range s.Objects(t, containers[d]) {
				names = append(names, o.Name)
			}
			return names
		}),
		storetest.PartSize(swiftChunk),
	)

	d := open(t)
	id := storetest.NewID()
	got := storetest.MustPut(t, d, id, []byte("data"))
	if want := "swift+config://store1/" + containers[d] + "/" + id; got.URL != want {
		t.Errorf("URL = %s, want %s", got.URL, want)
	}
	// A location recorded with the credentials of the same account, as
	// before the references file, is the store's too.
	old := glanceURL(containers[d], id)
	if !d.(store.Owner).Owns(old) || !bytes.Equal(storetest.MustGet(t, d, old, 0, -1), []byte("data")) {
		t.Errorf("the location %s written with credentials does not read", old)
	}
	if d.(store.Owner).Owns("swift+config://other/" + containers[d] + "/" + id) {
		t.Error("the driver owns a location of a reference it does not have")
	}
}

// TestSwiftReferencesKeystone: a references file as Kolla writes it for
// Keystone (auth_version 3, the identity URL without /v3, the domains by
// id) serves the store, and a driver whose default reference is another
// account of the file reads and deletes what the first one wrote.
func TestSwiftReferencesKeystone(t *testing.T) {
	keystonetest.Require(t)
	swifttest.RequireKeystone(t)
	swifttest.Require(t)
	p := keystonetest.AlphaMember
	tok := keystonetest.MustToken(t, p)
	s := swifttest.KeystoneSession(tok.ID, tok.ProjectID)
	c := "glance-test-ks-" + hex.EncodeToString(randomBytes(6))
	t.Cleanup(func() { s.RemoveContainer(t, c) })
	refs := writeReferences(t, "[swift]\nauth_address = "+keystonetest.URL+"\nauth_version = 3\nuser = "+p.Project+":"+p.Name+
		"\nkey = "+p.Password()+"\nproject_domain_id = default\nuser_domain_id = default\n\n"+
		"[tempauth]\nauth_address = "+swifttest.AuthURL+"\nauth_version = 1\nuser = "+swifttest.Tester.Name+"\nkey = "+swifttest.Tester.Key+"\n")
	opts := func(ref string) store.Options {
		return store.Options{"swift_store_config_file": refs, "default_swift_reference": ref,
			"swift_store_container": c, "swift_store_create_container_on_put": "true"}
	}
	ks, err := swift.Open("", opts("swift"))
	if err != nil {
		t.Fatal(err)
	}
	data := storetest.Data(1000)
	got := storetest.MustPut(t, ks, storetest.NewID(), data)
	if !strings.HasPrefix(got.URL, "swift+config://swift/"+c+"/") {
		t.Errorf("URL = %s", got.URL)
	}
	if len(s.Objects(t, c)) != 1 {
		t.Fatalf("the image is not in project %s's account", p.Project)
	}
	other, err := swift.Open("", opts("tempauth"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(storetest.MustGet(t, other, got.URL, 0, -1), data) {
		t.Error("the data read through the other reference differs")
	}
	if err := other.Delete(t.Context(), got.URL); err != nil {
		t.Fatal(err)
	}
	if left := s.Objects(t, c); len(left) != 0 {
		t.Errorf("left after Delete: %v", left)
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// TestSwiftLoginRefused: a wrong key or password answers
// ErrUnavailable with an error that names the user and the options to
// check, for tempauth and Keystone.
func TestSwiftLoginRefused(t *testing.T) {
	swifttest.Require(t)
	for name, o := range map[string]swift.Options{
		"tempauth": {AuthAddress: swifttest.AuthURL, User: swifttest.Tester.Name, Key: "wrong"},
		"keystone": {AuthAddress: keystonetest.AuthURL, AuthVersion: 3, User: "alpha:alpha-member", Key: "wrong"},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "keystone" {
				keystonetest.Require(t)
			}
			o.Container, o.LargeObjectSize, o.ChunkSize = "glance-test-never", swiftChunk, swiftChunk
			d, err := swift.New(o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = d.Put(t.Context(), storetest.NewID(), strings.NewReader("x"), 1)
			if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), o.User) || !strings.Contains(err.Error(), "swift_store_key") {
				t.Errorf("Put with a wrong key: %v, want ErrUnavailable naming %s and swift_store_key", err, o.User)
			}
		})
	}
}

// TestSwiftUnreachable: a Swift that accepts connections but never
// answers, or whose port is closed, makes every call answer
// ErrUnavailable (after the connect timeout) rather than hang.
func TestSwiftUnreachable(t *testing.T) {
	for name, addr := range map[string]string{
		"silent": keystonetest.SilentURL(t),
		"closed": keystonetest.ClosedURL(t),
	} {
		t.Run(name, func(t *testing.T) {
			d, err := swift.New(swift.Options{AuthAddress: addr + "/auth/v1.0", User: "a:b", Key: "k", Container: "glance",
				LargeObjectSize: swiftChunk, ChunkSize: swiftChunk,
				ConnectTimeout: 200 * time.Millisecond, IdleTimeout: 200 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			loc := "swift+http://a:k@" + strings.TrimPrefix(addr, "http://") + "/auth/v1.0/glance/x"
			ctx := t.Context()
			_, err = d.Put(ctx, storetest.NewID(), strings.NewReader("x"), 1)
			wantUnavailable(t, "Put", err)
			_, err = d.Get(ctx, loc, 0, -1)
			wantUnavailable(t, "Get", err)
			_, err = d.Stat(ctx, loc)
			wantUnavailable(t, "Stat", err)
			wantUnavailable(t, "Delete", d.Delete(ctx, loc))
		})
	}
}

func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("%s: %v, want ErrUnavailable", what, err)
	}
}

// expiring passes requests to Swift and Keystone and, once expire is
// called, answers 401 to storage requests (of one method, if given)
// carrying a token issued before, as Swift does for a token that has
// expired; it counts logins.
type expiring struct {
	base http.RoundTripper

	mu      sync.Mutex
	method  string
	stale   map[string]bool
	tokens  map[string]bool
	logins  int
	refused int
}

func (e *expiring) RoundTrip(r *http.Request) (*http.Response, error) {
	tok := r.Header.Get("X-Auth-Token")
	e.mu.Lock()
	if strings.HasSuffix(r.URL.Path, "/auth/tokens") && r.Method == http.MethodPost {
		e.logins++
	}
	stale := tok != "" && e.stale[tok] && (e.method == "" || e.method == r.Method)
	if tok != "" {
		e.tokens[tok] = true
	}
	if stale {
		e.refused++
	}
	e.mu.Unlock()
	if stale {
		if r.Body != nil {
			r.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusUnauthorized, Status: "401 Unauthorized", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	return e.base.RoundTrip(r)
}

func (e *expiring) expire(method string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.method = method
	for tok := range e.tokens {
		e.stale[tok] = true
	}
}

// TestSwiftTokenRenewed: when Swift refuses the token (it expired), the
// driver logs in to Keystone again and the upload, read and delete that
// met the refusal succeed, without a restart.
func TestSwiftTokenRenewed(t *testing.T) {
	keystonetest.Require(t)
	swifttest.RequireKeystone(t)
	p := keystonetest.AlphaMember
	tok := keystonetest.MustToken(t, p)
	s := swifttest.KeystoneSession(tok.ID, tok.ProjectID)
	c := "glance-test-" + hex.EncodeToString(randomBytes(6))
	t.Cleanup(func() { s.RemoveContainer(t, c) })
	tr := &expiring{base: http.DefaultTransport, stale: map[string]bool{}, tokens: map[string]bool{}}
	d, err := swift.New(swift.Options{AuthAddress: keystonetest.AuthURL, AuthVersion: 3, User: p.Project + ":" + p.Name, Key: p.Password(),
		Container: c, CreateContainer: true, LargeObjectSize: swiftChunk, ChunkSize: swiftChunk, Transport: tr})
	if err != nil {
		t.Fatal(err)
	}
	first := storetest.MustPut(t, d, storetest.NewID(), storetest.Data(10))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for i, step := range []struct {
		method string
		run    func() error
	}{
		{http.MethodPut, func() error { // a single object
			_, err := d.Put(ctx, storetest.NewID(), bytes.NewReader(storetest.Data(1000)), 1000)
			return err
		}},
		{http.MethodPut, func() error { // segments and a manifest
			_, err := d.Put(ctx, storetest.NewID(), bytes.NewReader(storetest.Data(swiftChunk+10)), -1)
			return err
		}},
		{"", func() error { _, err := d.Stat(ctx, first.URL); return err }},
		{"", func() error {
			r, err := d.Get(ctx, first.URL, 0, -1)
			if err == nil {
				r.Close()
			}
			return err
		}},
		{"", func() error { return d.Delete(ctx, first.URL) }},
	} {
		tr.expire(step.method)
		if err := step.run(); err != nil {
			t.Fatalf("step %d after the token expired: %v", i, err)
		}
	}
	if tr.refused < 5 || tr.logins < 6 {
		t.Errorf("%d refusals, %d logins: want a refusal and a new login per step", tr.refused, tr.logins)
	}
}

// TestSwiftEndpoint: swift_store_endpoint replaces the storage URL the
// login returns: data goes there, with the login's token.
func TestSwiftEndpoint(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	s2 := swifttest.Login(t, swifttest.Tester2)
	c := s.NewContainer(t, "glance-test-")
	open := func(endpoint string) store.Driver {
		d, err := swift.Open("", store.Options{
			"swift_store_auth_address": swifttest.AuthURL, "swift_store_auth_version": "1",
			"swift_store_user": swifttest.Tester.Name, "swift_store_key": swifttest.Tester.Key,
			"swift_store_container": c, "swift_store_endpoint": endpoint,
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open(s.StorageURL)
	data := storetest.Data(100)
	got := storetest.MustPut(t, d, storetest.NewID(), data)
	if !bytes.Equal(s.Get(t, c, got.URL[strings.LastIndex(got.URL, "/")+1:]), data) {
		t.Error("the data is not in the endpoint's account")
	}
	if err := d.Delete(t.Context(), got.URL); err != nil {
		t.Fatal(err)
	}
	// Another account's storage URL: Swift refuses the token there.
	other := open(s2.StorageURL)
	if _, err := other.Put(t.Context(), storetest.NewID(), strings.NewReader("x"), 1); !errors.Is(err, store.ErrForbidden) {
		t.Errorf("Put to another account's endpoint: %v, want ErrForbidden", err)
	}
}

// breaking passes requests to Swift but breaks off the body of the
// first object read after limit bytes, as a dropped connection would.
type breaking struct {
	base  http.RoundTripper
	limit int64

	mu    sync.Mutex
	broke bool
}

func (b *breaking) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := b.base.RoundTrip(r)
	if err != nil || r.Method != http.MethodGet || r.Header.Get("Range") == "" {
		return resp, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.broke {
		b.broke = true
		resp.Body = &brokenBody{ReadCloser: resp.Body, left: b.limit}
	}
	return resp, nil
}

type brokenBody struct {
	io.ReadCloser
	left int64
}

func (b *brokenBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// TestSwiftRetryGet: with swift_store_retry_get_count, a read broken off
// resumes where it stopped and yields the whole data; without, it fails.
func TestSwiftRetryGet(t *testing.T) {
	swifttest.Require(t)
	s := swifttest.Login(t, swifttest.Tester)
	c := s.NewContainer(t, "glance-test-")
	data := storetest.Data(3*swiftChunk + 5)
	var loc string
	for _, retries := range []int{1, 0} {
		tr := &breaking{base: http.DefaultTransport, limit: swiftChunk + 7}
		d, err := swift.New(swift.Options{AuthAddress: swifttest.AuthURL, User: swifttest.Tester.Name, Key: swifttest.Tester.Key,
			Container: c, LargeObjectSize: swiftChunk, ChunkSize: swiftChunk, RetryGetCount: retries, Transport: tr})
		if err != nil {
			t.Fatal(err)
		}
		if loc == "" {
			loc = storetest.MustPut(t, d, storetest.NewID(), data).URL
		}
		r, err := d.Get(t.Context(), loc, 10, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if retries > 0 && (err != nil || !bytes.Equal(got, data[10:])) {
			t.Errorf("retries %d: read %d bytes, %v; want the %d bytes from offset 10", retries, len(got), err, len(data)-10)
		}
		if retries == 0 && err == nil {
			t.Errorf("no retries: the broken read ended without an error after %d bytes", len(got))
		}
	}
}

// TestSwiftNoEndpoint: a Keystone login whose catalog has no
// object-store endpoint in the configured region answers ErrUnavailable
// naming the options that pick it.
func TestSwiftNoEndpoint(t *testing.T) {
	keystonetest.Require(t)
	p := keystonetest.AlphaMember
	d, err := swift.Open("", store.Options{
		"swift_store_auth_address": keystonetest.URL, "swift_store_auth_version": "3",
		"swift_store_user": p.Project + ":" + p.Name, "swift_store_key": p.Password(),
		"swift_store_region": "NoSuchRegion",
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Put(t.Context(), storetest.NewID(), strings.NewReader("x"), 1)
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "swift_store_region") {
		t.Errorf("Put: %v, want ErrUnavailable naming swift_store_region", err)
	}
}
