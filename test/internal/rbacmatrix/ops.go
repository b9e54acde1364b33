package rbacmatrix

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// ThirdProject is the project the "member add" operation shares an
// image with: Glance takes any string as a member id.
const ThirdProject = "rbac-matrix-third-project"

// Tag is the tag every image of the matrix carries.
const Tag = "rbac"

// Kind is the image an operation needs.
type Kind string

// The kinds of image; all carry Tag.
const (
	Queued      Kind = "queued"      // no data
	Active      Kind = "active"      // with data
	Deactivated Kind = "deactivated" // with data, deactivated
	Protected   Kind = "protected"   // queued, protected
)

// Op is an operation of the matrix: the request, and Glance's checks
// for it in order.
type Op struct {
	Name string
	// Kind is the image the operation needs.
	Kind Kind
	// Mutates: a successful request changes the image, so the next
	// cell needs another one.
	Mutates bool
	request func(e env) request

	steps []step
	ok    int
	// forbiddenIsNotFound: member show turns every 403 into a 404.
	forbiddenIsNotFound bool
	// listed, for the list operations, decides whether the image is
	// listed; the outcome is then "in" or "out".
	listed func(f facts) bool
}

// env is what a request is built from.
type env struct {
	image string // the image's id
	state State
	alpha string // the owner's project id
	beta  string // the other project's id
}

