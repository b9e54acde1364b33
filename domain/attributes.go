package domain

import (
	"strings"
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

// IsReadOnly reports whether attribute name is server-managed.
func IsReadOnly(name string) bool { return contains(readOnlyAttributes, name) }

// IsReserved reports whether name may never be set by users.
func IsReserved(name string) bool {
	return contains(reservedAttributes, name) || strings.HasPrefix(name, ReservedPrefix)
}

// IsBase reports whether name is a core attribute users may set.
func IsBase(name string) bool { return contains(BaseAttributes, name) }

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

// CheckStorable returns Invalid for strings the database cannot hold:
// Glance's tables are utf8 (3-byte), so 4-byte characters are refused.
func CheckStorable(s string) error {
	if !utf8.ValidString(s) {
		return Errorf(KindInvalid, "Value is not valid UTF-8.")
	}
	for _, r := range s {
		if r > 0xFFFF {
			return Errorf(KindInvalid, "4 byte unicode characters are not supported.")
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
