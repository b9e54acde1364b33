package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/dal"
	"github.com/spf13/cobra"
)

// configFlags are oslo.config's command-line options.
type configFlags struct {
	files []string
	dirs  []string
}

func (f *configFlags) register(cmd *cobra.Command) {
	cmd.PersistentFlags().StringArrayVar(&f.files, "config-file", nil, "path to a config file to use (repeatable; later files override earlier ones)")
	cmd.PersistentFlags().StringArrayVar(&f.dirs, "config-dir", nil, "path to a directory of *.conf files applied after --config-file (repeatable)")
}

func (f *configFlags) load() (*configs.Config, error) {
	return configs.Load(f.files, f.dirs)
}

// newRootCommand builds the command tree. ready, when set, receives the
// API server's listening address (tests use it to find a random port).
func newRootCommand(stdout, stderr io.Writer, ready chan<- net.Addr) *cobra.Command {
	var flags configFlags
	root := &cobra.Command{
		Use:           "glance",
		Short:         "OpenStack Image API v2 service",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	flags.register(root)
	root.SetOut(stdout)
	root.SetErr(stderr)
	api := &cobra.Command{
		Use:   "api",
		Short: "Serve the Image API v2 (glance-api)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := flags.load()
			if err != nil {
				return err
			}
			return serve(cmd.Context(), cfg, stderr, ready)
		},
	}
	api.AddCommand(policyCommand(&flags, stdout))
	manage := manageCommand(&flags, stdout)
	manage.AddCommand(policyCommand(&flags, stdout))
	root.AddCommand(api, manage)
	return root
}

func manageCommand(flags *configFlags, stdout io.Writer) *cobra.Command {
	manage := &cobra.Command{Use: "manage", Short: "Manage the database (glance-manage)"}
	db := &cobra.Command{Use: "db", Short: "Database schema commands"}
	sync := func(cmd *cobra.Command, _ []string) error {
		return withDB(cmd.Context(), flags, func(db *dal.DB) error {
			if err := db.Sync(cmd.Context()); err != nil {
				return err
			}
			v, err := db.Version(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Database is synced successfully.\nCurrent revision: %s\n", v)
			return nil
		})
	}
	version := func(cmd *cobra.Command, _ []string) error {
		return withDB(cmd.Context(), flags, func(db *dal.DB) error {
			v, err := db.Version(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, v)
			return nil
		})
	}
	db.AddCommand(
		&cobra.Command{Use: "sync", Short: "Create or upgrade the schema to the newest version", Args: cobra.NoArgs, RunE: sync},
		&cobra.Command{Use: "version", Short: "Print the schema version", Args: cobra.NoArgs, RunE: version},
	)
	manage.AddCommand(db,
		// glance-manage also accepts the underscore spellings.
		&cobra.Command{Use: "db_sync", Short: "Same as db sync", Args: cobra.NoArgs, RunE: sync},
		&cobra.Command{Use: "db_version", Short: "Same as db version", Args: cobra.NoArgs, RunE: version},
	)
	return manage
}

func withDB(ctx context.Context, flags *configFlags, fn func(*dal.DB) error) error {
	cfg, err := flags.load()
	if err != nil {
		return err
	}
	db, err := dal.OpenWith(ctx, cfg.Database.Connection, dal.Options{
		PoolTimeout: time.Duration(cfg.Database.PoolTimeout) * time.Second, NoReadTimeout: true})
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}
