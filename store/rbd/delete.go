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
	return d.removeImage(ctx, ioctx, loc.pool, loc.image, snaps)
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
	if err := d.removeImage(ctx, ioctx, d.o.Pool, id, nil); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// removeImage removes image name of pool (ioctx's) after its snapshots
// snaps (all it has when snaps is nil). A snapshot that is missing is skipped, one with
// clones refused with ErrInUse. Errors: ErrNotFound for a missing
// image; ErrInUse; ErrUnavailable.
func (d *Driver) removeImage(ctx context.Context, ioctx *rados.IOContext, pool, name string, snaps []string) error {
	if snaps == nil {
		img, err := d.handles.open(ioctx, pool, name, rbd.NoSnapshot, true)
		if err != nil {
			return fmt.Errorf("rbd: opening image %s: %w", name, classify(err, store.ErrNotFound))
		}
		infos, err := img.GetSnapshotNames()
		d.handles.close(img)
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
		if err := d.removeSnapshot(ioctx, pool, name, snap); err != nil {
			return err
		}
	}
	if err := rbd.RemoveImage(ioctx, name); err != nil {
		return fmt.Errorf("rbd: removing image %s: %w", name, classify(err, store.ErrNotFound))
	}
	return nil
}

// removeSnapshot unprotects and removes snapshot snap of image name of
// pool, unless volumes were cloned from it (ErrInUse). A missing image is
// ErrNotFound; a missing snapshot, no error.
func (d *Driver) removeSnapshot(ioctx *rados.IOContext, pool, name, snap string) error {
	at, err := d.handles.open(ioctx, pool, name, snap, true)
	if hasErrno(err, syscall.ENOENT) {
		// Either the image is missing, which removing it tells, or
		// the snapshot, which there is then no need to remove.
		return nil
	}
	if err != nil {
		return fmt.Errorf("rbd: opening %s@%s: %w", name, snap, classify(err, store.ErrNotFound))
	}
	_, clones, err := at.ListChildren()
	d.handles.close(at)
	if err != nil {
		return fmt.Errorf("rbd: listing clones of %s@%s: %w", name, snap, classify(err, store.ErrNotFound))
	}
	if len(clones) > 0 {
		return fmt.Errorf("rbd: snapshot %s@%s has clones %v: %w", name, snap, clones, store.ErrInUse)
	}
	img, err := d.handles.open(ioctx, pool, name, rbd.NoSnapshot, false)
	if err != nil {
		return fmt.Errorf("rbd: opening image %s: %w", name, classify(err, store.ErrNotFound))
	}
	defer d.handles.close(img)
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

// InUse returns ErrInUse while volumes cloned from the snapshot of the
// image url names exist. Data that is missing is not in use.
func (d *Driver) InUse(ctx context.Context, url string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	loc, err := d.locate(url)
	if err != nil {
		return err
	}
	if loc.snapshot == "" {
		return nil // Glance's old form has no snapshot to clone from
	}
	ioctx, _, err := d.ioctx(loc.pool, store.ErrNotFound)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer d.release(ioctx)
	at, err := d.handles.open(ioctx, loc.pool, loc.image, loc.snapshot, true)
	if hasErrno(err, syscall.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("rbd: opening %s@%s: %w", loc.image, loc.snapshot, classify(err, store.ErrNotFound))
	}
	defer d.handles.close(at)
	_, clones, err := at.ListChildren()
	if err != nil {
		return fmt.Errorf("rbd: listing clones of %s@%s: %w", loc.image, loc.snapshot, classify(err, store.ErrNotFound))
	}
	if len(clones) > 0 {
		return fmt.Errorf("rbd: snapshot %s@%s has clones %v: %w", loc.image, loc.snapshot, clones, store.ErrInUse)
	}
	return nil
}
