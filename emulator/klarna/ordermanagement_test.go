package klarna_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/klarna"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// newOrder runs session, authorize and create order for a Swedish cart.
func (c *client) newOrder(t *testing.T, cart obj) string {
	t.Helper()
	_, ct := c.openSession(t, cart)
	auth := c.authorize(t, ct, seBilling("customer@email.se"))
	return c.placeOrder(t, auth, cart)["order_id"].(string)
}

func omPath(id, rest string) string { return "/ordermanagement/v1/orders/" + id + rest }

func TestOrderManagementEndpoints(t *testing.T) {
	c := newClient(t)
	oid := c.newOrder(t, seCart("buy"))

	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodGet, omPath("nope", ""), nil), http.StatusNotFound, "NO_SUCH_ORDER")
	sandboxtest.WantKlarnaError(t, c.as("PK_OTHER").do(t, http.MethodGet, omPath(oid, ""), nil), http.StatusNotFound, "NO_SUCH_ORDER")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/acknowledge"), nil), http.StatusNoContent)

	// Addresses and references.
	newShip := with(seBilling("customer@email.se"), "street_address", "Hamngatan 2")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPatch, omPath(oid, "/customer-details"), obj{"shipping_address": newShip}), http.StatusNoContent)
	sandboxtest.WantStatus(t, c.do(t, http.MethodPatch, omPath(oid, "/merchant-references"), obj{"merchant_reference2": "R2"}), http.StatusNoContent)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPatch, omPath(oid, "/merchant-references"), obj{"merchant_reference1": string(make([]byte, 256))}),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: merchant_reference1")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/shipping-info"), obj{"shipping_info": []any{obj{"shipping_company": "DHL", "tracking_number": "123"}}}), http.StatusNoContent)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/shipping-info"), obj{"shipping_info": []any{}}), http.StatusBadRequest, "BAD_VALUE", "Bad value: shipping_info")
	o := c.order(t, oid)
	if o["shipping_address"].(obj)["street_address"] != "Hamngatan 2" || o["merchant_reference2"] != "R2" || len(o["shipping_info"].([]any)) != 1 {
		t.Fatalf("order: %v", o)
	}

	// Lower the authorization, with a cart that adds up.
	half := obj{"type": "physical", "name": "Battery Power Pack", "quantity": 1, "unit_price": 5000, "tax_rate": 2500,
		"total_amount": 5000, "total_tax_amount": 1000}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPatch, omPath(oid, "/authorization"), obj{"order_amount": 4000, "order_lines": []any{half}}),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: order_amount")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPatch, omPath(oid, "/authorization"), obj{"order_amount": 5000, "order_lines": []any{half}}), http.StatusNoContent)
	if o := c.order(t, oid); num(t, o, "order_amount") != 5000 || num(t, o, "original_order_amount") != 9500 || num(t, o, "remaining_authorized_amount") != 5000 {
		t.Fatalf("after update: %v", o)
	}

	// Capture part; capture-level calls.
	r := c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 3000})
	sandboxtest.WantStatus(t, r, http.StatusCreated)
	capID := r.Header.Get("Capture-Id")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPatch, omPath(oid, "/authorization"), obj{"order_amount": 2000}),
		http.StatusForbidden, "NOT_ALLOWED")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/captures/"+capID+"/shipping-info"), obj{"shipping_info": []any{obj{"tracking_number": "T1"}}}), http.StatusNoContent)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/captures/nope/shipping-info"), obj{"shipping_info": []any{obj{"tracking_number": "T1"}}}), http.StatusNotFound, "NO_SUCH_CAPTURE")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/captures/"+capID+"/trigger-send-out"), nil), http.StatusNoContent)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/captures/nope/trigger-send-out"), nil), http.StatusNotFound, "NO_SUCH_CAPTURE")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodGet, omPath(oid, "/captures/nope"), nil), http.StatusNotFound, "NO_SUCH_CAPTURE")
	r = c.do(t, http.MethodGet, omPath(oid, "/captures/"+capID+"/extend-due-date-options"), nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if opts := r.JSON(t); opts["currency"] != "SEK" || len(opts["options"].([]any)) == 0 {
		t.Fatalf("options: %s", r.Body)
	}
	sandboxtest.WantStatus(t, c.do(t, http.MethodPatch, omPath(oid, "/captures/"+capID+"/extend-due-date"), obj{"number_of_days": 14}), http.StatusNoContent)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPatch, omPath(oid, "/captures/"+capID+"/extend-due-date"), obj{"number_of_days": 3}), http.StatusBadRequest, "BAD_VALUE", "Bad value: number_of_days")
	r = c.do(t, http.MethodGet, omPath(oid, "/captures/"+capID), nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if cp := r.JSON(t); len(cp["shipping_info"].([]any)) != 1 {
		t.Fatalf("capture: %s", r.Body)
	}

	// Release what is left: the part-captured order closes.
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/release-remaining-authorization"), nil), http.StatusNoContent)
	if o := c.order(t, oid); o["status"] != "CLOSED" || num(t, o, "remaining_authorized_amount") != 0 {
		t.Fatalf("after release: %v", o)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 1}), http.StatusForbidden, "CAPTURE_NOT_ALLOWED")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/release-remaining-authorization"), nil), http.StatusForbidden, "NOT_ALLOWED")

	// Fully captured: nothing to release.
	full := c.newOrder(t, seCart("buy"))
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(full, "/captures"), obj{"captured_amount": 9500}), http.StatusCreated)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(full, "/release-remaining-authorization"), nil),
		http.StatusForbidden, "NOT_ALLOWED", "Order is fully captured. Remaining authorization cannot be released.")

	// Cancel an untouched order; then nothing more.
	other := c.newOrder(t, seCart("buy"))
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(other, "/refunds"), obj{"refunded_amount": 100}), http.StatusForbidden, "REFUND_NOT_ALLOWED", "Order has no captures")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(other, "/cancel"), nil), http.StatusNoContent)
	if o := c.order(t, other); o["status"] != "CANCELLED" || num(t, o, "remaining_authorized_amount") != 0 {
		t.Fatalf("cancelled: %v", o)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(other, "/cancel"), nil), http.StatusForbidden, "CANCEL_NOT_ALLOWED")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(other, "/captures"), obj{"captured_amount": 1}), http.StatusForbidden, "CAPTURE_NOT_ALLOWED")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPatch, omPath(other, "/merchant-references"), obj{"merchant_reference1": "x"}), http.StatusForbidden, "NOT_ALLOWED")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(other, "/extend-authorization-time"), nil), http.StatusForbidden, "NOT_ALLOWED")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(other, "/captures"), obj{}), http.StatusBadRequest, "BAD_VALUE", "Bad value: captured_amount")
}

