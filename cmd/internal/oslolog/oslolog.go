// Package oslolog formats log records as oslo.log does, so that the
// service's logs read like Glance's and Kolla's fluentd parses them:
//
//	2026-11-24 10:00:00.123 4242 INFO glance.api [None req-… user project - - - -] message
package oslolog

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/go-glance/glance/domain"
)

// Handler is a slog.Handler writing oslo-style lines.
type Handler struct {
	mu    *sync.Mutex
	w     io.Writer
	level slog.Leveler
	name  string
	pid   string
	attrs []slog.Attr
}

// New returns a handler writing to w at level (debug when debug is set,
// else info) under logger name.
func New(w io.Writer, debug bool, name string) *Handler {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	return &Handler{mu: &sync.Mutex{}, w: w, level: level, name: name, pid: strconv.Itoa(os.Getpid())}
}

// Enabled implements slog.Handler.
func (h *Handler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level.Level() }

// WithAttrs implements slog.Handler.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append([]slog.Attr(nil), h.attrs...)
	for _, a := range attrs {
		if a.Key == "logger" {
			c.name = a.Value.String()
			continue
		}
		c.attrs = append(c.attrs, a)
	}
	return &c
}

// WithGroup implements slog.Handler; groups are flattened.
func (h *Handler) WithGroup(string) slog.Handler { return h }

func levelName(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "ERROR"
	case l >= slog.LevelWarn:
		return "WARNING"
	case l >= slog.LevelInfo:
		return "INFO"
	}
	return "DEBUG"
}

// Handle implements slog.Handler.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	b := make([]byte, 0, 256)
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	b = t.AppendFormat(b, "2006-01-02 15:04:05.000")
	b = append(b, ' ')
	b = append(b, h.pid...)
	b = append(b, ' ')
	b = append(b, levelName(r.Level)...)
	b = append(b, ' ')
	name := h.name
	attrs := append([]slog.Attr(nil), h.attrs...)
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "logger" {
			name = a.Value.String()
		} else {
			attrs = append(attrs, a)
		}
		return true
	})
	b = append(b, name...)
	b = append(b, " ["...)
	if c, ok := callerOf(ctx); ok {
		b = append(b, "None "...)
		b = append(b, dash(c.RequestID)...)
		b = append(b, ' ')
		b = append(b, dash(c.UserID)...)
		b = append(b, ' ')
		b = append(b, dash(c.ProjectID)...)
		b = append(b, " - - - -"...)
	} else {
		b = append(b, '-')
	}
	b = append(b, "] "...)
	b = append(b, r.Message...)
	for _, a := range attrs {
		b = append(b, ' ')
		b = append(b, a.Key...)
		b = append(b, ": "...)
		b = append(b, a.Value.String()...)
	}
	b = append(b, '\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := h.w.Write(b)
	return err
}

func callerOf(ctx context.Context) (*domain.Caller, bool) {
	if ctx == nil {
		return nil, false
	}
	c := domain.CallerFrom(ctx)
	if c.RequestID == "" {
		return nil, false
	}
	return c, true
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
