package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requestLines are the console's per-request lines (JSON log format).
func requestLines(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "request" {
			out = append(out, m)
		}
	}
	return out
}

func klarnaCall(t *testing.T, base string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/payments/v1/sessions/nope", nil)
	req.SetBasicAuth("PK_TEST_console", "secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestConsoleLogsOneLinePerRequestAndQuietTurnsThemOff(t *testing.T) {
	in := start(t, filepath.Join(t.TempDir(), "p.db"), "--log-format", "json")
	if !strings.Contains(in.stdout.String(), "dashboard   "+in.http+"/_sandbox/ui\n") {
		t.Fatalf("banner has no dashboard line:\n%s", in.stdout.String())
	}
	klarnaCall(t, in.http)
	if code := in.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := requestLines(t, in.stderr.String())
	if len(lines) != 1 {
		t.Fatalf("%d request lines:\n%s", len(lines), in.stderr.String())
	}
	l := lines[0]
	if l["level"] != "INFO" || l["method"] != "GET" || l["path"] != "/payments/v1/sessions/nope" || l["status"] != float64(404) ||
		l["tenant"] != "PK_TEST_console" || l["provider"] != "klarna" || l["duration_ms"] == nil {
		t.Fatalf("request line %v", l)
	}

	quiet := start(t, filepath.Join(t.TempDir(), "q.db"), "--log-format", "json", "--quiet")
	klarnaCall(t, quiet.http)
	quiet.stop()
	if lines := requestLines(t, quiet.stderr.String()); len(lines) != 0 {
		t.Fatalf("--quiet logged %v", lines)
	}
}

func TestQuietFromTheEnvironment(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "PAYSANDBOX_QUIET" {
				return v
			}
			return ""
		}
	}
	o, err := flags(newFlagSet(), env("true"))
	if err != nil || !o.quiet {
		t.Fatalf("PAYSANDBOX_QUIET=true: %v %v", o, err)
	}
	if _, err := flags(newFlagSet(), env("loud")); err == nil || !strings.Contains(err.Error(), "PAYSANDBOX_QUIET") {
		t.Fatalf("PAYSANDBOX_QUIET=loud: %v", err)
	}
}

// An open live journal (server-sent events) does not hold up shutdown.
func TestOpenDashboardStreamDoesNotDelayShutdown(t *testing.T) {
	in := start(t, filepath.Join(t.TempDir(), "p.db"))
	c := &http.Client{}
	resp, err := c.Get(in.http + "/_sandbox/ui/requests/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	began := time.Now()
	if code := in.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("shutdown took %s with a stream open", took)
	}
}
