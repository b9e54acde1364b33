package domain

import (
	"encoding/json"
	"fmt"
	"math"
	"unicode/utf8"
)

// ChangeOp is a JSON-patch operation Glance supports.
type ChangeOp string

// Supported operations.
const (
	OpAdd     ChangeOp = "add"
	OpReplace ChangeOp = "replace"
	OpRemove  ChangeOp = "remove"
)

// Change is one decoded operation of a PATCH request.
type Change struct {
	Op ChangeOp
	// Path holds the decoded JSON-pointer segments: one for attributes and
	// properties, two for /locations/N.
	Path []string
	// Value is the decoded JSON value (numbers as json.Number).
	Value any
	// StrictAdd is set for the draft-4 media type, where adding an
	// attribute that is already present is a conflict.
	StrictAdd bool
}

// Apply performs c on the image: Forbidden for read-only,
// reserved or non-removable attributes, Conflict for replacing or
// removing a property that does not exist, Invalid for bad values.
func (img *Image) Apply(c Change) error {
	root := c.Path[0]
	if root == "locations" {
		return Errorf(KindForbidden, "It's not allowed to update locations if locations are invisible.")
	}
	if err := CheckWritable(root); err != nil {
		return err
	}
	base := IsBase(root)
	if !base {
		if err := CheckStorableName(root); err != nil {
			return err
		}
	}
	_, exists := img.Properties.Get(root)
	switch c.Op {
	case OpRemove:
		if base {
			return Errorf(KindForbidden, "Property %s may not be removed.", root)
		}
		if !img.Properties.Delete(root) {
			return Detailf(KindConflict, "Property %s does not exist.", root)
		}
		return nil
	case OpReplace:
		if !base && !exists {
			return Detailf(KindConflict, "Property %s does not exist.", root)
		}
	case OpAdd:
		if c.StrictAdd && (base || exists) {
			return Detailf(KindConflict, "Property %s already present.", root)
		}
	default:
		return Errorf(KindInvalid, "Invalid operation: `%s`. It must be one of the following: add, remove, replace.", c.Op)
	}
	if base {
		return img.setBase(root, c.Value)
	}
	s, ok := c.Value.(string)
	if !ok {
		return Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not of type 'string'", jsonText(c.Value))
	}
	if err := CheckStorableValue(root, s); err != nil {
		return err
	}
	img.Properties.Set(root, s)
	return nil
}

// setBase sets one core attribute from a decoded JSON value.
func (img *Image) setBase(name string, v any) error {
	switch name {
	case "name", "owner":
		s, err := nullableString(name, v, 255)
		if err != nil {
			return err
		}
		if name == "name" {
			img.Name = s
		} else {
			if s != nil && *s == "" {
				s = nil
			}
			img.Owner = s
		}
	case "visibility":
		s, _ := v.(string)
		if !Visibility(s).Valid() {
			return Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not one of ['community', 'public', 'private', 'shared']", jsonText(v))
		}
		img.Visibility = Visibility(s)
	case "protected", "os_hidden":
		b, ok := v.(bool)
		if !ok {
			return Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not of type 'boolean'", jsonText(v))
		}
		if name == "protected" {
			img.Protected = b
		} else {
			img.Hidden = b
		}
	case "min_disk", "min_ram":
		n, err := intValue(name, v)
		if err != nil {
			return err
		}
		if name == "min_disk" {
			img.MinDisk = n
		} else {
			img.MinRAM = n
		}
	case "container_format", "disk_format":
		if img.Status != StatusQueued && img.Status != StatusImporting {
			return Errorf(KindForbidden, "Attribute %s can be only replaced for a queued image.", name)
		}
		s, err := nullableString(name, v, 20)
		if err != nil {
			return err
		}
		if name == "container_format" {
			img.ContainerFormat = s
		} else {
			img.DiskFormat = s
		}
	case "tags":
		list, ok := v.([]any)
		if !ok {
			return Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not of type 'array'", jsonText(v))
		}
		tags := make([]string, 0, len(list))
		// Every tag is checked before any is kept; SetTags drops
		// duplicates with a set, so a long list costs linear time.
		for _, t := range list {
			s, ok := t.(string)
			if !ok {
				return Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not of type 'string'", jsonText(t))
			}
			if err := CheckTag(s); err != nil {
				return err
			}
			tags = append(tags, s)
		}
		img.SetTags(tags)
	}
	return nil
}

// CheckTag returns Invalid for a tag Glance would refuse.
func CheckTag(tag string) error {
	if utf8.RuneCountInString(tag) > 255 {
		return Errorf(KindInvalid, "Provided object does not match schema 'image': '%s' is too long", tag)
	}
	return CheckStorableParam(tag)
}

func nullableString(name string, v any, max int) (*string, error) {
	if v == nil {
		return nil, nil
	}
	s, ok := v.(string)
	if !ok {
		return nil, Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not of type 'null', 'string'", jsonText(v))
	}
	if utf8.RuneCountInString(s) > max {
		return nil, Errorf(KindInvalid, "Provided object does not match schema 'image': %s is too long", jsonText(v))
	}
	if err := CheckStorableValue(name, s); err != nil {
		return nil, err
	}
	return &s, nil
}

func intValue(name string, v any) (int, error) {
	var n int64
	switch x := v.(type) {
	case json.Number:
		i, err := x.Int64()
		if err != nil {
			return 0, Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not of type 'integer'", x)
		}
		n = i
	case int:
		n = int64(x)
	case int64:
		n = x
	case float64:
		if x != math.Trunc(x) {
			return 0, Errorf(KindInvalid, "Provided object does not match schema 'image': %v is not of type 'integer'", x)
		}
		n = int64(x)
	default:
		return 0, Errorf(KindInvalid, "Provided object does not match schema 'image': %s is not of type 'integer'", jsonText(v))
	}
	if n < 0 {
		return 0, Errorf(KindInvalid, "Invalid value '%d' for parameter '%s': Cannot be a negative value", n, name)
	}
	if n > math.MaxInt32 {
		return 0, Errorf(KindInvalid, "'%s' value out of range, must not exceed %d", name, math.MaxInt32)
	}
	return int(n), nil
}

// jsonText renders v for messages, as Glance quotes values.
func jsonText(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case string:
		return "'" + x + "'"
	case bool:
		if x {
			return "True"
		}
		return "False"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
