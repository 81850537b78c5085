package emulator

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/dashboard"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// isUI reports a dashboard request. Its own requests (pages, assets, the
// live feed) stay out of the journal, or watching the journal would fill it,
// and are logged at debug level only.
func isUI(path string) bool {
	return path == dashboard.Prefix || strings.HasPrefix(path, dashboard.Prefix+"/")
}

// logRequest writes the console's line for one request: info level, unless
// Config.Quiet turns these lines off.
func (e *Emulator) logRequest(r *http.Request, status int, took time.Duration, info *platform.RequestInfo) {
	if e.cfg.Quiet {
		return
	}
	level := slog.LevelInfo
	if isUI(r.URL.Path) {
		level = slog.LevelDebug
	}
	log := e.cfg.Logger
	if !log.Enabled(context.Background(), level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
		slog.Float64("duration_ms", float64(took.Microseconds())/1000),
	}
	if info.Provider != "" {
		attrs = append(attrs, slog.String("provider", info.Provider))
	}
	if info.Tenant != "" {
		attrs = append(attrs, slog.String("tenant", info.Tenant))
	}
	if info.Scenario != "" {
		attrs = append(attrs, slog.String("scenario", info.Scenario))
	}
	log.LogAttrs(context.Background(), level, "request", attrs...)
}
