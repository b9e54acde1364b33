package dal

import (
	"gorm.io/gorm"

	"github.com/go-glance/glance/domain"
)

// BeforeWrite makes repo, from Images, run exec(query, args...) inside
// Update's transaction after the image is loaded and changed and before
// it is written, as if another request had got there first.
func BeforeWrite(repo domain.ImageRepo, query string, args ...any) {
	repo.(*imageRepo).beforeWrite = func(tx *gorm.DB, _ string) error {
		return tx.Exec(query, args...).Error
	}
}
