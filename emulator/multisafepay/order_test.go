package multisafepay

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/fixtures"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func testCatalogue(t *testing.T) *Catalogue {
	t.Helper()
	c, err := loadCatalogue(fixtures.FS)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func gw(t *testing.T, id string) *Gateway {
	t.Helper()
	g, ok := testCatalogue(t).Gateway(id)
	if !ok {
		t.Fatalf("no gateway %s", id)
	}
	return g
}

func newOrder(g *Gateway) *Order {
	o := &Order{OrderID: "o-1", Amount: 10000, Currency: "EUR", Status: stInitialized, FinancialStatus: stInitialized,
		Created: t0, Modified: t0, ExpiresAt: t0.Add(g.expiry()), Gateway: g.ID, GatewayName: g.Name}
	return o
}

func TestFinishOutcomes(t *testing.T) {
	for _, tc := range []struct {
		gateway, outcome, status, financial string
	}{
		{"KLARNA", outcomeCompleted, stCompleted, stUncleared},
		{"KLARNA", outcomeUncleared, stUncleared, stUncleared},
		{"KLARNA", outcomeDeclined, stDeclined, stDeclined},
		{"KLARNA", outcomeCancelled, stVoid, stVoid},
		{"KLARNA", outcomeExpired, stExpired, stExpired},
		{"IN3", outcomeCompleted, stCompleted, stUncleared},
		{"IDEAL", outcomeCompleted, stCompleted, stCompleted},
		{"IDEAL", outcomeCancelled, stVoid, stCancelled},
		{"IDEAL", outcomeDeclined, stDeclined, stDeclined},
		{"PAYPAL", outcomeUncleared, stUncleared, stUncleared},
	} {
		g := gw(t, tc.gateway)
		o := newOrder(g)
		o.finish(g, tc.outcome, "", t0.Add(time.Minute))
		if o.Status != tc.status || o.FinancialStatus != tc.financial {
			t.Errorf("%s %s: %s/%s, want %s/%s", tc.gateway, tc.outcome, o.Status, o.FinancialStatus, tc.status, tc.financial)
		}
		if (o.Completed != nil) != (tc.status == stCompleted) {
			t.Errorf("%s %s: completed stamp %v", tc.gateway, tc.outcome, o.Completed)
		}
	}
}

func TestExpiryPerGateway(t *testing.T) {
	for _, tc := range []struct {
		gateway string
		expiry  time.Duration
	}{
		{"KLARNA", 24 * time.Hour}, {"IDEAL", time.Hour}, {"VISA", time.Hour}, {"IN3", 2 * time.Hour},
		{"AFTERPAY", 90 * 24 * time.Hour}, {"PAYPAL", 14 * 24 * time.Hour}, {"BANKTRANS", 60 * 24 * time.Hour},
	} {
		o := newOrder(gw(t, tc.gateway))
		before := *o
		before.settle(t0.Add(tc.expiry-time.Second), nil)
		if before.Status != stInitialized {
			t.Errorf("%s expired early: %s", tc.gateway, before.Status)
		}
		calls := 0
		o.settle(t0.Add(tc.expiry), func() { calls++ })
		if o.Status != stExpired || o.FinancialStatus != stExpired || calls != 1 || !o.Modified.Equal(t0.Add(tc.expiry)) {
			t.Errorf("%s: %s/%s after %v (calls %d, modified %v)", tc.gateway, o.Status, o.FinancialStatus, tc.expiry, calls, o.Modified)
		}
	}
}

