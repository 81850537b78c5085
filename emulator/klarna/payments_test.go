package klarna_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// The seed's four intents: what each lets an authorization become.
func TestSeedIntents(t *testing.T) {
	c := newClient(t)
	rc := sandboxtest.NewReceiver(t)
	tests := []struct {
		intent       string
		order, token bool
	}{
		{"buy", true, false},
		{"tokenize", false, true},
		{"buy_and_tokenize", true, true},
		{"buy_and_default_tokenize", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.intent, func(t *testing.T) {
			cart := with(seCart(tt.intent), "merchant_urls", obj{"authorization": rc.URL + "/auth"})
			if tt.token {
				line := with(seLine(), "subscription", obj{"name": "Power pack refill", "interval": "MONTH", "interval_count": 1})
				cart["order_lines"] = []any{line}
			}
			r := c.do(t, http.MethodPost, "/payments/v1/sessions", cart)
			sandboxtest.WantStatus(t, r, http.StatusOK)
			created := r.JSON(t)
			sid, ct := created["session_id"].(string), created["client_token"].(string)
			cats := created["payment_method_categories"].([]any)
			cat := cats[0].(obj)
			if len(cats) != 1 || cat["identifier"] != "klarna" || cat["name"] != "Pay with Klarna" ||
				cat["asset_urls"].(obj)["descriptive"] != "https://x.klarnacdn.net/payment-method/assets/badges/generic/klarna.svg" {
				t.Fatalf("categories: %v", cats)
			}
			claims := jwtClaims(t, ct)
			if claims["session_id"] != sid || claims["tenant"] != c.tenant {
				t.Fatalf("client token claims: %v", claims)
			}

			s := c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil).JSON(t)
			if s["status"] != "incomplete" || s["intent"] != tt.intent || s["client_token"] != ct {
				t.Fatalf("session: %v", s)
			}
			exp, _ := time.Parse(time.RFC3339, s["expires_at"].(string))
			if d := exp.Sub(c.sb.Now(c.tenant)); d < 47*time.Hour+59*time.Minute || d > 48*time.Hour {
				t.Fatalf("expires_at %s is not 48 h away", exp)
			}

			before := len(rc.Requests())
			auth := c.authorize(t, ct, seBilling("customer@email.se"))
			c.sb.Flush()
			got := rc.Requests()
			if len(got) != before+1 {
				t.Fatalf("authorization callback: %d requests", len(got)-before)
			}
			var cb map[string]string
			if err := json.Unmarshal(got[len(got)-1].Body, &cb); err != nil || cb["authorization_token"] != auth || cb["session_id"] != sid {
				t.Fatalf("callback body %s", got[len(got)-1].Body)
			}

			tokenReq := obj{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE",
				"description": "Monthly power pack", "intended_use": "SUBSCRIPTION"}
			r = c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/customer-token", tokenReq)
			if tt.token {
				sandboxtest.WantStatus(t, r, http.StatusOK)
				if tok := r.JSON(t); tok["token_id"] == "" || tok["payment_method_reference"] == "" {
					t.Fatalf("token: %s", r.Body)
				}
			} else {
				sandboxtest.WantKlarnaError(t, r, http.StatusForbidden, "INVALID_OPERATION", "Not allowed to create customer tokens for intent buy.")
			}

			r = c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/order", cart)
			if tt.order {
				sandboxtest.WantStatus(t, r, http.StatusOK)
				if o := r.JSON(t); o["fraud_status"] != "ACCEPTED" || o["order_id"] == "" {
					t.Fatalf("order: %s", r.Body)
				}
			} else {
				sandboxtest.WantKlarnaError(t, r, http.StatusForbidden, "INVALID_OPERATION", "Not allowed to create orders for intent tokenize.")
			}

			if s := c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil).JSON(t); s["status"] != "complete" || s["authorization_token"] != auth {
				t.Fatalf("session after: %v", s)
			}
			// Any further change to a completed session is refused.
			sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/sessions/"+sid, obj{"order_amount": 9500}),
				http.StatusNotFound, "SESSION_COMPLETED", "Session has already been completed")
		})
	}
}

