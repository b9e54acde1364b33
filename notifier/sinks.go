package notifier

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/go-glance/glance/domain"
)

// Noop drops every notification ([oslo_messaging_notifications]
// driver = noop, the default).
type Noop struct{}

// Notify implements domain.Sink.
func (Noop) Notify(context.Context, domain.Notification) {}

// Log writes notifications to the service log (driver = log).
type Log struct{ Logger *slog.Logger }

// Notify implements domain.Sink.
func (l Log) Notify(ctx context.Context, n domain.Notification) {
	payload, _ := json.Marshal(n.Payload)
	l.Logger.InfoContext(ctx, "Notification "+n.EventType+" "+string(payload))
}
