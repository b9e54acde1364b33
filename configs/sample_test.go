package configs

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"testing"
)

const samplePath = "glance-api.conf.sample"

// sampleOption matches a commented-out option line of the sample.
var sampleOption = regexp.MustCompile(`(?m)^#([a-z][a-z0-9_]*) =`)

// TestSampleLoadsAsDefaults checks the sample as shipped and with every
// option line uncommented: both must give exactly the defaults, so each
// documented default is the real one.
func TestSampleLoadsAsDefaults(t *testing.T) {
	data, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	uncommented := sampleOption.ReplaceAll(data, []byte("$1 ="))
	for name, content := range map[string][]byte{"as shipped": data, "uncommented": uncommented} {
		t.Run(name, func(t *testing.T) {
			p := MustWrite(t, t.TempDir(), "glance-api.conf", string(content))
			c, err := Load([]string{p}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.Unknown != nil {
				t.Errorf("sample has options the table lacks: %v", c.Unknown)
			}
			// Set options are listed, and the raw [glance_store] holds
			// them as written; their values are still the defaults.
			c.Sources, c.NotActedOn, c.set, c.Store.Options = nil, nil, nil, nil
			if !reflect.DeepEqual(c, Default()) {
				t.Errorf("sample gives %+v\nwant %+v", c, Default())
			}
		})
	}
}

// TestSampleDocumentsEveryOption checks each table row has an option line
// in its own section of the sample.
func TestSampleDocumentsEveryOption(t *testing.T) {
	data, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	src, err := parseSource(samplePath, sampleOption.ReplaceAll(data, []byte("$1 =")))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range Default().options() {
		if !slices.Contains(src.order, o.key) {
			t.Errorf("sample does not document %s", o.key)
		}
	}
}
