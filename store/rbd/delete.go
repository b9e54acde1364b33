//go:build ceph

package rbd

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/ceph/go-ceph/rados"
	"github.com/ceph/go-ceph/rbd"

	"github.com/go-glance/glance/store"
)

// Delete removes the image url names with its snapshot, unprotecting
// it first, as Glance does. While volumes cloned from the snapshot
// exist it refuses with ErrInUse and leaves both.
func (d *Driver) Delete(ctx context.Context, url string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	loc, err := d.locate(url)
	if err != nil {
		return err
	}
	ioctx, _, err := d.ioctx(loc.pool, store.ErrNotFound)
	if err != nil {
		return err
	}
	defer d.release(ioctx)
	snaps := []string{}
	if loc.snapshot != "" {
		snaps = append(snaps, loc.snapshot)
	}
	return removeImage(ctx, ioctx, loc.image, snaps)
}

// Discard removes image id whatever state a crash left it in: with all
// its snapshots, protected or not. A missing image is no error.
func (d *Driver) Discard(ctx context.Context, id string) error {
	if err := checkName(id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ioctx, _, err := d.ioctx(d.o.Pool, store.ErrUnavailable)
	if err != nil {
		return err
	}
	defer d.release(ioctx)
	if err := removeImage(ctx, ioctx, id, nil); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// removeImage removes image name after its snapshots snaps (all it has
// when snaps is nil). A snapshot that is missing is skipped, one with
// clones refused with ErrInUse. Errors: ErrNotFound for a missing
// image; ErrInUse; ErrUnavailable.
func removeImage(ctx context.Context, ioctx *rados.IOContext, name string, snaps []string) error {
	if snaps == nil {
		img, err := rbd.OpenImageReadOnly(ioctx, name, rbd.NoSnapshot)
		if err != nil {
			return fmt.Errorf("rbd: opening image %s: %w", name, classify(err, store.ErrNotFound))
		}
		infos, err := img.GetSnapshotNames()
		img.Close()
		if err != nil {
			return fmt.Errorf("rbd: listing snapshots of %s: %w", name, classify(err, store.ErrNotFound))
		}
		snaps = []string{}
		for _, s := range infos {
			snaps = append(snaps, s.Name)
		}
	}
	for _, snap := range snaps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := removeSnapshot(ioctx, name, snap); err != nil {
			return err
		}
	}
	if err := rbd.RemoveImage(ioctx, name); err != nil {
		return fmt.Errorf("rbd: removing image %s: %w", name, classify(err, store.ErrNotFound))
	}
	return nil
}

// removeSnapshot unprotects and removes snapshot snap of image name,
// unless volumes were cloned from it (ErrInUse). A missing image is
// ErrNotFound; a missing snapshot, no error.
func removeSnapshot(ioctx *rados.IOContext, name, snap string) error {
	at, err := rbd.OpenImageReadOnly(ioctx, name, snap)
	if hasErrno(err, syscall.ENOENT) {
		// Either the image is missing, which removing it tells, or
		// the snapshot, which there is then no need to remove.
		return nil
	}
	if err != nil {
		return fmt.Errorf("rbd: opening %s@%s: %w", name, snap, classify(err, store.ErrNotFound))
	}
	_, clones, err := at.ListChildren()
	at.Close()
	if err != nil {
		return fmt.Errorf("rbd: listing clones of %s@%s: %w", name, snap, classify(err, store.ErrNotFound))
	}
	if len(clones) > 0 {
		return fmt.Errorf("rbd: snapshot %s@%s has clones %v: %w", name, snap, clones, store.ErrInUse)
	}
	img, err := rbd.OpenImage(ioctx, name, rbd.NoSnapshot)
	if err != nil {
		return fmt.Errorf("rbd: opening image %s: %w", name, classify(err, store.ErrNotFound))
	}
	defer img.Close()
	s := img.GetSnapshot(snap)
	// EINVAL: the snapshot is not protected (any more).
	if err := s.Unprotect(); err != nil && !hasErrno(err, syscall.EINVAL) && !hasErrno(err, syscall.ENOENT) {
		return fmt.Errorf("rbd: unprotecting %s@%s: %w", name, snap, classify(err, store.ErrNotFound))
	}
	if err := s.Remove(); err != nil && !hasErrno(err, syscall.ENOENT) {
		return fmt.Errorf("rbd: removing %s@%s: %w", name, snap, classify(err, store.ErrNotFound))
	}
	return nil
}
