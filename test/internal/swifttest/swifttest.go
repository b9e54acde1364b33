// Package swifttest gives tests the real Swift test/swift.sh brings up
// (tempauth on http://127.0.0.1:8080) and the Swift API radosgw serves
// (test/ceph.sh): where they are, the test users, and a plain HTTP
// session to create, list and empty containers, for setting up and for
// checking that a test left nothing behind.
//
// Tests call Require (or RequireUser for another server) first: it
// skips (under CI=true, fails) when the login does not work.
package swifttest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-glance/glance/test/require"
)

// URL is the Swift proxy's base URL; GLANCE_TEST_SWIFT_URL overrides it.
var URL = func() string {
	if u := os.Getenv("GLANCE_TEST_SWIFT_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return "http://127.0.0.1:8080"
}()

// AuthURL is where tempauth's v1 login answers.
var AuthURL = URL + "/auth/v1.0"

// KeystoneURL is the Swift proxy that takes Keystone tokens (the
// catalog's object-store endpoint, KeystoneURL/v1/KEY_<project id>);
// GLANCE_TEST_SWIFT_KEYSTONE_URL overrides it. Members and admins of a
// project may use its account.
var KeystoneURL = func() string {
	if u := os.Getenv("GLANCE_TEST_SWIFT_KEYSTONE_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	return "http://127.0.0.1:8081"
}()

// KeystonePrefix starts the names of Keystone projects' accounts.
const KeystonePrefix = "KEY_"

// KeystoneSession is the session of a Keystone token scoped to project
// projectID.
func KeystoneSession(token, projectID string) *Session {
	return &Session{StorageURL: KeystoneURL + "/v1/" + KeystonePrefix + projectID, Token: token}
}

// RequireKeystone stops tb unless the Keystone proxy answers its
// healthcheck (Keystone itself has its own Require in keystonetest).
func RequireKeystone(tb testing.TB) {
	tb.Helper()
	resp, err := client.Get(KeystoneURL + "/healthcheck")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /healthcheck answered %s", resp.Status)
		}
	}
	if err != nil {
		require.Missing(tb, "Swift's Keystone proxy does not answer at %s (%v); bash test/swift.sh starts it", KeystoneURL, err)
	}
}

// User is a v1 (tempauth-style) login: X-Auth-User and X-Auth-Key sent
// to AuthURL.
type User struct {
	AuthURL string
	Name    string // account:user
	Key     string
}

// The tempauth users of test/swift.sh.
var (
	// Tester is .admin of account AUTH_test.
	Tester = User{AuthURL: AuthURL, Name: "test:tester", Key: "testing"}
	// Tester2 is .admin of account AUTH_test2.
	Tester2 = User{AuthURL: AuthURL, Name: "test2:tester2", Key: "testing2"}
	// Admin is also .reseller_admin.
	Admin = User{AuthURL: AuthURL, Name: "admin:admin", Key: "admin"}
)

// Account is the account part of Name ("test" for "test:tester").
func (u User) Account() string { a, _, _ := strings.Cut(u.Name, ":"); return a }

// Username is the user part of Name ("tester" for "test:tester").
func (u User) Username() string { _, n, _ := strings.Cut(u.Name, ":"); return n }

var client = &http.Client{Timeout: 30 * time.Second}

var (
	reachMu sync.Mutex
	reached = map[User]error{}
)

// Require stops tb unless Tester can log in to test/swift.sh's Swift:
// it skips on a developer's machine and fails under CI=true.
func Require(tb testing.TB) {
	tb.Helper()
	RequireUser(tb, Tester, "bash test/swift.sh starts it")
}

// RequireUser stops tb unless u can log in and reach its account; hint
// says how to start the server.
func RequireUser(tb testing.TB, u User, hint string) {
	tb.Helper()
	reachMu.Lock()
	err, done := reached[u]
	if !done {
		_, err = login(context.Background(), u)
		reached[u] = err
	}
	reachMu.Unlock()
	if err != nil {
		require.Missing(tb, "Swift login as %s at %s fails (%v); %s", u.Name, u.AuthURL, err, hint)
	}
}

// Session is a logged-in user: the storage URL and token the login
// returned (always use these: the account's URL differs between
// servers).
type Session struct {
	StorageURL string
	Token      string
}

// Login logs u in.
func Login(tb testing.TB, u User) *Session {
	tb.Helper()
	s, err := login(context.Background(), u)
	if err != nil {
		tb.Fatalf("Swift login as %s: %v", u.Name, err)
	}
	return s
}

