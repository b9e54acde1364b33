package glancetest

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// Digests are the hashes Glance records for image data.
type Digests struct {
	Size   int64
	MD5    string // the image's checksum
	SHA512 string // its os_hash_value with os_hash_algo sha512
}

// DigestsOf hashes data.
func DigestsOf(data []byte) Digests {
	m := md5.Sum(data)
	s := sha512.Sum512(data)
	return Digests{Size: int64(len(data)), MD5: hex.EncodeToString(m[:]), SHA512: hex.EncodeToString(s[:])}
}

// MustRandomData returns size random bytes.
func MustRandomData(tb testing.TB, size int) []byte {
	tb.Helper()
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		tb.Fatal(err)
	}
	return data
}

// MustRandomFile writes size random bytes to dir/name and returns the
// path and the bytes.
func MustRandomFile(tb testing.TB, dir, name string, size int) (string, []byte) {
	tb.Helper()
	data := MustRandomData(tb, size)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, data
}

// MustReadDigests hashes the file at path.
func MustReadDigests(tb testing.TB, path string) Digests {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("reading %s: %v", path, err)
	}
	return DigestsOf(data)
}
