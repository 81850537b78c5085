package scenario_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

func tenants(t *testing.T, sb *sandboxtest.Sandbox) []string {
	t.Helper()
	r := admin(t, sb, http.MethodGet, "/tenants", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	var out []string
	for _, v := range r.JSON(t)["tenants"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func TestKlarnaBadValue(t *testing.T) {
	sb := start(t)
	t.Run("header", func(t *testing.T) {
		r := klarna(t, sb, http.MethodPost, "/payments/v1/sessions", seCart(), scHeader, "klarna-bad-value")
		sandboxtest.WantKlarnaError(t, r, http.StatusBadRequest, "BAD_VALUE", "Bad value: purchase_country")
		wantApplied(t, r, "klarna-bad-value")
		if ts := tenants(t, sb); len(ts) != 0 {
			t.Fatalf("a refused call stored something: tenants %v", ts)
		}
		r = klarna(t, sb, http.MethodPost, "/payments/v1/sessions", seCart(), scHeader, "klarna-bad-value; field=order_lines[0].total_amount")
		sandboxtest.WantKlarnaError(t, r, http.StatusBadRequest, "BAD_VALUE", "Bad value: order_lines[0].total_amount")
	})
	t.Run("not on a read", func(t *testing.T) {
		id, _ := openSession(t, sb)
		r := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil, scHeader, "klarna-bad-value")
		sandboxtest.WantStatus(t, r, http.StatusOK)
		if got := r.Header.Get("Sandbox-Scenario-Skipped"); !strings.Contains(got, "does not match GET") {
			t.Fatalf("skipped header %q", got)
		}
	})
	t.Run("armed twice", func(t *testing.T) {
		arm(t, sb, "klarna-bad-value", obj{"tenant": kTenant, "times": 2, "params": obj{"field": "locale"}})
		for i := 0; i < 2; i++ {
			r := klarna(t, sb, http.MethodPost, "/payments/v1/sessions", seCart())
			sandboxtest.WantKlarnaError(t, r, http.StatusBadRequest, "BAD_VALUE", "Bad value: locale")
		}
		openSession(t, sb) // used up
		// another tenant was never affected
		r := sb.Do(t, http.MethodPost, "/payments/v1/sessions", seCart(), "Authorization", kAuth("PK_TEST_other"))
		sandboxtest.WantStatus(t, r, http.StatusOK)
	})
	t.Run("journal", func(t *testing.T) {
		r := admin(t, sb, http.MethodGet, "/requests?provider=klarna&status=400", nil)
		sandboxtest.WantStatus(t, r, http.StatusOK)
		reqs := r.JSON(t)["requests"].([]any)
		if len(reqs) == 0 || reqs[0].(obj)["scenario"] != "klarna-bad-value" {
			t.Fatalf("journal does not show the scenario: %s", r.Body)
		}
	})
}

// TestArmedProbabilityIsReproducible: the same seed gives the same sequence
// of hits in a fresh emulator; about the given share of requests is hit.
func TestArmedProbabilityIsReproducible(t *testing.T) {
	run := func() []bool {
		sb := start(t)
		arm(t, sb, "klarna-bad-value", obj{"tenant": kTenant, "times": 0, "probability": 0.5, "seed": 42})
		var hits []bool
		for i := 0; i < 24; i++ {
			r := klarna(t, sb, http.MethodPost, "/payments/v1/sessions", seCart())
			hits = append(hits, r.Status == http.StatusBadRequest)
		}
		return hits
	}
	a, b := run(), run()
	if !slices.Equal(a, b) {
		t.Fatalf("same seed, different draws:\n%v\n%v", a, b)
	}
	n := 0
	for _, h := range a {
		if h {
			n++
		}
	}
	if n < 4 || n > 20 {
		t.Fatalf("%d of 24 hit with probability 0.5", n)
	}
}

func TestKlarnaSessionExpired(t *testing.T) {
	sb := start(t)
	t.Run("header on read", func(t *testing.T) {
		id, _ := openSession(t, sb)
		r := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil, scHeader, "klarna-session-expired")
		sandboxtest.WantKlarnaError(t, r, http.StatusNotFound, "NOT_FOUND", "Invalid session id")
		wantApplied(t, r, "klarna-session-expired")
		// It stays expired: a read and an update without the header.
		sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
		sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodPost, "/payments/v1/sessions/"+id, obj{"merchant_reference1": "x"}), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
	})
	t.Run("header on a headless authorization", func(t *testing.T) {
		id, ct := openSession(t, sb)
		r := sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": ct, "billing_address": seBilling()}, scHeader, "klarna-session-expired")
		sandboxtest.WantStatus(t, r, http.StatusNotFound)
		if e := r.JSON(t)["error"].(obj); e["code"] != "NOT_FOUND" {
			t.Fatalf("sdk answer %s", r.Body)
		}
		sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
	})
	t.Run("armed once", func(t *testing.T) {
		arm(t, sb, "klarna-session-expired", obj{"tenant": kTenant})
		id, _ := openSession(t, sb) // creating does not match
		sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
		id2, _ := openSession(t, sb)
		sandboxtest.WantStatus(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id2, nil), http.StatusOK)
	})
	t.Run("unknown session is not a hit", func(t *testing.T) {
		arm(t, sb, "klarna-session-expired", obj{"tenant": kTenant})
		r := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/nope", nil)
		sandboxtest.WantKlarnaError(t, r, http.StatusNotFound, "NOT_FOUND", "Invalid session id")
		if r.Header.Get("Sandbox-Scenario-Applied") != "" {
			t.Fatal("applied to nothing")
		}
		// The arming was given back: the next real session expires.
		id, _ := openSession(t, sb)
		sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
	})
}

