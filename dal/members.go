package dal

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// memberRepo is the domain.MemberRepo over Glance's image_members table.
type memberRepo struct{ db *DB }

// Members returns the membership repository of db. Its methods return
// NotFound, Conflict and TooLarge as domain.MemberRepo documents them,
// and Internal for anything unexpected.
func Members(db *DB) domain.MemberRepo { return &memberRepo{db: db} }

var _ domain.MemberRepo = (*memberRepo)(nil)

const memberColumns = "image_members.image_id, image_members.member, image_members.status, " +
	"image_members.created_at, image_members.updated_at"

// memberVisibleTo limits memberships to those v sees: an admin every
// one; others those of images their project owns, and their own.
func memberVisibleTo(v domain.Viewer) (string, []any) {
	if v.Admin {
		return "", nil
	}
	return ` AND (image_members.member = ? OR EXISTS (SELECT 1 FROM images
		WHERE images.id = image_members.image_id AND images.owner = ?))`, []any{v.ProjectID, v.ProjectID}
}

func scanMembers(q *gorm.DB, query string, args ...any) ([]*domain.Member, error) {
	rows, err := q.Raw(query, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var members []*domain.Member
	for rows.Next() {
		var m domain.Member
		var status string
		var created, updated timestamp
		if err := rows.Scan(&m.ImageID, &m.MemberID, &status, &created, &updated); err != nil {
			return nil, err
		}
		m.Status = domain.MemberStatus(status)
		m.CreatedAt = created.Time
		m.UpdatedAt = updated.Time
		if !updated.Valid {
			m.UpdatedAt = m.CreatedAt
		}
		members = append(members, &m)
	}
	return members, rows.Err()
}

func (r *memberRepo) List(ctx context.Context, imageID string, v domain.Viewer) ([]*domain.Member, error) {
	cond, args := memberVisibleTo(v)
	members, err := scanMembers(r.db.read(ctx), "SELECT "+memberColumns+
		" FROM image_members WHERE image_members.image_id = ? AND image_members.deleted = 0"+cond+
		" ORDER BY image_members.created_at, image_members.id", append([]any{imageID}, args...)...)
	return members, internal(err, "Failed to read the image's members")
}

func (r *memberRepo) Get(ctx context.Context, imageID, memberID string, v domain.Viewer) (*domain.Member, error) {
	m, err := r.get(r.db.read(ctx), imageID, memberID, v)
	return m, internal(err, "Failed to read the image member")
}

func (r *memberRepo) get(q *gorm.DB, imageID, memberID string, v domain.Viewer) (*domain.Member, error) {
	cond, args := memberVisibleTo(v)
	members, err := scanMembers(q, "SELECT "+memberColumns+
		" FROM image_members WHERE image_members.image_id = ? AND image_members.member = ? AND image_members.deleted = 0"+cond,
		append([]any{imageID, memberID}, args...)...)
	if err != nil {
		return nil, err
	}
	if len(members) == 0 {
		return nil, domain.Errorf(domain.KindNotFound, "%s not found in the member list of the image %s.", memberID, imageID)
	}
	return members[0], nil
}

func (r *memberRepo) Add(ctx context.Context, m *domain.Member, quota int) error {
	d := r.db.dialect
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		// The image's row lock orders concurrent adds (SQLite's write
		// transactions are already one at a time).
		if err := lockImage(tx, d, m.ImageID); err != nil {
			return err
		}
		var count int64
		if err := tx.Raw("SELECT COUNT(*) FROM image_members WHERE image_id = ? AND deleted = 0", m.ImageID).Scan(&count).Error; err != nil {
			return err
		}
		if quota >= 0 && int(count)+1 > quota {
			return domain.Errorf(domain.KindTooLarge, "The limit has been exceeded on the number of allowed image members for this image. Attempted: %d, Maximum: %d", count+1, quota)
		}
		var live []int64
		if err := tx.Raw("SELECT id FROM image_members WHERE image_id = ? AND member = ? AND deleted = 0", m.ImageID, m.MemberID).Scan(&live).Error; err != nil {
			return err
		}
		if len(live) > 0 {
			return domain.Errorf(domain.KindConflict, "The target member %s is already associated with image %s.", m.MemberID, m.ImageID)
		}
		// One row stands for the membership of a project in an image, as
		// in Glance: a deleted one comes back.
		var deleted []int64
		if err := tx.Raw("SELECT id FROM image_members WHERE image_id = ? AND member = ? AND deleted = 1 ORDER BY deleted_at DESC, id DESC",
			m.ImageID, m.MemberID).Scan(&deleted).Error; err != nil {
			return err
		}
		if len(deleted) > 0 {
			return tx.Exec(`UPDATE image_members SET status = ?, created_at = ?, updated_at = ?, deleted = 0, deleted_at = NULL
				WHERE id = ?`, string(m.Status), d.at(m.CreatedAt), d.at(m.UpdatedAt), deleted[0]).Error
		}
		return tx.Exec(`INSERT INTO image_members (image_id, member, can_share, created_at, updated_at, deleted_at, deleted, status)
			VALUES (?, ?, 0, ?, ?, NULL, 0, ?)`, m.ImageID, m.MemberID, d.at(m.CreatedAt), d.at(m.UpdatedAt), string(m.Status)).Error
	})
	return internal(err, "Failed to add the image member")
}

// lockImage locks image id's row until the transaction ends, or returns
// NotFound when the image is gone.
func lockImage(tx *gorm.DB, d dialect, id string) error {
	var ids []string
	if err := tx.Raw("SELECT id FROM images WHERE id = ? AND deleted = 0"+d.forUpdate(), id).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return notFound(id)
	}
	return nil
}

func (r *memberRepo) SetStatus(ctx context.Context, imageID, memberID string, status domain.MemberStatus, now time.Time) (*domain.Member, error) {
	var m *domain.Member
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE image_members SET status = ?, updated_at = ? WHERE image_id = ? AND member = ? AND deleted = 0",
			string(status), r.db.dialect.at(now), imageID, memberID)
		if res.Error != nil {
			return res.Error
		}
		var err error
		m, err = r.get(tx, imageID, memberID, domain.Viewer{Admin: true})
		return err
	})
	return m, internal(err, "Failed to update the image member")
}

func (r *memberRepo) Remove(ctx context.Context, imageID, memberID string, now time.Time) error {
	at := r.db.dialect.at(now)
	err := r.db.write(ctx, func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE image_members SET deleted = 1, deleted_at = ?, updated_at = ? WHERE image_id = ? AND member = ? AND deleted = 0",
			at, at, imageID, memberID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return domain.Errorf(domain.KindNotFound, "%s not found in the member list of the image %s.", memberID, imageID)
		}
		return nil
	})
	return internal(err, fmt.Sprintf("Failed to remove member %s of image %s", memberID, imageID))
}
