package klarna_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The JS SDK stand-in's server side: its scripts and the pages of its
// iframes (what the browser tests click through is in examples/checkout).
func TestSDKAssets(t *testing.T) {
	c := newClient(t)
	for path, ctype := range map[string]string{
		"/kp/lib/v1/api.js":    "application/javascript; charset=utf-8",
		"/kp/lib/v1/frame.js":  "application/javascript; charset=utf-8",
		"/kp/lib/v1/frame.css": "text/css; charset=utf-8",
	} {
		r := c.sb.Do(t, http.MethodGet, path, nil)
		sandboxtest.WantStatus(t, r, http.StatusOK)
		if r.Header.Get("Content-Type") != ctype || r.Header.Get("Access-Control-Allow-Origin") != "*" || len(r.Body) < 500 {
			t.Errorf("%s: %v (%d bytes)", path, r.Header, len(r.Body))
		}
	}
	js := string(c.sb.Do(t, http.MethodGet, "/kp/lib/v1/api.js", nil).Body)
	for _, s := range []string{"klarnaAsyncCallback", "InvalidClientTokenError", "/_sandbox/klarna/authorizations", "document.currentScript"} {
		if !strings.Contains(js, s) {
			t.Errorf("api.js lacks %q", s)
		}
	}
}

func sdkPage(t *testing.T, c *client, page string, q url.Values) (int, string, http.Header) {
	t.Helper()
	r := c.sb.Do(t, http.MethodGet, "/kp/lib/v1/"+page+"?"+q.Encode(), nil)
	return r.Status, string(r.Body), r.Header
}

func TestSDKWidgetPage(t *testing.T) {
	c := newClient(t)
	_, ct := c.openSession(t, usCart())
	status, body, h := sdkPage(t, c, "widget", url.Values{"client_token": {ct}, "origin": {"http://shop.example"}})
	if status != http.StatusOK || !strings.Contains(body, `data-show-form="true"`) || !strings.Contains(body, `id="category-pay_later"`) ||
		!strings.Contains(body, `id="category-pay_over_time"`) || !strings.Contains(body, "108.00 USD") {
		t.Fatalf("widget %d: %s", status, body)
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors *") {
		t.Errorf("CSP %q", csp)
	}
	// One category asked for: no choice.
	_, body, _ = sdkPage(t, c, "widget", url.Values{"client_token": {ct}, "category": {"pay_over_time"}})
	if strings.Contains(body, `name="category"`) || !strings.Contains(body, "Financing") || !strings.Contains(body, `data-category="pay_over_time"`) {
		t.Fatalf("one category: %s", body)
	}
	// A category the session lacks: show_form false.
	status, body, _ = sdkPage(t, c, "widget", url.Values{"client_token": {ct}, "category": {"pay_now"}})
	if status != http.StatusOK || !strings.Contains(body, `data-show-form="false"`) {
		t.Fatalf("missing category %d: %s", status, body)
	}
	status, body, _ = sdkPage(t, c, "widget", url.Values{"client_token": {"a.b.c"}})
	if status != http.StatusUnauthorized || !strings.Contains(body, `data-code="InvalidClientTokenError"`) {
		t.Fatalf("bad token %d: %s", status, body)
	}
	status, _, _ = sdkPage(t, c, "widget", url.Values{"client_token": {ct}, "category": {"<x>"}})
	if status != http.StatusBadRequest {
		t.Fatalf("malformed category: %d", status)
	}
	status, _, _ = sdkPage(t, c, "widget", url.Values{})
	if status != http.StatusBadRequest {
		t.Fatalf("no client token: %d", status)
	}
}

func TestSDKApprovalPage(t *testing.T) {
	c := newClient(t)
	_, ct := c.openSession(t, with(seCart("buy"), "billing_address", seBilling("customer@email.se"),
		"order_lines", []any{with(seLine(), "name", `Lamp "<img src=x onerror=alert(1)>"`)}))
	status, body, _ := sdkPage(t, c, "approval", url.Values{"client_token": {ct}, "mode": {"authorize"}, "auto_finalize": {"false"}})
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	for _, s := range []string{`value="customer@email.se"`, `id="outcome-finalize"`, "Pay with Klarna", "Lamp &#34;&lt;img src=x onerror=alert(1)&gt;&#34;", `<label for="billing-city">`} {
		if !strings.Contains(body, s) {
			t.Errorf("approval lacks %q", s)
		}
	}
	if strings.Contains(body, "<img src=x") {
		t.Error("line name not escaped")
	}
	_, body, _ = sdkPage(t, c, "approval", url.Values{"client_token": {ct}, "mode": {"finalize"}})
	if strings.Contains(body, "billing-email") || strings.Contains(body, "outcome-finalize") || !strings.Contains(body, "Finish your payment") {
		t.Errorf("finalize step: %s", body)
	}
	// A completed session cannot be approved again.
	c.placeOrder(t, c.authorize(t, ct, seBilling("customer@email.se")), with(seCart("buy"), "order_lines", []any{with(seLine(), "name", `Lamp "<img src=x onerror=alert(1)>"`)}))
	status, body, _ = sdkPage(t, c, "approval", url.Values{"client_token": {ct}})
	if status != http.StatusNotFound || !strings.Contains(body, `data-code="SESSION_COMPLETED"`) || strings.Contains(body, "<form") {
		t.Fatalf("completed %d: %s", status, body)
	}
	status, _, _ = sdkPage(t, c, "approval", url.Values{"client_token": {ct}, "mode": {"other"}})
	if status != http.StatusBadRequest {
		t.Fatalf("unknown mode: %d", status)
	}
}
