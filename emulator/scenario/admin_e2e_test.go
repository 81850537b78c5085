package scenario_test

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func TestAdminListAndGet(t *testing.T) {
	sb := start(t)
	r := admin(t, sb, http.MethodGet, "/scenarios", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	byName := map[string]obj{}
	for _, s := range r.JSON(t)["scenarios"].([]any) {
		byName[s.(obj)["name"].(string)] = s.(obj)
	}
	for _, name := range []string{"klarna-bad-value", "msp-declined", "rate-limited", "webhook-duplicate", "cl-invalid-token"} {
		if byName[name] == nil {
			t.Fatalf("%s missing from %s", name, r.Body)
		}
	}
	if s := byName["klarna-session-expired"]; s["available"] != true || s["builtin"] != true || s["provider"] != "klarna" {
		t.Fatalf("klarna-session-expired %v", s)
	}
	if byName["webhook-duplicate"]["webhook"] != true {
		t.Fatalf("webhook-duplicate %v", byName["webhook-duplicate"])
	}

	r = admin(t, sb, http.MethodGet, "/scenarios/klarna-bad-value", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if src, _ := r.JSON(t)["source"].(string); !strings.Contains(src, "BAD_VALUE") {
		t.Fatalf("source %s", r.Body)
	}
	sandboxtest.WantStatus(t, admin(t, sb, http.MethodGet, "/scenarios/nope", nil), http.StatusNotFound)
}

func TestAdminArmErrors(t *testing.T) {
	sb := start(t)
	cases := []struct {
		name   string
		path   string
		body   any
		status int
		msg    string
	}{
		{"unknown scenario", "/scenarios/nope/arm", obj{"tenant": "t"}, 404, "no such scenario"},
		{"no tenant", "/scenarios/slow/arm", obj{}, 400, "tenant is required"},
		{"unknown field", "/scenarios/slow/arm", obj{"tenant": "t", "tims": 2}, 400, "unknown field"},
		{"unknown param", "/scenarios/slow/arm", obj{"tenant": "t", "params": obj{"dealy": "1s"}}, 400, `no param "dealy"`},
		{"bad param value", "/scenarios/slow/arm", obj{"tenant": "t", "params": obj{"delay": "soon"}}, 400, "delay"},
		{"bad probability", "/scenarios/slow/arm", obj{"tenant": "t", "probability": 1.5}, 400, "probability"},
		{"negative times", "/scenarios/slow/arm", obj{"tenant": "t", "times": -1}, 400, "times"},
		{"not JSON", "/scenarios/slow/arm", "tenant=t", 400, "must be JSON"},
		{"disarm unknown", "/scenarios/nope/disarm", obj{"tenant": "t"}, 404, "no such scenario"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := admin(t, sb, http.MethodPost, c.path, c.body)
			sandboxtest.WantStatus(t, r, c.status)
			if e := r.JSON(t)["error"].(obj); !strings.Contains(e["message"].(string), c.msg) {
				t.Fatalf("message %q, want %q", e["message"], c.msg)
			}
		})
	}
	r := sb.Do(t, http.MethodPost, "/_sandbox/scenarios/slow/arm", `{"tenant":"t"}`, "Content-Type", "text/plain")
	sandboxtest.WantStatus(t, r, http.StatusUnsupportedMediaType)
	resp, _, err := plain(t, fresh(), http.MethodGet, sb.URL+"/_sandbox/scenarios/slow/arm", nil)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET arm: %v %v", resp, err)
	}
}

// TestAdminGuard: the scenario endpoints share the admin API's token and
// origin checks.
func TestAdminGuard(t *testing.T) {
	sb := start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "s3cret" }))
	sandboxtest.WantStatus(t, admin(t, sb, http.MethodGet, "/scenarios", nil), http.StatusUnauthorized)
	r := sb.Do(t, http.MethodGet, "/_sandbox/scenarios", nil, "Authorization", "Bearer s3cret")
	sandboxtest.WantStatus(t, r, http.StatusOK)
	r = sb.Do(t, http.MethodPost, "/_sandbox/scenarios/slow/arm", obj{"tenant": "t"}, "Authorization", "Bearer s3cret", "Origin", "https://evil.example")
	sandboxtest.WantStatus(t, r, http.StatusForbidden)
	if r.JSON(t)["error"].(obj)["code"] != "forbidden_origin" {
		t.Fatalf("body %s", r.Body)
	}
	r = sb.Do(t, http.MethodPost, "/_sandbox/scenarios/slow/arm", obj{"tenant": "t"}, "Authorization", "Bearer s3cret")
	sandboxtest.WantStatus(t, r, http.StatusOK)
}

