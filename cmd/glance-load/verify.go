package main

import (
	"crypto/md5"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
)

// verifySet says which digests -verify checks.
type verifySet struct{ md5, sha512 bool }

func (v verifySet) any() bool { return v.md5 || v.sha512 }

func (v verifySet) String() string {
	switch {
	case v.md5 && v.sha512:
		return "all"
	case v.md5:
		return "md5"
	case v.sha512:
		return "sha512"
	}
	return "none"
}

func (v *verifySet) Set(s string) error {
	*v = verifySet{}
	for _, w := range strings.Split(s, ",") {
		switch strings.TrimSpace(w) {
		case "none", "":
		case "md5":
			v.md5 = true
		case "sha512":
			v.sha512 = true
		case "all":
			v.md5, v.sha512 = true, true
		default:
			return fmt.Errorf("unknown digest %q (none, md5, sha512, all)", w)
		}
	}
	return nil
}

// digests hashes a byte stream with the digests of a verifySet.
type digests struct{ md5, sha512 hash.Hash }

func newDigests(v verifySet) *digests {
	d := &digests{}
	if v.md5 {
		d.md5 = md5.New()
	}
	if v.sha512 {
		d.sha512 = sha512.New()
	}
	return d
}

func (d *digests) Write(p []byte) (int, error) {
	if d.md5 != nil {
		d.md5.Write(p)
	}
	if d.sha512 != nil {
		d.sha512.Write(p)
	}
	return len(p), nil
}

// sums are hex digests; empty when not computed.
type sums struct{ md5, sha512 string }

func (d *digests) sums() sums {
	var s sums
	if d.md5 != nil {
		s.md5 = hex.EncodeToString(d.md5.Sum(nil))
	}
	if d.sha512 != nil {
		s.sha512 = hex.EncodeToString(d.sha512.Sum(nil))
	}
	return s
}

// hashingBody is a request body that hashes what it hands out.
type hashingBody struct {
	r io.Reader
	d *digests
}

func (h hashingBody) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.d.Write(p[:n])
	return n, err
}

func (hashingBody) Close() error { return nil }

// checkImage compares an image record against the digests of its data.
func checkImage(img image, size int64, want sums) []string {
	var bad []string
	if img.Status != "active" {
		bad = append(bad, fmt.Sprintf("status %q, want active", img.Status))
	}
	if img.Size == nil || *img.Size != size {
		got := "null"
		if img.Size != nil {
			got = fmt.Sprint(*img.Size)
		}
		bad = append(bad, fmt.Sprintf("size %s, want %d", got, size))
	}
	if want.md5 != "" && !strings.EqualFold(img.Checksum, want.md5) {
		bad = append(bad, fmt.Sprintf("checksum %q, want %s", img.Checksum, want.md5))
	}
	if want.sha512 != "" {
		if img.HashAlgo != "sha512" {
			bad = append(bad, fmt.Sprintf("os_hash_algo %q, want sha512", img.HashAlgo))
		} else if !strings.EqualFold(img.HashValue, want.sha512) {
			bad = append(bad, fmt.Sprintf("os_hash_value %.16s..., want %.16s...", img.HashValue, want.sha512))
		}
	}
	return bad
}

// contentMD5Matches accepts the header as Glance sends it (hex) or as RFC
// 1864 defines it (base64).
func contentMD5Matches(header, md5hex string) bool {
	if strings.EqualFold(header, md5hex) {
		return true
	}
	b, err := base64.StdEncoding.DecodeString(header)
	return err == nil && hex.EncodeToString(b) == strings.ToLower(md5hex)
}
