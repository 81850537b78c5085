package scenario_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Statuses our provider OpenAPI files do not list for an operation (429 for
// every one; Klarna's 5xx) are read with a plain client, and the body is
// checked against the provider's Error schema in the same file.
func wantErrorSchema(t *testing.T, spec string, body []byte) {
	t.Helper()
	set, err := emulator.Specs()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := set.Spec(spec).Full() // the component schemas are in the whole file
	if err != nil {
		t.Fatal(err)
	}
	ref := doc.Components.Schemas["Error"]
	if ref == nil {
		t.Fatalf("openapi/%s.yaml has no Error schema", spec)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		t.Fatalf("body breaks openapi/%s.yaml Error: %v\n%s", spec, err, body)
	}
}

func fresh() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
}

func TestRateLimited(t *testing.T) {
	sb := start(t)
	t.Run("klarna by header", func(t *testing.T) {
		resp, body, err := plain(t, fresh(), http.MethodPost, sb.URL+"/payments/v1/sessions", seCart(), "Authorization", kAuth(kTenant), scHeader, "rate-limited; retry_after=90s")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "90" {
			t.Fatalf("%d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		var e struct {
			CorrelationID string `json:"correlation_id"`
			ErrorCode     string `json:"error_code"`
		}
		_ = json.Unmarshal(body, &e)
		if e.ErrorCode != "TOO_MANY_REQUESTS" || e.CorrelationID != resp.Header.Get("Klarna-Correlation-Id") {
			t.Fatalf("body %s", body)
		}
		wantErrorSchema(t, "klarna", body)
		if ts := tenants(t, sb); len(ts) != 0 {
			t.Fatalf("a rate-limited call stored something: %v", ts)
		}
	})
	t.Run("multisafepay armed once", func(t *testing.T) {
		arm(t, sb, "rate-limited", obj{"tenant": mspKey})
		resp, body, err := plain(t, fresh(), http.MethodGet, sb.URL+"/v1/json/gateways", nil, "api_key", mspKey)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("%d Retry-After %q: %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		wantErrorSchema(t, "multisafepay", body)
		if !strings.Contains(string(body), `"success":false`) || !strings.Contains(string(body), `"error_code":1000`) {
			t.Fatalf("body %s", body)
		}
		sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways", nil), http.StatusOK) // used up
	})
}

func TestServerError(t *testing.T) {
	sb := start(t)
	t.Run("multisafepay by header", func(t *testing.T) {
		o := redirectOrder("")
		r := msp(t, sb, http.MethodPost, "/orders", o, scHeader, "server-error")
		sandboxtest.WantMultiSafepayError(t, r, http.StatusInternalServerError, 9999)
		sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/orders/"+o["order_id"].(string), nil), http.StatusNotFound, 1006)
	})
	t.Run("multisafepay armed once: the retry succeeds", func(t *testing.T) {
		arm(t, sb, "server-error", obj{"tenant": mspKey, "times": 1})
		o := redirectOrder("")
		sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodPost, "/orders", o), http.StatusInternalServerError, 9999)
		mspData(t, msp(t, sb, http.MethodPost, "/orders", o))
	})
	t.Run("klarna by header", func(t *testing.T) {
		resp, body, err := plain(t, fresh(), http.MethodPost, sb.URL+"/payments/v1/sessions", seCart(), "Authorization", kAuth(kTenant), scHeader, "server-error")
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), `"error_code":"INTERNAL_SERVER_ERROR"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		wantErrorSchema(t, "klarna", body)
	})
}

func TestFailThenSucceed(t *testing.T) {
	sb := start(t)
	arm(t, sb, "fail-then-succeed", obj{"tenant": mspKey, "times": 1})
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/gateways", nil), http.StatusInternalServerError, 9999)
	r := msp(t, sb, http.MethodGet, "/gateways", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	wantApplied(t, r, "fail-then-succeed") // the second step: pass
	r = msp(t, sb, http.MethodGet, "/gateways", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	wantApplied(t, r, "") // one run, used up
	if a := admin(t, sb, http.MethodGet, "/scenarios/armed", nil); len(a.JSON(t)["armed"].([]any)) != 0 {
		t.Fatalf("still armed: %s", a.Body)
	}

	// By header, step picks the step.
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "fail-then-succeed; step=1"), http.StatusInternalServerError, 9999)
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "fail-then-succeed; step=2"), http.StatusOK)
	r = msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "fail-then-succeed; step=3")
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if !strings.Contains(r.Header.Get("Sandbox-Scenario-Skipped"), "has 2 steps") {
		t.Fatalf("skipped %q", r.Header.Get("Sandbox-Scenario-Skipped"))
	}
}

func TestSlow(t *testing.T) {
	sb := start(t)
	var mu sync.Mutex
	var waits []time.Duration
	sb.Emulator.Scenarios().SetSleep(func(_ context.Context, d time.Duration) bool {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return true
	})
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "slow"), http.StatusOK)
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "slow; delay=250ms"), http.StatusOK)
	arm(t, sb, "slow", obj{"tenant": kTenant, "times": 2, "params": obj{"delay": "1m"}})
	openSession(t, sb)
	openSession(t, sb)
	openSession(t, sb)
	want := []time.Duration{2 * time.Second, 250 * time.Millisecond, time.Minute, time.Minute}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != len(want) {
		t.Fatalf("waits %v, want %v", waits, want)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
}

func TestSlowReallyWaits(t *testing.T) {
	sb := start(t)
	t0 := time.Now()
	r := msp(t, sb, http.MethodGet, "/gateways", nil, scHeader, "slow; delay=40ms")
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if d := time.Since(t0); d < 40*time.Millisecond {
		t.Fatalf("answered after %v", d)
	}
}

// journalEntry waits for the journal entry of a request whose handler ends
// after the client has gone.
func journalEntry(t *testing.T, sb *sandboxtest.Sandbox, scenario string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r := admin(t, sb, http.MethodGet, "/requests", nil)
		for _, e := range r.JSON(t)["requests"].([]any) {
			if m := e.(map[string]any); m["scenario"] == scenario {
				return m
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no journal entry for %s", scenario)
	return nil
}

func TestTimeout(t *testing.T) {
	sb := start(t)
	c := fresh()
	c.Timeout = 200 * time.Millisecond
	o := redirectOrder("")
	_, _, err := plain(t, c, http.MethodPost, sb.URL+"/v1/json/orders", o, "api_key", mspKey, scHeader, "timeout")
	if err == nil || !strings.Contains(err.Error(), "Client.Timeout") {
		t.Fatalf("want the client's timeout, got %v", err)
	}
	if e := journalEntry(t, sb, "timeout"); e["status"] != float64(499) {
		t.Fatalf("journal %v", e)
	}
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/orders/"+o["order_id"].(string), nil), http.StatusNotFound, 1006)

	// Armed: the hang ends when the emulator closes, too.
	arm(t, sb, "timeout", obj{"tenant": kTenant})
	done := make(chan error, 1)
	go func() {
		_, _, err := plain(t, fresh(), http.MethodGet, sb.URL+"/payments/v1/sessions/x", nil, "Authorization", kAuth(kTenant))
		done <- err
	}()
	journalArmed := func() bool {
		a := admin(t, sb, http.MethodGet, "/scenarios/armed", nil)
		return len(a.JSON(t)["armed"].([]any)) == 0
	}
	for !journalArmed() {
		time.Sleep(10 * time.Millisecond)
	}
	sb.Emulator.Scenarios().Close()
	if err := <-done; err == nil {
		t.Fatal("a hang that ended with the emulator answered")
	}
}

func TestConnectionReset(t *testing.T) {
	sb := start(t)
	o := redirectOrder("")
	_, _, err := plain(t, fresh(), http.MethodPost, sb.URL+"/v1/json/orders", o, "api_key", mspKey, scHeader, "connection-reset")
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("want ECONNRESET, got %v", err)
	}
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/orders/"+o["order_id"].(string), nil), http.StatusNotFound, 1006)

	arm(t, sb, "connection-reset", obj{"tenant": kTenant})
	if _, _, err := plain(t, fresh(), http.MethodPost, sb.URL+"/payments/v1/sessions", seCart(), "Authorization", kAuth(kTenant)); !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("armed: want ECONNRESET, got %v", err)
	}
	openSession(t, sb) // used up
}

func TestTruncatedBody(t *testing.T) {
	sb := start(t)
	o := redirectOrder("")
	resp, body, err := plain(t, fresh(), http.MethodPost, sb.URL+"/v1/json/orders", o, "api_key", mspKey, scHeader, "truncated-body")
	if resp == nil || resp.StatusCode != http.StatusOK || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("want 200 and an unexpected EOF, got %v %v", resp, err)
	}
	if len(body) == 0 || resp.ContentLength <= int64(len(body)) {
		t.Fatalf("read %d of %d bytes", len(body), resp.ContentLength)
	}
	// The work was done: the order exists.
	if got := mspOrder(t, sb, o["order_id"].(string)); got["status"] != "initialized" {
		t.Fatalf("order %v", got)
	}
	// Armed, on an answer without a body: the connection closes before the answer.
	id, _ := openSession(t, sb)
	arm(t, sb, "truncated-body", obj{"tenant": kTenant})
	if _, _, err := plain(t, fresh(), http.MethodPost, sb.URL+"/payments/v1/sessions/"+id, obj{"merchant_reference1": "r1"}, "Authorization", kAuth(kTenant)); err == nil {
		t.Fatal("a cut answer arrived")
	}
	if s := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil); s.JSON(t)["merchant_reference1"] != "r1" {
		t.Fatalf("the update did not happen: %s", s.Body)
	}
}

// cardOrder completes at once and notifies rc.
func cardOrder(rc *sandboxtest.Receiver) obj {
	o := redirectOrder(rc.URL + "/n")
	o["type"], o["gateway"] = "direct", "VISA"
	o["gateway_info"] = obj{"card_number": "4111111111111111", "card_holder_name": "Test", "card_expiry_date": "1230", "card_cvc": "123"}
	return o
}

func delivery(t *testing.T, sb *sandboxtest.Sandbox) webhook.Delivery {
	t.Helper()
	ds := sb.Webhooks(t, webhook.Filter{Tenant: mspKey, Limit: 1})
	if len(ds) == 0 {
		t.Fatal("no delivery")
	}
	return ds[0]
}

func TestWebhookDropped(t *testing.T) {
	for _, via := range []string{"header", "armed"} {
		t.Run(via, func(t *testing.T) {
			sb := start(t)
			rc := sandboxtest.NewReceiver(t)
			var h []string
			if via == "header" {
				h = []string{scHeader, "webhook-dropped"}
			} else {
				arm(t, sb, "webhook-dropped", obj{"tenant": mspKey})
			}
			mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder(rc), h...))
			sb.Flush()
			if n := len(rc.Requests()); n != 0 {
				t.Fatalf("dropped notification arrived (%d)", n)
			}
			d := delivery(t, sb)
			if d.Status != webhook.Pending || len(d.Attempts) != 1 || d.Attempts[0].Error != "dropped by scenario webhook-dropped" {
				t.Fatalf("delivery %+v", d)
			}
			sb.Advance(t, mspKey, 15*time.Minute) // MultiSafepay's retry
			if n := len(rc.Requests()); n != 1 {
				t.Fatalf("retry: %d notifications", n)
			}
			if d := delivery(t, sb); d.Status != webhook.Delivered {
				t.Fatalf("delivery %+v", d)
			}
		})
	}
}

func TestWebhookLost(t *testing.T) {
	sb := start(t)
	rc := sandboxtest.NewReceiver(t)
	arm(t, sb, "webhook-lost", obj{"tenant": mspKey})
	mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder(rc)))
	sb.Flush()
	for i := 0; i < 4; i++ {
		sb.Advance(t, mspKey, 15*time.Minute)
	}
	if n := len(rc.Requests()); n != 0 {
		t.Fatalf("a lost notification arrived (%d)", n)
	}
	if d := delivery(t, sb); d.Status != webhook.Failed || len(d.Attempts) != 4 {
		t.Fatalf("delivery %+v", d)
	}
	// The next one arrives.
	mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder(rc)))
	sb.Flush()
	if n := len(rc.Requests()); n != 1 {
		t.Fatalf("next notification: %d", n)
	}
}

func TestWebhookDelayed(t *testing.T) {
	sb := start(t)
	rc := sandboxtest.NewReceiver(t)
	mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder(rc), scHeader, "webhook-delayed"))
	sb.Flush()
	if n := len(rc.Requests()); n != 0 {
		t.Fatalf("delayed notification arrived at once")
	}
	if d := delivery(t, sb); d.Status != webhook.Pending || len(d.Attempts) != 0 || d.NextAt == nil {
		t.Fatalf("delivery %+v", d)
	}
	sb.Advance(t, mspKey, 9*time.Minute)
	if n := len(rc.Requests()); n != 0 {
		t.Fatalf("arrived early")
	}
	sb.Advance(t, mspKey, time.Minute)
	if n := len(rc.Requests()); n != 1 {
		t.Fatalf("after 10 minutes: %d", n)
	}
}

func TestWebhookReordered(t *testing.T) {
	sb := start(t)
	rc := sandboxtest.NewReceiver(t)
	arm(t, sb, "webhook-reordered", obj{"tenant": mspKey})
	first, second := cardOrder(rc), cardOrder(rc)
	mspData(t, msp(t, sb, http.MethodPost, "/orders", first))
	sb.Flush()
	if n := len(rc.Requests()); n != 0 {
		t.Fatalf("held notification arrived")
	}
	mspData(t, msp(t, sb, http.MethodPost, "/orders", second))
	sb.Flush()
	got := rc.Requests()
	if len(got) != 2 {
		t.Fatalf("%d notifications", len(got))
	}
	if !strings.Contains(got[0].URL, "transactionid="+second["order_id"].(string)) || !strings.Contains(got[1].URL, "transactionid="+first["order_id"].(string)) {
		t.Fatalf("order: %s then %s", got[0].URL, got[1].URL)
	}
}

func TestWebhookReorderedAloneGoesAfterItsHold(t *testing.T) {
	sb := start(t)
	rc := sandboxtest.NewReceiver(t)
	mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder(rc), scHeader, "webhook-reordered"))
	sb.Flush()
	sb.Advance(t, mspKey, 59*time.Minute)
	if len(rc.Requests()) != 0 {
		t.Fatal("arrived before the hold ended")
	}
	sb.Advance(t, mspKey, time.Minute)
	if len(rc.Requests()) != 1 {
		t.Fatal("not sent when the hold ended")
	}
}
