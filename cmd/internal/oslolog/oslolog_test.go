package oslolog

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"testing"

	"github.com/go-glance/glance/domain"
)

func TestLinesHaveOsloShape(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(New(&buf, false, "glance.api"))
	ctx := domain.WithCaller(context.Background(), &domain.Caller{RequestID: "req-1", UserID: "u", ProjectID: "p"})
	log.InfoContext(ctx, "hello", "status", 200)
	log.Debug("hidden")
	log.Warn("no context")
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ INFO glance\.api \[None req-1 u p - - - -\] hello status: 200
\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ WARNING glance\.api \[-\] no context
$`)
	if !re.MatchString(buf.String()) {
		t.Fatalf("unexpected log output:\n%s", buf.String())
	}
}
