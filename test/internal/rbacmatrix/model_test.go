package rbacmatrix

import (
	"testing"
)

// TestDescriptionIsComplete: every cell gets an outcome a server can
// give, and the two modes differ somewhere, so the legacy run checks
// something the secure one does not.
func TestDescriptionIsComplete(t *testing.T) {
	valid := map[Outcome]bool{"200": true, "204": true, "403": true, "404": true, "409": true, "in": true, "out": true}
	seen := map[Cell]bool{}
	differ := 0
	for _, c := range Cells(Secure) {
		if seen[c] {
			t.Errorf("cell %s twice", c)
		}
		seen[c] = true
		for _, m := range Modes {
			in := c
			in.Mode = m
			if got := in.Expect(); !valid[got] {
				t.Errorf("%s: expected outcome %q", in, got)
			}
		}
		legacy := c
		legacy.Mode = Legacy
		if c.Expect() != legacy.Expect() {
			differ++
		}
	}
	if want := len(Ops) * len(States) * len(Personas); len(seen) != want {
		t.Errorf("%d cells, want the cross product's %d", len(seen), want)
	}
	if differ == 0 {
		t.Error("the legacy defaults change no cell")
	}
	t.Logf("%d cells per mode; %d differ between the modes", len(seen), differ)
}
