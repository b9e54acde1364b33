package dal

import (
	"encoding/json"
	"testing"
)

func TestMetadataCacheHandsOutOwnMaps(t *testing.T) {
	c := metadataCache{}
	a, err := c.get([]byte(`{"store": "file", "size": 12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := c.get([]byte(`{"store": "file", "size": 12345678901234567890}`))
	a["store"] = "changed"
	if b["store"] != "file" {
		t.Fatal("two locations share one metadata map")
	}
	// Numbers keep their exact text, so that writing them back is
	// lossless.
	if b["size"] != json.Number("12345678901234567890") {
		t.Fatalf("size %#v", b["size"])
	}
	nested := []byte(`{"store": "file", "extra": {"k": "v"}}`)
	x, _ := c.get(nested)
	y, _ := c.get(nested)
	x["extra"].(map[string]any)["k"] = "changed"
	if y["extra"].(map[string]any)["k"] != "v" {
		t.Fatal("two locations share nested metadata")
	}
	for _, text := range []string{"", "{}", "  "} {
		m, err := c.get([]byte(text))
		if err != nil || m == nil || len(m) != 0 {
			t.Fatalf("%q: %v, %v; want an empty map", text, m, err)
		}
	}
	if _, err := c.get([]byte(`not json`)); err == nil {
		t.Fatal("bad metadata decoded")
	}
}
