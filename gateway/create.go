package gateway

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
)

// disallowedOnCreate are shown attributes a create body may not carry.
var disallowedOnCreate = []string{"direct_url", "self", "file", "schema", "stores"}

// createScan is what one pass over a create body finds before any item
// is decoded: enough to answer as Glance would, in its order, whatever
// the body holds.
type createScan struct {
	disallowed [5]bool // by index in disallowedOnCreate
	// known holds the members the image schema names, decoded; a huge
	// value is cut short (it can only fail the schema).
	known map[string]any
	// bigTags is a tags array too long to decode before it is counted.
	bigTags []byte
	// badExtra is the schema error of the first additional property
	// that is not a string; badName the first property name refused.
	badExtra, badName error
	names             nameSet
}

// readNewImage checks a create body in one pass and in Glance's order:
// malformed JSON (400), a body that is not an object (400), read-only attributes (403), the schema (400),
// property names (400, 403), then the tag and property quotas (413),
// and only then decodes its items.
func (s *Server) readNewImage(raw []byte) (domain.NewImage, error) {
	sc := createScan{known: map[string]any{}}
	var visit func(string, []byte, int)
	if schemas.KindOf(raw) == schemas.KindObject {
		visit = func(key string, v []byte, n int) { s.scanMember(&sc, key, v, n) }
	}
	shape, err := scanJSON(raw, visit)
	if err != nil {
		return domain.NewImage{}, err
	}
	if shape.Kind != schemas.KindObject {
		return domain.NewImage{}, newHTTPError(http.StatusBadRequest, "The request body must be a JSON object.")
	}
	for i, k := range disallowedOnCreate {
		if sc.disallowed[i] {
			return domain.NewImage{}, domain.Errorf(domain.KindForbidden, "Attribute '%s' is read-only.", k)
		}
	}
	if err := s.cfg.Schemas.ValidateImage(sc.known); err != nil {
		return domain.NewImage{}, err
	}
	tagCount := 0
	if sc.bigTags != nil {
		n, err := s.checkTagList(sc.bigTags)
		if err != nil {
			return domain.NewImage{}, err
		}
		tagCount = n
	} else if tags, ok := sc.known["tags"].([]any); ok {
		tagCount = len(tags)
	}
	if sc.badExtra != nil {
		return domain.NewImage{}, sc.badExtra
	}
	if sc.badName != nil {
		return domain.NewImage{}, sc.badName
	}
	if q := s.cfg.Quotas; q != nil {
		if domain.OverQuota(tagCount, q.Tags) {
			return domain.NewImage{}, domain.TagLimitError(tagCount, q.Tags)
		}
		// Only more names than the quota can be too many distinct ones.
		if domain.OverQuota(len(sc.names.hashes), q.Properties) {
			if n := sc.names.count(); domain.OverQuota(n, q.Properties) {
				return domain.NewImage{}, domain.PropertyLimitError(n, q.Properties)
			}
		}
	}
	return newImageRequest(raw, sc, tagCount)
}

// scanMember notes one member of a create body.
func (s *Server) scanMember(sc *createScan, key string, v []byte, n int) {
	known := s.cfg.Schemas.ImageProperty(key)
	if i := slices.Index(disallowedOnCreate, key); known && i >= 0 {
		sc.disallowed[i] = true
	}
	if !known || !domain.IsBase(key) && key != "id" {
		sc.names.add(key)
		if sc.badName == nil {
			sc.badName = checkPropertyName(key)
		}
	}
	if known {
		if key == "tags" && schemas.KindOf(v) == schemas.KindArray && n > smallValues {
			sc.bigTags = v
			delete(sc.known, key)
			return
		}
		sc.known[key], _ = schemas.Decode(v, smallValues)
		if key == "tags" {
			sc.bigTags = nil
		}
		return
	}
	if sc.badExtra == nil && schemas.KindOf(v) != schemas.KindString {
		val, _ := schemas.Decode(v, smallValues)
		sc.badExtra = s.cfg.Schemas.ValidateImage(map[string]any{key: val})
	}
}

// checkPropertyName applies Glance's checks on the name of a property
// given on create.
func checkPropertyName(k string) error {
	if utf8.RuneCountInString(k) > 255 {
		return domain.Errorf(domain.KindInvalid, "Custom property should not be greater than 255 characters.")
	}
	if k == "locations" {
		return domain.Errorf(domain.KindForbidden, "Attribute '%s' is reserved.", k)
	}
	return domain.CheckWritable(k)
}

// newImageRequest decodes a checked create body into core attributes,
// tags and additional properties, in body order (a repeated key keeps
// its first place and its last value, as in Glance's dict).
func newImageRequest(raw []byte, sc createScan, tagCount int) (domain.NewImage, error) {
	var req domain.NewImage
	at := map[string]int{}
	err := schemas.Members(raw, func(k string, raw []byte, _ int) error {
		v, known := sc.known[k]
		switch k {
		case "id":
			req.ID = strings.ToLower(v.(string))
		case "name":
			req.Name = optString(v)
		case "visibility":
			req.Visibility = domain.Visibility(v.(string))
		case "protected":
			req.Protected = v.(bool)
		case "os_hidden":
			req.Hidden = v.(bool)
		case "min_disk", "min_ram":
			n, err := v.(json.Number).Int64()
			if err != nil || n < 0 || n > 1<<31-1 {
				return domain.Errorf(domain.KindInvalid, "Invalid value '%s' for parameter '%s': Cannot be a negative value", v, k)
			}
			if k == "min_disk" {
				req.MinDisk = int(n)
			} else {
				req.MinRAM = int(n)
			}
		case "container_format":
			req.ContainerFormat = optString(v)
		case "disk_format":
			req.DiskFormat = optString(v)
		case "owner":
			req.Owner = optString(v)
		case "tags":
			if sc.bigTags != nil {
				req.Tags = decodeTags(sc.bigTags, tagCount)
				break
			}
			req.Tags = make([]string, 0, tagCount)
			for _, t := range v.([]any) {
				req.Tags = append(req.Tags, t.(string))
			}
		default:
			value := ""
			if known {
				value, _ = v.(string)
			} else {
				value = schemas.StringValue(raw)
			}
			if i, seen := at[k]; seen {
				req.Properties[i].Value = value
				break
			}
			at[k] = len(req.Properties)
			req.Properties = append(req.Properties, domain.Property{Name: k, Value: value})
		}
		return nil
	})
	return req, err
}

func optString(v any) *string {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return &s
}
