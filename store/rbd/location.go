//go:build ceph

package rbd

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/go-glance/glance/store"
)

const scheme = "rbd://"

// location is what an rbd:// URL names. Glance writes
// rbd://<fsid>/<pool>/<image>/<snapshot>, each part escaped; before it
// knew the cluster it wrote rbd://<image>, which leaves fsid, pool and
// snapshot empty: the image of the configured pool, read at its head.
type location struct {
	fsid, pool, image, snapshot string
}

// parseLocation parses an rbd:// URL. Errors: ErrNotFound for another
// scheme, ErrInvalid for a malformed rbd:// URL.
func parseLocation(raw string) (location, error) {
	rest, ok := strings.CutPrefix(raw, scheme)
	if !ok {
		return location{}, fmt.Errorf("%q is not an rbd:// URL: %w", raw, store.ErrNotFound)
	}
	for _, r := range raw {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return location{}, fmt.Errorf("rbd URL %q has a character that is not printable ASCII: %w", raw, store.ErrInvalid)
		}
	}
	pieces := strings.Split(rest, "/")
	for i, p := range pieces {
		u, err := url.PathUnescape(p)
		if err != nil || u == "" {
			return location{}, fmt.Errorf("rbd URL %q has an empty or badly escaped part: %w", raw, store.ErrInvalid)
		}
		pieces[i] = u
	}
	switch len(pieces) {
	case 1:
		return location{image: pieces[0]}, nil
	case 4:
		return location{fsid: pieces[0], pool: pieces[1], image: pieces[2], snapshot: pieces[3]}, nil
	}
	return location{}, fmt.Errorf("rbd URL %q has %d parts, not 1 or 4: %w", raw, len(pieces), store.ErrInvalid)
}

// String is the URL of l, its parts escaped so that none holds a "/".
func (l location) String() string {
	if l.fsid == "" {
		return scheme + url.PathEscape(l.image)
	}
	return scheme + url.PathEscape(l.fsid) + "/" + url.PathEscape(l.pool) + "/" +
		url.PathEscape(l.image) + "/" + url.PathEscape(l.snapshot)
}

// checkName refuses names RBD cannot hold or the CLI would misread:
// empty ones, and ones with "/" or "@" (pool and snapshot separators)
// or bytes that are not printable ASCII.
func checkName(name string) error {
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/@") {
		return fmt.Errorf("%q cannot name an RBD image: %w", name, store.ErrInvalid)
	}
	for _, r := range name {
		if r > unicode.MaxASCII || !unicode.IsPrint(r) {
			return fmt.Errorf("%q cannot name an RBD image: %w", name, store.ErrInvalid)
		}
	}
	return nil
}