func TestIdempotencyReplay(t *testing.T) {
	c := newClient(t)
	oid := c.newOrder(t, seCart("buy"))
	key := []string{"Klarna-Idempotency-Key", "9b5c1c6e-capture-1"}

	first := c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 1000}, key...)
	sandboxtest.WantStatus(t, first, http.StatusCreated)
	// The same key again, even with another body: executed once, answered the same.
	again := c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 2000}, key...)
	sandboxtest.WantStatus(t, again, http.StatusCreated)
	if again.Header.Get("Capture-Id") != first.Header.Get("Capture-Id") || again.Header.Get("Location") != first.Header.Get("Location") {
		t.Fatalf("replay answered differently: %v vs %v", again.Header, first.Header)
	}
	if o := c.order(t, oid); num(t, o, "captured_amount") != 1000 || len(o["captures"].([]any)) != 1 {
		t.Fatalf("captured twice: %v", o)
	}
	// The key is the tenant's own: another tenant's identical key is unrelated.
	sandboxtest.WantKlarnaError(t, c.as("PK_OTHER").do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 1000}, key...), http.StatusNotFound, "NO_SUCH_ORDER")
	// A key used for a capture cannot be reused for a refund.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/refunds"), obj{"refunded_amount": 500}, key...), http.StatusConflict, "CONFLICT")
	// A failed call stores nothing: fixed and retried with its key, it runs.
	refundKey := []string{"Klarna-Idempotency-Key", "refund-1"}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/refunds"), obj{"refunded_amount": 5000}, refundKey...), http.StatusForbidden, "REFUND_NOT_ALLOWED")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/refunds"), obj{"refunded_amount": 500}, refundKey...), http.StatusCreated)
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/refunds"), obj{"refunded_amount": 500}, refundKey...), http.StatusCreated)
	if o := c.order(t, oid); num(t, o, "refunded_amount") != 500 {
		t.Fatalf("refunded %v", o["refunded_amount"])
	}
	// 204 calls replay too.
	ack := []string{"Klarna-Idempotency-Key", "ack-1"}
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/acknowledge"), nil, ack...), http.StatusNoContent)
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/acknowledge"), nil, ack...), http.StatusNoContent)
	// After 24 hours of virtual time the key is forgotten.
	c.sb.Advance(t, c.tenant, 24*time.Hour+time.Minute)
	later := c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 2000}, key...)
	sandboxtest.WantStatus(t, later, http.StatusCreated)
	if later.Header.Get("Capture-Id") == first.Header.Get("Capture-Id") {
		t.Fatal("key not forgotten after 24 h")
	}
	if o := c.order(t, oid); num(t, o, "captured_amount") != 3000 {
		t.Fatalf("captured %v", o["captured_amount"])
	}
}

