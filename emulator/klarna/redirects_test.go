package klarna_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// merchant_urls are checked when created, as Klarna does: http(s) only.
func TestMerchantURLsMustBeHTTP(t *testing.T) {
	c := newClient(t)
	bad := []string{"file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "javascript:alert(1)", "data:text/html,x", "/relative", "https://", "https:// spaces"}
	for _, u := range bad {
		for _, field := range []string{"confirmation", "notification", "push", "authorization"} {
			r := c.do(t, http.MethodPost, "/payments/v1/sessions", with(seCart("buy"), "merchant_urls", obj{field: u}))
			sandboxtest.WantKlarnaError(t, r, http.StatusBadRequest, "BAD_VALUE")
			if !strings.Contains(string(r.Body), "merchant_urls."+field) {
				t.Fatalf("%s=%s: %s", field, u, r.Body)
			}
		}
		psID, _ := c.openSession(t, seCart("buy"))
		r := c.do(t, http.MethodPost, "/hpp/v1/sessions", obj{"payment_session_url": c.sb.URL + "/payments/v1/sessions/" + psID, "merchant_urls": obj{"cancel": u}})
		sandboxtest.WantKlarnaError(t, r, http.StatusBadRequest, "BAD_VALUE")
	}
	ok := obj{"confirmation": "https://shop.example/confirm?sid={{session_id}}", "notification": "http://localhost:3000/notify", "push": "HTTPS://shop.example/push"}
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, "/payments/v1/sessions", with(seCart("buy"), "merchant_urls", ok)), http.StatusOK)
}

// A URL stored before the check (an older data file) still never reaches a
// browser's Location: the hosted page shows the outcome instead of a 303 to
// javascript:, the redirect page answers 400 instead of a 302.
func TestRedirectsGoOnlyToHTTP(t *testing.T) {
	c := newClient(t)
	rc := "https://shop.example"
	_, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs(rc)})
	id, path := created["session_id"].(string), pagePath(t, created)
	st := c.sb.Emulator.Platform().Store
	if err := st.Update(context.Background(), "klarna", c.tenant, func(tx *store.Tx) error {
		var rec map[string]any
		if err := tx.Get("hpp_sessions", id, &rec); err != nil {
			return err
		}
		rec["merchant_urls"].(map[string]any)["cancel"] = "javascript:alert(document.domain)"
		return tx.Put("hpp_sessions", id, rec)
	}); err != nil {
		t.Fatal(err)
	}
	r := page(t, c.sb, http.MethodPost, path, url.Values{"action": {"cancel"}})
	if r.Status != http.StatusOK || r.Header.Get("Location") != "" || strings.Contains(string(r.Body), "javascript:") {
		t.Fatalf("cancel: %d Location=%q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	if s := c.hpp(t, id); s["status"] != "CANCELLED" {
		t.Fatalf("status %v", s["status"])
	}

	psID, tok := c.openSession(t, with(seCart("buy"), "merchant_urls", obj{"confirmation": "https://shop.example/ok"}))
	_ = psID
	o := c.placeOrder(t, c.authorize(t, tok, seBilling("customer@email.se")), seCart("buy"))
	redirect, _ := o["redirect_url"].(string)
	ru, err := url.Parse(redirect)
	if err != nil || !strings.HasPrefix(ru.Path, "/_sandbox/klarna/redirect/") {
		t.Fatalf("redirect_url %q", redirect)
	}
	r = c.sb.Do(t, http.MethodGet, ru.Path, nil)
	if r.Status != http.StatusFound || r.Header.Get("Location") != "https://shop.example/ok" {
		t.Fatalf("good redirect: %d %q", r.Status, r.Header.Get("Location"))
	}
	orderID := strings.TrimPrefix(ru.Path, "/_sandbox/klarna/redirect/")
	if err := st.Update(context.Background(), "klarna", c.tenant, func(tx *store.Tx) error {
		return tx.Put("redirects", orderID, map[string]string{"url": "javascript:alert(1)"})
	}); err != nil {
		t.Fatal(err)
	}
	r = c.sb.Do(t, http.MethodGet, ru.Path, nil)
	if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" {
		t.Fatalf("bad redirect: %d %q %s", r.Status, r.Header.Get("Location"), r.Body)
	}
}

// Every page names who may frame it: the hosted page only the emulator, the
// SDK's iframes (widget, approval) any merchant page.
func TestPagesSendFrameAncestors(t *testing.T) {
	c := newClient(t)
	_, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs("https://shop.example")})
	_, tok := c.openSession(t, seCart("buy"))
	for _, p := range []struct{ path, want string }{
		{pagePath(t, created), "frame-ancestors 'self'"},
		{pagePath(t, created) + "/qr", "frame-ancestors 'self'"},
		{"/hpp/payments/nope", "frame-ancestors 'self'"},
		{"/kp/lib/v1/widget?client_token=" + url.QueryEscape(tok), "frame-ancestors *"},
		{"/kp/lib/v1/approval?client_token=" + url.QueryEscape(tok), "frame-ancestors *"},
		{"/kp/lib/v1/widget?client_token=bad", "frame-ancestors *"},
	} {
		r := c.sb.Do(t, http.MethodGet, p.path, nil)
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, p.want) || strings.Count(csp, "frame-ancestors") != 1 {
			t.Errorf("%s: CSP %q", p.path, csp)
		}
		if p.want == "frame-ancestors 'self'" && r.Header.Get("X-Frame-Options") != "SAMEORIGIN" {
			t.Errorf("%s: X-Frame-Options %q", p.path, r.Header.Get("X-Frame-Options"))
		}
	}
}