func armedNames(t *testing.T, sb *sandboxtest.Sandbox) []string {
	t.Helper()
	r := admin(t, sb, http.MethodGet, "/scenarios/armed", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	var out []string
	for _, a := range r.JSON(t)["armed"].([]any) {
		out = append(out, a.(obj)["tenant"].(string)+"/"+a.(obj)["name"].(string))
	}
	return out
}

func TestResetsClearArmedScenarios(t *testing.T) {
	sb := start(t)
	arm(t, sb, "msp-invalid-api-key", obj{"tenant": mspKey, "times": 0})
	arm(t, sb, "klarna-merchant-inactive", obj{"tenant": kTenant, "times": 0})
	arm(t, sb, "slow", obj{"tenant": "*", "times": 0, "params": obj{"delay": "0s"}})
	if got := armedNames(t, sb); !slices.Equal(got, []string{"*/slow", kTenant + "/klarna-merchant-inactive", mspKey + "/msp-invalid-api-key"}) {
		t.Fatalf("armed %v", got)
	}
	sandboxtest.WantStatus(t, admin(t, sb, http.MethodPost, "/tenants/"+mspKey+"/reset", nil), http.StatusOK)
	if got := armedNames(t, sb); !slices.Equal(got, []string{"*/slow", kTenant + "/klarna-merchant-inactive"}) {
		t.Fatalf("after the tenant reset %v", got)
	}
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways", nil), http.StatusOK)
	sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/x", nil), http.StatusForbidden, "MERCHANT_INACTIVE")

	sandboxtest.WantStatus(t, admin(t, sb, http.MethodPost, "/reset", nil), http.StatusOK)
	if got := armedNames(t, sb); len(got) != 0 {
		t.Fatalf("after the full reset %v", got)
	}
	sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/x", nil), http.StatusNotFound, "NOT_FOUND")
}

// TestArmedStateSurvivesARestart: progress and the random stream continue
// where they were.
func TestArmedStateSurvivesARestart(t *testing.T) {
	const calls = 16
	draw := func(sb *sandboxtest.Sandbox, n int) []bool {
		var out []bool
		for i := 0; i < n; i++ {
			r := msp(t, sb, http.MethodGet, "/gateways", nil)
			out = append(out, r.Status == http.StatusUnauthorized)
		}
		return out
	}
	armIt := func(sb *sandboxtest.Sandbox) {
		arm(t, sb, "msp-invalid-api-key", obj{"tenant": mspKey, "times": 5, "probability": 0.5, "seed": 11})
	}
	// Uninterrupted.
	sb := start(t)
	armIt(sb)
	want := draw(sb, calls)

	// Interrupted after half the calls.
	path := filepath.Join(t.TempDir(), "restart.db")
	cfg := sandboxtest.WithConfig(func(c *emulator.Config) { c.DataPath = path })
	first := start(t, cfg)
	armIt(first)
	got := draw(first, calls/2)
	first.Server.Close()
	if err := first.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	second := start(t, cfg)
	got = append(got, draw(second, calls-calls/2)...)
	if !slices.Equal(got, want) {
		t.Fatalf("after a restart\n%v\nwant\n%v", got, want)
	}
}

func TestCoverage(t *testing.T) {
	sb := start(t)
	openSession(t, sb)
	klarna(t, sb, http.MethodPost, "/payments/v1/sessions", seCart(), scHeader, "klarna-bad-value")
	msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "server-error")
	msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "server-error")
	r := admin(t, sb, http.MethodGet, "/scenarios/coverage", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	m := r.JSON(t)
	if m["exercised"] != float64(2) {
		t.Fatalf("coverage %s", r.Body)
	}
	applied := map[string]float64{}
	for _, c := range m["scenarios"].([]any) {
		applied[c.(obj)["name"].(string)] = c.(obj)["applied"].(float64)
	}
	if applied["klarna-bad-value"] != 1 || applied["server-error"] != 2 || applied["slow"] != 0 {
		t.Fatalf("applied %v", applied)
	}
	r = admin(t, sb, http.MethodGet, "/scenarios/coverage?tenant="+kTenant, nil)
	if r.JSON(t)["exercised"] != float64(1) {
		t.Fatalf("per tenant %s", r.Body)
	}
	sandboxtest.WantStatus(t, admin(t, sb, http.MethodPost, "/reset", nil), http.StatusOK)
	if r := admin(t, sb, http.MethodGet, "/scenarios/coverage", nil); r.JSON(t)["exercised"] != float64(0) {
		t.Fatalf("after reset %s", r.Body)
	}
}