type request struct {
	method, path string
	body         []byte
	header       http.Header
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

var (
	jsonType  = http.Header{"Content-Type": {"application/json"}}
	patchType = http.Header{"Content-Type": {"application/openstack-images-v2.1-json-patch"}}
	octetType = http.Header{"Content-Type": {"application/octet-stream"}}
)

func get(path func(e env) string) func(e env) request {
	return func(e env) request { return request{method: http.MethodGet, path: path(e)} }
}

func patch(path, value func(e env) string) func(e env) request {
	return func(e env) request {
		return request{method: http.MethodPatch, path: "/v2/images/" + e.image, header: patchType,
			body: jsonBody([]map[string]any{{"op": "replace", "path": path(e), "value": value(e)}})}
	}
}

func imagePath(sub string) func(e env) string {
	return func(e env) string { return "/v2/images/" + e.image + sub }
}

func fixed(s string) func(env) string { return func(env) string { return s } }

func call(method string, path func(e env) string, header http.Header, body func(e env) []byte) func(e env) request {
	return func(e env) request {
		r := request{method: method, path: path(e), header: header}
		if body != nil {
			r.body = body(e)
		}
		return r
	}
}

func betaMembership(e env) string { return "/v2/images/" + e.image + "/members/" + e.beta }

// newStatus answers the other project's membership with a status it
// does not have yet.
func newStatus(e env) []byte {
	status := "accepted"
	if e.state == Accepted {
		status = "rejected"
	}
	return jsonBody(map[string]string{"status": status})
}

// Ops are the operations of the matrix, in table order.
var Ops = []*Op{
	{
		Name: "show", Kind: Active,
		request: get(imagePath("")),
		steps:   []step{found, policy("get_image")}, ok: 200,
	},
	{
		Name: "list", Kind: Active,
		request: get(func(e env) string { return "/v2/images?id=" + e.image }),
		listed:  func(f facts) bool { return f.listed(false) },
	},
	{
		Name: "list member_status=all", Kind: Active,
		request: get(func(e env) string { return "/v2/images?member_status=all&id=" + e.image }),
		listed:  func(f facts) bool { return f.listed(true) },
	},
	{
		Name: "update name", Kind: Queued, Mutates: true,
		request: patch(fixed("/name"), fixed("renamed")),
		steps:   []step{found, policy("modify_image"), legacyMutable}, ok: 200,
	},
	{
		Name: "set public", Kind: Queued, Mutates: true,
		request: patch(fixed("/visibility"), fixed("public")),
		steps:   []step{found, plain("publicize_image"), policy("modify_image"), legacyMutable}, ok: 200,
	},
	{
		Name: "set community", Kind: Queued, Mutates: true,
		request: patch(fixed("/visibility"), fixed("community")),
		steps:   []step{found, plain("communitize_image"), policy("modify_image"), legacyMutable}, ok: 200,
	},
	{
		// Glance refuses only a replace of /owner by a non-admin; its
		// add goes through, and gives a public or community image
		// away. This server refuses both, so the add is not a cell.
		Name: "change owner", Kind: Queued, Mutates: true,
		request: patch(fixed("/owner"), func(e env) string { return e.beta }),
		steps:   []step{found, ownerChangeByAdmin, policy("modify_image"), legacyMutable}, ok: 200,
	},
	{
		Name: "delete", Kind: Queued, Mutates: true,
		request: call(http.MethodDelete, imagePath(""), nil, nil),
		steps:   []step{found, policy("delete_image"), legacyMutable}, ok: 204,
	},
	{
		Name: "delete protected", Kind: Protected, Mutates: true,
		request: call(http.MethodDelete, imagePath(""), nil, nil),
		steps:   []step{found, policy("delete_image"), legacyMutable, refuse(403)},
	},
	{
		Name: "deactivate", Kind: Active, Mutates: true,
		request: call(http.MethodPost, imagePath("/actions/deactivate"), nil, nil),
		steps:   []step{found, policy("deactivate"), legacyMutable}, ok: 204,
	},
	{
		Name: "reactivate", Kind: Deactivated, Mutates: true,
		request: call(http.MethodPost, imagePath("/actions/reactivate"), nil, nil),
		steps:   []step{found, policy("reactivate"), legacyMutable}, ok: 204,
	},
	{
		Name: "upload", Kind: Queued, Mutates: true,
		request: call(http.MethodPut, imagePath("/file"), octetType, func(env) []byte { return []byte("rbac matrix data") }),
		steps:   []step{found, policy("upload_image"), legacyMutable}, ok: 204,
	},
	{
		Name: "download", Kind: Active,
		request: get(imagePath("/file")),
		steps:   []step{found, policy("download_image")}, ok: 200,
	},
	{
		Name: "download deactivated", Kind: Deactivated,
		request: get(imagePath("/file")),
		steps:   []step{found, deactivatedForAdmins, policy("download_image")}, ok: 200,
	},
	{
		Name: "add tag", Kind: Queued, Mutates: true,
		request: call(http.MethodPut, imagePath("/tags/added"), nil, nil),
		steps:   []step{found, policy("modify_image"), legacyMutable}, ok: 204,
	},
	{
		Name: "delete tag", Kind: Queued, Mutates: true,
		request: call(http.MethodDelete, imagePath("/tags/"+url.PathEscape(Tag)), nil, nil),
		steps:   []step{found, policy("modify_image"), legacyMutable}, ok: 204,
	},
	{
		Name: "list members", Kind: Active,
		request: get(imagePath("/members")),
		steps:   []step{found, sharedOnly, memberPolicy("get_members")}, ok: 200,
	},
	{
		Name: "show member beta", Kind: Active,
		request:             get(betaMembership),
		steps:               []step{found, sharedOnly, memberPolicy("get_member"), otherMembershipSeen},
		ok:                  200,
		forbiddenIsNotFound: true,
	},
	{
		Name: "add member third", Kind: Queued, Mutates: true,
		request: call(http.MethodPost, imagePath("/members"), jsonType, func(env) []byte {
			return jsonBody(map[string]string{"member": ThirdProject})
		}),
		steps: []step{found, sharedOnly, legacyMembership("create"), memberPolicy("add_member")}, ok: 200,
	},
	{
		// The other project is a member of every shared image already.
		Name: "add member beta", Kind: Queued, Mutates: true,
		request: call(http.MethodPost, imagePath("/members"), jsonType, func(e env) []byte {
			return jsonBody(map[string]string{"member": e.beta})
		}),
		steps: []step{found, sharedOnly, legacyMembership("create"), memberPolicy("add_member")}, ok: 409,
	},
	{
		// As the member (beta) it answers; as the owner (alpha) it
		// answers for the member.
		Name: "update member beta", Kind: Queued, Mutates: true,
		request: call(http.MethodPut, betaMembership, jsonType, newStatus),
		steps: []step{found, sharedOnly, legacyMembership("update"), memberPolicy("get_member"),
			otherMembershipSeen, memberPolicy("modify_member")},
		ok: 200,
	},
	{
		Name: "delete member beta", Kind: Queued, Mutates: true,
		request: call(http.MethodDelete, betaMembership, nil, nil),
		steps: []step{found, sharedOnly, legacyMembership("delete"), memberPolicy("get_member"),
			otherMembershipSeen, memberPolicy("delete_member")},
		ok: 204,
	},
}

// Cell is one point of the matrix.
type Cell struct {
	Mode    Mode
	Op      *Op
	State   State
	Persona Persona
}

func (c Cell) String() string {
	return string(c.Mode) + "/" + c.Op.Name + "/" + string(c.State) + "/" + c.Persona.String()
}

// Cells is the full cross product for a mode, in table order.
func Cells(m Mode) []Cell {
	var cells []Cell
	for _, op := range Ops {
		for _, s := range States {
			for _, p := range Personas {
				cells = append(cells, Cell{Mode: m, Op: op, State: s, Persona: p})
			}
		}
	}
	return cells
}

func codeOutcome(code int) Outcome { return Outcome(strconv.Itoa(code)) }
