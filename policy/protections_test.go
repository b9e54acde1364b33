package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-glance/glance/domain"
)

// Callers of the protection tables, by their roles.
var (
	noRoles    = &domain.Caller{ProjectID: "P"}
	adminRole  = &domain.Caller{ProjectID: "P", Roles: []string{"admin", "member", "reader"}}
	memberRole = &domain.Caller{ProjectID: "P", Roles: []string{"member", "reader"}}
	splRole    = &domain.Caller{ProjectID: "P", Roles: []string{"reader", "spl_role"}}
	// The roles of a service token count as the caller's, as in Glance.
	serviceToken = &domain.Caller{ProjectID: "P", Roles: []string{"reader"}, ServiceRoles: []string{"service"}}
)

// rolesFile exercises the roles format: the first section that matches
// anywhere in the name decides, so x_owner_ names never reach [^x_].
const rolesFile = `# Glance's sample, extended
[^x_owner_.*]
create = admin,member
read = admin,member
update = admin,member
delete = admin,member

[^x_]
create = admin
read = @
update = !
delete = admin,!

[spl_]
create = Admin, SPL_Role
read = spl_role,service
update = admin
delete =

[^public$]
create = @
read = @
update = @
delete = @
`

// policiesFile names rules of the policy files and Glance's defaults.
const policiesFile = `[^x_creator]
create = glance_creator
read = default
update = context_is_admin
delete = !

[^x_any]
create = @
read = @
update = @
delete = @
`

type protectionCase struct {
	property string
	caller   *domain.Caller
	op       propertyOp
	want     bool
}

func TestProtectionDecisions(t *testing.T) {
	policyFile := mustWriteFile(t, "policy.yaml", `"glance_creator": "role:admin or role:spl_role"`)
	e, err := NewEnforcer(Config{EnforceScope: true, EnforceNewDefaults: true, Files: []string{policyFile}})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []struct {
		name, format, file string
		cases              []protectionCase
	}{
		{"roles", ProtectionRoles, rolesFile, []protectionCase{
			{"x_owner_a", memberRole, opCreate, true},
			{"x_owner_a", memberRole, opUpdate, true},
			{"x_owner_a", splRole, opRead, false},
			{"x_owner_a", adminRole, opDelete, true},
			// The first matching section wins, not the most specific.
			{"x_other", memberRole, opCreate, false},
			{"x_other", adminRole, opCreate, true},
			{"x_other", noRoles, opRead, true},
			{"x_other", adminRole, opUpdate, false},
			{"x_other", adminRole, opDelete, false},
			// Sections match anywhere in the name, and role names in
			// any case.
			{"my_spl_prop", splRole, opCreate, true},
			{"my_spl_prop", splRole, opRead, true},
			{"my_spl_prop", memberRole, opRead, false},
			{"my_spl_prop", serviceToken, opRead, true},
			{"my_spl_prop", splRole, opUpdate, false},
			{"my_spl_prop", adminRole, opUpdate, true},
			// An empty entry allows no one.
			{"my_spl_prop", adminRole, opDelete, false},
			{"public", noRoles, opCreate, true},
			{"public", noRoles, opDelete, true},
			// A name no section matches is refused everything.
			{"public_not", adminRole, opRead, false},
			{"os_distro", adminRole, opCreate, false},
			{"os_distro", adminRole, opRead, false},
		}},
		{"policies", ProtectionPolicies, policiesFile, []protectionCase{
			{"x_creator_a", splRole, opCreate, true},
			{"x_creator_a", adminRole, opCreate, true},
			{"x_creator_a", memberRole, opCreate, false},
			{"x_creator_a", noRoles, opRead, true},
			{"x_creator_a", adminRole, opUpdate, true},
			{"x_creator_a", splRole, opUpdate, false},
			{"x_creator_a", adminRole, opDelete, false},
			{"x_any", noRoles, opDelete, true},
			{"x_other", adminRole, opRead, false},
		}},
	} {
		t.Run(format.name, func(t *testing.T) {
			prot, err := compileProtections(format.file, format.format, e)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range format.cases {
				got, err := prot.allows(c.caller, c.property, c.op)
				if err != nil || got != c.want {
					t.Errorf("%v %s %s: %v, %v; want %v", c.caller.Roles, c.op, c.property, got, err, c.want)
				}
			}
		})
	}
}