func TestExpiryOnTheVirtualClock(t *testing.T) {
	c := newClient(t)

	t.Run("session lasts 48 hours", func(t *testing.T) {
		sid, ct := c.openSession(t, seCart("buy"))
		c.sb.Advance(t, c.tenant, 47*time.Hour)
		sandboxtest.WantStatus(t, c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil), http.StatusOK)
		c.sb.Advance(t, c.tenant, time.Hour)
		sandboxtest.WantKlarnaError(t, c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
		sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/sessions/"+sid, obj{"order_amount": 9500}), http.StatusNotFound, "NOT_FOUND", "Invalid session id")
		wantSDKError(t, c.sdk(t, obj{"client_token": ct, "billing_address": seBilling("customer@email.se")}), http.StatusNotFound, "NOT_FOUND")
	})

	t.Run("authorization token lasts 60 minutes", func(t *testing.T) {
		_, ct := c.openSession(t, seCart("buy"))
		a1 := c.authorize(t, ct, seBilling("customer@email.se"))
		c.sb.Advance(t, c.tenant, 59*time.Minute)
		a2 := c.authorize(t, ct, seBilling("customer@email.se"))
		c.sb.Advance(t, c.tenant, 2*time.Minute)
		sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+a1+"/order", seCart("buy")), http.StatusNotFound, "NOT_FOUND", "Invalid authorization token")
		c.placeOrder(t, a2, seCart("buy"))
	})

	t.Run("order authorization lasts 28 days unless extended", func(t *testing.T) {
		plain := c.newOrder(t, seCart("buy"))
		extended := c.newOrder(t, seCart("buy"))
		c.sb.Advance(t, c.tenant, 20*24*time.Hour)
		before := c.order(t, extended)["expires_at"].(string)
		sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(extended, "/extend-authorization-time"), nil), http.StatusNoContent)
		after := c.order(t, extended)["expires_at"].(string)
		b, _ := time.Parse(time.RFC3339, before)
		a, _ := time.Parse(time.RFC3339, after)
		if d := a.Sub(b); d != 20*24*time.Hour {
			t.Fatalf("extension moved expiry by %s (from %s to %s)", d, before, after)
		}
		// Twice on one day: the same expiry.
		sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(extended, "/extend-authorization-time"), nil), http.StatusNoContent)
		if again := c.order(t, extended)["expires_at"]; again != after {
			t.Fatalf("second extension the same day: %s, want %s", again, after)
		}

		c.sb.Advance(t, c.tenant, 8*24*time.Hour) // day 28
		if o := c.order(t, plain); o["status"] != "EXPIRED" || num(t, o, "remaining_authorized_amount") != 0 {
			t.Fatalf("plain order at day 28: %v", o)
		}
		sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(plain, "/captures"), obj{"captured_amount": 100}), http.StatusForbidden, "CAPTURE_NOT_ALLOWED", "Order is expired. Capture not possible.")
		sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(plain, "/extend-authorization-time"), nil), http.StatusForbidden, "NOT_ALLOWED")
		if o := c.order(t, extended); o["status"] != "AUTHORIZED" {
			t.Fatalf("extended order at day 28: %v", o)
		}
		sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(extended, "/captures"), obj{"captured_amount": 100}), http.StatusCreated)
		// A part-captured order whose authorization lapses is closed.
		c.sb.Advance(t, c.tenant, 21*24*time.Hour)
		if o := c.order(t, extended); o["status"] != "CLOSED" || num(t, o, "captured_amount") != 100 {
			t.Fatalf("extended order after expiry: %v", o)
		}
	})
}

