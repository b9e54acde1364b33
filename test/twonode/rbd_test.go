//go:build ceph

package twonode

import (
	"strings"
	"testing"

	"github.com/go-glance/glance/test/internal/cephtest"
)

// With -tags ceph,pacific the nodes are built with the rbd driver and
// share the test cluster's pool as a third backend.
func init() { backendKinds = append(backendKinds, rbdBackend) }

func rbdBackend() backend {
	return backend{
		name: "blocks", typ: "rbd",
		section: func(t *testing.T) map[string]string {
			cephtest.Require(t)
			return map[string]string{
				"rbd_store_pool":       cephtest.Pool,
				"rbd_store_user":       cephtest.User,
				"rbd_store_ceph_conf":  cephtest.Conf,
				"rbd_store_chunk_size": "1",
			}
		},
		// Other tests share the pool: only names of this image count.
		holds: func(t *testing.T, id string) []string {
			var held []string
			for _, name := range cephtest.RBDImages(t) {
				if strings.HasPrefix(name, id) {
					held = append(held, "rbd image "+name)
				}
			}
			return held
		},
	}
}