func TestKlarnaShippingWindow(t *testing.T) {
	g := gw(t, "KLARNA")
	o := newOrder(g)
	auth := t0.Add(time.Hour)
	o.finish(g, outcomeCompleted, "", auth)
	day := 24 * time.Hour

	// Unshipped for 28 days: expired.
	c := *o
	c.settle(auth.Add(28*day-time.Second), nil)
	if c.Status != stCompleted {
		t.Fatalf("expired before 28 days: %s", c.Status)
	}
	c.settle(auth.Add(28*day), nil)
	if c.Status != stExpired || c.FinancialStatus != stExpired {
		t.Fatalf("after 28 days: %s/%s", c.Status, c.FinancialStatus)
	}

	// Extended in 6-week steps up to 180 days.
	ext := patchRequest{ExtendExpiration: "true"}
	want := []time.Duration{70 * day, 112 * day, 154 * day, 180 * day}
	for i, w := range want {
		if _, err := o.patch(ext, g, auth.Add(time.Duration(i)*day), nil); err != nil {
			t.Fatalf("extension %d: %v", i+1, err)
		}
		if got := o.ShipBy.Sub(auth); got != w {
			t.Fatalf("extension %d: ship by +%v, want +%v", i+1, got, w)
		}
	}
	if _, err := o.patch(ext, g, auth.Add(5*day), nil); err == nil || err.Code != 1000 {
		t.Fatalf("extension past 180 days: %v", err)
	}
	c = *o
	c.settle(auth.Add(179*day), nil)
	if c.Status != stCompleted {
		t.Fatalf("extended order expired at 179 days: %s", c.Status)
	}
	c.settle(auth.Add(180*day), nil)
	if c.Status != stExpired {
		t.Fatalf("extended order alive at 180 days: %s", c.Status)
	}

	// Shipping stops the clock.
	if _, err := o.patch(patchRequest{Status: "shipped", TrackTraceCode: "3S123"}, g, auth.Add(2*day), nil); err != nil {
		t.Fatal(err)
	}
	if o.Status != stShipped || o.FinancialStatus != stUncleared || o.Shipping.TrackTraceCode != "3S123" {
		t.Fatalf("shipped: %s/%s %+v", o.Status, o.FinancialStatus, o.Shipping)
	}
	o.settle(auth.Add(400*day), nil)
	if o.Status != stShipped {
		t.Fatalf("shipped order changed: %s", o.Status)
	}
	if _, err := o.patch(ext, g, auth.Add(3*day), nil); err == nil {
		t.Fatal("extended a shipped order")
	}
}

func TestPatchRules(t *testing.T) {
	klarna, ideal := gw(t, "KLARNA"), gw(t, "IDEAL")
	authorized := func() *Order { o := newOrder(klarna); o.finish(klarna, outcomeCompleted, "", t0); return o }
	for _, tc := range []struct {
		name   string
		order  *Order
		g      *Gateway
		req    patchRequest
		code   int
		status string
		fin    string
	}{
		{"cancel initialized", newOrder(ideal), ideal, patchRequest{Status: "cancelled", ExcludeOrder: "true"}, 0, stVoid, stCancelled},
		{"cancel initialized Klarna", newOrder(klarna), klarna, patchRequest{Status: "cancelled"}, 0, stVoid, stVoid},
		{"cancel authorized Klarna", authorized(), klarna, patchRequest{Status: "cancelled"}, 1000, stCompleted, stUncleared},
		{"ship initialized", newOrder(klarna), klarna, patchRequest{Status: "shipped"}, 1000, stInitialized, stInitialized},
		{"ship authorized", authorized(), klarna, patchRequest{Status: "shipped", InvoiceID: "INV-1"}, 0, stShipped, stUncleared},
		{"unknown status", authorized(), klarna, patchRequest{Status: "completed"}, 1000, stCompleted, stUncleared},
		{"no status", authorized(), klarna, patchRequest{}, 1016, stCompleted, stUncleared},
		{"extend iDEAL", newOrder(ideal), ideal, patchRequest{ExtendExpiration: "true"}, 1000, stInitialized, stInitialized},
		{"extend before authorization", newOrder(klarna), klarna, patchRequest{ExtendExpiration: "true"}, 1000, stInitialized, stInitialized},
	} {
		_, err := tc.order.patch(tc.req, tc.g, t0.Add(time.Hour), func() int64 { return 42 })
		switch {
		case tc.code == 0 && err != nil, tc.code != 0 && (err == nil || err.Code != tc.code):
			t.Errorf("%s: error %v, want code %d", tc.name, err, tc.code)
		case tc.order.Status != tc.status || tc.order.FinancialStatus != tc.fin:
			t.Errorf("%s: %s/%s, want %s/%s", tc.name, tc.order.Status, tc.order.FinancialStatus, tc.status, tc.fin)
		}
	}
	// A partial shipment gets its own transaction id.
	o := authorized()
	data, err := o.patch(patchRequest{Status: "shipped", Amount: "4000"}, klarna, t0, func() int64 { return 777 })
	if err != nil || data["transaction_id"] != int64(777) || len(o.Shipping.Shipments) != 1 {
		t.Fatalf("partial shipment: %v %v %+v", data, err, o.Shipping)
	}
}

func paidOrder(t *testing.T) *Order {
	g := gw(t, "IDEAL")
	o := newOrder(g)
	o.finish(g, outcomeCompleted, "", t0)
	return o
}