func TestFraudReview(t *testing.T) {
	c := newClient(t)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusInternalServerError, "not yet")

	cart := with(usCart(), "merchant_urls", obj{"notification": rc.URL + "/klarna/{order.id}"})
	_, ct := c.openSession(t, cart)
	auth := c.authorize(t, ct, usBilling("customer+pend-accept-05@email.us"))
	placed := c.placeOrder(t, auth, cart)
	oid := placed["order_id"].(string)
	if placed["fraud_status"] != "PENDING" {
		t.Fatalf("placed: %v", placed)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 100}), http.StatusForbidden, "CAPTURE_NOT_ALLOWED")

	c.sb.Advance(t, c.tenant, 4*time.Minute)
	if o := c.order(t, oid); o["fraud_status"] != "PENDING" || len(rc.Requests()) != 0 {
		t.Fatalf("decided early: %v", o["fraud_status"])
	}
	c.sb.Advance(t, c.tenant, time.Minute)
	if o := c.order(t, oid); o["fraud_status"] != "ACCEPTED" || o["status"] != "AUTHORIZED" {
		t.Fatalf("after review: %v", o)
	}
	got := rc.Requests()
	if len(got) != 1 || got[0].URL != "/klarna/"+oid {
		t.Fatalf("notifications: %+v", got)
	}
	var n map[string]string
	if err := json.Unmarshal(got[0].Body, &n); err != nil || n["order_id"] != oid || n["event_type"] != "FRAUD_RISK_ACCEPTED" {
		t.Fatalf("notification body %s", got[0].Body)
	}
	// Klarna retries every 10 minutes until a 2xx.
	rc.Respond(http.StatusOK, "OK")
	c.sb.Advance(t, c.tenant, 9*time.Minute)
	if len(rc.Requests()) != 1 {
		t.Fatal("retried before 10 minutes")
	}
	c.sb.Advance(t, c.tenant, time.Minute)
	if len(rc.Requests()) != 2 {
		t.Fatalf("no retry after 10 minutes: %d", len(rc.Requests()))
	}
	ds := c.sb.Webhooks(t, webhook.Filter{Provider: "klarna", Tenant: c.tenant})
	if len(ds) != 1 || ds[0].Status != webhook.Delivered || len(ds[0].Attempts) != 2 {
		t.Fatalf("delivery: %+v", ds)
	}
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 10800}), http.StatusCreated)

	// pend-reject: rejected and cancelled.
	_, ct = c.openSession(t, cart)
	auth = c.authorize(t, ct, usBilling("customer+pend-reject-10@email.us"))
	rejected := c.placeOrder(t, auth, with(cart, "auto_capture", true))["order_id"].(string)
	c.sb.Advance(t, c.tenant, 10*time.Minute)
	if o := c.order(t, rejected); o["fraud_status"] != "REJECTED" || o["status"] != "CANCELLED" || num(t, o, "captured_amount") != 0 {
		t.Fatalf("rejected: %v", o)
	}
	last := rc.Requests()[len(rc.Requests())-1]
	if err := json.Unmarshal(last.Body, &n); err != nil || n["order_id"] != rejected || n["event_type"] != "FRAUD_RISK_REJECTED" {
		t.Fatalf("rejection notification %s", last.Body)
	}

	// Outside the US and the UK there is no review.
	_, ct = c.openSession(t, seCart("buy"))
	auth = c.authorize(t, ct, seBilling("customer+pend-accept-05@email.se"))
	if p := c.placeOrder(t, auth, seCart("buy")); p["fraud_status"] != "ACCEPTED" {
		t.Fatalf("SE order: %v", p)
	}
}

func TestAutoCapture(t *testing.T) {
	c := newClient(t)
	oid := c.placeOrder(t, c.authorize(t, func() string { _, ct := c.openSession(t, seCart("buy")); return ct }(), seBilling("customer@email.se")),
		with(seCart("buy"), "auto_capture", true))["order_id"].(string)
	if o := c.order(t, oid); o["status"] != "CAPTURED" || num(t, o, "captured_amount") != 9500 {
		t.Fatalf("auto captured: %v", o)
	}
}

