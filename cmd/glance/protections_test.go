package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mustProtectionFile writes a property protection file and returns the
// [DEFAULT] lines that make the server apply it in format.
func mustProtectionFile(tb testing.TB, format, rules string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "property-protections.conf")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		tb.Fatal(err)
	}
	return "property_protection_file = " + path + "\nproperty_protection_rule_format = " + format + "\n"
}

// properties returns the extra properties of an image entity.
func properties(tb testing.TB, body []byte) map[string]any {
	tb.Helper()
	var m map[string]any
	mustDecode(tb, body, &m)
	for _, base := range []string{"id", "name", "status", "visibility", "protected", "os_hidden", "checksum",
		"os_hash_algo", "os_hash_value", "owner", "size", "virtual_size", "disk_format", "container_format",
		"min_disk", "min_ram", "created_at", "updated_at", "tags", "self", "file", "schema"} {
		delete(m, base)
	}
	return m
}

// exchange is one request of a protection scenario and Glance's answer:
// its status, a text the body holds, and for an image the extra
// properties it shows.
type exchange struct {
	name   string
	who    api
	method string
	body   string
	status int
	text   string
	shows  map[string]any
}

func (e exchange) run(t *testing.T, path string) {
	t.Helper()
	header := jsonType
	if e.method == "PATCH" {
		header = patchType
	}
	resp, body := e.who.do(t, e.method, path, header, e.body)
	mustStatus(t, e.name, resp, body, e.status)
	if e.text != "" && !strings.Contains(text(body), e.text) {
		t.Errorf("%s: body does not say %q:\n%s", e.name, e.text, body)
	}
	if e.shows != nil {
		if got := properties(t, body); !equalJSON(got, e.shows) {
			t.Errorf("%s shows %v, want %v", e.name, got, e.shows)
		}
	}
}