func TestHeaderProblemsAreReportedNotFatal(t *testing.T) {
	sb := start(t)
	r := msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "nope, klarna-bad-value, slow; delay=soon, slow; =x")
	sandboxtest.WantStatus(t, r, http.StatusOK)
	skipped := strings.Join(r.Header.Values("Sandbox-Scenario-Skipped"), "\n")
	for _, want := range []string{"nope: no such scenario", "klarna-bad-value: is a klarna scenario", "slow: delay \"soon\"", "slow: \"=x\" is not key=value"} {
		if !strings.Contains(skipped, want) {
			t.Fatalf("skipped %q lacks %q", skipped, want)
		}
	}
}

func TestUserScenariosFromADirectory(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mine.yaml"), `
name: msp-gateways-down
provider: multisafepay
description: The gateway list fails twice, then works.
match: {method: GET, path: /v1/json/gateways, query: {country: NL}}
steps:
  - error: {status: 500, message: Gateways are down}
  - error: {status: 500, message: Still down}
  - pass
`)
	sb := start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.Scenarios = dir }))
	arm(t, sb, "msp-gateways-down", obj{"tenant": mspKey})
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways", nil), http.StatusOK) // no country: no match
	r := msp(t, sb, http.MethodGet, "/gateways?country=NL", nil)
	sandboxtest.WantMultiSafepayError(t, r, http.StatusInternalServerError, 9999)
	if r.JSON(t)["error_info"] != "Gateways are down" {
		t.Fatalf("body %s", r.Body)
	}
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/gateways?country=NL", nil), http.StatusInternalServerError, 9999)
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways?country=NL", nil), http.StatusOK)
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways?country=NL", nil), http.StatusOK)
	r = admin(t, sb, http.MethodGet, "/scenarios/msp-gateways-down", nil)
	if r.JSON(t)["builtin"] != false {
		t.Fatalf("user scenario %s", r.Body)
	}
}

func TestBadUserFileStopsStartUp(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bad.yaml"), "name: broken\nprovider: klarna\ndescription: x\nsteps:\n  - eror: {status: 500}\n")
	_, err := emulator.New(emulator.Config{DataPath: filepath.Join(t.TempDir(), "x.db"), Scenarios: dir})
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:5:5: unknown key \"eror\" in a step (did you mean \"error\"?)") {
		t.Fatalf("start-up error %v", err)
	}
}

// TestAdvanceClockAndEventMatch: a user's scenarios with the neutral
// advance-clock action and a webhook scenario matching an event.
func TestAdvanceClockAndEventMatch(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mine.yaml"), `
name: two-days-later
provider: klarna
description: Reading a session happens two days later.
match: {method: GET, path: "/payments/v1/sessions/{id}"}
steps:
  - action: {name: advance-clock, params: {by: 49h}}
---
name: declines-go-missing
provider: multisafepay
description: Notifications of declined orders never arrive.
match: {event: declined}
steps:
  - webhook: {type: drop, attempts: all}
`)
	sb := start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.Scenarios = dir }))
	id, _ := openSession(t, sb)
	before := sb.Now(kTenant)
	r := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil, scHeader, "two-days-later")
	sandboxtest.WantKlarnaError(t, r, http.StatusNotFound, "NOT_FOUND", "Invalid session id")
	if d := sb.Now(kTenant).Sub(before); d < 49*time.Hour {
		t.Fatalf("clock moved %v", d)
	}

	rc := sandboxtest.NewReceiver(t)
	arm(t, sb, "declines-go-missing", obj{"tenant": mspKey, "times": 0})
	mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder(rc)))
	declined := cardOrder(rc)
	declined["gateway_info"].(obj)["card_number"] = "4012001038488884"
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodPost, "/orders", declined), http.StatusBadRequest, 1024)
	sb.Flush()
	got := notified(t, rc)
	if len(got) != 1 || got[0] != "completed" {
		t.Fatalf("notifications %v", got)
	}
}
