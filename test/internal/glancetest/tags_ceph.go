//go:build ceph

package glancetest

func init() { serverTags = append(serverTags, "ceph") }