func login(ctx context.Context, u User) (*Session, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.AuthURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-User", u.Name)
	req.Header.Set("X-Auth-Key", u.Key)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("GET %s answered %s", u.AuthURL, resp.Status)
	}
	s := &Session{StorageURL: resp.Header.Get("X-Storage-Url"), Token: resp.Header.Get("X-Auth-Token")}
	if s.StorageURL == "" || s.Token == "" {
		return nil, fmt.Errorf("GET %s answered without X-Storage-Url or X-Auth-Token", u.AuthURL)
	}
	// The account itself must answer too (Swift autocreates it).
	resp, err = s.do(ctx, http.MethodHead, "", nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HEAD %s answered %s", s.StorageURL, resp.Status)
	}
	return s, nil
}

// do sends method to the storage URL joined with path ("" for the
// account, "c" for a container, "c/o" for an object), already escaped
// by the caller where needed.
func (s *Session) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	u := s.StorageURL
	if path != "" {
		u += "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Auth-Token", s.Token)
	return client.Do(req)
}

func (s *Session) call(tb testing.TB, method, path string, body io.Reader, ok ...int) (int, []byte) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := s.do(ctx, method, path, body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	for _, code := range ok {
		if resp.StatusCode == code {
			return code, data
		}
	}
	tb.Fatalf("%s %s/%s answered %s: %s", method, s.StorageURL, path, resp.Status, data)
	return 0, nil
}

// CreateContainer creates container name (no error if it exists).
func (s *Session) CreateContainer(tb testing.TB, name string) {
	tb.Helper()
	s.call(tb, http.MethodPut, url.PathEscape(name), nil, http.StatusCreated, http.StatusAccepted, http.StatusNoContent)
}

// NewContainer creates a container with a fresh name starting with
// prefix; it is emptied and deleted when the test ends.
func (s *Session) NewContainer(tb testing.TB, prefix string) string {
	tb.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + hex.EncodeToString(b)
	s.CreateContainer(tb, name)
	tb.Cleanup(func() { s.RemoveContainer(tb, name) })
	return name
}

// Put stores data as object name in container.
func (s *Session) Put(tb testing.TB, container, name string, data []byte) {
	tb.Helper()
	s.call(tb, http.MethodPut, url.PathEscape(container)+"/"+escapeObject(name), bytes.NewReader(data), http.StatusCreated)
}

// Get is object name's content.
func (s *Session) Get(tb testing.TB, container, name string) []byte {
	tb.Helper()
	_, data := s.call(tb, http.MethodGet, url.PathEscape(container)+"/"+escapeObject(name), nil, http.StatusOK)
	return data
}

// Object is one entry of a container listing.
type Object struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
	Hash  string `json:"hash"`
}

// Objects lists every object in container (following the listing's
// pages); a missing container lists as nil.
func (s *Session) Objects(tb testing.TB, container string) []Object {
	tb.Helper()
	var all []Object
	marker := ""
	for {
		q := url.Values{"format": {"json"}, "limit": {"1000"}}
		if marker != "" {
			q.Set("marker", marker)
		}
		code, data := s.call(tb, http.MethodGet, url.PathEscape(container)+"?"+q.Encode(), nil, http.StatusOK, http.StatusNoContent, http.StatusNotFound)
		if code == http.StatusNotFound {
			return nil
		}
		var page []Object
		if len(data) > 0 {
			if err := json.Unmarshal(data, &page); err != nil {
				tb.Fatalf("listing container %s: %v", container, err)
			}
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		marker = page[len(page)-1].Name
	}
}

// Containers lists the account's containers.
func (s *Session) Containers(tb testing.TB) []string {
	tb.Helper()
	var names []string
	marker := ""
	for {
		q := url.Values{"format": {"json"}, "limit": {"1000"}}
		if marker != "" {
			q.Set("marker", marker)
		}
		_, data := s.call(tb, http.MethodGet, "?"+q.Encode(), nil, http.StatusOK, http.StatusNoContent)
		var page []struct {
			Name string `json:"name"`
		}
		if len(data) > 0 {
			if err := json.Unmarshal(data, &page); err != nil {
				tb.Fatalf("listing the account: %v", err)
			}
		}
		if len(page) == 0 {
			return names
		}
		for _, c := range page {
			names = append(names, c.Name)
		}
		marker = page[len(page)-1].Name
	}
}

// RemoveContainer deletes every object in container, then the
// container; a missing container is no error.
func (s *Session) RemoveContainer(tb testing.TB, container string) {
	tb.Helper()
	for _, o := range s.Objects(tb, container) {
		s.call(tb, http.MethodDelete, url.PathEscape(container)+"/"+escapeObject(o.Name), nil, http.StatusNoContent, http.StatusNotFound)
	}
	s.call(tb, http.MethodDelete, url.PathEscape(container), nil, http.StatusNoContent, http.StatusNotFound)
}

// escapeObject escapes an object name, keeping its slashes.
func escapeObject(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}
