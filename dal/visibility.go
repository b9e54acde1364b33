package dal

import "github.com/go-glance/glance/domain"

// visibleTo is the condition on images under which v may see an image:
// admins see every image; others see public and community images, their
// project's images, and shared images their project is a member of.
// memberStatus, when not empty, narrows the last to memberships in that
// status (listing's member_status).
func visibleTo(v domain.Viewer, memberStatus string) (string, []any) {
	if v.Admin {
		return "1 = 1", nil
	}
	if v.ProjectID == "" {
		return "images.visibility IN ('public', 'community')", nil
	}
	member := `EXISTS (SELECT 1 FROM image_members
		WHERE image_members.image_id = images.id AND image_members.member = ? AND +image_members.deleted = 0`
	args := []any{v.ProjectID, v.ProjectID}
	if memberStatus != "" {
		member += " AND image_members.status = ?"
		args = append(args, memberStatus)
	}
	return `(images.visibility IN ('public', 'community') OR images.owner = ?
		OR (images.visibility = 'shared' AND ` + member + `)))`, args
}
