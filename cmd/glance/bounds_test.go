package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// jsonList is n distinct short strings as a JSON array, plus extra
// elements (raw JSON) at the end.
func jsonList(prefix string, n int, extra ...string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + prefix + strconv.FormatInt(int64(i), 36) + `"`)
	}
	for _, e := range extra {
		b.WriteString("," + e)
	}
	b.WriteByte(']')
	return b.String()
}

// manyProperties is a create body with n short additional properties.
func manyProperties(n int, extra string) string {
	var b strings.Builder
	b.WriteString(`{"name":"x"`)
	for i := range n {
		b.WriteString(`,"p` + strconv.FormatInt(int64(i), 36) + `":"v"`)
	}
	return b.String() + extra + "}"
}

// manyOperations is a patch adding n distinct properties.
func manyOperations(n int) string {
	ops := make([]string, n)
	for i := range ops {
		ops[i] = `{"op":"add","path":"/p` + strconv.FormatInt(int64(i), 36) + `","value":""}`
	}
	return "[" + strings.Join(ops, ",") + "]"
}

// TestHostileBodies sends the largest bodies a client can make under
// the 4 MiB request limit (160,000 tags, 160,000 properties, 100,000
// patch operations, 2 million array elements, deep nesting, a 4 MiB
// string) and checks that each gets Glance's answer, checked in Glance's
// order (read-only, schema, names, then quotas), and leaves nothing
// behind. Before the counts were checked first, the tag and property
// bodies took minutes of CPU each.
func TestHostileBodies(t *testing.T) {
	a := api{base: MustStartServer(t, "")}
	target := a.create(t, `{"name":"target"}`)
	tags160k := jsonList("t", 160_000)
	numbers := "[" + strings.Repeat("1,", 2_000_000) + "1]"
	create := func(name, body string, status int, msg string) errCase {
		return errCase{name: name, method: "POST", path: "/v2/images", header: jsonType, body: body, status: status, msg: msg}
	}
	patch := func(name, body string, status int, msg string) errCase {
		return errCase{name: name, method: "PATCH", path: "/v2/images/" + target.ID, header: patchType, body: body, status: status, msg: msg}
	}
	runErrCases(t, a, []errCase{
		create("160k tags", `{"name":"x","tags":`+tags160k+`}`, 413,
			"The limit has been exceeded on the number of allowed image tags. Attempted: 160000, Maximum: 128"),
		// The schema is checked before the quota, over every tag.
		create("160k tags, the last one a number", `{"name":"x","tags":`+jsonList("t", 160_000, "1")+`}`, 400,
			"Provided object does not match schema 'image': 1 is not of type 'string'"),
		create("160k tags, the last one too long", `{"name":"x","tags":`+jsonList("t", 160_000, `"`+strings.Repeat("a", 256)+`"`)+`}`, 400,
			"is too long"),
		create("160k tags and a reserved property", `{"name":"x","tags":`+tags160k+`,"os_glance_x":"y"}`, 403,
			"Attribute 'os_glance_x' is reserved."),
		create("160k tags and a read-only attribute", `{"tags":`+tags160k+`,"self":"y"}`, 403,
			"Attribute 'self' is read-only."),
		// Glance counts the tags as sent, duplicates included.
		create("129 copies of one tag", `{"tags":[`+strings.TrimSuffix(strings.Repeat(`"a",`, 129), ",")+`]}`, 413,
			"Attempted: 129, Maximum: 128"),
		create("160k properties", manyProperties(160_000, ""), 413,
			"The limit has been exceeded on the number of allowed image properties. Attempted: 160000, Maximum: 128"),
		create("160k properties, one repeated", manyProperties(160_000, `,"p0":"w"`), 413,
			"Attempted: 160000, Maximum: 128"),
		create("160k properties and a number", manyProperties(160_000, `,"zz":7`), 400,
			"Provided object does not match schema 'image': 7 is not of type 'string'"),
		create("160k properties and a long name", manyProperties(160_000, `,"`+strings.Repeat("n", 256)+`":"v"`), 400,
			"Custom property should not be greater than 255 characters."),
		create("2M numbers in a property", `{"name":"x","numbers":`+numbers+`}`, 400,
			"Provided object does not match schema 'image': [1, 1, 1"),
		create("1M objects in a property", `{"objects":[`+strings.Repeat("{},", 1_000_000)+`{}]}`, 400,
			"is not of type 'string'"),
		create("2M numbers as the name", `{"name":`+numbers+`}`, 400,
			"is not of type 'null', 'string'"),
		create("150k locations", `{"locations":[`+strings.Repeat(`{"url":"a","metadata":{}},`, 150_000)+`{"url":"a","metadata":{}}]}`, 403,
			"Attribute 'locations' is reserved."),
		create("2M levels of nesting", `{"name":`+strings.Repeat("[", 2_000_000)+strings.Repeat("]", 2_000_000)+`}`, 400,
			"Malformed JSON in request body."),
		create("4 MiB name", `{"name":"`+strings.Repeat("a", 4<<20-20)+`"}`, 400,
			"is too long"),
		patch("100k operations", manyOperations(100_000), 413,
			"Attempted: 100000, Maximum: 276"),
		patch("replace tags with 160k", `[{"op":"replace","path":"/tags","value":`+tags160k+`}]`, 413,
			"The limit has been exceeded on the number of allowed image tags. Attempted: 160000, Maximum: 128"),
		patch("replace tags with 160k, one a number", `[{"op":"replace","path":"/tags","value":`+jsonList("t", 160_000, "1")+`}]`, 400,
			"1 is not of type 'string'"),
		patch("a property of 2M numbers", `[{"op":"add","path":"/numbers","value":`+numbers+`}]`, 400,
			"is not of type 'string'"),
		patch("2M levels of nesting", `[{"op":"add","path":"/x","value":`+strings.Repeat("[", 2_000_000)+strings.Repeat("]", 2_000_000)+`}]`, 400,
			"Malformed JSON in request body."),
	})
	if p := a.list(t, "/v2/images"); len(p.Images) != 1 {
		t.Errorf("refused creates left images behind: %v", p.names())
	}
	if img := a.get(t, target.ID); len(img.Tags) != 0 || img.name() != "target" {
		t.Errorf("refused patches changed the image: %+v", img)
	}
}

