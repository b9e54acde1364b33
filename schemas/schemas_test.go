package schemas

import (
	"os"
	"strings"
	"testing"
)

func TestFormatsComeFromOptions(t *testing.T) {
	s, err := New(Options{DiskFormats: []string{"raw", "qcow2"}, ContainerFormats: []string{"bare"}})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := s.Document("image")
	if !strings.Contains(string(doc), `"enum": [null, "raw", "qcow2"]`) {
		t.Fatalf("disk_format enum not set: %s", doc)
	}
	err = s.ValidateImage(map[string]any{"disk_format": "vmdk"})
	if err == nil || !strings.Contains(err.Error(), "'vmdk' is not one of [None, 'raw', 'qcow2']") {
		t.Fatalf("vmdk accepted or badly worded: %v", err)
	}
}

func TestValidateImageMessages(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		body string
		want string
	}{
		{`{"disk_format": "floppy"}`, "Provided object does not match schema 'image': 'floppy' is not one of [None, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop']"},
		{`{"visibility": "everyone"}`, "'everyone' is not one of ['community', 'public', 'private', 'shared']"},
		{`{"name": "` + strings.Repeat("n", 256) + `"}`, "is too long"},
		{`{"min_ram": "x"}`, "'x' is not of type 'integer'"},
		{`{"foo": 1}`, "1 is not of type 'string'"},
		{`{"id": "nope"}`, "'nope' does not match"},
		{`{"protected": "yes"}`, "'yes' is not of type 'boolean'"},
		{`{"tags": "a"}`, "'a' is not of type 'array'"},
	}
	for _, c := range cases {
		v, err := DecodeBody([]byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		err = s.ValidateImage(v.(map[string]any))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.body, err, c.want)
		}
	}
	ok, _ := DecodeBody([]byte(`{"name": "x", "disk_format": "raw", "container_format": "bare", "min_ram": 0, "tags": ["a"], "p": "v"}`))
	if err := s.ValidateImage(ok.(map[string]any)); err != nil {
		t.Fatalf("valid body refused: %v", err)
	}
}

func TestEncodeIsPythonStyle(t *testing.T) {
	v, err := Parse([]byte(`{"b":1,"a":[true,null,"x\"<é>\u0001"]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := string(Encode(v))
	want := `{"b": 1, "a": [true, null, "x\"<é>\u0001"]}`
	if got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestStaticDocumentsAreJSON(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(static, "image", "images") {
		doc, ok := s.Document(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if _, err := Parse(doc); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_ = os.Stdout
}
