package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-glance/glance/cmd/internal/oslolog"
	"github.com/go-glance/glance/configs"
	"github.com/go-glance/glance/dal"
	"github.com/go-glance/glance/domain"
	"github.com/go-glance/glance/gateway"
	"github.com/go-glance/glance/notifier"
	"github.com/go-glance/glance/policy"
	"github.com/go-glance/glance/schemas"
	"github.com/google/uuid"
)

// serve runs the API until ctx ends, then drains in-flight requests.
func serve(ctx context.Context, cfg *configs.Config, stderr io.Writer, ready chan<- net.Addr) error {
	logger, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		return err
	}
	defer closeLog()
	for _, u := range cfg.Unknown {
		logger.Debug("Ignoring unknown option " + u)
	}
	for _, d := range cfg.Deprecated {
		logger.Warn("Deprecated option: " + d)
	}
	for _, o := range cfg.NotActedOn {
		logger.Warn(o)
	}
	if _, unserved := gateway.ImportMethods(cfg.Default.EnabledImportMethods); len(unserved) > 0 && cfg.IsSet("DEFAULT", "enabled_import_methods") {
		logger.Warn("[DEFAULT] enabled_import_methods names " + strings.Join(unserved, ", ") + ", which this version does not serve; they are not advertised")
	}
	mode := cfg.AuthMode()
	var tokens gateway.Tokens
	var authenticateURI string
	if mode == configs.AuthKeystone {
		v, uri, err := newTokens(cfg, logger)
		if err != nil {
			return err
		}
		tokens, authenticateURI = v, uri
	}

	db, err := dal.OpenWith(ctx, cfg.Database.Connection, dal.Options{
		PoolTimeout: time.Duration(cfg.Database.PoolTimeout) * time.Second, Logger: logger})
	if err != nil {
		return err
	}
	defer db.Close()
	// Only the embedded SQLite database is created on the fly; a shared
	// database's schema belongs to glance-manage, as in Glance.
	if isSQLite(cfg.Database.Connection) {
		if err := db.Sync(ctx); err != nil {
			return fmt.Errorf("creating the SQLite schema: %w", err)
		}
	} else if _, err := db.Version(ctx); err != nil {
		return fmt.Errorf("database not ready (run glance-manage db sync): %w", err)
	}

	// Another server sharing the database and the datadir may be writing
	// an upload now, so only old partial files are surely abandoned; the
	// owner of an embedded database has no such peer.
	staleAfter := time.Hour
	if isSQLite(cfg.Database.Connection) {
		staleAfter = 0
	}
	stores, infos, err := newStores(ctx, cfg, logger, staleAfter)
	if err != nil {
		return err
	}
	checkCatalogue(ctx, cfg, db, logger)
	if isSQLite(cfg.Database.Connection) {
		// This process owns the embedded database, so an image still
		// saving was cut off by a crash: remove what its upload stored
		// and let its owner upload again.
		ids, err := domain.RecoverUploads(ctx, dal.Images(db), stores, time.Now().UTC())
		if err != nil {
			return fmt.Errorf("recovering interrupted uploads: %w", err)
		}
		for _, id := range ids {
			logger.Warn("Image " + id + " was left saving by an interrupted upload; it is queued again")
		}
	}
	sch, err := schemas.New(schemas.Options{DiskFormats: cfg.ImageFormat.DiskFormats, ContainerFormats: cfg.ImageFormat.ContainerFormats})
	if err != nil {
		return err
	}
	enforcer, err := newEnforcer(cfg)
	if err != nil {
		return err
	}
	protections, err := newProtections(cfg, enforcer)
	if err != nil {
		return err
	}
	warnPolicy(cfg, enforcer, protections, logger)
	d := cfg.Default
	quotas, err := newQuotas(cfg, db, logger)
	if err != nil {
		return err
	}
	var images domain.ImageService = domain.NewImageService(dal.Images(db), stores, domain.ImageConfig{
		SizeCap:               d.ImageSizeCap,
		HashAlgorithm:         d.HashingAlgorithm,
		LimitDefault:          d.LimitParamDefault,
		LimitMax:              d.APILimitMax,
		PropertyQuota:         d.ImagePropertyQuota,
		TagQuota:              d.ImageTagQuota,
		DelayedDelete:         d.DelayedDelete,
		Quotas:                quotas,
		ShowMultipleLocations: d.ShowMultipleLocations,
		LocationQuota:         d.ImageLocationQuota,
		Locations:             locationStrategy(d),
		Now:                   time.Now,
		NewID:                 uuid.NewString,
		Logf: func(ctx context.Context, format string, args ...any) {
			logger.WarnContext(ctx, fmt.Sprintf(format, args...))
		},
	})
	if pd, ok := dal.Images(db).(domain.PendingDeletes); ok {
		purgeCtx, stopPurge := context.WithCancel(ctx)
		purged := make(chan struct{})
		go func() {
			defer close(purged)
			runPurge(purgeCtx, pd, stores, logger, defaultPurge)
		}()
		defer func() { stopPurge(); <-purged }() // before the database closes
	}
	var members domain.MemberService = domain.NewMemberService(dal.Images(db), dal.Members(db), domain.MemberConfig{
		Quota: d.ImageMemberQuota, Now: time.Now})
	plain := images
	if sink := newSink(cfg, logger); sink != nil {
		images = notifier.NewImages(images, sink)
		members = notifier.NewMembers(members, sink)
	}
	images = policy.NewImages(images, enforcer, protections)
	members = policy.NewMembers(members, plain, enforcer)

	maxRequestID := d.MaxRequestIDLength
	if maxRequestID == 0 {
		// Glance checks the length only when the limit is above 0.
		maxRequestID = math.MaxInt
	}
	api := gateway.New(gateway.Config{
		Auth:                  gatewayAuth(mode),
		Tokens:                tokens,
		AuthenticateURI:       authenticateURI,
		AllowAnonymous:        d.AllowAnonymousAccess,
		MaxRequestIDLength:    maxRequestID,
		PublicEndpoint:        d.PublicEndpoint,
		ImportMethods:         d.EnabledImportMethods,
		ShowDirectURL:         d.ShowImageDirectURL,
		ShowMultipleLocations: d.ShowMultipleLocations,
		DirectURL:             directURL(stores),
		MultiStore:            cfg.MultiStore(),
		Stores:                infos,
		Schemas:               sch,
		Logger:                logger.With("logger", "glance.api"),
		Authorize:             enforcer.Authorize,
		IsAdmin:               enforcer.IsAdmin,
		Health:                db.Check,
		Quotas:                &gateway.Quotas{Tags: d.ImageTagQuota, Properties: d.ImagePropertyQuota},
		Usage:                 quotas.Report,
		MaxHeaderLine:         d.MaxHeaderLine,
		ClientSocketTimeout:   time.Duration(d.ClientSocketTimeout) * time.Second,
	}, images, members)

	ln, err := net.Listen("tcp", net.JoinHostPort(d.BindHost, strconv.Itoa(d.BindPort)))
	if err != nil {
		return fmt.Errorf("[DEFAULT] bind_host/bind_port: %w", err)
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 30 * time.Second, MaxHeaderBytes: gateway.MaxHeaderBytes, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	if d.ClientSocketTimeout > 0 {
		srv.IdleTimeout = time.Duration(d.ClientSocketTimeout) * time.Second
	}
	logger.Info("Serving the Image API on http://" + ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("Shutting down: draining in-flight requests")
	shutdown, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newQuotas builds the quotas that depend on a project's usage: the
// unified limits with use_keystone_limits, else user_storage_quota; nil
// when neither is configured.
func newQuotas(cfg *configs.Config, db *dal.DB, logger *slog.Logger) (*domain.Quotas, error) {
	if !cfg.Default.UseKeystoneLimits {
		return domain.NewQuotas(dal.Usage(db), cfg.Default.UserStorageQuota, nil), nil
	}
	limits, err := newLimits(cfg, logger)
	if err != nil {
		return nil, err
	}
	return domain.NewQuotas(dal.Usage(db), 0, limits), nil
}

func gatewayAuth(mode string) string {
	switch mode {
	case configs.AuthTrusted:
		return gateway.AuthTrusted
	case configs.AuthKeystone:
		return gateway.AuthKeystone
	}
	return gateway.AuthNone
}

func isSQLite(conn string) bool { return strings.HasPrefix(conn, "sqlite") }

// newLogger writes oslo-style lines to log_file (under log_dir) or stderr.
func newLogger(cfg *configs.Config, stderr io.Writer) (*slog.Logger, func(), error) {
	w, closeFn := stderr, func() {}
	if path := cfg.LogPath(); path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, nil, fmt.Errorf("[DEFAULT] log_file: %w", err)
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("[DEFAULT] log_file: %w", err)
		}
		w, closeFn = f, func() { f.Close() }
		if cfg.Default.UseStderr {
			w = io.MultiWriter(f, stderr)
		}
	}
	return slog.New(oslolog.New(w, cfg.Default.Debug, "glance.cmd.api")), closeFn, nil
}

// newSink picks the notification sink, or nil when nothing listens (the
// notifier decorator is then left out of the chain).
func newSink(cfg *configs.Config, logger *slog.Logger) domain.Sink {
	for _, d := range cfg.Notification.Drivers {
		switch d {
		case "log":
			return notifier.Log{Logger: logger.With("logger", "oslo.messaging.notification")}
		case "messaging", "messagingv2", "routing":
			logger.Warn("Notification driver " + d + " is not available in this version; notifications are dropped")
		}
	}
	return nil
}

// locationStrategy is location_strategy with its store types.
func locationStrategy(d configs.DefaultSection) domain.LocationStrategy {
	if d.LocationStrategy != "store_type" {
		return domain.LocationStrategy{}
	}
	return domain.LocationStrategy{StoreTypes: d.StoreTypePreference}
}
