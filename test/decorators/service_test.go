// Package decorators tests the policy and notifier decorators over the
// real image service, SQLite repository and filesystem store; it lives
// outside policy and notifier so that they import only domain.
package decorators

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/dal/daltest"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/store"
	"github.com/go-glance/glance/store/filesystem"
)

// newService is the image service as glance-api builds it, with sizeCap.
func newService(t *testing.T, sizeCap int64) domain.ImageService {
	t.Helper()
	return newServiceOver(t, sizeCap, func(r domain.ImageRepo) domain.ImageRepo { return r })
}

// newServiceOver is newService over wrap(the SQLite repository).
func newServiceOver(t *testing.T, sizeCap int64, wrap func(domain.ImageRepo) domain.ImageRepo) domain.ImageService {
	t.Helper()
	be := daltest.OpenSQLite(t)
	fs, err := filesystem.New(filesystem.Options{Datadir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	stores, err := store.NewRegistry([]*store.Backend{store.NewBackend("file", fs)}, "file", false)
	if err != nil {
		t.Fatal(err)
	}
	return domain.NewImageService(wrap(dal.Images(be.DB)), stores, domain.ImageConfig{
		SizeCap: sizeCap, HashAlgorithm: "sha512", LimitDefault: 25, LimitMax: 1000,
		PropertyQuota: 128, TagQuota: 128, Now: time.Now, NewID: uuid.NewString,
		Logf: func(context.Context, string, ...any) {},
	})
}

func str(s string) *string { return &s }
