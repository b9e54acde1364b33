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

// storeTags are the build tags of the drivers that need C libraries
// (store/rbd): go list reads their files without compiling them, so
// the rules hold for them too.
const storeTags = "ceph,pacific"

func TestImportsPointInward(t *testing.T) {
	out, err := exec.Command("go", "list", "-tags", storeTags, "-json", module+"/...").Output()
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

// TestDefaultBuildNeedsNoCeph: without build tags the module builds,
// and nothing in it, tests included, needs go-ceph, so a machine
// without librados and librbd builds and tests the rest.
func TestDefaultBuildNeedsNoCeph(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for dep := range strings.Lines(string(out)) {
		if strings.HasPrefix(dep, "github.com/ceph/") {
			t.Errorf("the build without tags depends on %s", strings.TrimSpace(dep))
		}
	}
	if out, err := exec.Command("go", "build", module+"/...").CombinedOutput(); err != nil {
		t.Fatalf("go build without tags: %v\n%s", err, out)
	}
}
