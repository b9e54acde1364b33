package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Attribute classes of the image API (Glance's images controller).
var (
	// readOnlyAttributes are server-managed: setting them is Forbidden.
	readOnlyAttributes = []string{"checksum", "os_hash_algo", "os_hash_value", "created_at",
		"size", "virtual_size", "status", "updated_at", "direct_url", "self", "file", "schema", "id", "stores"}
	// reservedAttributes may never be set by users.
	reservedAttributes = []string{"location", "deleted", "deleted_at"}
	// BaseAttributes are the core attributes users may set.
	BaseAttributes = []string{"name", "visibility", "protected", "os_hidden", "min_disk",
		"min_ram", "container_format", "disk_format", "tags", "owner"}
)

// ReservedPrefix starts the names of properties only the service may set.
const ReservedPrefix = "os_glance"

// The classes as sets: a create body may name 160,000 attributes.
var (
	readOnlySet = setOf(readOnlyAttributes)
	reservedSet = setOf(reservedAttributes)
	baseSet     = setOf(BaseAttributes)
)

func setOf(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// IsReadOnly reports whether attribute name is server-managed.
func IsReadOnly(name string) bool { return readOnlySet[name] }

// IsReserved reports whether name may never be set by users.
func IsReserved(name string) bool {
	return reservedSet[name] || strings.HasPrefix(name, ReservedPrefix)
}

// IsBase reports whether name is a core attribute users may set.
func IsBase(name string) bool { return baseSet[name] }

// CheckWritable returns Forbidden when a user may not set attribute name,
// with Glance's wording.
func CheckWritable(name string) error {
	switch {
	case IsReadOnly(name):
		return Errorf(KindForbidden, "Attribute '%s' is read-only.", name)
	case IsReserved(name):
		return Errorf(KindForbidden, "Attribute '%s' is reserved.", name)
	}
	return nil
}

// Glance's tables are utf8 (3 bytes a character), so its database layer
// refuses 4-byte characters, with one message for property names, one
// naming the attribute for values and one for other parameters (tags).
// Invalid UTF-8 cannot be stored either.

// CheckStorableName returns Invalid for a property name the database
// cannot hold.
func CheckStorableName(name string) error {
	return checkStorable(name, "Property names can't contain 4 byte unicode.")
}

// CheckStorableValue returns Invalid for a value of attribute attr that
// the database cannot hold.
func CheckStorableValue(attr, value string) error {
	return checkStorable(value, titleCase(attr)+" can't contain 4 byte unicode characters.")
}

// CheckStorableParam returns Invalid for a tag the database cannot hold.
func CheckStorableParam(s string) error {
	return checkStorable(s, "Param values can't contain 4 byte unicode.")
}

func checkStorable(s, msg string) error {
	for i := 0; i < len(s); i++ {
		if s[i] < utf8.RuneSelf {
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return Errorf(KindInvalid, "Value is not valid UTF-8.")
		}
		if size == 4 {
			return Errorf(KindInvalid, "%s", msg)
		}
		i += size - 1
	}
	return nil
}

// titleCase is Python's str.title: a letter is upper case after a
// character that is not a letter, lower case after one that is.
func titleCase(s string) string {
	var b strings.Builder
	prevLetter := false
	for _, r := range s {
		letter := unicode.IsLetter(r)
		switch {
		case letter && prevLetter:
			b.WriteRune(unicode.ToLower(r))
		case letter:
			b.WriteRune(unicode.ToTitle(r))
		default:
			b.WriteRune(r)
		}
		prevLetter = letter
	}
	return b.String()
}
