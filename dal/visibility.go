package dal

import "github.com/go-glance/glance/domain"

// visibleTo is the condition on images under which v may see an image:
// admins see every image; others see public and community images, their
// project's images, and shared images their project is a member of.
// memberStatus, when not empty, narrows the last to memberships in that
// status (listing's member_status).
//
// The unary pluses keep SQLite from gathering every visible image
// through the visibility and owner indexes and sorting them all: reading
// images in the listing's order and stopping at the page's end is what
// pays when most images are visible, as public ones make them. (MySQL
// ignores the pluses and plans from its statistics.)
func visibleTo(v domain.Viewer, memberStatus string) (string, []any) {
	if v.Admin {
		return "1 = 1", nil
	}
	if v.ProjectID == "" {
		return "+images.visibility IN ('public', 'community')", nil
	}
	member := `EXISTS (SELECT 1 FROM image_members
		WHERE image_members.image_id = images.id AND image_members.member = ? AND +image_members.deleted = 0`
	args := []any{v.ProjectID, v.ProjectID}
	if memberStatus != "" {
		member += " AND image_members.status = ?"
		args = append(args, memberStatus)
	}
	return `(+images.visibility IN ('public', 'community') OR +images.owner = ?
		OR (+images.visibility = 'shared' AND ` + member + `)))`, args
}