func TestRefundRules(t *testing.T) {
	full := refundRequest{Currency: "EUR"}
	part := func(a string) refundRequest { return refundRequest{Currency: "EUR", Amount: text(a)} }

	o := paidOrder(t)
	if _, err := o.refund(part("3000"), 1, t0); err != nil {
		t.Fatal(err)
	}
	if o.Status != stPartialRefunded || o.AmountRefunded != 3000 {
		t.Fatalf("after partial: %s %d", o.Status, o.AmountRefunded)
	}
	if _, err := o.refund(part("3000"), 2, t0.Add(4*time.Minute)); err == nil || err.Code != 1034 {
		t.Fatalf("same amount within 5 minutes: %v", err)
	}
	if _, err := o.refund(part("3000"), 2, t0.Add(5*time.Minute)); err != nil {
		t.Fatalf("same amount after 5 minutes: %v", err)
	}
	if _, err := o.refund(part("5000"), 3, t0.Add(6*time.Minute)); err == nil || err.Code != 1034 {
		t.Fatalf("more than left: %v", err)
	}
	if _, err := o.refund(refundRequest{Currency: "GBP", Amount: "100"}, 3, t0.Add(6*time.Minute)); err == nil || err.Code != 1002 {
		t.Fatalf("other currency: %v", err)
	}
	if _, err := o.refund(refundRequest{Amount: "100"}, 3, t0.Add(6*time.Minute)); err == nil || err.Code != 1016 {
		t.Fatalf("no currency: %v", err)
	}
	rf, err := o.refund(full, 3, t0.Add(7*time.Minute))
	if err != nil || rf.Amount != 4000 || o.Status != stRefunded {
		t.Fatalf("full refund of the rest: %+v %v %s", rf, err, o.Status)
	}
	if _, err := o.refund(full, 4, t0.Add(20*time.Minute)); err == nil || err.Code != 1034 {
		t.Fatalf("refund of a refunded order: %v", err)
	}

	// Voiding a reserved refund restores the status.
	o = paidOrder(t)
	if _, err := o.refund(full, 10, t0); err != nil {
		t.Fatal(err)
	}
	if err := o.voidRefund(10, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if o.Status != stCompleted || o.AmountRefunded != 0 || o.Refunds[0].Status != stVoid {
		t.Fatalf("after void: %s %d %s", o.Status, o.AmountRefunded, o.Refunds[0].Status)
	}
	if err := o.voidRefund(10, t0.Add(time.Minute)); err == nil || err.Code != 1034 {
		t.Fatalf("void twice: %v", err)
	}
	// A processed refund cannot be voided.
	if _, err := o.refund(full, 11, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := o.voidRefund(11, refundProcessAt(t0.Add(time.Hour))); err == nil || err.Code != 1034 {
		t.Fatalf("void processed refund: %v", err)
	}
	if err := o.voidRefund(99, t0); err == nil || err.Status != 404 {
		t.Fatalf("void unknown refund: %v", err)
	}

	// Unpaid orders cannot be refunded.
	u := newOrder(gw(t, "IDEAL"))
	if _, err := u.refund(full, 1, t0); err == nil || err.Code != 1034 {
		t.Fatalf("refund initialized: %v", err)
	}
}

func TestRefundCheckoutData(t *testing.T) {
	g := gw(t, "KLARNA")
	o := newOrder(g)
	o.Cart = []CartItem{{Name: "Shoe", UnitPrice: "50", Quantity: 2, MerchantItemID: "shoe", TaxTableSelector: "none"}}
	o.Tax = seedTax()
	o.Totals = &CartTotals{Total: 10000}
	o.finish(g, outcomeCompleted, "", t0)
	var lines []itemRequest
	if err := json.Unmarshal([]byte(`[
		{"name":"Shoe","unit_price":50,"quantity":2,"merchant_item_id":"shoe","tax_table_selector":"none"},
		{"name":"Shoe","unit_price":-50,"quantity":1,"merchant_item_id":"shoe","tax_table_selector":"none"}]`), &lines); err != nil {
		t.Fatal(err)
	}
	req := refundRequest{}
	req.CheckoutData = &struct {
		Items []itemRequest `json:"items"`
	}{Items: lines}
	rf, err := o.refund(req, 5, t0)
	if err != nil || rf.Amount != 5000 || o.Status != stPartialRefunded {
		t.Fatalf("BNPL refund: %+v %v %s", rf, err, o.Status)
	}
	bad := []itemRequest{{Name: "Hat", UnitPrice: "-10", Quantity: "1", MerchantItemID: "hat"}}
	req.CheckoutData.Items = bad
	if _, err := o.refund(req, 6, t0.Add(time.Hour)); err == nil || err.Code != 1034 {
		t.Fatalf("refund of an item not in the order: %v", err)
	}
	req.CheckoutData.Items = lines[:1]
	if _, err := o.refund(req, 6, t0.Add(time.Hour)); err == nil || err.Code != 1034 {
		t.Fatalf("checkout_data without negative lines: %v", err)
	}
}

func TestManualCapture(t *testing.T) {
	g := gw(t, "VISA")
	o := newOrder(g)
	o.ManualCapture = true
	o.finish(g, outcomeCompleted, "", t0)
	if o.Status != stCompleted || o.FinancialStatus != stInitialized || o.CaptureRemain != 10000 || !o.CaptureExpiry.Equal(t0.Add(7*24*time.Hour)) {
		t.Fatalf("authorized: %s/%s remain %d expiry %v", o.Status, o.FinancialStatus, o.CaptureRemain, o.CaptureExpiry)
	}
	if _, err := o.refund(refundRequest{Currency: "EUR"}, 1, t0); err == nil {
		t.Fatal("refunded an uncaptured authorization")
	}
	if _, _, err := o.capture(captureRequest{Amount: "12000"}, 2, t0); err == nil || err.Code != 1001 {
		t.Fatalf("over-capture: %v", err)
	}
	if _, err := o.patch(patchRequest{Status: "shipped"}, g, t0, nil); err != nil {
		t.Fatalf("ship before capture: %v", err)
	}
	// A partial capture is a new transaction with its own order; the
	// original keeps completed/initialized and the rest of the authorization.
	c, split, err := o.capture(captureRequest{Amount: "4000", NewOrderID: "o-1-c1"}, 3, t0)
	if err != nil || c.OrderID != "o-1-c1" || o.CaptureRemain != 6000 || o.Status != stShipped || o.FinancialStatus != stInitialized {
		t.Fatalf("partial capture: %+v %v %s/%s", c, err, o.Status, o.FinancialStatus)
	}
	if split == nil || split.OrderID != "o-1-c1" || split.Amount != 4000 || split.Status != stCompleted || split.FinancialStatus != stCompleted || split.CaptureOf != "o-1" {
		t.Fatalf("capture order: %+v", split)
	}
	if rf, err := split.refund(refundRequest{Currency: "EUR"}, 4, t0); err != nil || rf.Amount != 4000 {
		t.Fatalf("refund of the captured part: %+v %v", rf, err)
	}
	if _, err := o.refund(refundRequest{Currency: "EUR"}, 5, t0); err == nil {
		t.Fatal("refunded the original of a partial capture")
	}
	// A full capture completes the original.
	of := newOrder(g)
	of.ManualCapture = true
	of.finish(g, outcomeCompleted, "", t0)
	if _, split, err := of.capture(captureRequest{Amount: "10000"}, 6, t0); err != nil || split != nil || of.FinancialStatus != stCompleted || of.CaptureRemain != 0 {
		t.Fatalf("full capture: %v %+v %s", err, split, of.FinancialStatus)
	}
	// Expiry of an untouched authorization voids it.
	o2 := newOrder(g)
	o2.ManualCapture = true
	o2.finish(g, outcomeCompleted, "", t0)
	o2.settle(t0.Add(7*24*time.Hour), nil)
	if o2.Status != stVoid || o2.FinancialStatus != stVoid {
		t.Fatalf("expired authorization: %s/%s", o2.Status, o2.FinancialStatus)
	}
	o3 := newOrder(g)
	o3.ManualCapture = true
	o3.finish(g, outcomeCompleted, "", t0)
	if err := o3.cancelAuthorization("changed my mind", t0); err != nil || o3.Status != stVoid {
		t.Fatalf("cancel authorization: %v %s", err, o3.Status)
	}
	if err := o3.cancelAuthorization("", t0); err == nil {
		t.Fatal("cancelled twice")
	}
}

func TestPendingSettles(t *testing.T) {
	g := gw(t, "CREDITCARD")
	o := newOrder(g)
	o.GatewayInfo = map[string]string{"card_number": "4917300000000008"}
	o.applyDirect(g, t0)
	if o.Status != stUncleared {
		t.Fatalf("at once: %s", o.Status)
	}
	o.settle(t0.Add(3*time.Minute-time.Millisecond), nil)
	if o.Status != stUncleared {
		t.Fatalf("too early: %s", o.Status)
	}
	o.settle(t0.Add(3*time.Minute), nil)
	if o.Status != stVoid || o.FinancialStatus != stVoid || o.Pending != nil {
		t.Fatalf("after 3 minutes: %s/%s", o.Status, o.FinancialStatus)
	}
}
