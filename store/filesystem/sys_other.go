//go:build !linux

package filesystem

import "os"

// checkSpace and startWriteback are only hints; without Linux's
// fstatfs and sync_file_range the store goes without them.
func checkSpace(*os.File, int64) error { return nil }

func startWriteback(*os.File, int64, int64) {}

func dropBehind(*os.File, int64, int64) {}
