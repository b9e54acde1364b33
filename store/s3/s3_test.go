package s3

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-glance/glance/store"
)

func baseOptions() store.Options {
	return store.Options{
		"s3_store_host":       "http://rgw.example:7480",
		"s3_store_access_key": "AK",
		"s3_store_secret_key": "se/cr@et",
		"s3_store_bucket":     "images",
	}
}

func TestOptionDefaults(t *testing.T) {
	o, err := parseOptions("objects", baseOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := Options{BackendID: "objects", Host: "rgw.example:7480", AccessKey: "AK", SecretKey: "se/cr@et",
		Bucket: "images", URLFormat: "auto", LargeObjectSize: 100 << 20, ChunkSize: 10 << 20, ThreadPools: 10}
	if o != want {
		t.Fatalf("options %+v, want %+v", o, want)
	}
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	props := d.Describe()
	if len(props) != 3 || props[0] != (store.Property{Key: "s3_store_large_object_size", Value: int64(100 << 20)}) ||
		props[1] != (store.Property{Key: "s3_store_large_object_chunk_size", Value: int64(10 << 20)}) ||
		props[2] != (store.Property{Key: "s3_store_thread_pools", Value: int64(10)}) {
		t.Fatalf("Describe() = %v", props)
	}
}

func TestOptionsRead(t *testing.T) {
	opts := baseOptions()
	opts["s3_store_host"] = "https://s3.example/"
	opts["s3_store_create_bucket_on_put"] = "yes"
	opts["s3_store_bucket_url_format"] = "virtual"
	opts["s3_store_large_object_size"] = "20"
	opts["s3_store_large_object_chunk_size"] = "5"
	opts["s3_store_thread_pools"] = "3"
	opts["s3_store_region_name"] = "eu"
	o, err := parseOptions("", opts)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Secure || o.Host != "s3.example" || !o.CreateBucket || o.URLFormat != "virtual" ||
		o.LargeObjectSize != 20<<20 || o.ChunkSize != 5<<20 || o.ThreadPools != 3 || o.Region != "eu" {
		t.Fatalf("options %+v", o)
	}
	d, _ := New(o)
	if got := d.url("id"); got != "s3+https://AK:se/cr@et@s3.example/images/id" {
		t.Fatalf("location %s", got)
	}
}

func TestBadOptions(t *testing.T) {
	for name, v := range map[string]string{
		"s3_store_host":                    "",
		"s3_store_bucket":                  " ",
		"s3_store_access_key":              "",
		"s3_store_secret_key":              "",
		"s3_store_bucket_url_format":       "dns",
		"s3_store_large_object_size":       "0",
		"s3_store_large_object_chunk_size": "4",
		"s3_store_thread_pools":            "none",
		"s3_store_create_bucket_on_put":    "maybe",
	} {
		opts := baseOptions()
		opts[name] = v
		if _, err := store.Open("s3", "", opts); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s = %q: error %v, want one naming the option", name, v, err)
		}
	}
}

func TestLocations(t *testing.T) {
	o, _ := parseOptions("", baseOptions())
	d, _ := New(o)
	id := "3f1c4e0a-7b1d-4a8e-9f00-0123456789ab"
	own := d.url(id)
	if own != "s3://AK:se/cr@et@rgw.example:7480/images/"+id {
		t.Fatalf("location %s", own)
	}
	for _, c := range []struct {
		url  string
		owns bool
		err  error
	}{
		{own, true, nil},
		{"s3+http://AK:se/cr@et@rgw.example:7480/images/" + id, true, nil},
		{"s3://other:key@rgw.example:7480/images/" + id, true, nil},
		{"s3+https://AK:x@rgw.example:7480/images/" + id, false, store.ErrNotFound},
		{"s3://AK:x@other:7480/images/" + id, false, store.ErrNotFound},
		{"s3://AK:x@rgw.example:7480/other/" + id, false, store.ErrNotFound},
		{"file:///var/lib/glance/images/" + id, false, store.ErrNotFound},
		{"rbd://fsid/images/" + id + "/snap", false, store.ErrNotFound},
		{"s3://AK:x@rgw.example:7480/" + id, false, store.ErrInvalid},
		{"s3://AK@rgw.example:7480/images/" + id, false, store.ErrInvalid},
		{"s3://AK:x@rgw.example:7480/images/", false, store.ErrInvalid},
		{"s3://AK:x@/images/" + id, false, store.ErrInvalid},
	} {
		if got := d.Owns(c.url); got != c.owns {
			t.Errorf("Owns(%s) = %v", c.url, got)
		}
		key, err := d.key(c.url)
		if c.err == nil && (err != nil || key != id) {
			t.Errorf("key(%s) = %q, %v", c.url, key, err)
		}
		if c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("key(%s): %v, want %v", c.url, err, c.err)
		}
		if err != nil && strings.Contains(err.Error(), "se/cr") {
			t.Errorf("key(%s): error %q shows the secret", c.url, err)
		}
	}
}

func TestInvalidIDs(t *testing.T) {
	for _, id := range []string{"", "a/b", "..", "a\x00b", "a?b", strings.Repeat("x", 513)} {
		if err := validID(id); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("validID(%q) = %v, want ErrInvalid", id, err)
		}
	}
}

// Options read but not acted on are named, so the server warns of them.
func TestCaveats(t *testing.T) {
	opts := store.Options{"s3_store_host": "127.0.0.1:7480", "s3_store_access_key": "a", "s3_store_secret_key": "s",
		"s3_store_bucket": "images", "s3_store_thread_pools": "4"}
	d, err := Open("objects", opts)
	if err != nil {
		t.Fatal(err)
	}
	c := d.(store.Caveats).Caveats()
	if len(c) != 1 || !strings.Contains(c[0], "s3_store_thread_pools is set but not acted on") {
		t.Errorf("caveats %q", c)
	}
	delete(opts, "s3_store_thread_pools")
	if d, _ := Open("objects", opts); len(d.(store.Caveats).Caveats()) != 0 {
		t.Errorf("caveats without the options: %q", d.(store.Caveats).Caveats())
	}
}
