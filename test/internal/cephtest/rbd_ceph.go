//go:build ceph

package cephtest

import (
	"testing"

	"github.com/ceph/go-ceph/rados"
	librbd "github.com/ceph/go-ceph/rbd"
)

// Conn connects to the test cluster as client.glance with go-ceph; the
// connection is shut down when the test ends.
func Conn(tb testing.TB) *rados.Conn {
	tb.Helper()
	Require(tb)
	conn, err := rados.NewConnWithUser(User)
	if err != nil {
		tb.Fatal(err)
	}
	if err := conn.ReadConfigFile(Conf); err != nil {
		conn.Shutdown()
		tb.Fatal(err)
	}
	if err := conn.Connect(); err != nil {
		conn.Shutdown()
		tb.Fatalf("connecting to the test cluster: %v", err)
	}
	tb.Cleanup(conn.Shutdown)
	return conn
}

// FSID is the test cluster's fsid, as the cluster tells it.
func FSID(tb testing.TB) string {
	tb.Helper()
	fsid, err := Conn(tb).GetFSID()
	if err != nil {
		tb.Fatal(err)
	}
	return fsid
}

// Clone clones snapshot snap of image parent into a new image clone
// (all in Pool), as Nova and Cinder do; RemoveRBDImage removes it.
func Clone(tb testing.TB, parent, snap, clone string) {
	tb.Helper()
	ioctx, err := Conn(tb).OpenIOContext(Pool)
	if err != nil {
		tb.Fatal(err)
	}
	defer ioctx.Destroy()
	opts := librbd.NewRbdImageOptions()
	defer opts.Destroy()
	if err := opts.SetUint64(librbd.ImageOptionFeatures, librbd.FeatureLayering); err != nil {
		tb.Fatal(err)
	}
	if err := librbd.CloneImage(ioctx, parent, snap, ioctx, clone, opts); err != nil {
		tb.Fatalf("cloning %s@%s into %s: %v", parent, snap, clone, err)
	}
}
