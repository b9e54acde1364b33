// Command glance is the image service as one multi-call binary: invoked
// as glance-api (or "glance api") it serves the Image API v2; as
// glance-manage (or "glance manage") it creates and reports the database
// schema.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	args := os.Args[1:]
	switch filepath.Base(os.Args[0]) {
	case "glance-api":
		args = append([]string{"api"}, args...)
	case "glance-manage":
		args = append([]string{"manage"}, args...)
	}
	cmd := newRootCommand(os.Stdout, os.Stderr, nil)
	cmd.SetArgs(args)
	if err := cmd.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ERROR:", err)
		os.Exit(1)
	}
}
