package s3

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-glance/glance/store"
)

// location is a parsed s3 location URL.
type location struct {
	secure               bool
	accessKey, secretKey string
	host, bucket, key    string
}

// errNotS3 marks a URL of another scheme.
var errNotS3 = errors.New("not an s3 location")

// parseLocation parses s3://<access>:<secret>@<host>/<bucket>/<key>, or
// s3+http:// or s3+https://, as glance_store does: the credentials end
// at the last '@' (a secret may hold '/'), the key is the last path
// element and the bucket the one before it.
func parseLocation(url string) (location, error) {
	var l location
	scheme, rest, ok := strings.Cut(url, "://")
	switch {
	case !ok:
		return l, errNotS3
	case scheme == "s3" || scheme == "s3+http":
	case scheme == "s3+https":
		l.secure = true
	default:
		return l, errNotS3
	}
	invalid := func(why string) (location, error) {
		return location{}, fmt.Errorf("s3 location %s: %s: %w", redact(url), why, store.ErrInvalid)
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		creds := rest[:i]
		rest = rest[i+1:]
		var ok bool
		if l.accessKey, l.secretKey, ok = strings.Cut(creds, ":"); !ok || l.accessKey == "" || l.secretKey == "" {
			return invalid("credentials are not access:secret")
		}
	}
	parts := strings.Split(rest, "/")
	if len(parts) < 3 {
		return invalid("no host/bucket/key")
	}
	l.key = parts[len(parts)-1]
	l.bucket = parts[len(parts)-2]
	l.host = strings.Join(parts[:len(parts)-2], "/")
	if l.host == "" || l.bucket == "" || l.key == "" || validID(l.key) != nil {
		return invalid("empty host, bucket or key")
	}
	return l, nil
}

// redact returns url without the credentials of an s3 location, for
// error messages.
func redact(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		return scheme + "://***@" + rest[i+1:]
	}
	return url
}
