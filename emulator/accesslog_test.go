package emulator_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }

func (l *logBuf) lines(msg string) []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// The console: one info line per request with its tenant and scenario, a
// warning per failed webhook attempt; the dashboard's own requests only at
// debug level.
func TestConsoleLinesForRequestsAndFailedWebhooks(t *testing.T) {
	var log logBuf
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&log, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}))
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusInternalServerError, "no")
	if r := sb.Do(t, http.MethodPost, "/_sandbox/scenarios/msp-declined/arm", map[string]any{"tenant": "console-key"}); r.Status != http.StatusOK {
		t.Fatalf("arm: %d %s", r.Status, r.Body)
	}
	order := map[string]any{"type": "direct", "gateway": "IDEAL", "gateway_info": map[string]any{"issuer_id": "0031"}, "order_id": "console-1", "currency": "EUR",
		"amount": 1000, "description": "Console", "payment_options": map[string]any{"notification_url": rc.URL, "notification_method": "POST",
			"redirect_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"}}
	sb.Do(t, http.MethodPost, "/v1/json/orders", order, "api_key", "console-key")
	sb.Flush()
	if resp, err := http.Get(sb.URL + "/_sandbox/ui"); err == nil { // HTML, not in our OpenAPI files
		resp.Body.Close()
	}

	var got map[string]any
	for _, l := range log.lines("request") {
		if l["path"] == "/v1/json/orders" {
			got = l
		}
		if strings.HasPrefix(l["path"].(string), "/_sandbox/ui") {
			t.Errorf("a dashboard request at info level: %v", l)
		}
	}
	if got == nil || got["level"] != "INFO" || got["method"] != "POST" || got["tenant"] != "console-key" || got["provider"] != "multisafepay" || got["status"] == nil {
		t.Fatalf("request line %v", got)
	}
	if got["scenario"] != "msp-declined" {
		t.Errorf("the line does not name the scenario: %v", got)
	}
	warns := log.lines("webhook attempt failed")
	if len(warns) == 0 || warns[0]["level"] != "WARN" || warns[0]["status"] != float64(500) || warns[0]["tenant"] != "console-key" {
		t.Fatalf("webhook warnings %v", warns)
	}
}

func TestQuietDropsRequestLinesOnly(t *testing.T) {
	var log logBuf
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&log, nil))
		c.Quiet = true
	}))
	sb.Do(t, http.MethodGet, "/_sandbox/health", nil)
	if l := log.lines("request"); len(l) != 0 {
		t.Fatalf("quiet logged %v", l)
	}
}
