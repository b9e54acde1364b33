package configs

import "fmt"

// ValueError is an option value that cannot be used. Load joins one per
// bad value, so errors.As finds the first and the message lists them all.
type ValueError struct {
	Section string
	Option  string
	// Value is the offending text: the whole value, or the one list item
	// or dict entry that is wrong.
	Value string
	// Reason says why, e.g. "is not an integer".
	Reason string
	// File is the file that set the value; "" when it is a default.
	File string
}

func (e *ValueError) Error() string {
	msg := fmt.Sprintf("invalid value for [%s] %s: %q %s", e.Section, e.Option, e.Value, e.Reason)
	if e.File != "" {
		msg += " (in " + e.File + ")"
	}
	return msg
}