func TestCustomerTokenOrder(t *testing.T) {
	c := newClient(t)
	cart := with(seCart("tokenize"), "merchant_urls", obj{"confirmation": "https://shop.example/welcome"})
	sid, ct := c.openSession(t, cart)
	auth := c.authorize(t, ct, seBilling("customer@email.se"))
	r := c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/customer-token", obj{
		"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "description": "Monthly power pack",
		"intended_use": "subscription", "customer": obj{"date_of_birth": "1970-07-10", "gender": "female"},
	})
	sandboxtest.WantStatus(t, r, http.StatusOK)
	created := r.JSON(t)
	tokenID := created["token_id"].(string)
	if created["redirect_url"] == nil || created["customer"].(obj)["date_of_birth"] != "1970-07-10" ||
		created["billing_address"].(obj)["email"] != "customer@email.se" {
		t.Fatalf("token: %s", r.Body)
	}
	// The tokenize session is now complete, and the token is spent.
	if s := c.do(t, http.MethodGet, "/payments/v1/sessions/"+sid, nil).JSON(t); s["status"] != "complete" {
		t.Fatalf("session: %v", s)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+auth+"/customer-token", obj{
		"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "description": "again", "intended_use": "SUBSCRIPTION",
	}), http.StatusForbidden, "INVALID_OPERATION", "Authorization token already consumed")

	r = c.do(t, http.MethodGet, "/customer-token/v1/tokens/"+tokenID, nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if tok := r.JSON(t); tok["status"] != "ACTIVE" || tok["payment_method_type"] != "INVOICE" {
		t.Fatalf("token: %s", r.Body)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodGet, "/customer-token/v1/tokens/nope", nil), http.StatusNotFound, "NOT_FOUND", "Invalid customer-token ID")

	order := obj{"purchase_currency": "SEK", "order_amount": 9500, "order_tax_amount": 1900, "order_lines": []any{seLine()},
		"merchant_reference1": "SUB-2"}
	key := []string{"Klarna-Idempotency-Key", "sub-2030-02"}
	r = c.do(t, http.MethodPost, "/customer-token/v1/tokens/"+tokenID+"/order", order, key...)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	placed := r.JSON(t)
	oid := placed["order_id"].(string)
	if placed["fraud_status"] != "ACCEPTED" {
		t.Fatalf("placed: %v", placed)
	}
	// Retried with its key: the same order, not a second one.
	r = c.do(t, http.MethodPost, "/customer-token/v1/tokens/"+tokenID+"/order", order, key...)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if r.JSON(t)["order_id"] != oid {
		t.Fatalf("replay made another order: %s", r.Body)
	}
	// The order is an Order Management order like any other.
	o := c.order(t, oid)
	if o["status"] != "AUTHORIZED" || o["merchant_reference1"] != "SUB-2" || o["purchase_country"] != "SE" ||
		o["billing_address"].(obj)["email"] != "customer@email.se" {
		t.Fatalf("order: %v", o)
	}
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, omPath(oid, "/captures"), obj{"captured_amount": 9500}), http.StatusCreated)

	// Validation uses the token's market.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/customer-token/v1/tokens/"+tokenID+"/order", with(order, "purchase_currency", "EUR")),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: purchase_currency")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/customer-token/v1/tokens/"+tokenID+"/order", with(order, "order_amount", 9000)),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: order_amount")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/customer-token/v1/tokens/"+tokenID+"/order", func() obj { o := with(order); delete(o, "order_tax_amount"); return o }()),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: order_tax_amount")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/customer-token/v1/tokens/nope/order", order), http.StatusNotFound, "TOKEN_NOT_FOUND")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/customer-token/v1/tokens/"+tokenID+"/order", `{"order_amount":`), http.StatusBadRequest, "BAD_REQUEST")

	// Cancel: 202, then orders are refused.
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPatch, "/customer-token/v1/tokens/"+tokenID+"/status", obj{"status": "ACTIVE"}), http.StatusBadRequest, "BAD_VALUE", "Bad value: status")
	sandboxtest.WantStatus(t, c.do(t, http.MethodPatch, "/customer-token/v1/tokens/"+tokenID+"/status", obj{"status": "CANCELLED"}), http.StatusAccepted)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPatch, "/customer-token/v1/tokens/nope/status", obj{"status": "CANCELLED"}), http.StatusNotFound, "TOKEN_NOT_FOUND")
	if tok := c.do(t, http.MethodGet, "/customer-token/v1/tokens/"+tokenID, nil).JSON(t); tok["status"] != "CANCELLED" {
		t.Fatalf("token after cancel: %v", tok)
	}
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/customer-token/v1/tokens/"+tokenID+"/order", order), http.StatusForbidden, "TOKEN_CANCELED")
}

