// Package layout checks the project's import rules: dependencies point
// inward to domain, and only cmd wires the layers together.
package layout

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/go-glance/glance"

// allowed lists, per package (and its subpackages), which project
// packages its code and tests may import. cmd and test may import
// anything; a package missing here fails the test, so a new one must
// state its place.
var allowed = map[string][]string{
	"domain":   nil,
	"schemas":  nil,
	"configs":  nil,
	"gateway":  {"domain", "schemas"},
	"policy":   {"domain"},
	"notifier": {"domain"},
	"dal":      {"domain", "dal"},
	"store":    {"domain", "store"},
}

// everywhere are the project packages every package and test may import:
// test helpers that import only the standard library (checked below).
var everywhere = []string{"test/require"}

type pkg struct {
	ImportPath                         string
	Imports, TestImports, XTestImports []string
}

func TestImportsPointInward(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		top, _, _ := strings.Cut(rel, "/")
		if slices.Contains(everywhere, rel) {
			for _, imp := range slices.Concat(p.Imports, p.TestImports, p.XTestImports) {
				if strings.HasPrefix(imp, module+"/") && imp != p.ImportPath {
					t.Errorf("%s imports %s: a package every layer may import must import none of the project", rel, imp)
				}
			}
			continue
		}
		if top == "cmd" || top == "test" {
			continue
		}
		rules, ok := allowed[top]
		if !ok {
			t.Errorf("package %s is not in the layout: give it a place in allowed", p.ImportPath)
			continue
		}
		checked++
		// Tests keep to the rule too: a test needing the outer layers
		// belongs under cmd or test.
		for _, imp := range slices.Concat(p.Imports, p.TestImports, p.XTestImports) {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			depTop, _, _ := strings.Cut(dep, "/")
			if depTop != top && !slices.Contains(rules, depTop) && !slices.Contains(everywhere, dep) {
				t.Errorf("%s imports %s: %s may import only %v of the project", rel, dep, top, rules)
			}
		}
	}
	if checked < len(allowed) {
		t.Errorf("checked %d packages, expected at least %d: is go list seeing the module?", checked, len(allowed))
	}
}