func TestKlarnaAuthorizationExpired(t *testing.T) {
	sb := start(t)
	for _, via := range []string{"header", "armed"} {
		t.Run(via, func(t *testing.T) {
			id, ct := openSession(t, sb)
			tok := authorize(t, sb, ct)
			var h []string
			if via == "header" {
				h = []string{scHeader, "klarna-authorization-expired"}
			} else {
				arm(t, sb, "klarna-authorization-expired", obj{"tenant": kTenant, "times": 1})
			}
			r := klarna(t, sb, http.MethodPost, "/payments/v1/authorizations/"+tok+"/order", seCart(), h...)
			sandboxtest.WantKlarnaError(t, r, http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
			wantApplied(t, r, "klarna-authorization-expired")
			// Still expired; the session is open for a new authorization.
			sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodPost, "/payments/v1/authorizations/"+tok+"/order", seCart()), http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
			s := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil)
			sandboxtest.WantStatus(t, s, http.StatusOK)
			if s.JSON(t)["status"] != "incomplete" {
				t.Fatalf("session %s", s.Body)
			}
			tok2 := authorize(t, sb, ct)
			sandboxtest.WantStatus(t, klarna(t, sb, http.MethodPost, "/payments/v1/authorizations/"+tok2+"/order", seCart()), http.StatusOK)
		})
	}
}

func TestKlarnaRejected(t *testing.T) {
	sb := start(t)
	for _, via := range []string{"header", "armed"} {
		t.Run(via+" create order", func(t *testing.T) {
			id, ct := openSession(t, sb)
			tok := authorize(t, sb, ct)
			var h []string
			if via == "header" {
				h = []string{scHeader, "klarna-rejected"}
			} else {
				arm(t, sb, "klarna-rejected", obj{"tenant": kTenant})
			}
			r := klarna(t, sb, http.MethodPost, "/payments/v1/authorizations/"+tok+"/order", seCart(), h...)
			sandboxtest.WantKlarnaError(t, r, http.StatusForbidden, "REJECTED", "Rejected")
			// The token is void; the session is still open.
			sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodPost, "/payments/v1/authorizations/"+tok+"/order", seCart()), http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
			sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodDelete, "/payments/v1/authorizations/"+tok, nil), http.StatusNotFound, "NOT_FOUND")
			if s := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil); s.JSON(t)["status"] != "incomplete" {
				t.Fatalf("session %s", s.Body)
			}
		})
	}
	t.Run("header on a headless authorization", func(t *testing.T) {
		id, ct := openSession(t, sb)
		r := sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": ct, "billing_address": seBilling()}, scHeader, "klarna-rejected")
		sandboxtest.WantStatus(t, r, http.StatusOK)
		if m := r.JSON(t); m["approved"] != false || m["show_form"] != false || m["authorization_token"] != nil {
			t.Fatalf("decline %s", r.Body)
		}
		wantApplied(t, r, "klarna-rejected")
		// Nothing was authorized.
		if s := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil); s.JSON(t)["authorization_token"] != nil {
			t.Fatalf("declined session has a token: %s", s.Body)
		}
	})
}

