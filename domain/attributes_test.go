package domain

import "testing"

// TestStorableMessages words the refusal of 4-byte characters as
// Glance's database layer does, naming the attribute as Python's
// str.title() spells it.
func TestStorableMessages(t *testing.T) {
	const emoji = "\U0001F600"
	cases := []struct {
		err  error
		want string
	}{
		{CheckStorableValue("name", "a"+emoji), "Name can't contain 4 byte unicode characters."},
		{CheckStorableValue("os_distro", emoji), "Os_Distro can't contain 4 byte unicode characters."},
		{CheckStorableValue("hw_disk_bus2x", emoji), "Hw_Disk_Bus2X can't contain 4 byte unicode characters."},
		{CheckStorableValue("ÉTÉ été", emoji), "Été Été can't contain 4 byte unicode characters."},
		{CheckStorableName("p" + emoji), "Property names can't contain 4 byte unicode."},
		{CheckStorableParam(emoji), "Param values can't contain 4 byte unicode."},
		{CheckStorableParam("a\xffb"), "Value is not valid UTF-8."},
	}
	for _, c := range cases {
		if !IsKind(c.err, KindInvalid) || ErrorMessage(c.err) != c.want {
			t.Errorf("got %v, want Invalid %q", c.err, c.want)
		}
	}
	for _, ok := range []string{"", "plain", "é中文", "\uFFFF"} {
		if err := CheckStorableValue("name", ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
}