// A file without sections protects nothing, as in Glance, and neither
// does no file at all.
func TestProtectionsWithoutRules(t *testing.T) {
	empty, err := compileProtections("# nothing yet\n[DEFAULT]\ncreate = admin\n", ProtectionRoles, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := empty.Warnings(); len(w) != 1 || !strings.Contains(w[0], "every property is open to everyone") {
		t.Errorf("warnings %q", w)
	}
	for _, prot := range []*Protections{empty, nil} {
		for op := range propertyOps {
			if ok, err := prot.allows(noRoles, "anything", propertyOp(op)); !ok || err != nil {
				t.Errorf("%s by no roles: %v, %v", propertyOp(op), ok, err)
			}
		}
	}
}

// TestProtectionFileDialect: the file is read as Python's configparser
// reads it for Glance.
func TestProtectionFileDialect(t *testing.T) {
	const file = `; comments start with ; or #
[DEFAULT]
read = @
Delete: !

# A regular expression with brackets is one section name.
[^x_[a-z]+$]
CREATE = admin,
    member
update = %(create)s

[^y_]
create = 100%%
update =

  indented = deeper, so still the value of update
unknown = 1
`
	prot, err := compileProtections(file, ProtectionRoles, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []protectionCase{
		{"x_abc", memberRole, opCreate, true},
		{"x_abc", memberRole, opUpdate, true},
		{"x_abc", noRoles, opRead, true},
		{"x_abc", adminRole, opDelete, false},
		{"x_a1", adminRole, opRead, false},
		{"y_1", &domain.Caller{Roles: []string{"100%"}}, opCreate, true},
		{"y_1", adminRole, opUpdate, false},
		{"y_1", &domain.Caller{Roles: []string{"so still the value of update"}}, opUpdate, true},
	} {
		got, err := prot.allows(c.caller, c.property, c.op)
		if err != nil || got != c.want {
			t.Errorf("%v %s %s: %v, %v; want %v", c.caller.Roles, c.op, c.property, got, err, c.want)
		}
	}
	want := []string{"line 17: option unknown of [^y_] is not an operation (create, read, update, delete); it is ignored"}
	if got := prot.Warnings(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings %q\nwant %q", got, want)
	}
}

// TestProtectionFileErrors: what Glance refuses stops the server here,
// naming the file and the line.
func TestProtectionFileErrors(t *testing.T) {
	const ops = "create = admin\nread = admin\nupdate = admin\ndelete = admin\n"
	for _, c := range []struct {
		name, format, file, want string
	}{
		{"bad regex", ProtectionRoles, "[x]\n" + ops + "[x_(]\n" + ops, "line 6: section [x_(]: the regular expression does not compile: error parsing regexp: missing closing )"},
		{"Python-only regex", ProtectionRoles, "[^(?!os_)]\n" + ops, "line 1: section [^(?!os_)]: the regular expression does not compile"},
		{"missing operation", ProtectionRoles, "[x]\n" + ops + "\n[y]\ncreate = a\nread = a\ndelete = a\nudpate = a\n", "line 7: section [y] has no update"},
		{"@ and !", ProtectionRoles, "[x]\ncreate = @\nread = a\nupdate = !, @\ndelete = a\n", "line 4: [x] update = !, @: '@' and '!' are mutually exclusive"},
		{"two policies", ProtectionPolicies, "[x]\ncreate = default\nread = default,context_is_admin\nupdate = !\ndelete = !\n", "line 3: [x] read = default,context_is_admin: multiple policies"},
		{"undefined policy", ProtectionPolicies, "[x]\ncreate = default\nread = default\nupdate = nope\ndelete = !\n", `line 4: [x] update = nope: no policy rule "nope" is defined`},
		{"Glance's own check", ProtectionPolicies, "[x]\ncreate = glance:is_admin\nread = @\nupdate = !\ndelete = !\n", `line 2: [x] create = glance:is_admin: no policy rule "glance:is_admin" is defined`},
		{"option outside a section", ProtectionRoles, "# rules\ncreate = admin\n[x]\n" + ops, `line 2: "create = admin" comes before any [section]`},
		{"no delimiter", ProtectionRoles, "[x]\n" + ops + "admin\n", `line 6: "admin" is neither a [section] nor an option = value`},
		{"empty option name", ProtectionRoles, "[x]\n" + ops + "= admin\n", `line 6: "= admin" is neither`},
		{"section twice", ProtectionRoles, "[x]\n" + ops + "[y]\n" + ops + "[x]\n" + ops, "line 11: section [x] is given twice"},
		{"option twice", ProtectionRoles, "[x]\n" + ops + "Create = member\n", "line 6: option create is given twice in [x]"},
		{"bad percent", ProtectionRoles, "[x]\ncreate = 100%\nread = a\nupdate = a\ndelete = a\n", `line 2: '%' must be followed by '%' or '(name)s', found "%"`},
		{"missing reference", ProtectionRoles, "[x]\ncreate = %(admins)s\nread = a\nupdate = a\ndelete = a\n", "line 2: %(admins)s refers to option admins, which [x] does not have"},
		{"endless reference", ProtectionRoles, "[x]\ncreate = %(read)s\nread = %(create)s\nupdate = a\ndelete = a\n", "line 2: %(...)s references nest deeper than 10"},
	} {
		t.Run(c.name, func(t *testing.T) {
			file := mustWriteFile(t, "protections.conf", c.file)
			_, err := NewProtections(file, c.format, mustEnforcer(t, Config{EnforceScope: true, EnforceNewDefaults: true}))
			if err == nil {
				t.Fatalf("accepted:\n%s", c.file)
			}
			if !strings.HasPrefix(err.Error(), file+" ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want %q after the file name", err, c.want)
			}
		})
	}
	if _, err := NewProtections(filepath.Join(t.TempDir(), "missing.conf"), ProtectionRoles, nil); err == nil || !strings.Contains(err.Error(), "missing.conf") {
		t.Errorf("missing file: %v", err)
	}
	file := mustWriteFile(t, "protections.conf", "[x]\n")
	if _, err := NewProtections(file, "Roles", nil); err == nil || !strings.Contains(err.Error(), "'roles' and 'policies'") {
		t.Errorf("unknown format: %v", err)
	}
}

// Glance warns of an empty entry, which lets no one do the operation.
func TestProtectionWarnings(t *testing.T) {
	file := mustWriteFile(t, "protections.conf", "[^x_]\ncreate = admin\nread =\nupdate = admin\ndelete = admin\n")
	prot, err := NewProtections(file, ProtectionRoles, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := file + " line 3: Property protection on operation read for rule ^x_ is not found. No role will be allowed to perform this operation."
	if w := prot.Warnings(); len(w) != 1 || w[0] != want {
		t.Errorf("warnings %q\nwant %q", w, want)
	}
}

// The policies format names rules, which Rules lists so that they are
// not taken for unused ones.
func TestProtectionRules(t *testing.T) {
	policyFile := mustWriteFile(t, "policy.yaml", `"glance_creator": "role:admin"`)
	e, err := NewEnforcer(Config{EnforceNewDefaults: true, Files: []string{policyFile}})
	if err != nil {
		t.Fatal(err)
	}
	prot, err := compileProtections(policiesFile, ProtectionPolicies, e)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(prot.Rules(), ","); got != "glance_creator,default,context_is_admin" {
		t.Errorf("Rules() = %s", got)
	}
}

func mustWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// FuzzProtectionFile: any file either compiles or is refused with a
// line number; a compiled one decides on any name.
func FuzzProtectionFile(f *testing.F) {
	f.Add(rolesFile, "x_owner_a")
	f.Add("[DEFAULT]\nread = %(a)s\na = %%\n[x]\ncreate = \n  b\nupdate: c\ndelete=@\n", "x")
	f.Add("[[]]]\ncreate = %(create)s\n", "")
	f.Fuzz(func(t *testing.T, data, name string) {
		prot, err := compileProtections(data, ProtectionRoles, nil)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "line ") {
				t.Fatalf("an error without its line: %v", err)
			}
			return
		}
		for op := range propertyOps {
			if _, err := prot.allows(memberRole, name, propertyOp(op)); err != nil {
				t.Fatal(err)
			}
		}
	})
}
