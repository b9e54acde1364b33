package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/go-glance/glance/domain"
)

// purgeSchedule says when the clean-up of image data that deletes could
// not remove runs: at start, then every idle; after a pass that left
// data, again after retry, which doubles up to maxRetry while data
// remains. pass bounds one pass.
type purgeSchedule struct {
	retry, maxRetry, idle, pass time.Duration
}

var defaultPurge = purgeSchedule{retry: time.Minute, maxRetry: 30 * time.Minute, idle: 10 * time.Minute, pass: 10 * time.Minute}

// runPurge removes, until ctx ends, the data that deletes recorded
// because its store could not be reached (see domain.PendingDeletes).
// Several servers sharing a database may run it at once: removing data
// already gone counts as done.
func runPurge(ctx context.Context, repo domain.PendingDeletes, stores domain.Stores, logger *slog.Logger, s purgeSchedule) {
	logf := func(ctx context.Context, format string, args ...any) {
		logger.InfoContext(ctx, fmt.Sprintf(format, args...))
	}
	retry := s.retry
	for {
		pass, cancel := context.WithTimeout(ctx, s.pass)
		_, left, err := domain.PurgePendingDeletes(pass, repo, stores, logf)
		cancel()
		if ctx.Err() != nil {
			return
		}
		next := s.idle
		switch {
		case err != nil:
			logger.Warn("Could not clean up the image data deletes left: "+err.Error(), "retry_in", retry.String())
			next, retry = retry, min(2*retry, s.maxRetry)
		case left > 0:
			logger.Warn(fmt.Sprintf("The image data of %d deleted location(s) could not be removed yet", left), "retry_in", retry.String())
			next, retry = retry, min(2*retry, s.maxRetry)
		default:
			retry = s.retry
		}
		t := time.NewTimer(next)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