func equalJSON(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestPropertyProtectionsRoles drives Glance's roles-format protections
// over HTTP, with the answers Glance gives (checked against Debian's
// glance-api): 403 "Attribute '...' is reserved." for a property the
// caller may not create, update or delete, and a property it may not
// read treated as absent: hidden from what it is shown, 409 "does not
// exist" to replace or remove.
func TestPropertyProtectionsRoles(t *testing.T) {
	base := MustStartServer(t, mustProtectionFile(t, "roles", `# members own x_owner_ properties
[^x_owner_.*]
create = admin,member
read = admin,member
update = admin,member
delete = admin,member

[^secret_]
create = admin,member
read = admin
update = admin
delete = admin

[^x_all_]
create = @
read = @
update = @
delete = @

[.*]
create = admin
read = admin
update = admin
delete = admin
`)+trustedAuth)
	admin := api{base: base, header: identity("A", "admin,member,reader")}
	member := api{base: base, header: identity("A", "member,reader")}
	reader := api{base: base, header: identity("A", "reader")}

	resp, body := admin.do(t, "POST", "/v2/images", jsonType,
		`{"name":"p","x_owner_a":"1","secret_s":"s","os_distro":"ubuntu","x_all_a":"all"}`)
	mustStatus(t, "admin creates", resp, body, http.StatusCreated)
	var img image
	mustDecode(t, body, &img)
	path := "/v2/images/" + img.ID
	all := map[string]any{"x_owner_a": "1", "secret_s": "s", "os_distro": "ubuntu", "x_all_a": "all"}
	mine := map[string]any{"x_owner_a": "1", "x_all_a": "all"}

	for _, e := range []exchange{
		{name: "admin shows", who: admin, method: "GET", status: 200, shows: all},
		{name: "member shows", who: member, method: "GET", status: 200, shows: mine},
		{name: "reader shows", who: reader, method: "GET", status: 200, shows: map[string]any{"x_all_a": "all"}},

		{name: "member replaces its own", who: member, method: "PATCH", body: `[{"op":"replace","path":"/x_owner_a","value":"2"}]`,
			status: 200, shows: map[string]any{"x_owner_a": "2", "x_all_a": "all"}},
		{name: "member replaces what it cannot read", who: member, method: "PATCH", body: `[{"op":"replace","path":"/secret_s","value":"2"}]`,
			status: 409, text: "Property secret_s does not exist."},
		{name: "member removes what it cannot read", who: member, method: "PATCH", body: `[{"op":"remove","path":"/os_distro"}]`,
			status: 409, text: "Property os_distro does not exist."},
		{name: "member adds what it may not create", who: member, method: "PATCH", body: `[{"op":"add","path":"/os_version","value":"1"}]`,
			status: 403, text: "Attribute 'os_version' is reserved."},
		{name: "member adds one it may create but not read", who: member, method: "PATCH", body: `[{"op":"add","path":"/secret_t","value":"t"}]`,
			status: 200, shows: map[string]any{"x_owner_a": "2", "x_all_a": "all"}},
		{name: "member renames", who: member, method: "PATCH", body: `[{"op":"replace","path":"/name","value":"q"}]`,
			status: 200, shows: map[string]any{"x_owner_a": "2", "x_all_a": "all"}},
		{name: "member tags", who: member, method: "PUT", status: 204},
		// What the member could not see is all still there.
		{name: "admin shows after", who: admin, method: "GET", status: 200,
			shows: map[string]any{"x_owner_a": "2", "secret_s": "s", "os_distro": "ubuntu", "x_all_a": "all", "secret_t": "t"}},
		{name: "admin removes", who: admin, method: "PATCH", body: `[{"op":"remove","path":"/secret_t"},{"op":"replace","path":"/os_distro","value":"debian"}]`,
			status: 200, shows: map[string]any{"x_owner_a": "2", "secret_s": "s", "os_distro": "debian", "x_all_a": "all"}},
		{name: "member removes its own", who: member, method: "PATCH", body: `[{"op":"remove","path":"/x_owner_a"}]`,
			status: 200, shows: map[string]any{"x_all_a": "all"}},
		{name: "anyone's", who: member, method: "PATCH", body: `[{"op":"replace","path":"/x_all_a","value":"b"}]`,
			status: 200, shows: map[string]any{"x_all_a": "b"}},
	} {
		p := path
		if e.method == "PUT" {
			p += "/tags/t"
		}
		e.run(t, p)
	}

	list := func(who api) map[string]any {
		resp, body := who.do(t, "GET", "/v2/images", nil, "")
		mustStatus(t, "list", resp, body, http.StatusOK)
		var p struct{ Images []json.RawMessage }
		mustDecode(t, body, &p)
		if len(p.Images) != 1 {
			t.Fatalf("list: %s", body)
		}
		return properties(t, p.Images[0])
	}
	if got := list(member); !equalJSON(got, map[string]any{"x_all_a": "b"}) {
		t.Errorf("member lists %v", got)
	}
	if got := list(admin); len(got) != 3 {
		t.Errorf("admin lists %v", got)
	}

	for _, e := range []exchange{
		{name: "member creates what it may not", who: member, method: "POST", body: `{"name":"x","x_owner_b":"1","os_distro":"x"}`,
			status: 403, text: "Attribute 'os_distro' is reserved."},
		{name: "member creates, some hidden", who: member, method: "POST", body: `{"name":"x","x_owner_b":"1","secret_b":"2"}`,
			status: 201, shows: map[string]any{"x_owner_b": "1"}},
	} {
		e.run(t, "/v2/images")
	}
}

// TestPropertyProtectionsPolicies drives the policies format: each
// operation names a rule of the policy, which decides as it does for
// Glance's own rules (here against an empty target).
func TestPropertyProtectionsPolicies(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "api.log")
	base := MustStartServer(t, "log_file = "+logFile+"\n"+
		mustPolicyFile(t, `"glance_creator": "role:admin or role:spl_role"`)+
		mustProtectionFile(t, "policies", `[spl_creator_policy]
create = glance_creator
read = glance_creator
update = context_is_admin
delete = context_is_admin

[spl_default_policy]
create = context_is_admin
read = default
update = context_is_admin
delete =

[.*]
create = @
read = @
update = @
delete = !
`)+trustedAuth)
	admin := api{base: base, header: identity("A", "admin,member,reader")}
	spl := api{base: base, header: identity("A", "member,reader,spl_role")}
	member := api{base: base, header: identity("A", "member,reader")}

	resp, body := spl.do(t, "POST", "/v2/images", jsonType, `{"name":"p","spl_creator_policy":"c","os_distro":"d"}`)
	mustStatus(t, "spl_role creates", resp, body, http.StatusCreated)
	var img image
	mustDecode(t, body, &img)
	path := "/v2/images/" + img.ID
	for _, e := range []exchange{
		{name: "member creates spl_default_policy", who: member, method: "POST", body: `{"name":"x","spl_default_policy":"1"}`,
			status: 403, text: "Attribute 'spl_default_policy' is reserved."},
		{name: "admin creates spl_default_policy", who: admin, method: "POST", body: `{"name":"x","spl_default_policy":"1"}`,
			status: 201, shows: map[string]any{"spl_default_policy": "1"}},
	} {
		e.run(t, "/v2/images")
	}
	for _, e := range []exchange{
		{name: "member shows", who: member, method: "GET", status: 200, shows: map[string]any{"os_distro": "d"}},
		{name: "spl_role shows", who: spl, method: "GET", status: 200, shows: map[string]any{"spl_creator_policy": "c", "os_distro": "d"}},
		{name: "spl_role may not update", who: spl, method: "PATCH", body: `[{"op":"replace","path":"/spl_creator_policy","value":"x"}]`,
			status: 403, text: "Attribute 'spl_creator_policy' is reserved."},
		{name: "member cannot see it", who: member, method: "PATCH", body: `[{"op":"replace","path":"/spl_creator_policy","value":"x"}]`,
			status: 409, text: "Property spl_creator_policy does not exist."},
		{name: "nobody removes os_distro", who: admin, method: "PATCH", body: `[{"op":"remove","path":"/os_distro"}]`,
			status: 403, text: "Attribute 'os_distro' is reserved."},
		{name: "admin updates and removes", who: admin, method: "PATCH",
			body:   `[{"op":"replace","path":"/spl_creator_policy","value":""},{"op":"remove","path":"/spl_creator_policy"},{"op":"replace","path":"/os_distro","value":"e"}]`,
			status: 200, shows: map[string]any{"os_distro": "e"}},
	} {
		e.run(t, path)
	}

	// glance_creator is used by the protections, so it is no unused
	// rule; the empty entry is worth a warning, as Glance gives.
	warnings := strings.Join(mustLogLines(t, logFile, " WARNING "), "\n")
	if strings.Contains(warnings, "glance_creator") {
		t.Errorf("a rule the protections use is called unused:\n%s", warnings)
	}
	if !strings.Contains(warnings, "line 11: Property protection on operation delete for rule spl_default_policy is not found. No role will be allowed to perform this operation.") {
		t.Errorf("no warning of the empty entry:\n%s", warnings)
	}
}

