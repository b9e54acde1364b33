package schemas

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocumentsMatchGlance compares every schema document with the
// response real Glance 25.1 (Zed) gave for it, as captured in
// testdata/glance: the capture came from a deployment with Glance's
// default disk and container formats, which New(Options{}) also uses.
func TestDocumentsMatchGlance(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	captures, err := filepath.Glob("testdata/glance/*-schema-*.http")
	if err != nil {
		t.Fatal(err)
	}
	if len(captures) != len(static)+2 {
		t.Fatalf("%d captures for %d documents", len(captures), len(static)+2)
	}
	for _, path := range captures {
		// "06-schema-metadefs-namespace.http" holds /v2/schemas/metadefs/namespace.
		_, name, _ := strings.Cut(strings.TrimSuffix(filepath.Base(path), ".http"), "-schema-")
		name = strings.Replace(name, "metadefs-", "metadefs/", 1)
		t.Run(name, func(t *testing.T) {
			want := MustReadCapturedBody(t, path)
			got, ok := s.Document(name)
			if !ok {
				t.Fatalf("no %s document; Glance serves one", name)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("differs from Glance's at byte %d:\n got: %s\nwant: %s", firstDiff(got, want), got, want)
			}
		})
	}
}

// MustReadCapturedBody returns the body of a captured HTTP response
// (status line, headers, blank line, body).
func MustReadCapturedBody(tb testing.TB, path string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) {
		tb.Fatalf("%s is not a captured 200 response", path)
	}
	return body
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
