package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCommand runs the binary's command tree with args to its end.
func runCommand(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut, nil)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String() + errOut.String(), err
}

// TestPolicyDump: glance-api policy prints the effective policy,
// Glance's defaults with the operator's overrides, as a policy file.
func TestPolicyDump(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(`"get_images": "role:admin"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "policy.d"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policy.d", "10-tasks.json"), []byte(`{"get_task": "role:admin"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "glance-api.conf")
	if err := os.WriteFile(conf, []byte("[paste_deploy]\nflavor = keystone\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"api", "policy"}, {"manage", "policy", "--casbin"}} {
		out, err := runCommand(t, append(args, "--config-file", conf)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		for _, want := range []string{
			"# from " + filepath.Join(dir, "policy.yaml") + "; scope_types: [project]\n\"get_images\": \"role:admin\"\n",
			"# from " + filepath.Join(dir, "policy.d", "10-tasks.json"),
			"\"get_task\": \"role:admin\"",
			"\"publicize_image\": \"role:admin\"",
			"\"download_image\": \"role:admin or (role:member and (project_id:%(project_id)s",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v prints no %q:\n%s", args, want, out)
			}
		}
		if casbin := strings.Contains(out, "scoped(r_sub) && role(r_sub,\"admin\")  # get_images"); casbin != (args[0] == "manage") {
			t.Errorf("%v: casbin model printed = %t", args, casbin)
		}
	}
}

// TestPolicyStartupErrors: a policy the server cannot apply stops it,
// naming the file, the rule and what is wrong.
func TestPolicyStartupErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`"modify_image": "role:member and (project_id:%(project_id)s"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		policy string
		want   []string
	}{
		{"policy_file = " + bad, []string{bad, `"modify_image"`, "missing )"}},
		{"policy_file = " + filepath.Join(dir, "missing.yaml"), []string{"policy_file", "missing.yaml", "no such file"}},
		{"policy_dirs = " + filepath.Join(dir, "missing.d"), []string{"policy_dirs", "missing.d"}},
	} {
		conf := mustWriteConfig(t, t.TempDir(), "[oslo_policy]\n"+c.policy+"\n[DEFAULT]\n", "", "")
		out, err := runCommand(t, "api", "--config-file", conf)
		if err == nil {
			t.Errorf("%s: the server started", c.policy)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q\n%s", c.policy, err, w, out)
			}
		}
	}
}

// TestPolicyOverrideChangesAnswers: the operator's file changes what
// the API answers without a code change.
func TestPolicyOverrideChangesAnswers(t *testing.T) {
	member := identity("A", "member,reader")
	plain := MustStartServer(t, trustedAuth)
	resp, body := request{method: "GET", path: "/v2/images", header: member}.do(t, plain)
	mustStatus(t, "list by a member under the defaults", resp, body, http.StatusOK)

	locked := MustStartServer(t, trustedAuth+mustPolicyFile(t, `"get_images": "role:admin"`))
	resp, body = request{method: "GET", path: "/v2/images", header: member}.do(t, locked)
	mustStatus(t, "list by a member under get_images: role:admin", resp, body, http.StatusForbidden)
	if !strings.Contains(string(body), "You are not authorized to complete get_images action.") {
		t.Errorf("403 body: %s", body)
	}
	resp, body = request{method: "GET", path: "/v2/images", header: identity("A", "admin")}.do(t, locked)
	mustStatus(t, "list by an admin under get_images: role:admin", resp, body, http.StatusOK)

	// context_is_admin decides is_admin: a cloud_admin sees and changes
	// every project's images, and legacy owner checks let it through.
	custom := MustStartServer(t, trustedAuth+mustPolicyFile(t,
		"context_is_admin: \"role:cloud_admin\"\nget_image: \"is_admin:True or project_id:%(project_id)s\"\n"+
			"modify_image: \"is_admin:True\""))
	owner := api{base: custom, header: identity("A", "member,reader")}
	cloud := api{base: custom, header: identity("ops", "cloud_admin")}
	img := owner.create(t, `{"name":"a"}`)
	if got := cloud.get(t, img.ID); got.Name == nil || *got.Name != "a" {
		t.Errorf("cloud_admin reads %+v", got)
	}
	resp, body = cloud.do(t, "PATCH", "/v2/images/"+img.ID, patchType, `[{"op":"replace","path":"/owner","value":"B"}]`)
	mustStatus(t, "cloud_admin gives the image to B", resp, body, http.StatusOK)
	resp, body = owner.do(t, "PATCH", "/v2/images/"+img.ID, patchType, `[{"op":"replace","path":"/name","value":"b"}]`)
	mustStatus(t, "A's member renames B's image", resp, body, http.StatusNotFound)
}

// TestSystemAndDomainScope: with secure RBAC (the default), every image
// rule is project-scoped, so a system- or domain-scoped admin token gets
// 403 on list and create and 404 on every image, as Glance answers;
// under Glance's legacy configuration it is an admin.
func TestSystemAndDomainScope(t *testing.T) {
	system := map[string]string{"X-Identity-Status": "Confirmed", "X-User-Id": "cloud-admin",
		"X-Roles": "admin,member,reader", "OpenStack-System-Scope": "all"}
	domainAdmin := map[string]string{"X-Identity-Status": "Confirmed", "X-User-Id": "domain-admin",
		"X-Roles": "admin,member,reader", "X-Domain-Id": "default"}

	secure := api{base: MustStartServer(t, trustedAuth)}
	owner := api{base: secure.base, header: identity("A", "admin,member,reader")}
	img := owner.create(t, `{"name":"a","disk_format":"raw","container_format":"bare"}`)
	owner.upload(t, img.ID, []byte("data"))
	steps := []struct {
		method, path string
		header       map[string]string
		body         string
		status       int
	}{
		{"GET", "/v2/images", nil, "", 403},
		{"POST", "/v2/images", jsonType, `{"name":"x"}`, 403},
		{"GET", "/v2/images/" + img.ID, nil, "", 404},
		{"PATCH", "/v2/images/" + img.ID, patchType, `[{"op":"replace","path":"/name","value":"x"}]`, 404},
		{"PUT", "/v2/images/" + img.ID + "/file", octetType, "data", 404},
		{"GET", "/v2/images/" + img.ID + "/file", nil, "", 404},
		{"PUT", "/v2/images/" + img.ID + "/tags/t", nil, "", 404},
		{"POST", "/v2/images/" + img.ID + "/actions/deactivate", nil, "", 404},
		{"DELETE", "/v2/images/" + img.ID, nil, "", 404},
	}
	for name, who := range map[string]map[string]string{"system": system, "domain": domainAdmin} {
		caller := api{base: secure.base, header: who}
		for _, s := range steps {
			resp, body := caller.do(t, s.method, s.path, s.header, s.body)
			mustStatus(t, name+" "+s.method+" "+s.path, resp, body, s.status)
		}
	}
	if got := owner.get(t, img.ID); got.Name == nil || *got.Name != "a" || got.Status != "active" {
		t.Errorf("image after the scoped calls: %+v", got)
	}

	legacy := api{base: MustStartServer(t, trustedAuth+"[oslo_policy]\nenforce_new_defaults = false\nenforce_scope = false\n"), header: system}
	mine := legacy.create(t, `{"name":"ownerless","owner":"B"}`)
	if got := legacy.get(t, mine.ID); got.Owner == nil || *got.Owner != "B" {
		t.Errorf("legacy system admin reads %+v", got)
	}
	resp, body := legacy.do(t, "GET", "/v2/images", nil, "")
	mustStatus(t, "legacy system admin lists", resp, body, http.StatusOK)
}
