package commercelayer_test

import (
	"testing"
)

// TestKlarnaCheckout runs the checkout the way the official JS SDK drives
// it, and finds the same money at Klarna.
func TestKlarnaCheckout(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")

	o := sc.cart(tshirt, 2, mug, 1)
	if o.str("status") != "draft" || o.str("currency_code") != "EUR" {
		t.Fatalf("new order: %v", o.data()["attributes"])
	}
	id := o.id()
	o = sc.checkoutReady(id, "customer@email.it", italianAddress("customer@email.it"), klarnaEU)
	// 2 x 29.00 + 12.90 = 70.90; standard shipping 7.00; 22% IVA included.
	if o.str("status") != "pending" || o.cents("subtotal_amount_cents") != 7090 || o.cents("shipping_amount_cents") != 700 ||
		o.cents("total_amount_with_taxes_cents") != 7790 || o.str("formatted_total_amount_with_taxes") != "€77,90" {
		t.Fatalf("order before payment: %v", o.data()["attributes"])
	}
	if o.cents("total_tax_amount_cents") != 1405 { // 1046 + 233 + 126 (29*2=5800->1046, 1290->233, 700->126)
		t.Errorf("total_tax_amount_cents = %d", o.cents("total_tax_amount_cents"))
	}

	// Seed 000: create the klarna payment.
	kp := sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
	if kp.data()["type"] != "klarna_payments" || kp.str("session_id") == "" || kp.str("client_token") == "" || kp.attr("mismatched_amounts") != false {
		t.Fatalf("klarna payment: %v", kp)
	}
	methods := kp.attr("payment_methods").([]any)
	if len(methods) == 0 || methods[0].(map[string]any)["identifier"] == "" {
		t.Fatalf("payment_methods: %v", methods)
	}
	rels := kp.data()["relationships"].(map[string]any)
	if rels["order"].(map[string]any)["links"].(map[string]any)["related"] != sb.URL+"/api/klarna_payments/"+kp.id()+"/order" {
		t.Errorf("relationship links: %v", rels["order"])
	}
	if kp.data()["meta"].(map[string]any)["mode"] != "test" {
		t.Errorf("meta: %v", kp.data()["meta"])
	}
	// The order now pays with it.
	o = sc.must(200, "GET", "/api/orders/"+id+"?include=payment_source", nil)
	ps := o.data()["relationships"].(map[string]any)["payment_source"].(map[string]any)["data"].(map[string]any)
	if ps["type"] != "klarna_payments" || ps["id"] != kp.id() {
		t.Fatalf("payment_source: %v", ps)
	}

	// Placing before the customer authorized at Klarna is refused.
	sc.fails(422, "PAYMENT_NOT_APPROVED_FOR_EXECUTION", "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))

	// The Klarna widget authorizes; seed 001: send back the token.
	token := klarnaAuthorize(t, sb, kp.str("client_token"))
	sc.fails(422, "VALIDATION_ERROR", "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", "0b1d9815-165e-42e2-8867-35bc03789e00"), nil))
	kp = sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", token), nil))
	if kp.str("auth_token") != token {
		t.Fatalf("auth_token not kept: %v", kp)
	}

	o = sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	if o.str("status") != "placed" || o.str("payment_status") != "authorized" || o.str("placed_at") == "" {
		t.Fatalf("placed: %v", o.data()["attributes"])
	}
	details := o.attr("payment_source_details").(map[string]any)
	klarnaID, _ := details["klarna_id"].(string)
	if details["type"] != "klarna_payment" || klarnaID == "" {
		t.Fatalf("payment_source_details: %v", details)
	}
	ko := klarnaOrder(t, sb, klarnaID)
	if ko["status"] != "AUTHORIZED" || ko["order_amount"] != float64(7790) {
		t.Fatalf("klarna order: %v", ko)
	}
	if ko["merchant_reference1"] != o.str("number") || ko["purchase_currency"] != "EUR" || ko["purchase_country"] != "IT" {
		t.Errorf("klarna order references: %v", ko)
	}

	// The integration captures; Klarna's order is captured for the same money.
	in := integration(t, sb)
	auths := in.must(200, "GET", "/api/orders/"+id+"/authorizations", nil)
	if len(auths.list()) != 1 {
		t.Fatalf("authorizations: %v", auths)
	}
	o = in.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_capture", true), nil))
	if o.str("status") != "approved" || o.str("payment_status") != "paid" || o.str("fulfillment_status") != "in_progress" {
		t.Fatalf("captured: %v", o.data()["attributes"])
	}
	ko = klarnaOrder(t, sb, klarnaID)
	if ko["status"] != "CAPTURED" || ko["captured_amount"] != float64(7790) {
		t.Fatalf("klarna after capture: %v", ko)
	}
	caps := in.must(200, "GET", "/api/captures?filter[q][order_id_eq]="+id+"&include=reference_authorization", nil)
	if len(caps.list()) != 1 || caps.list()[0].(map[string]any)["attributes"].(map[string]any)["amount_cents"] != float64(7790) {
		t.Fatalf("captures: %v", caps)
	}

	// A partial refund, then the rest: Klarna refunds the same amounts.
	capID := caps.list()[0].(map[string]any)["id"].(string)
	in.must(200, "PATCH", "/api/captures/"+capID, update("captures", capID, attrs("_refund", true, "_refund_amount_cents", 1000), nil))
	o = in.must(200, "GET", "/api/orders/"+id, nil)
	if o.str("payment_status") != "partially_refunded" {
		t.Fatalf("partial refund: %v", o.data()["attributes"])
	}
	o = in.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_refund", true), nil))
	if o.str("payment_status") != "refunded" || o.str("status") != "cancelled" {
		t.Fatalf("full refund: %v", o.data()["attributes"])
	}
	ko = klarnaOrder(t, sb, klarnaID)
	if ko["refunded_amount"] != float64(7790) {
		t.Fatalf("klarna refunds: %v", ko)
	}
}
