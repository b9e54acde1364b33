//go:build pacific

package glancetest

func init() { serverTags = append(serverTags, "pacific") }
