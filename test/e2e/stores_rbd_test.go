//go:build ceph

package e2e

import (
	"testing"

	"github.com/go-glance/glance/test/internal/cephtest"
)

// With -tags ceph,pacific the server is built with the rbd driver and
// the clients drive an RBD backend on the test cluster's pool too.
func init() { cliBackendKinds = append(cliBackendKinds, rbdCLIBackend) }

func rbdCLIBackend(t *testing.T) cliBackend {
	cephtest.Require(t)
	return cliBackend{
		name: "blocks", typ: "rbd",
		options: map[string]string{
			"rbd_store_pool":      cephtest.Pool,
			"rbd_store_user":      cephtest.User,
			"rbd_store_ceph_conf": cephtest.Conf,
		},
		// Other tests share the pool; named keeps this image's.
		holds: func(t *testing.T, id string) []string { return named(cephtest.RBDImages(t), id) },
	}
}
