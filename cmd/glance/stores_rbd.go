//go:build ceph

package main

import _ "github.com/go-glance/glance/store/rbd" // registers type "rbd"
