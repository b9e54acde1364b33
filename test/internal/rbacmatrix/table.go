package rbacmatrix

import (
	"fmt"
	"strings"
	"testing"
)

// Mismatch is a cell whose result is not the expected outcome.
type Mismatch struct {
	Cell Cell
	Want Outcome
	Result
}

// Compare lists the cells whose result differs from want, in cell
// order.
func Compare(cells []Cell, got map[Cell]Result, want func(Cell) Outcome) []Mismatch {
	var out []Mismatch
	for _, c := range cells {
		if w := want(c); got[c].Got != w {
			out = append(out, Mismatch{Cell: c, Want: w, Result: got[c]})
		}
	}
	return out
}

// Check fails tb with one line per cell whose result is not what the
// description expects, then the table of every mode with such a cell.
// server names what answered (ours, Glance).
func Check(tb testing.TB, server string, cells []Cell, got map[Cell]Result) {
	tb.Helper()
	bad := Compare(cells, got, Cell.Expect)
	if len(bad) == 0 {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d cells differ from the description:\n", server, len(bad), len(cells))
	modes := map[Mode]bool{}
	for _, m := range bad {
		modes[m.Cell.Mode] = true
		fmt.Fprintf(&b, "  %s: got %s, want %s", m.Cell, m.Got, m.Want)
		if m.Body != "" {
			fmt.Fprintf(&b, " (%.200s)", strings.Join(strings.Fields(m.Body), " "))
		}
		b.WriteString("\n")
	}
	for _, m := range Modes {
		if modes[m] {
			b.WriteString(Table(m, cells, got))
		}
	}
	tb.Error(b.String())
}

// Table renders a mode's results, one row per operation and state, one
// column per persona; a cell that differs from the description shows
// "got!want".
func Table(m Mode, cells []Cell, got map[Cell]Result) string {
	byKey := map[Cell]bool{}
	for _, c := range cells {
		byKey[c] = true
	}
	const opWidth, stateWidth, colWidth = 24, 16, 13
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-*s%-*s", opWidth, string(m)+" defaults", stateWidth, "image")
	for _, p := range Personas {
		fmt.Fprintf(&b, "%-*s", colWidth, p)
	}
	b.WriteString("\n")
	for _, op := range Ops {
		for _, s := range States {
			fmt.Fprintf(&b, "%-*s%-*s", opWidth, op.Name, stateWidth, s)
			for _, p := range Personas {
				c := Cell{Mode: m, Op: op, State: s, Persona: p}
				text := "-"
				if byKey[c] {
					r, want := got[c], c.Expect()
					text = string(r.Got)
					if r.Got != want {
						text += "!" + string(want)
					}
				}
				fmt.Fprintf(&b, "%-*s", colWidth, text)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}
