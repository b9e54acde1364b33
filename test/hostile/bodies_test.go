package hostile

import (
	"bytes"
	"strconv"
	"strings"
)

// maxBody is the gateway's limit on JSON request bodies (4 MiB): every
// body here stays under it, so the server must parse it to refuse it.
const maxBody = 4 << 20

// Content types of the requests.
const (
	jsonType  = "application/json"
	patchType = "application/openstack-images-v2.1-json-patch"
)

// hostileBody is one worst-case request: the most work a client can ask
// for in one body under the size limit.
type hostileBody struct {
	name   string
	method string // POST /v2/images, or PATCH of an image
	ctype  string
	body   []byte
}

// shortName is the n-th of many distinct, short names.
func shortName(prefix string, n int) string { return prefix + strconv.FormatInt(int64(n), 36) }

// jsonStrings writes n distinct short strings as a JSON array.
func jsonStrings(b *bytes.Buffer, prefix string, n int) {
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + shortName(prefix, i) + `"`)
	}
	b.WriteByte(']')
}

// hostileBodies are the worst cases a client can send under the request
// size limit.
func hostileBodies() []hostileBody {
	var cases []hostileBody
	add := func(name, method, ctype string, build func(b *bytes.Buffer)) {
		var b bytes.Buffer
		build(&b)
		if b.Len() > maxBody {
			panic(name + ": body over the size limit")
		}
		cases = append(cases, hostileBody{name, method, ctype, b.Bytes()})
	}
	add("create-160k-tags", "POST", jsonType, func(b *bytes.Buffer) {
		b.WriteString(`{"name":"x","tags":`)
		jsonStrings(b, "t", 160_000)
		b.WriteString(`}`)
	})
	add("create-160k-properties", "POST", jsonType, func(b *bytes.Buffer) {
		b.WriteString(`{"name":"x"`)
		for i := range 160_000 {
			b.WriteString(`,"` + shortName("p", i) + `":"v"`)
		}
		b.WriteString(`}`)
	})
	add("create-2M-numbers-property", "POST", jsonType, func(b *bytes.Buffer) {
		b.WriteString(`{"name":"x","numbers":[`)
		b.WriteString(strings.Repeat("1,", 2_000_000))
		b.WriteString(`1]}`)
	})
	add("create-1M-objects-property", "POST", jsonType, func(b *bytes.Buffer) {
		b.WriteString(`{"name":"x","objects":[`)
		b.WriteString(strings.Repeat("{},", 1_300_000))
		b.WriteString(`{}]}`)
	})
	add("create-100k-locations", "POST", jsonType, func(b *bytes.Buffer) {
		b.WriteString(`{"name":"x","locations":[`)
		b.WriteString(strings.Repeat(`{"url":"a","metadata":{}},`, 150_000))
		b.WriteString(`{"url":"a","metadata":{}}]}`)
	})
	add("create-2M-deep-nesting", "POST", jsonType, func(b *bytes.Buffer) {
		const depth = 2_000_000
		b.WriteString(`{"name":`)
		b.WriteString(strings.Repeat("[", depth))
		b.WriteString(strings.Repeat("]", depth))
		b.WriteString(`}`)
	})
	add("create-4MiB-name", "POST", jsonType, func(b *bytes.Buffer) {
		b.WriteString(`{"name":"`)
		b.WriteString(strings.Repeat("a", maxBody-20))
		b.WriteString(`"}`)
	})
	add("patch-100k-operations", "PATCH", patchType, func(b *bytes.Buffer) {
		b.WriteByte('[')
		for i := range 100_000 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"op":"add","path":"/` + shortName("p", i) + `","value":""}`)
		}
		b.WriteByte(']')
	})
	add("patch-160k-tags", "PATCH", patchType, func(b *bytes.Buffer) {
		b.WriteString(`[{"op":"replace","path":"/tags","value":`)
		jsonStrings(b, "t", 160_000)
		b.WriteString(`}]`)
	})
	add("patch-2M-numbers-property", "PATCH", patchType, func(b *bytes.Buffer) {
		b.WriteString(`[{"op":"add","path":"/numbers","value":[`)
		b.WriteString(strings.Repeat("1,", 2_000_000))
		b.WriteString(`1]}]`)
	})
	return cases
}
