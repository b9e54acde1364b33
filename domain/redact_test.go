package domain

import "testing"

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"s3://AKIA:s3cr3t@127.0.0.1:7480/images/abc":            "s3://127.0.0.1:7480/images/abc",
		"s3+https://a:b@c@host/bucket/id":                       "s3+https://host/bucket/id",
		"swift+http://acct:user:key@swift.example/v1/glance/id": "swift+http://swift.example/v1/glance/id",
		"file:///var/lib/glance/images/abc":                     "file:///var/lib/glance/images/abc",
		"rbd://fsid/images/abc/snap":                            "rbd://fsid/images/abc/snap",
		"https://example.com/path/with@sign":                    "https://example.com/path/with@sign",
		"not a url":                                             "not a url",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