// The Go API that other providers (Commerce Layer) use: the same methods the
// handlers call.
func TestGoAPI(t *testing.T) {
	sb := sandboxtest.Start(t)
	var k *klarna.Klarna
	for _, p := range sb.Emulator.Providers() {
		if kp, ok := p.(*klarna.Klarna); ok {
			k = kp
		}
	}
	if k == nil {
		t.Fatal("klarna provider not mounted")
	}
	ctx, tenant := context.Background(), "cl_market_1"
	cart := klarna.Purchase{PurchaseCountry: "DE", PurchaseCurrency: "EUR", Locale: "de-DE", OrderAmount: 11900, OrderTaxAmount: 1900,
		OrderLines: []klarna.OrderLine{{Type: "physical", Name: "Shirt", Quantity: 1, UnitPrice: 11900, TaxRate: 1900, TotalAmount: 11900, TotalTaxAmount: 1900}}}
	s, err := k.OpenSession(ctx, tenant, cart)
	if err != nil || s.PaymentMethodCategories[0].Identifier != "klarna" {
		t.Fatalf("open: %+v %v", s, err)
	}
	cart.OrderAmount, cart.OrderTaxAmount = 23800, 3800
	cart.OrderLines[0].Quantity, cart.OrderLines[0].TotalAmount, cart.OrderLines[0].TotalTaxAmount = 2, 23800, 3800
	if err := k.UpdateSessionCart(ctx, tenant, s.SessionID, cart); err != nil {
		t.Fatal(err)
	}
	read, err := k.ReadSession(ctx, tenant, s.SessionID)
	if err != nil || read.OrderAmount != 23800 || read.Status != klarna.SessionIncomplete {
		t.Fatalf("read: %+v %v", read, err)
	}
	bill := &klarna.Address{GivenName: "Testperson-de", FamilyName: "Approved", Email: "customer@email.de", StreetAddress: "Hellersbergstraße 14",
		PostalCode: "41460", City: "Neuss", Country: "DE"}
	res, err := k.Authorize(ctx, tenant, s.SessionID, klarna.AuthorizeRequest{BillingAddress: bill})
	if err != nil || !res.Approved {
		t.Fatalf("authorize: %+v %v", res, err)
	}
	placed, err := k.PlaceOrder(ctx, tenant, res.AuthorizationToken, klarna.OrderRequest{Purchase: read.Purchase}, "")
	if err != nil || placed.FraudStatus != klarna.FraudAccepted || placed.RedirectURL != "" {
		t.Fatalf("place: %+v %v", placed, err)
	}
	c, err := k.Capture(ctx, tenant, placed.OrderID, klarna.CaptureRequest{CapturedAmount: 23800})
	if err != nil || c.CaptureID == "" {
		t.Fatalf("capture: %+v %v", c, err)
	}
	if _, err := k.Refund(ctx, tenant, placed.OrderID, klarna.RefundRequest{RefundedAmount: 1000}); err != nil {
		t.Fatal(err)
	}
	o, err := k.Order(ctx, tenant, placed.OrderID)
	if err != nil || o.Status != klarna.StatusCaptured || o.RefundedAmount != 1000 {
		t.Fatalf("order: %+v %v", o, err)
	}
	err = k.CancelOrder(ctx, tenant, placed.OrderID)
	var ke *klarna.Error
	if !asError(err, &ke) || ke.Code != "CANCEL_NOT_ALLOWED" {
		t.Fatalf("cancel: %v", err)
	}
	// The same data is visible over HTTP to the tenant.
	r := sb.Do(t, http.MethodGet, omPath(placed.OrderID, ""), nil, "Authorization", basic(tenant, "x"))
	sandboxtest.WantStatus(t, r, http.StatusOK)
}

func asError(err error, target **klarna.Error) bool { return errors.As(err, target) }
