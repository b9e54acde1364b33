package gateway

import (
	"hash/maphash"

	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/schemas"
)

// Quotas are the counts Glance limits per image: image_tag_quota and
// image_property_quota (negative: unlimited). The gateway checks them
// against what a body holds before it decodes the items one by one; the
// image service stays the authority on them.
type Quotas struct {
	Tags       int
	Properties int
}

// maxPatchOperations bounds the operations of one PATCH. Glance sets no
// limit, but a patch that touches more attributes than an image can hold
// (every property and base attribute, removed then added again) can only
// fail or repeat itself, so it is refused before any is parsed. With no
// property quota there is no bound but the body size.
func (q *Quotas) maxPatchOperations() int {
	if q == nil || q.Properties < 0 {
		return -1
	}
	return 2 * (q.Properties + len(domain.BaseAttributes))
}

// maxTagLength is the image schema's maxLength of a tag.
const maxTagLength = 255

// checkTagList checks a tags array too long to decode first, element by
// element in place, as the schema would (strings of at most 255
// characters), and returns its length.
func (s *Server) checkTagList(raw []byte) (int, error) {
	n := 0
	err := schemas.Elements(raw, func(v []byte, _ int) error {
		n++
		if schemas.KindOf(v) == schemas.KindString && schemas.StringLen(v) <= maxTagLength {
			return nil
		}
		elem, _ := schemas.Decode(v, smallValues)
		return s.cfg.Schemas.ValidateImage(map[string]any{"tags": []any{elem}})
	})
	return n, err
}

// decodeTags decodes a tags array that checkTagList accepted.
func decodeTags(raw []byte, n int) []string {
	tags := make([]string, 0, n)
	_ = schemas.Elements(raw, func(v []byte, _ int) error {
		tags = append(tags, schemas.StringValue(v))
		return nil
	})
	return tags
}

// nameSet counts distinct names by their 64-bit hashes: a few bytes a
// name, where a set of the names would copy them all.
type nameSet struct{ hashes []uint64 }

var nameSeed = maphash.MakeSeed()

func (n *nameSet) add(name string) { n.hashes = append(n.hashes, maphash.String(nameSeed, name)) }

// count puts the hashes in an open-addressing table at most 3/4 full, a
// few nanoseconds each (a sort or a Go map takes several times longer
// for 160,000 names).
func (n *nameSet) count() int {
	size := 1
	for size*3 < len(n.hashes)*4 {
		size <<= 1
	}
	table, mask, distinct := make([]uint64, size), uint64(size-1), 0
	for _, h := range n.hashes {
		h |= 1 // 0 marks an empty slot
		for i := h & mask; ; i = (i + 1) & mask {
			if table[i] == 0 {
				table[i] = h
				distinct++
				break
			}
			if table[i] == h {
				break
			}
		}
	}
	return distinct
}

// tooManyOperations is the 413 for a patch over maxPatchOperations,
// worded as Glance's quota errors.
func tooManyOperations(attempted, maximum int) error {
	return domain.Errorf(domain.KindTooLarge, "The limit has been exceeded on the number of operations in one patch. Attempted: %d, Maximum: %d", attempted, maximum)
}