func jwtClaims(t *testing.T, token string) map[string]any {
	t.Helper()
	claims, _ := sandboxtest.JWTClaims(t, token)
	return claims
}

// The whole path: session, authorize, order, capture, partial and full refund.
func TestWholePath(t *testing.T) {
	c := newClient(t)
	cart := with(seCart("buy"), "merchant_urls", obj{"confirmation": "https://shop.example/thanks?sid={session.id}&oid={order.id}"},
		"merchant_reference1", "ON4711")
	sid, ct := c.openSession(t, cart)
	auth := c.authorize(t, ct, seBilling("customer@email.se"))

	placed := c.placeOrder(t, auth, cart)
	oid := placed["order_id"].(string)
	pm := placed["authorized_payment_method"].(obj)
	if placed["fraud_status"] != "ACCEPTED" || pm["type"] != "invoice" || num(t, pm, "number_of_days") != 30 {
		t.Fatalf("placed: %v", placed)
	}
	// redirect_url leads through the emulator to the confirmation page.
	redirect := placed["redirect_url"].(string)
	if !strings.HasPrefix(redirect, c.sb.URL+"/_sandbox/klarna/redirect/") {
		t.Fatalf("redirect_url %s", redirect)
	}
	r := c.sb.Do(t, http.MethodGet, strings.TrimPrefix(redirect, c.sb.URL), nil)
	sandboxtest.WantStatus(t, r, http.StatusFound)
	if loc := r.Header.Get("Location"); loc != "https://shop.example/thanks?sid="+sid+"&oid="+oid {
		t.Fatalf("redirect to %s", loc)
	}

	// The same token cannot place a second order.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/order", cart),
		http.StatusForbidden, "INVALID_OPERATION", "Authorization token already consumed")

	o := c.order(t, oid)
	if o["status"] != "AUTHORIZED" || num(t, o, "order_amount") != 9500 || num(t, o, "remaining_authorized_amount") != 9500 ||
		o["merchant_reference1"] != "ON4711" || o["billing_address"].(obj)["postal_code"] != "12345" ||
		o["initial_payment_method"].(obj)["type"] != "INVOICE" {
		t.Fatalf("order: %v", o)
	}
	exp, _ := time.Parse(time.RFC3339, o["expires_at"].(string))
	created, _ := time.Parse(time.RFC3339, o["created_at"].(string))
	if exp.Sub(created) != 28*24*time.Hour {
		t.Fatalf("authorization lasts %s", exp.Sub(created))
	}

	// Partial capture: 201, absolute Location, Capture-Id.
	r = c.do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/captures", obj{"captured_amount": 4000, "description": "First parcel"})
	sandboxtest.WantStatus(t, r, http.StatusCreated)
	capID := r.Header.Get("Capture-Id")
	if loc := r.Header.Get("Location"); capID == "" || loc != c.sb.URL+"/ordermanagement/v1/orders/"+oid+"/captures/"+capID {
		t.Fatalf("Location %q Capture-Id %q", loc, capID)
	}
	r = c.do(t, http.MethodGet, strings.TrimPrefix(r.Header.Get("Location"), c.sb.URL), nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if cp := r.JSON(t); num(t, cp, "captured_amount") != 4000 || cp["description"] != "First parcel" || !strings.HasSuffix(cp["klarna_reference"].(string), "-1") {
		t.Fatalf("capture: %v", cp)
	}
	if o := c.order(t, oid); o["status"] != "PART_CAPTURED" || num(t, o, "captured_amount") != 4000 || num(t, o, "remaining_authorized_amount") != 5500 {
		t.Fatalf("after capture: %v", o)
	}
	// Cancel is refused once something was captured.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/cancel", nil),
		http.StatusForbidden, "CANCEL_NOT_ALLOWED", "Order has previous captures. Cancel not possible")
	// More than remains cannot be captured.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/captures", obj{"captured_amount": 5501}),
		http.StatusForbidden, "CAPTURE_NOT_ALLOWED")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/captures", obj{"captured_amount": 5500}), http.StatusCreated)
	if o := c.order(t, oid); o["status"] != "CAPTURED" || num(t, o, "remaining_authorized_amount") != 0 || len(o["captures"].([]any)) != 2 {
		t.Fatalf("after full capture: %v", o)
	}
	r = c.do(t, http.MethodGet, "/ordermanagement/v1/orders/"+oid+"/captures", nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)

	// Partial refund, then the rest.
	r = c.do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/refunds", obj{"refunded_amount": 2000, "description": "Broken"})
	sandboxtest.WantStatus(t, r, http.StatusCreated)
	refID := r.Header.Get("Refund-Id")
	if loc := r.Header.Get("Location"); refID == "" || loc != c.sb.URL+"/ordermanagement/v1/orders/"+oid+"/refunds/"+refID {
		t.Fatalf("Location %q Refund-Id %q", loc, refID)
	}
	r = c.do(t, http.MethodGet, "/ordermanagement/v1/orders/"+oid+"/refunds/"+refID, nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if rf := r.JSON(t); num(t, rf, "refunded_amount") != 2000 || rf["description"] != "Broken" {
		t.Fatalf("refund: %v", rf)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/refunds", obj{"refunded_amount": 7501}),
		http.StatusForbidden, "REFUND_NOT_ALLOWED", "Over refund is not allowed")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, "/ordermanagement/v1/orders/"+oid+"/refunds", obj{"refunded_amount": 7500}), http.StatusCreated)
	o = c.order(t, oid)
	if num(t, o, "refunded_amount") != 9500 || num(t, o, "captured_amount") != 9500 || len(o["refunds"].([]any)) != 2 {
		t.Fatalf("after refunds: %v", o)
	}
	caps := o["captures"].([]any)
	if num(t, caps[0].(obj), "refunded_amount") != 4000 || num(t, caps[1].(obj), "refunded_amount") != 5500 {
		t.Fatalf("refunds per capture: %v", caps)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodGet, "/ordermanagement/v1/orders/"+oid+"/refunds/nope", nil), http.StatusNotFound, "NO_SUCH_REFUND")
}

