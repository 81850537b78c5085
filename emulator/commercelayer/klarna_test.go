package commercelayer_test

import (
	"encoding/json"
	"net/url"
	"testing"
)

func relData(d doc, name string) any {
	return d.data()["relationships"].(map[string]any)[name].(map[string]any)["data"]
}

// TestKlarnaMismatchedAmounts: the order total moves after the Klarna
// session opened; _place is refused until _update pushes the new cart and
// the customer authorizes again.
func TestKlarnaMismatchedAmounts(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	id := sc.cart(tshirt, 1).id()
	sc.checkoutReady(id, "customer@email.it", italianAddress("customer@email.it"), klarnaEU)
	kp := sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", attrs("reference", "ANY-EXTERNAL-REFERENCE"), map[string]any{"order": rel("orders", id)}))
	token := klarnaAuthorize(t, sb, kp.str("client_token"))
	sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", token), nil))

	// Express delivery costs more: the Klarna session no longer matches.
	o := sc.must(200, "GET", "/api/orders/"+id+"?include=shipments", nil)
	sid := relData(o, "shipments").([]any)[0].(map[string]any)["id"].(string)
	sc.must(200, "PATCH", "/api/shipments/"+sid, update("shipments", sid, nil, map[string]any{"shipping_method": rel("shipping_methods", "ShipEUExpr")}))
	kp = sc.must(200, "GET", "/api/klarna_payments/"+kp.id(), nil)
	if kp.attr("mismatched_amounts") != true || kp.str("reference") != "ANY-EXTERNAL-REFERENCE" {
		t.Fatalf("mismatched_amounts: %v", kp.data()["attributes"])
	}
	e := sc.fails(422, "VALIDATION_ERROR", "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	if e["source"].(map[string]any)["pointer"] != "/data/relationships/payment_source" {
		t.Errorf("place error: %v", e)
	}
	filtered := integration(t, sb).must(200, "GET", "/api/klarna_payments?filter[q][mismatched_amounts_true]=1", nil)
	if len(filtered.list()) != 1 {
		t.Errorf("filter on mismatched_amounts: %v", filtered)
	}

	// _update pushes the new cart; the old authorization no longer counts.
	kp = sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("_update", true), nil))
	if kp.attr("mismatched_amounts") != false || kp.attr("auth_token") != nil {
		t.Fatalf("after _update: %v", kp.data()["attributes"])
	}
	sc.fails(422, "PAYMENT_NOT_APPROVED_FOR_EXECUTION", "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	token = klarnaAuthorize(t, sb, kp.str("client_token"))
	sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", token), nil))
	o = sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	if o.str("status") != "placed" || o.cents("total_amount_with_taxes_cents") != 2900+1500 {
		t.Fatalf("placed: %v", o.data()["attributes"])
	}
	ko := klarnaOrder(t, sb, o.attr("payment_source_details").(map[string]any)["klarna_id"].(string))
	if ko["order_amount"] != float64(4400) {
		t.Errorf("klarna order amount: %v", ko["order_amount"])
	}
	lines := ko["order_lines"].([]any)
	if len(lines) != 2 || lines[1].(map[string]any)["type"] != "shipping_fee" || lines[1].(map[string]any)["total_amount"] != float64(1500) {
		t.Errorf("klarna order lines: %v", lines)
	}
	// A placed order is not editable.
	sc.fails(422, "VALIDATION_ERROR", "POST", "/api/line_items", create("line_items", attrs("sku_code", mug, "quantity", 1), map[string]any{"order": rel("orders", id)}))
}