func TestKlarnaFraudPending(t *testing.T) {
	sb := start(t)
	rc := sandboxtest.NewReceiver(t)
	cart := seCart()
	cart["merchant_urls"] = obj{"notification": rc.URL + "/notify/{order.id}"}
	place := func(t *testing.T, tok string, h ...string) string {
		t.Helper()
		r := klarna(t, sb, http.MethodPost, "/payments/v1/authorizations/"+tok+"/order", seCart(), h...)
		sandboxtest.WantStatus(t, r, http.StatusOK)
		m := r.JSON(t)
		if m["fraud_status"] != "PENDING" {
			t.Fatalf("fraud_status %v: %s", m["fraud_status"], r.Body)
		}
		return m["order_id"].(string)
	}
	newAuth := func(t *testing.T, h ...string) string {
		t.Helper()
		r := klarna(t, sb, http.MethodPost, "/payments/v1/sessions", cart)
		sandboxtest.WantStatus(t, r, http.StatusOK)
		ar := sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": r.JSON(t)["client_token"], "billing_address": seBilling()}, h...)
		sandboxtest.WantStatus(t, ar, http.StatusOK)
		return ar.JSON(t)["authorization_token"].(string)
	}
	order := func(t *testing.T, id string) obj {
		r := klarna(t, sb, http.MethodGet, "/ordermanagement/v1/orders/"+id, nil)
		sandboxtest.WantStatus(t, r, http.StatusOK)
		return r.JSON(t)
	}
	t.Run("header, accepted after 5 minutes", func(t *testing.T) {
		id := place(t, newAuth(t), scHeader, "klarna-fraud-pending")
		if o := order(t, id); o["fraud_status"] != "PENDING" {
			t.Fatalf("order %v", o)
		}
		sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodPost, "/ordermanagement/v1/orders/"+id+"/captures", obj{"captured_amount": 9500}), http.StatusForbidden, "CAPTURE_NOT_ALLOWED")
		sb.Advance(t, kTenant, 5*time.Minute)
		if o := order(t, id); o["fraud_status"] != "ACCEPTED" || o["status"] != "AUTHORIZED" {
			t.Fatalf("after review %v", o)
		}
		ds := sb.Webhooks(t, webhook.Filter{Provider: "klarna", Tenant: kTenant})
		if len(ds) == 0 || ds[0].Event != "FRAUD_RISK_ACCEPTED" || !strings.HasSuffix(ds[0].URL, "/notify/"+id) || ds[0].Status != webhook.Delivered {
			t.Fatalf("notification %+v", ds)
		}
	})
	t.Run("header with decision REJECTED", func(t *testing.T) {
		id := place(t, newAuth(t), scHeader, "klarna-fraud-pending; decision=REJECTED; after=30m")
		sb.Advance(t, kTenant, 29*time.Minute)
		if o := order(t, id); o["fraud_status"] != "PENDING" {
			t.Fatalf("decided early %v", o)
		}
		sb.Advance(t, kTenant, time.Minute)
		if o := order(t, id); o["fraud_status"] != "REJECTED" || o["status"] != "CANCELLED" {
			t.Fatalf("after review %v", o)
		}
	})
	t.Run("header on a headless authorization", func(t *testing.T) {
		id := place(t, newAuth(t, scHeader, "klarna-fraud-pending"))
		sb.Advance(t, kTenant, 5*time.Minute)
		if o := order(t, id); o["fraud_status"] != "ACCEPTED" {
			t.Fatalf("after review %v", o)
		}
	})
	t.Run("armed", func(t *testing.T) {
		arm(t, sb, "klarna-fraud-pending", obj{"tenant": kTenant, "times": 1})
		tok := newAuth(t) // the authorization matches: its answer carries the token
		place(t, tok)
		r := klarna(t, sb, http.MethodPost, "/payments/v1/authorizations/"+newAuth(t)+"/order", seCart())
		if r.JSON(t)["fraud_status"] != "ACCEPTED" {
			t.Fatalf("used-up arming still applied: %s", r.Body)
		}
	})
}

func TestKlarnaMerchantInactive(t *testing.T) {
	sb := start(t)
	id, _ := openSession(t, sb)
	r := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil, scHeader, "klarna-merchant-inactive")
	sandboxtest.WantKlarnaError(t, r, http.StatusForbidden, "MERCHANT_INACTIVE", "Merchant is inactive")
	r = klarna(t, sb, http.MethodPost, "/payments/v1/sessions/"+id, obj{"merchant_reference1": "changed"}, scHeader, "klarna-merchant-inactive")
	sandboxtest.WantKlarnaError(t, r, http.StatusForbidden, "MERCHANT_INACTIVE")
	if s := klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil); s.JSON(t)["merchant_reference1"] != nil {
		t.Fatalf("a refused update changed the session: %s", s.Body)
	}

	arm(t, sb, "klarna-merchant-inactive", obj{"tenant": kTenant, "times": 0})
	for _, path := range []string{"/payments/v1/sessions/" + id, "/ordermanagement/v1/orders/x", "/customer-token/v1/tokens/x"} {
		sandboxtest.WantKlarnaError(t, klarna(t, sb, http.MethodGet, path, nil), http.StatusForbidden, "MERCHANT_INACTIVE")
	}
	r = admin(t, sb, http.MethodPost, "/scenarios/klarna-merchant-inactive/disarm", obj{"tenant": kTenant})
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if r.JSON(t)["disarmed"] != float64(1) {
		t.Fatalf("disarm %s", r.Body)
	}
	sandboxtest.WantStatus(t, klarna(t, sb, http.MethodGet, "/payments/v1/sessions/"+id, nil), http.StatusOK)
}

// TestScenarioHeaderPassesKlarnaCORS: a browser may send Sandbox-Scenario to
// the headless authorization endpoint.
func TestScenarioHeaderPassesKlarnaCORS(t *testing.T) {
	sb := start(t)
	r := sb.Do(t, http.MethodOptions, "/_sandbox/klarna/authorizations", nil,
		"Origin", "https://shop.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type,sandbox-scenario")
	sandboxtest.WantStatus(t, r, http.StatusNoContent)
	if h := strings.ToLower(r.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(h, "sandbox-scenario") {
		t.Fatalf("Access-Control-Allow-Headers %q", h)
	}
}