func TestAuthAndEnvelope(t *testing.T) {
	c := newClient(t)
	for _, h := range []string{"", "Bearer abc", "Basic !!!", basic("", "x")} {
		r := c.sb.Do(t, http.MethodGet, "/payments/v1/sessions/x", nil, "Authorization", h)
		sandboxtest.WantKlarnaError(t, r, http.StatusUnauthorized, "UNAUTHORIZED")
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("no WWW-Authenticate for %q", h)
		}
	}
	// Any well-formed credentials work; the username is the tenant.
	sid, _ := c.openSession(t, seCart("buy"))
	sandboxtest.WantStatus(t, c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil), http.StatusOK)
	sandboxtest.WantKlarnaError(t, c.as("PK_OTHER").do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
	// An API key sent alone, as is.
	key := &client{sb: c.sb, auth: "Basic klarna_test_api_Zm9vYmFy_key"}
	sandboxtest.WantStatus(t, key.do(t, http.MethodPost, "/payments/v1/sessions", seCart("buy")), http.StatusOK)
	// Every response carries a correlation id, successes too.
	if r := c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil); r.Header.Get("Klarna-Correlation-Id") == "" {
		t.Fatal("no correlation id on success")
	}
	// An unknown path under Klarna's prefixes answers in Klarna's format (no
	// OpenAPI operation describes it, so it bypasses the checking client).
	req, _ := http.NewRequest(http.MethodGet, c.sb.URL+"/payments/v1/nothing-here", nil)
	req.Header.Set("Authorization", c.auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	sandboxtest.WantKlarnaError(t, &sandboxtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, http.StatusNotFound, "NOT_FOUND", "Resource not found")
}

func TestStrictAuth(t *testing.T) {
	c := newClient(t, sandboxtest.WithConfig(func(cfg *emulator.Config) { cfg.StrictAuth = true }))
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/sessions", seCart("buy")), http.StatusUnauthorized, "UNAUTHORIZED")
	sandboxtest.WantKlarnaError(t, c.sb.Do(t, http.MethodPost, "/payments/v1/sessions", seCart("buy"), "Authorization", basic("PK_TEST_paysandbox", "wrong")),
		http.StatusUnauthorized, "UNAUTHORIZED")
	sandboxtest.WantStatus(t, c.sb.Do(t, http.MethodPost, "/payments/v1/sessions", seCart("buy"), "Authorization", basic("PK_TEST_paysandbox", "sandbox")),
		http.StatusOK)
}

