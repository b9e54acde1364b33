package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

//go:embed data/*.json
var data embed.FS

// Options are the deployment choices that change the served schemas.
type Options struct {
	// DiskFormats and ContainerFormats are [image_format] disk_formats
	// and container_formats: the enums of those attributes.
	DiskFormats      []string
	ContainerFormats []string
}

// Set is the schemas of one deployment, encoded once.
type Set struct {
	docs  map[string][]byte
	image *jsonschema.Schema
	// imageProps are the attributes the image schema names; others are
	// additional properties, which must be strings.
	imageProps map[string]bool
}

// static are the documents served as stored.
var static = []string{"member", "members", "task", "tasks",
	"metadefs/namespace", "metadefs/namespaces", "metadefs/resource_type", "metadefs/resource_types",
	"metadefs/property", "metadefs/properties", "metadefs/object", "metadefs/objects",
	"metadefs/tag", "metadefs/tags"}

// New builds the schema set for opts.
func New(opts Options) (*Set, error) {
	s := &Set{docs: map[string][]byte{}}
	for _, name := range static {
		raw, err := data.ReadFile("data/" + strings.ReplaceAll(name, "/", "-") + ".json")
		if err != nil {
			return nil, err
		}
		s.docs[name] = bytes.TrimSpace(raw)
	}
	image, err := imageSchema(opts)
	if err != nil {
		return nil, err
	}
	s.docs["image"] = Encode(image)
	s.imageProps = map[string]bool{}
	if props, ok := image.Get("properties"); ok {
		for _, f := range props.(Object) {
			s.imageProps[f.Key] = true
		}
	}
	s.docs["images"] = Encode(Object{
		{"name", "images"},
		{"properties", Object{
			{"images", Object{{"type", "array"}, {"items", image}}},
			{"first", Object{{"type", "string"}}},
			{"next", Object{{"type", "string"}}},
			{"schema", Object{{"type", "string"}}},
		}},
		{"links", []any{
			Object{{"rel", "first"}, {"href", "{first}"}},
			Object{{"rel", "next"}, {"href", "{next}"}},
			Object{{"rel", "describedby"}, {"href", "{schema}"}},
		}},
	})
	if s.image, err = compile("image", s.docs["image"]); err != nil {
		return nil, err
	}
	return s, nil
}

// imageSchema loads the image schema and sets the format enums.
func imageSchema(opts Options) (Object, error) {
	raw, err := data.ReadFile("data/image.json")
	if err != nil {
		return nil, err
	}
	v, err := Parse(raw)
	if err != nil {
		return nil, err
	}
	image := v.(Object)
	propsV, _ := image.Get("properties")
	props := propsV.(Object)
	for attr, values := range map[string][]string{"disk_format": opts.DiskFormats, "container_format": opts.ContainerFormats} {
		if values == nil {
			continue
		}
		pv, _ := props.Get(attr)
		p := pv.(Object)
		enum := []any{nil}
		for _, f := range values {
			enum = append(enum, f)
		}
		p.Set("enum", enum)
	}
	return image, nil
}

func compile(name string, doc []byte) (*jsonschema.Schema, error) {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	url := "mem:///" + name + ".json"
	if err := c.AddResource(url, v); err != nil {
		return nil, err
	}
	return c.Compile(url)
}

// Document returns the served text of schema name ("image", "members",
// "metadefs/tags", ...).
func (s *Set) Document(name string) ([]byte, bool) {
	b, ok := s.docs[name]
	return b, ok
}

// ValidationError is a body that does not match its schema. Its message
// is worded as Glance words it.
type ValidationError struct{ Message string }

func (e *ValidationError) Error() string { return e.Message }

// ValidateImage checks a decoded image body (numbers as json.Number)
// against the image schema.
func (s *Set) ValidateImage(body map[string]any) error {
	return validate(s.image, "image", body)
}

// ImageProperty reports whether the image schema names attribute name;
// every other attribute is an additional property, a string.
func (s *Set) ImageProperty(name string) bool { return s.imageProps[name] }

func validate(sch *jsonschema.Schema, name string, v any) error {
	err := sch.Validate(v)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return &ValidationError{Message: err.Error()}
	}
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return &ValidationError{Message: fmt.Sprintf("Provided object does not match schema '%s': %s", name, describe(ve, v))}
}

// describe words one validation failure as Python's jsonschema does.
func describe(ve *jsonschema.ValidationError, root any) string {
	got := lookup(root, ve.InstanceLocation)
	switch k := ve.ErrorKind.(type) {
	case *kind.Enum:
		return fmt.Sprintf("%s is not one of %s", repr(got), repr(k.Want))
	case *kind.MaxLength:
		return fmt.Sprintf("%s is too long", repr(got))
	case *kind.MinLength:
		return fmt.Sprintf("%s is too short", repr(got))
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = "'" + w + "'"
		}
		return fmt.Sprintf("%s is not of type %s", repr(got), strings.Join(want, ", "))
	case *kind.Pattern:
		return fmt.Sprintf("%s does not match %s", repr(got), repr(k.Want))
	case *kind.Required:
		return fmt.Sprintf("%s is a required property", repr(k.Missing[0]))
	case *kind.AdditionalProperties:
		return fmt.Sprintf("Additional properties are not allowed (%s was unexpected)", repr(k.Properties[0]))
	}
	return fmt.Sprintf("%s at %s", ve.ErrorKind.LocalizedString(nil), "/"+path.Join(ve.InstanceLocation...))
}

func lookup(v any, loc []string) any {
	for _, seg := range loc {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			var i int
			fmt.Sscan(seg, &i)
			if i >= 0 && i < len(x) {
				v = x[i]
			}
		}
	}
	return v
}

// DecodeBody decodes a JSON request body the way validation expects it.
func DecodeBody(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}