// TestCartChangeNullifiesKlarnaPayment: changing the cart or the payment
// method detaches the payment source, as Commerce Layer does.
func TestCartChangeNullifiesKlarnaPayment(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	id := sc.cart(tshirt, 1).id()
	sc.checkoutReady(id, "customer@email.it", italianAddress("customer@email.it"), klarnaEU)
	sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
	li := sc.must(201, "POST", "/api/line_items", create("line_items", attrs("sku_code", tshirt, "quantity", 2, "_update_quantity", true), map[string]any{"order": rel("orders", id)}))
	if li.attr("quantity") != float64(3) {
		t.Errorf("_update_quantity: %v", li.data()["attributes"])
	}
	o := sc.must(200, "GET", "/api/orders/"+id+"?include=payment_source", nil)
	if relData(o, "payment_source") != nil {
		t.Fatalf("payment source kept after a cart change: %v", relData(o, "payment_source"))
	}
	sc.fails(422, "VALIDATION_ERROR", "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	// So does _refresh.
	sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
	o = sc.must(200, "PATCH", "/api/orders/"+id+"?include=payment_source", update("orders", id, attrs("_refresh", true), nil))
	if relData(o, "payment_source") != nil || o.str("refreshed_at") == "" {
		t.Fatalf("_refresh: %v", o.data()["attributes"])
	}
	// A payment source for a method the order does not use is refused.
	sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, nil, map[string]any{"payment_method": rel("payment_methods", "PayMWireEU")}))
	sc.fails(422, "VALIDATION_ERROR", "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
}

// TestKlarnaUSCheckoutWithSalesTax: in the US prices exclude tax and Klarna
// gets the tax as one sales_tax line.
func TestKlarnaUSCheckoutWithSalesTax(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:US")
	id := sc.cart(tshirt, 1, ebook, 1).id()
	o := sc.checkoutReady(id, "customer@email.us", usAddress("customer@email.us"), klarnaUS)
	// 32.00 + 9.90 + shipping 5.99 = 47.89; 8.88%: 284 + 88 + 53 = 425.
	if o.cents("total_amount_cents") != 4789 || o.cents("total_tax_amount_cents") != 425 || o.cents("total_amount_with_taxes_cents") != 5214 ||
		o.str("formatted_total_amount_with_taxes") != "$52.14" || o.attr("tax_included") != false {
		t.Fatalf("US totals: %v", o.data()["attributes"])
	}
	kp := sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
	token := klarnaAuthorize(t, sb, kp.str("client_token"))
	sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", token), nil))
	o = sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	ko := klarnaOrder(t, sb, o.attr("payment_source_details").(map[string]any)["klarna_id"].(string))
	lines := ko["order_lines"].([]any)
	last := lines[len(lines)-1].(map[string]any)
	if ko["order_amount"] != float64(5214) || last["type"] != "sales_tax" || last["total_amount"] != float64(425) || ko["purchase_country"] != "US" {
		t.Fatalf("klarna US order: %v", ko)
	}
	if lines[1].(map[string]any)["type"] != "digital" {
		t.Errorf("the e-book is digital: %v", lines[1])
	}
}

// TestCancelVoidsKlarnaOrder: cancelling a placed order voids the
// authorization and cancels the Klarna order.
func TestCancelVoidsKlarnaOrder(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	id := sc.cart(mug, 1).id()
	sc.checkoutReady(id, "customer@email.it", italianAddress("customer@email.it"), klarnaEU)
	kp := sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
	token := klarnaAuthorize(t, sb, kp.str("client_token"))
	sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", token), nil))
	o := sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	klarnaID := o.attr("payment_source_details").(map[string]any)["klarna_id"].(string)

	in := integration(t, sb)
	o = in.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_cancel", true), nil))
	if o.str("status") != "cancelled" || o.str("payment_status") != "voided" || o.str("cancelled_at") == "" {
		t.Fatalf("cancelled: %v", o.data()["attributes"])
	}
	if ko := klarnaOrder(t, sb, klarnaID); ko["status"] != "CANCELLED" {
		t.Errorf("klarna order: %v", ko["status"])
	}
	voids := in.must(200, "GET", "/api/orders/"+id+"/voids?include=reference_authorization", nil)
	if len(voids.list()) != 1 || len(voids["included"].([]any)) != 1 {
		t.Errorf("voids: %v", voids)
	}
	in.fails(422, "VALIDATION_ERROR", "PATCH", "/api/orders/"+id, update("orders", id, attrs("_capture", true), nil))
}

