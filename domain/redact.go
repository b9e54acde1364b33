package domain

import "strings"

// RedactURL drops the user information of a location URL
// (s3://access:secret@host/..., swift+http://account:user:key@host/...):
// locations are shown, logged and quoted in messages, credentials never.
func RedactURL(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	authority, path, _ := strings.Cut(rest, "/")
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return url
	}
	out := scheme + "://" + authority[at+1:]
	if len(rest) > len(authority) {
		out += "/" + path
	}
	return out
}
