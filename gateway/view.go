package gateway

import (
	"strconv"
	"strings"
	"time"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
)

// hiddenProperties are reserved properties never shown to clients.
var hiddenProperties = map[string]bool{"os_glance_stage_host": true, "os_glance_hash_op_host": true}

// appendImage writes img as Glance shows it: additional properties first,
// then the core attributes in Glance's order. Hand-rolled because listing
// a thousand images must stay cheap.
func (s *Server) appendImage(b []byte, img *domain.Image) []byte {
	b = append(b, '{')
	for _, p := range img.Properties {
		if hiddenProperties[p.Name] || domain.IsBase(p.Name) || domain.IsReadOnly(p.Name) {
			continue
		}
		b = schemas.AppendString(b, p.Name)
		b = append(b, ": "...)
		b = schemas.AppendString(b, p.Value)
		b = append(b, ", "...)
	}
	b = appendKey(b, "name", true)
	b = appendOptString(b, img.Name)
	b = appendKey(b, "disk_format", false)
	b = appendOptString(b, img.DiskFormat)
	b = appendKey(b, "container_format", false)
	b = appendOptString(b, img.ContainerFormat)
	b = appendKey(b, "visibility", false)
	b = schemas.AppendString(b, string(img.Visibility))
	b = appendKey(b, "size", false)
	b = appendOptInt(b, img.Size)
	b = appendKey(b, "virtual_size", false)
	b = appendOptInt(b, img.VirtualSize)
	b = appendKey(b, "status", false)
	b = schemas.AppendString(b, string(img.Status))
	b = appendKey(b, "checksum", false)
	b = appendOptString(b, img.Checksum)
	b = appendKey(b, "protected", false)
	b = strconv.AppendBool(b, img.Protected)
	b = appendKey(b, "min_ram", false)
	b = strconv.AppendInt(b, int64(img.MinRAM), 10)
	b = appendKey(b, "min_disk", false)
	b = strconv.AppendInt(b, int64(img.MinDisk), 10)
	b = appendKey(b, "owner", false)
	b = appendOptString(b, img.Owner)
	b = appendKey(b, "os_hidden", false)
	b = strconv.AppendBool(b, img.Hidden)
	b = appendKey(b, "os_hash_algo", false)
	b = appendOptString(b, img.HashAlgo)
	b = appendKey(b, "os_hash_value", false)
	b = appendOptString(b, img.HashValue)
	b = appendKey(b, "id", false)
	b = schemas.AppendString(b, img.ID)
	b = appendKey(b, "created_at", false)
	b = appendTime(b, img.CreatedAt)
	b = appendKey(b, "updated_at", false)
	b = appendTime(b, img.UpdatedAt)
	if s.cfg.ShowMultipleLocations {
		b = appendKey(b, "locations", false)
		b = append(b, '[')
		for i, l := range img.Locations {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, `{"url": `...)
			b = schemas.AppendString(b, domain.RedactURL(l.URL))
			b = append(b, `, "metadata": `...)
			b = schemas.AppendJSON(b, l.Metadata)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if s.cfg.ShowDirectURL && len(img.Locations) > 0 {
		// The first location in location_strategy's order is the best.
		u := img.Locations[0].URL
		if s.cfg.DirectURL != nil {
			u = s.cfg.DirectURL(img.Locations[0])
		}
		b = appendKey(b, "direct_url", false)
		b = schemas.AppendString(b, domain.RedactURL(u))
	}
	b = appendKey(b, "tags", false)
	b = schemas.AppendJSON(b, tagList(img.Tags))
	b = appendKey(b, "self", false)
	b = append(b, `"/v2/images/`...)
	b = append(b, img.ID...)
	b = append(b, '"')
	b = appendKey(b, "file", false)
	b = append(b, `"/v2/images/`...)
	b = append(b, img.ID...)
	b = append(b, `/file"`...)
	b = append(b, `, "schema": "/v2/schemas/image"`...)
	if s.cfg.MultiStore {
		var stores []string
		for _, l := range img.Locations {
			if st := l.Store(); st != "" {
				stores = append(stores, st)
			}
		}
		if len(stores) > 0 {
			b = appendKey(b, "stores", false)
			b = schemas.AppendString(b, strings.Join(stores, ","))
		}
	}
	return append(b, '}')
}

func tagList(tags []string) []string {
	if tags == nil {
		return []string{}
	}
	return tags
}

func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ", "...)
	}
	b = append(b, '"')
	b = append(b, key...)
	return append(b, `": `...)
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return schemas.AppendString(b, *s)
}

func appendOptInt(b []byte, n *int64) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *n, 10)
}

// appendTime writes Glance's timestamp form: UTC, seconds, a Z.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, "2006-01-02T15:04:05Z")
	return append(b, '"')
}
