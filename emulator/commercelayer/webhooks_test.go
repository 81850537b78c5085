package commercelayer_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/commercelayer"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

func TestWebhooksSignedAndRetried(t *testing.T) {
	sb := start(t)
	in := integration(t, sb)
	rc := sandboxtest.NewReceiver(t)
	wh := in.must(201, "POST", "/api/webhooks", create("webhooks",
		attrs("name", "place", "topic", "orders.place", "callback_url", rc.URL+"/cl", "include_resources", []string{"line_items", "customer"}), nil))
	secret := wh.str("shared_secret")
	if len(secret) < 32 || wh.str("circuit_state") != "closed" {
		t.Fatalf("webhook: %v", wh.data()["attributes"])
	}
	if again := in.must(200, "GET", "/api/webhooks/"+wh.id(), nil); again.attr("shared_secret") != nil {
		t.Errorf("the shared secret is shown once: %v", again.attr("shared_secret"))
	}
	in.fails(422, "VALIDATION_ERROR", "POST", "/api/webhooks", create("webhooks", attrs("topic", "orders.explode", "callback_url", rc.URL), nil))
	in.fails(422, "VALIDATION_ERROR", "POST", "/api/webhooks", create("webhooks", attrs("topic", "orders.place", "callback_url", "ftp://x"), nil))
	in.fails(422, "VALIDATION_ERROR", "POST", "/api/webhooks", create("webhooks", attrs("topic", "orders.place", "callback_url", rc.URL, "include_resources", []string{"widgets"}), nil))

	// Place an order (an external payment: no gateway).
	sc := salesChannel(t, sb, "market:code:EU")
	id := sc.cart(tshirt, 1).id()
	sc.checkoutReady(id, "buyer@example.com", italianAddress("buyer@example.com"), "PayMExtEUx")
	ep := sc.must(201, "POST", "/api/external_payments", create("external_payments", attrs("payment_source_token", "tok_123"), map[string]any{"order": rel("orders", id)}))
	o := sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	if o.str("payment_status") != "authorized" || o.cents("payment_method_amount_cents") != 300 {
		t.Fatalf("placed with an external payment: %v", o.data()["attributes"])
	}
	_ = ep
	sb.Flush()
	got := rc.Requests()
	if len(got) != 1 {
		t.Fatalf("deliveries: %d", len(got))
	}
	r := got[0]
	if r.Method != "POST" || r.Header.Get("X-CommerceLayer-Topic") != "orders.place" ||
		r.Header.Get("X-CommerceLayer-Signature") != commercelayer.Signature(r.Body, secret) {
		t.Fatalf("delivery headers: %v", r.Header)
	}
	var payload struct {
		Data struct {
			ID         string
			Type       string
			Links      map[string]string
			Attributes map[string]any
			Meta       map[string]any
		}
		Included []map[string]any
	}
	if err := json.Unmarshal(r.Body, &payload); err != nil {
		t.Fatal(err)
	}
	if payload.Data.ID != id || payload.Data.Attributes["status"] != "placed" || payload.Data.Links["self"] != "/api/orders/"+id ||
		payload.Data.Meta["organization_id"] != "PaysandBox" || len(payload.Included) < 3 { // 2 line items (sku, shipping, payment method) + customer
		t.Fatalf("payload: %s", r.Body)
	}

	// A failing receiver: retried on the virtual clock.
	rc.Respond(500, "nope")
	id2 := sc.cart(mug, 1).id()
	sc.checkoutReady(id2, "buyer@example.com", italianAddress("buyer@example.com"), "PayMWireEU")
	sc.must(201, "POST", "/api/wire_transfers", create("wire_transfers", nil, map[string]any{"order": rel("orders", id2)}))
	sc.must(200, "PATCH", "/api/orders/"+id2, update("orders", id2, attrs("_place", true), nil))
	sb.Flush()
	sb.Advance(t, org, time.Minute)
	sb.Advance(t, org, 2*time.Minute)
	ds := sb.Webhooks(t, webhook.Filter{Provider: "commercelayer", Tenant: org})
	if len(ds) != 2 || len(ds[0].Attempts) != 3 || ds[0].Status != "pending" {
		t.Fatalf("retries: %+v", ds)
	}
	wh = in.must(200, "GET", "/api/webhooks/"+wh.id(), nil)
	if wh.cents("circuit_failure_count") != 3 || wh.str("circuit_state") != "closed" {
		t.Errorf("circuit: %v", wh.data()["attributes"])
	}
	rc.Respond(200, "OK")
	sb.Advance(t, org, 4*time.Minute)
	if ds := sb.Webhooks(t, webhook.Filter{Provider: "commercelayer", Tenant: org}); ds[0].Status != "delivered" {
		t.Errorf("delivered after retry: %+v", ds[0])
	}
	if wh := in.must(200, "GET", "/api/webhooks/"+wh.id(), nil); wh.cents("circuit_failure_count") != 0 {
		t.Errorf("a success resets the count: %v", wh.data()["attributes"])
	}
}

func TestWebhookCircuitBreaker(t *testing.T) {
	sb := start(t)
	in := integration(t, sb)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(503, "down")
	wh := in.must(201, "POST", "/api/webhooks", create("webhooks", attrs("topic", "orders.create", "callback_url", rc.URL), nil))
	sc := salesChannel(t, sb, "market:code:EU")
	for i := 0; i < 3; i++ {
		sc.cart()
	}
	// Three deliveries, each tried 11 times: 33 consecutive failures.
	sb.Flush()
	for i := 0; i < 10; i++ {
		sb.Advance(t, org, 9*time.Hour)
	}
	if n := len(rc.Requests()); n != 33 {
		t.Fatalf("attempts: %d", n)
	}
	in, sc = integration(t, sb), salesChannel(t, sb, "market:code:EU") // the old tokens expired meanwhile
	wh = in.must(200, "GET", "/api/webhooks/"+wh.id(), nil)
	if wh.str("circuit_state") != "open" || wh.cents("circuit_failure_count") < 30 {
		t.Fatalf("circuit: %v", wh.data()["attributes"])
	}
	open := in.must(200, "GET", "/api/webhooks?filter[q][topic_eq]=orders.create", nil)
	if len(open.list()) != 1 {
		t.Errorf("filter: %v", open)
	}
	// An open circuit sends nothing.
	sc.cart()
	sb.Flush()
	if n := len(rc.Requests()); n != 33 {
		t.Fatalf("sent through an open circuit: %d", n)
	}
	// Reset: closed again, and events flow.
	rc.Respond(200, "OK")
	wh = in.must(200, "PATCH", "/api/webhooks/"+wh.id(), update("webhooks", wh.id(), attrs("_reset_circuit", true), nil))
	if wh.str("circuit_state") != "closed" || wh.cents("circuit_failure_count") != 0 {
		t.Fatalf("reset: %v", wh.data()["attributes"])
	}
	sc.cart()
	sb.Flush()
	if n := len(rc.Requests()); n != 34 || !strings.Contains(string(rc.Requests()[33].Body), `"type":"orders"`) {
		t.Fatalf("after reset: %d", n)
	}
	in.must(204, "DELETE", "/api/webhooks/"+wh.id(), nil)
}