// TestPatchOperationsUpToTheLimit accepts a patch as long as the limit:
// every property the quota allows, removed and added again.
func TestPatchOperationsUpToTheLimit(t *testing.T) {
	a := api{base: MustStartServer(t, "[DEFAULT]\nimage_property_quota = 3\n")}
	img := a.create(t, `{"name":"x","a":"1","b":"1","c":"1"}`)
	var ops []string
	for _, p := range []string{"a", "b", "c"} {
		ops = append(ops, `{"op":"remove","path":"/`+p+`"}`, `{"op":"add","path":"/`+p+`","value":"2"}`)
	}
	for range 2 * 10 { // the base attributes: here, name over and over
		ops = append(ops, `{"op":"replace","path":"/name","value":"y"}`)
	}
	body := "[" + strings.Join(ops, ",") + "]"
	resp, b := a.do(t, "PATCH", "/v2/images/"+img.ID, patchType, body)
	mustStatus(t, "patch of 26 operations", resp, b, http.StatusOK)
	resp, b = a.do(t, "PATCH", "/v2/images/"+img.ID, patchType, "["+strings.Join(ops, ",")+`,{"op":"remove","path":"/a"}]`)
	mustStatus(t, "patch of 27 operations", resp, b, http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(b), "Attempted: 27, Maximum: 26") {
		t.Errorf("413 body: %s", b)
	}
}

// TestNoLimitWithoutQuota keeps Glance's unlimited meaning of a negative
// quota: large counts are accepted, and stored once each.
func TestNoLimitWithoutQuota(t *testing.T) {
	a := api{base: MustStartServer(t, "[DEFAULT]\nimage_tag_quota = -1\nimage_property_quota = -1\n")}
	tags := jsonList("t", 5000, `"t0"`)
	img := a.create(t, fmt.Sprintf(`{"name":"x","tags":%s}`, tags))
	if len(img.Tags) != 5000 {
		t.Errorf("%d tags stored, want 5000 (one duplicate dropped)", len(img.Tags))
	}
	resp, b := a.do(t, "PATCH", "/v2/images/"+img.ID, patchType, manyOperations(600))
	mustStatus(t, "patch of 600 operations", resp, b, http.StatusOK)
}
