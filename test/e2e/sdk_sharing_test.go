package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/go-glance/glance/test/internal/glancetest"
	"github.com/go-glance/glance/test/internal/keystonetest"
	"github.com/go-glance/glance/test/require"
)

// sdkSharing is the JSON document testdata/sdk_sharing.py prints.
type sdkSharing struct {
	Input         sdkDigests `json:"input"`
	MemberProject string     `json:"member_project"`
	OwnerProject  string     `json:"owner_project"`
	Image         string     `json:"image"`
	Created       struct {
		Status     string `json:"status"`
		Visibility string `json:"visibility"`
		Owner      string `json:"owner"`
	} `json:"created"`
	AddedStatus            string     `json:"added_status"`
	OwnerMembers           []string   `json:"owner_members"`
	PendingStatus          string     `json:"pending_status"`
	PendingListed          bool       `json:"pending_listed"`
	PendingListedPending   bool       `json:"pending_listed_pending"`
	AcceptedStatus         string     `json:"accepted_status"`
	OwnerSeesStatus        string     `json:"owner_sees_status"`
	AcceptedListed         bool       `json:"accepted_listed"`
	AcceptedListedAccepted bool       `json:"accepted_listed_accepted"`
	AcceptedListedPending  bool       `json:"accepted_listed_pending"`
	MemberShown            string     `json:"member_shown"`
	Downloaded             sdkDigests `json:"downloaded"`
	OwnerMembersAfter      []string   `json:"owner_members_after"`
	RevokedGet             string     `json:"revoked_get"`
	RevokedDownload        string     `json:"revoked_download"`
	RevokedMember          string     `json:"revoked_member"`
	RevokedListed          bool       `json:"revoked_listed"`
}

// TestOpenStackSDKSharing: with openstacksdk logged in to the real
// Keystone, alpha's member shares an image with beta, beta's member
// accepts and downloads it, alpha revokes it and beta loses it. The
// server runs where Keystone's catalog lists the image service.
func TestOpenStackSDKSharing(t *testing.T) {
	keystonetest.Require(t)
	if _, err := exec.LookPath(systemPython); err != nil {
		require.Missing(t, "%s is not installed", systemPython)
	}
	py := newCLI(t, systemPython)
	if r := py.run(t, "-c", "import openstack"); r.code != 0 {
		require.Missing(t, "openstacksdk is not importable by %s (Debian package python3-openstacksdk; test/setup.sh installs it):\n%s", systemPython, r)
	}
	keystonetest.LockImagePort(t)
	glancetest.MustStart(t, glancetest.Config{
		Dir:  t.TempDir(),
		Port: keystonetest.ImagePort,
		Options: map[string]map[string]string{
			"paste_deploy":       {"flavor": "keystone"},
			"keystone_authtoken": keystonetest.AuthtokenSection(nil),
		},
	})
	script, err := filepath.Abs(filepath.Join("testdata", "sdk_sharing.py"))
	if err != nil {
		t.Fatal(err)
	}
	path, data := glancetest.MustRandomFile(t, py.dir, "disk.img", 1<<20+777)
	want := glancetest.DigestsOf(data)
	owner, member := keystonetest.AlphaMember, keystonetest.BetaMember
	out := py.mustRun(t, script, keystonetest.AuthURL, keystonetest.Region,
		owner.Name, owner.Project, member.Name, member.Project, path)
	var run sdkSharing
	if err := json.Unmarshal([]byte(out), &run); err != nil {
		t.Fatalf("decoding the script's report: %v\n%s", err, out)
	}
	wantDigests := sdkDigests{MD5: want.MD5, SHA512: want.SHA512, Size: want.Size}
	if run.Input != wantDigests {
		t.Fatalf("the script read %+v from the input; want %+v", run.Input, wantDigests)
	}
	alphaProject := keystonetest.MustToken(t, owner).ProjectID
	betaProject := keystonetest.MustToken(t, member).ProjectID

	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"the owner's project", run.OwnerProject, alphaProject},
		{"the member's project", run.MemberProject, betaProject},
		{"created status", run.Created.Status, "active"},
		{"created visibility", run.Created.Visibility, "shared"},
		{"created owner", run.Created.Owner, alphaProject},
		{"added membership's status", run.AddedStatus, "pending"},
		{"the owner lists the membership", run.OwnerMembers, []string{betaProject}},
		{"the member sees its membership pending", run.PendingStatus, "pending"},
		{"a pending image is not in the member's default list", run.PendingListed, false},
		{"it is in the member's list of pending images", run.PendingListedPending, true},
		{"accepted membership's status", run.AcceptedStatus, "accepted"},
		{"the owner sees the answer", run.OwnerSeesStatus, "accepted"},
		{"an accepted image is in the member's default list", run.AcceptedListed, true},
		{"it is in the member's list of accepted images", run.AcceptedListedAccepted, true},
		{"it has left the member's list of pending images", run.AcceptedListedPending, false},
		{"the member shows it", run.MemberShown, run.Image},
		{"the member downloads its bytes", run.Downloaded, wantDigests},
		{"the owner lists no membership after revoking", run.OwnerMembersAfter, []string{}},
		{"the member can no longer show it", run.RevokedGet, "not found: 404"},
		{"the member can no longer download it", run.RevokedDownload, "not found: 404"},
		{"the member can no longer see its membership", run.RevokedMember, "not found: 404"},
		{"the member no longer lists it", run.RevokedListed, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("got %#v; want %#v", c.got, c.want)
			}
		})
	}
	if t.Failed() {
		t.Logf("script report:\n%s", out)
	}
}