// TestPartialCaptureThroughAuthorization and the approve trigger.
func TestPartialCaptureThroughAuthorization(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	id := sc.cart(hoodie, 1).id()
	sc.checkoutReady(id, "customer@email.it", italianAddress("customer@email.it"), klarnaEU)
	kp := sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
	token := klarnaAuthorize(t, sb, kp.str("client_token"))
	sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", token), nil))
	o := sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	klarnaID := o.attr("payment_source_details").(map[string]any)["klarna_id"].(string)

	in := integration(t, sb)
	o = in.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_approve", true), nil))
	if o.str("status") != "approved" || o.str("approved_at") == "" {
		t.Fatalf("approved: %v", o.data()["attributes"])
	}
	auth := in.must(200, "GET", "/api/orders/"+id+"/authorizations", nil).list()[0].(map[string]any)
	aid := auth["id"].(string)
	in.fails(422, "VALIDATION_ERROR", "PATCH", "/api/authorizations/"+aid, update("authorizations", aid, attrs("_capture", true, "_capture_amount_cents", 999999), nil))
	a := in.must(200, "PATCH", "/api/authorizations/"+aid, update("authorizations", aid, attrs("_capture", true, "_capture_amount_cents", 2000), nil))
	if a.cents("capture_amount_cents") != 2000 || a.cents("capture_balance_cents") != 5600 {
		t.Fatalf("authorization: %v", a.data()["attributes"])
	}
	o = in.must(200, "GET", "/api/orders/"+id, nil)
	if o.str("payment_status") != "partially_paid" {
		t.Errorf("partially paid: %v", o.str("payment_status"))
	}
	ko := klarnaOrder(t, sb, klarnaID)
	if ko["status"] != "PART_CAPTURED" || ko["captured_amount"] != float64(2000) {
		t.Errorf("klarna: %v", ko)
	}
	in.must(200, "PATCH", "/api/authorizations/"+aid, update("authorizations", aid, attrs("_capture", true), nil))
	if o := in.must(200, "GET", "/api/orders/"+id, nil); o.str("payment_status") != "paid" {
		t.Errorf("paid: %v", o.str("payment_status"))
	}
	if ko := klarnaOrder(t, sb, klarnaID); ko["captured_amount"] != float64(7600) {
		t.Errorf("klarna captured: %v", ko["captured_amount"])
	}
}

// TestKlarnaIsPerOrganization: each organization's Klarna gateway is a
// Klarna merchant of its own; one organization's Klarna order cannot be
// read with another's Klarna login, nor with the default one.
func TestKlarnaIsPerOrganization(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	u, _ := url.Parse(sb.URL)
	res := do(t, sb, "POST", "/oauth/token", `{"grant_type":"client_credentials","client_id":"`+salesChannelID+`","scope":"market:code:EU"}`,
		"acme.localhost:"+u.Port(), "Content-Type", "application/json")
	var tok map[string]any
	_ = json.Unmarshal(res.Body, &tok)
	acme := &api{t: t, sb: sb, token: tok["access_token"].(string)}

	mine, _ := placedKlarnaOrder(t, sb, sc, "mine@example.com")
	theirs, _ := placedKlarnaOrder(t, sb, acme, "theirs@example.com")
	klarnaID := func(a *api, id string) string {
		return a.must(200, "GET", "/api/orders/"+id, nil).attr("payment_source_details").(map[string]any)["klarna_id"].(string)
	}
	mineK, theirsK := klarnaID(sc, mine), klarnaID(acme, theirs)
	if r := klarnaOrderAs(t, sb, "PK_TEST_cl_acme", theirsK); r.Status != 200 {
		t.Fatalf("acme's own Klarna login: %d %s", r.Status, r.Body)
	}
	for _, c := range []struct{ login, id string }{
		{"PK_TEST_cl_paysandbox", theirsK}, {"PK_TEST_paysandbox", theirsK}, {"PK_TEST_cl_acme", mineK}, {"PK_TEST_paysandbox", mineK},
	} {
		if r := klarnaOrderAs(t, sb, c.login, c.id); r.Status != 404 {
			t.Errorf("%s reads %s: %d", c.login, c.id, r.Status)
		}
	}
}