// TestPropertyProtectionStartupErrors: a protection file Glance would
// refuse stops the server, naming the file and the line.
func TestPropertyProtectionStartupErrors(t *testing.T) {
	const ops = "create = admin\nread = admin\nupdate = admin\ndelete = admin\n"
	for _, c := range []struct {
		name, format, rules string
		want                []string
	}{
		{"bad regex", "roles", "[^x_]\n" + ops + "\n[x_(\\d]\n" + ops, []string{"line 7", "[x_(\\d]", "does not compile"}},
		{"missing operation", "roles", "[^x_]\ncreate = admin\nread = admin\ndelete = admin\n", []string{"line 1", "has no update"}},
		{"undefined policy", "policies", "[^x_]\ncreate = glance_creator\nread = @\nupdate = @\ndelete = @\n", []string{"line 2", `"glance_creator"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := mustProtectionFile(t, c.format, c.rules)
			conf := mustWriteConfig(t, t.TempDir(), lines, "", "")
			out, err := runCommand(t, "api", "--config-file", conf)
			if err == nil {
				t.Fatal("the server started")
			}
			file := strings.TrimPrefix(strings.Split(lines, "\n")[0], "property_protection_file = ")
			for _, w := range append(c.want, "property_protection_file", file) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q\n%s", err, w, out)
				}
			}
		})
	}
	conf := mustWriteConfig(t, t.TempDir(), "property_protection_file = no-such-protections.conf\n", "", "")
	if _, err := runCommand(t, "api", "--config-file", conf); err == nil || !strings.Contains(err.Error(), "no-such-protections.conf") {
		t.Errorf("a missing file: %v", err)
	}
}