func TestValidation(t *testing.T) {
	c := newClient(t)
	badLine := func(k string, v any) obj { return with(seCart("buy"), "order_lines", []any{with(seLine(), k, v)}) }
	tests := []struct {
		name    string
		body    any
		status  int
		code    string
		message string
	}{
		{"missing purchase_country", func() obj { b := seCart("buy"); delete(b, "purchase_country"); return b }(), 400, "BAD_VALUE", "Bad value: purchase_country"},
		{"purchase_country pattern", with(seCart("buy"), "purchase_country", "SWE"), 400, "BAD_VALUE", "Bad value: purchase_country"},
		{"line name missing", func() obj {
			l := seLine()
			delete(l, "name")
			return with(seCart("buy"), "order_lines", []any{l})
		}(), 400, "BAD_VALUE", "Bad value: order_lines[0].name"},
		{"tax rate above 10000", badLine("tax_rate", 20000), 400, "BAD_VALUE", "Bad value: order_lines[0].tax_rate"},
		{"quantity not a number", badLine("quantity", "two"), 400, "BAD_VALUE", "Bad value: order_lines[0].quantity"},
		{"line total arithmetic", badLine("total_amount", 10000), 400, "BAD_VALUE", "Bad value: order_lines[0].total_amount"},
		{"line tax arithmetic", badLine("total_tax_amount", 1500), 400, "BAD_VALUE", "Bad value: order_lines[0].total_tax_amount"},
		{"order amount is the sum of lines", with(seCart("buy"), "order_amount", 9000), 400, "BAD_VALUE", "Bad value: order_amount"},
		{"order tax is the sum of line taxes", with(seCart("buy"), "order_tax_amount", 1000), 400, "BAD_VALUE", "Bad value: order_tax_amount"},
		{"currency of another country", with(seCart("buy"), "purchase_currency", "EUR"), 400, "BAD_VALUE", "Bad value: purchase_currency"},
		{"locale of another country", with(seCart("buy"), "locale", "de-DE"), 400, "BAD_VALUE", "Bad value: locale"},
		{"default locale en-US outside the US", func() obj { b := seCart("buy"); delete(b, "locale"); return b }(), 400, "BAD_VALUE", "Bad value: locale"},
		{"unknown country", with(seCart("buy"), "purchase_country", "BR"), 400, "BAD_VALUE", "Bad value: purchase_country"},
		{"unknown intent", with(seCart("buy"), "intent", "buy_now"), 400, "BAD_VALUE", "Bad value: intent"},
		{"US tax must be a sales_tax line", with(usCart(), "order_tax_amount", 0), 400, "BAD_VALUE", "Bad value: order_tax_amount"},
		{"malformed JSON", `{"purchase_country":`, 400, "BAD_REQUEST", ""},
		{"not an object", `[1,2]`, 400, "BAD_REQUEST", ""},
		{"too large", `{"merchant_data":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "REQUEST_TOO_LARGE", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.do(t, http.MethodPost, "/payments/v1/sessions", tt.body)
			if tt.message == "" {
				sandboxtest.WantKlarnaError(t, r, tt.status, tt.code)
			} else {
				sandboxtest.WantKlarnaError(t, r, tt.status, tt.code, tt.message)
			}
		})
	}
	// The US cart with its sales tax line passes.
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, "/payments/v1/sessions", usCart()), http.StatusOK)
	// No session was stored by any of the failures.
	if n := len(c.sb.Webhooks(t, webhook.Filter{})); n != 0 {
		t.Fatalf("%d webhooks", n)
	}
}

func TestUpdateSession(t *testing.T) {
	c := newClient(t)
	sid, _ := c.openSession(t, seCart("buy"))
	// Partial update: only the cart, as Klarna's own example does.
	twoLines := obj{"order_amount": 19000, "order_tax_amount": 3800, "order_lines": []any{seLine(), seLine()}}
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, "/payments/v1/sessions/"+sid, twoLines), http.StatusNoContent)
	s := c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil).JSON(t)
	if num(t, s, "order_amount") != 19000 || len(s["order_lines"].([]any)) != 2 || s["purchase_country"] != "SE" {
		t.Fatalf("after update: %v", s)
	}
	// The merged session must still add up.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/sessions/"+sid, obj{"order_amount": 1}), http.StatusBadRequest, "BAD_VALUE", "Bad value: order_amount")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/sessions/"+sid, obj{"purchase_currency": "NOK"}), http.StatusBadRequest, "BAD_VALUE", "Bad value: purchase_currency")
	// Moving the session to another market changes what it offers.
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, "/payments/v1/sessions/"+sid, usCart()), http.StatusNoContent)
	s = c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil).JSON(t)
	if cats := s["payment_method_categories"].([]any); cats[0].(obj)["identifier"] != "pay_later" || cats[0].(obj)["name"] != "Pay in 4" {
		t.Fatalf("US categories: %v", cats)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/sessions/nope", twoLines), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
}

func TestCreateOrderMustMatchAuthorization(t *testing.T) {
	c := newClient(t)
	_, ct := c.openSession(t, seCart("buy"))
	auth := c.authorize(t, ct, seBilling("customer@email.se"))

	moved := with(seCart("buy"), "billing_address", with(seBilling("customer@email.se"), "postal_code", "99999"))
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/order", moved),
		http.StatusConflict, "BAD_VALUE", "Not matching fields: [billing_address.postal_code]")
	bigger := with(seCart("buy"), "order_amount", 19000, "order_tax_amount", 3800, "order_lines", []any{seLine(), seLine()})
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/order", bigger),
		http.StatusConflict, "BAD_VALUE", "Not matching fields: [order_lines]", "Incorrect number of items in the cart. Expected: 1, Actual: 2")
	// Arithmetic is checked before the match.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/order", with(seCart("buy"), "order_amount", 1)),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: order_amount")
	// Nothing was consumed by the failures.
	c.placeOrder(t, auth, seCart("buy"))
}

func TestAuthorizationErrors(t *testing.T) {
	c := newClient(t)
	sid, ct := c.openSession(t, seCart("buy"))
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodGet, "/payments/v1/sessions/0b1d9815-165e-42e2-8867-35bc03789e00", nil), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/nope/order", seCart("buy")), http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodDelete, "/payments/v1/authorizations/nope", nil), http.StatusNotFound, "NOT_FOUND", "Authorization cannot be deleted")

	// A cancelled authorization cannot become an order.
	a1 := c.authorize(t, ct, seBilling("customer@email.se"))
	sandboxtest.WantStatus(t, c.do(t, http.MethodDelete, "/payments/v1/authorizations/"+a1, nil), http.StatusNoContent)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+a1+"/order", seCart("buy")), http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodDelete, "/payments/v1/authorizations/"+a1, nil), http.StatusNotFound, "NOT_FOUND", "Authorization cannot be deleted")

	// Two authorizations of one session: the first order completes the session.
	a2 := c.authorize(t, ct, seBilling("customer@email.se"))
	a3 := c.authorize(t, ct, seBilling("customer@email.se"))
	c.placeOrder(t, a2, seCart("buy"))
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+a3+"/order", seCart("buy")),
		http.StatusNotFound, "SESSION_COMPLETED", "Session has already been completed")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodDelete, "/payments/v1/authorizations/"+a2, nil), http.StatusNotFound, "NOT_FOUND", "Authorization cannot be deleted")
	// A completed session cannot be authorized again.
	r := c.sdk(t, obj{"client_token": ct, "billing_address": seBilling("customer@email.se")})
	wantSDKError(t, r, http.StatusNotFound, "SESSION_COMPLETED")
	if s := c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil).JSON(t); s["status"] != "complete" {
		t.Fatalf("session: %v", s)
	}
	// Customer token checks: bad values, then the intent.
	tokenReq := obj{"purchase_country": "SE", "purchase_currency": "EUR", "locale": "en-SE", "description": "x", "intended_use": "SUBSCRIPTION"}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+a2+"/customer-token", tokenReq), http.StatusBadRequest, "BAD_VALUE", "Bad value: purchase_currency")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+a2+"/customer-token", with(tokenReq, "intended_use", "ONE_OFF")), http.StatusBadRequest, "BAD_VALUE", "Bad value: intended_use")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/nope/customer-token", with(tokenReq, "purchase_currency", "SEK")), http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
}

func wantSDKError(t *testing.T, r *sandboxtest.Response, status int, code string) {
	t.Helper()
	sandboxtest.WantStatus(t, r, status)
	m := r.JSON(t)
	e, _ := m["error"].(obj)
	if m["approved"] != false || m["show_form"] != false || e == nil || e["code"] != code {
		t.Fatalf("SDK error: %s", r.Body)
	}
}

func TestHeadlessAuthorize(t *testing.T) {
	c := newClient(t)
	_, ct := c.openSession(t, seCart("buy"))

	// Declined by the playground's test data.
	r := c.sdk(t, obj{"client_token": ct, "billing_address": seBilling("customer+denied@email.se")})
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if string(r.Body) != `{"approved":false,"show_form":false}` {
		t.Fatalf("denied: %s", r.Body)
	}
	// Missing billing data: the form would ask for it.
	partial := seBilling("customer@email.se")
	delete(partial, "email")
	delete(partial, "city")
	r = c.sdk(t, obj{"client_token": ct, "billing_address": partial})
	sandboxtest.WantStatus(t, r, http.StatusBadRequest)
	if m := r.JSON(t); m["approved"] != false || m["show_form"] != true ||
		strings.Join(toStrings(m["error"].(obj)["invalid_fields"]), ",") != "billing_address.email,billing_address.city" {
		t.Fatalf("fixable: %s", r.Body)
	}
	// A schema violation is fixable too, naming the field.
	r = c.sdk(t, obj{"client_token": ct, "billing_address": with(seBilling("customer@email.se"), "postal_code", "12345678901")})
	sandboxtest.WantStatus(t, r, http.StatusBadRequest)
	if m := r.JSON(t); strings.Join(toStrings(m["error"].(obj)["invalid_fields"]), ",") != "billing_address.postal_code" {
		t.Fatalf("schema: %s", r.Body)
	}
	// A category the session does not offer.
	r = c.sdk(t, obj{"client_token": ct, "payment_method_category": "pay_over_time", "billing_address": seBilling("customer@email.se")})
	sandboxtest.WantStatus(t, r, http.StatusBadRequest)
	// A token the emulator did not sign.
	parts := strings.Split(ct, ".")
	forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	wantSDKError(t, c.sdk(t, obj{"client_token": forged}), http.StatusUnauthorized, "InvalidClientTokenError")
	wantSDKError(t, c.sdk(t, obj{"client_token": "not-a-jwt"}), http.StatusUnauthorized, "InvalidClientTokenError")
	wantSDKError(t, c.sdk(t, `{"client_token":`), http.StatusBadRequest, "BAD_REQUEST")
	// The approved path needs no credentials and is open to any origin.
	r = c.sdk(t, obj{"client_token": ct, "billing_address": seBilling("customer@email.se")}, "Origin", "https://shop.example")
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("CORS: %v", r.Header)
	}
	r = c.sb.Do(t, http.MethodOptions, "/_sandbox/klarna/authorizations", nil,
		"Origin", "https://shop.example", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type")
	sandboxtest.WantStatus(t, r, http.StatusNoContent)
	if r.Header.Get("Access-Control-Allow-Methods") != "POST, OPTIONS" || r.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Fatalf("preflight: %v", r.Header)
	}
	// The session now shows what the customer entered.
	s := c.do(t, http.MethodGet, "/payments/v1/sessions/"+jwtClaims(t, ct)["session_id"].(string), nil).JSON(t)
	if s["billing_address"].(obj)["email"] != "customer@email.se" || s["shipping_address"].(obj)["city"] != "Ankeborg" {
		t.Fatalf("session: %v", s)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
