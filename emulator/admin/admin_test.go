package admin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/admin"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
)

func errCode(t *testing.T, r *sandboxtest.Response) string {
	t.Helper()
	e, _ := r.JSON(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestHealthAndVersion(t *testing.T) {
	sb := sandboxtest.Start(t)
	r := sb.Do(t, "GET", "/_sandbox/health", nil)
	if r.Status != 200 || r.JSON(t)["status"] != "ready" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	sb.Emulator.SetReady(false)
	if r := sb.Do(t, "GET", "/_sandbox/health", nil); r.Status != 503 || r.JSON(t)["status"] != "stopping" {
		t.Fatalf("draining: %d %s", r.Status, r.Body)
	}
	if r := sb.Do(t, "GET", "/_sandbox/version", nil); r.Status != 200 || r.JSON(t)["version"] != "test" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

func TestClockAdvance(t *testing.T) {
	sb := sandboxtest.Start(t)
	before := sb.Now("acme")
	r := sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": "49h", "tenant": "acme"})
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if got := r.JSON(t)["offset_seconds"].(float64); got != 49*3600 {
		t.Fatalf("offset %v", got)
	}
	if d := sb.Now("acme").Sub(before); d < 49*time.Hour || d > 49*time.Hour+time.Minute {
		t.Fatalf("tenant clock moved %v", d)
	}
	if d := sb.Now("other").Sub(before); d > time.Minute {
		t.Fatalf("other tenant moved %v", d)
	}
	r = sb.Do(t, "GET", "/_sandbox/clock?tenant=acme", nil)
	if r.JSON(t)["offset"] != "49h0m0s" {
		t.Fatalf("%s", r.Body)
	}
	r = sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": "2d"})
	if r.Status != 200 || r.JSON(t)["offset_seconds"].(float64) != 48*3600 {
		t.Fatalf("global: %s", r.Body)
	}
}

func TestClockAdvanceRejectsBadInput(t *testing.T) {
	sb := sandboxtest.Start(t)
	cases := []struct {
		name, body, ctype string
		status            int
		code              string
	}{
		{"malformed", `{"duration":`, "application/json", 400, "bad_request"},
		{"wrong type", `{"duration":49}`, "application/json", 400, "bad_request"},
		{"unknown field", `{"duration":"1h","tenantt":"x"}`, "application/json", 400, "bad_request"},
		{"not a duration", `{"duration":"soon"}`, "application/json", 400, "bad_duration"},
		{"backwards", `{"duration":"-1h"}`, "application/json", 400, "bad_duration"},
		{"form body", `duration=1h`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
		{"oversized", `{"duration":"1h","tenant":"` + strings.Repeat("x", 70<<10) + `"}`, "application/json", 413, "too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := sb.Do(t, "POST", "/_sandbox/clock/advance", c.body, "Content-Type", c.ctype)
			if r.Status != c.status || errCode(t, r) != c.code {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
	if off := sb.Emulator.Platform().Clock.Offset(""); off != 0 {
		t.Fatalf("a refused call moved the clock by %v", off)
	}
}

func TestResetTenantAndAll(t *testing.T) {
	sb := sandboxtest.Start(t)
	st := sb.Emulator.Platform().Store
	for _, tenant := range []string{"a", "b"} {
		if err := st.Update(context.Background(), "klarna", tenant, func(tx *store.Tx) error { return tx.Put("sessions", "s", map[string]string{"x": tenant}) }); err != nil {
			t.Fatal(err)
		}
	}
	sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": "1h", "tenant": "a"})
	if r := sb.Do(t, "GET", "/_sandbox/tenants", nil); len(r.JSON(t)["tenants"].([]any)) != 2 {
		t.Fatalf("%s", r.Body)
	}
	if r := sb.Do(t, "POST", "/_sandbox/tenants/a/reset", nil); r.Status != 200 || r.JSON(t)["reset"] != "a" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if sb.Emulator.Platform().Clock.Offset("a") != 0 {
		t.Fatal("tenant clock not reset")
	}
	exists := func(tenant string) bool {
		var ok bool
		_ = st.View(context.Background(), "klarna", tenant, func(tx *store.Tx) error { ok = tx.Exists("sessions", "s"); return nil })
		return ok
	}
	if exists("a") || !exists("b") {
		t.Fatalf("after tenant reset: a=%v b=%v", exists("a"), exists("b"))
	}
	// Naming a tenant in a body is not how one tenant is reset: refused,
	// nothing dropped (it used to reset every tenant).
	if r := sb.Do(t, "POST", "/_sandbox/reset", map[string]any{"tenant": "a"}); r.Status != 400 || !strings.Contains(string(r.Body), "/_sandbox/tenants/{tenant}/reset") {
		t.Fatalf("reset with a body: %d %s", r.Status, r.Body)
	}
	if !exists("b") {
		t.Fatal("a refused reset dropped data")
	}
	if r := sb.Do(t, "POST", "/_sandbox/reset", nil); r.Status != 200 || r.JSON(t)["reset"] != "all" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if exists("b") {
		t.Fatal("reset all left data")
	}
}

func TestOriginCheck(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminOrigins = []string{"http://shop.localhost:3000"} }))
	body := map[string]any{"duration": "1h"}
	if r := sb.Do(t, "POST", "/_sandbox/clock/advance", body, "Origin", "http://evil.example"); r.Status != 403 || errCode(t, r) != "forbidden_origin" {
		t.Fatalf("foreign origin: %d %s", r.Status, r.Body)
	}
	if r := sb.Do(t, "POST", "/_sandbox/reset", nil, "Sec-Fetch-Site", "cross-site"); r.Status != 403 {
		t.Fatalf("cross-site without origin: %d", r.Status)
	}
	if sb.Emulator.Platform().Clock.Offset("") != 0 {
		t.Fatal("refused origin moved the clock")
	}
	if r := sb.Do(t, "POST", "/_sandbox/clock/advance", body, "Origin", "http://shop.localhost:3000"); r.Status != 200 {
		t.Fatalf("allowed origin: %d %s", r.Status, r.Body)
	}
	if r := sb.Do(t, "POST", "/_sandbox/clock/advance", body, "Origin", sb.URL); r.Status != 200 {
		t.Fatalf("own origin: %d %s", r.Status, r.Body)
	}
	// Reads carry no CORS headers, so a foreign page cannot read them.
	if r := sb.Do(t, "GET", "/_sandbox/clock", nil, "Origin", "http://evil.example"); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("admin API sent CORS headers")
	}
}

func TestAdminToken(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "s3cret" }))
	if r := sb.Do(t, "GET", "/_sandbox/requests", nil); r.Status != 401 || errCode(t, r) != "unauthorized" {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}
	if r := sb.Do(t, "POST", "/_sandbox/reset", nil, "Authorization", "Bearer wrong"); r.Status != 401 {
		t.Fatalf("wrong token: %d", r.Status)
	}
	if r := sb.Do(t, "GET", "/_sandbox/requests", nil, "Authorization", "Bearer s3cret"); r.Status != 200 {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
	if r := sb.Do(t, "GET", "/_sandbox/health", nil); r.Status != 200 {
		t.Fatalf("health must stay open: %d", r.Status)
	}
}

func TestJournalMasksCredentialsAndFilters(t *testing.T) {
	sb := sandboxtest.Start(t)
	sb.Do(t, "GET", "/_sandbox/clock?api_key=supersecretkey", nil, "Authorization", "Basic dXNlcjpwYXNzd29yZA==")
	sb.Do(t, "POST", "/_sandbox/clock/advance", `{"duration":"1m","tenant":"t1"}`)
	r := sb.Do(t, "GET", "/_sandbox/requests?limit=2", nil)
	reqs := r.JSON(t)["requests"].([]any)
	if len(reqs) != 2 {
		t.Fatalf("limit: %d", len(reqs))
	}
	newest := reqs[0].(map[string]any)
	if newest["path"] != "/_sandbox/clock/advance" || newest["status"].(float64) != 200 || newest["provider"] != "sandbox" {
		t.Fatalf("newest first: %v", newest)
	}
	older := reqs[1].(map[string]any)
	raw, _ := json.Marshal(older)
	if strings.Contains(string(raw), "dXNlcjpwYXNzd29yZA") || strings.Contains(string(raw), "supersecretkey") {
		t.Fatalf("credentials leak into the journal: %s", raw)
	}
	if !strings.Contains(string(raw), "Basic dXNl****") {
		t.Fatalf("masked header missing: %s", raw)
	}
	if r := sb.Do(t, "GET", "/_sandbox/requests?limit=0", nil); r.Status != 400 {
		t.Fatalf("limit 0: %d", r.Status)
	}
	if r := sb.Do(t, "GET", "/_sandbox/requests?provider=klarna", nil); len(r.JSON(t)["requests"].([]any)) != 0 {
		t.Fatalf("provider filter: %s", r.Body)
	}
}

func TestOpenAPIFilesAreServed(t *testing.T) {
	sb := sandboxtest.Start(t)
	r := sb.Do(t, "GET", "/_sandbox/openapi", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "sandbox.yaml") {
		t.Fatalf("%s", r.Body)
	}
	r = sb.Do(t, "GET", "/_sandbox/openapi/sandbox.yaml", nil)
	if r.Status != 200 || !strings.HasPrefix(string(r.Body), "openapi: 3.0") || r.Header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("%d %s", r.Status, r.Header)
	}
	if r := sb.Do(t, "GET", "/_sandbox/openapi/nope", nil); r.Status != 404 || errCode(t, r) != "not_found" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
}

// Paths and methods that no spec has cannot pass the response checker, so
// these use a plain client and check the admin error format by hand.
func TestUnknownAdminPathsAndMethods(t *testing.T) {
	sb := sandboxtest.Start(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{{"GET", "/_sandbox/nope", 404}, {"POST", "/_sandbox/health", 405}, {"GET", "/definitely/not/here", 404}} {
		status, _, b := plainDo(t, c.method, sb.URL+c.path, "")
		if e := decodeError(t, status, b); status != c.status || e.Error.Code == "" {
			t.Fatalf("%s %s: %d %s", c.method, c.path, status, b)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"90m": 90 * time.Minute, "49h": 49 * time.Hour, "28d": 28 * 24 * time.Hour} {
		if got, err := admin.ParseDuration(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0s", "-5m", "xd", "1y", "36600d"} {
		if _, err := admin.ParseDuration(in); err == nil {
			t.Errorf("%s: want an error", in)
		}
	}
}
