package multisafepay_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func TestGetOrderByPSPID(t *testing.T) {
	sb := sandboxtest.Start(t)
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", directCard("psp-1", "4111111111111111")))
	psp := str(d["transaction_id"])
	byPSP := data(t, api(t, sb, testKey, http.MethodGet, "/orders/"+psp, nil))
	if byPSP["order_id"] != "psp-1" || str(byPSP["transaction_id"]) != psp || byPSP["status"] != "completed" {
		t.Fatalf("GET by PSP id: %v %v %v", byPSP["order_id"], byPSP["transaction_id"], byPSP["status"])
	}
	// A merchant order id made of digits wins over a PSP id.
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", order(psp)))
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/"+psp, nil)); o["order_id"] != psp || o["status"] != "initialized" {
		t.Fatalf("numeric order id: %v %v", o["order_id"], o["status"])
	}
	// The refund's PSP id finds its order.
	rf := data(t, api(t, sb, testKey, http.MethodPost, "/orders/psp-1/refunds", map[string]any{"currency": "EUR", "amount": 100}))
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/"+str(rf["transaction_id"]), nil)); o["order_id"] != "psp-1" || o["amount_refunded"] != json.Number("100") {
		t.Fatalf("GET by refund PSP id: %v %v", o["order_id"], o["amount_refunded"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/orders/99999999999", nil), 404, 1006)
	// Another tenant's PSP id finds nothing.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, "other-key", http.MethodGet, "/orders/"+str(d["transaction_id"]), nil), 404, 1006)
}

func TestPaymentComponents(t *testing.T) {
	sb := sandboxtest.Start(t)
	// payment_data.gateway with no top-level gateway (the vendor's payment-component.json).
	body := readExample(t, "payment-component.json")
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", body))
	if pd := d["payment_details"].(map[string]any); pd["type"] != "IDEAL" || d["payment_url"] == nil || d["status"] != "initialized" {
		t.Fatalf("component order: %v %v %v", pd["type"], d["payment_url"], d["status"])
	}
	// The gateway only inside the base64 payload.
	payload := base64.StdEncoding.EncodeToString([]byte(`{"gateway":"VISA","encrypted":true}`))
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("comp-2"), "type", "direct",
		"payment_data", map[string]any{"payload": payload})))
	if pd := d["payment_details"].(map[string]any); pd["type"] != "VISA" {
		t.Fatalf("gateway from the payload: %v", pd["type"])
	}
	stored := data(t, api(t, sb, testKey, http.MethodGet, "/orders/comp-2", nil))
	if stored["payment_details"].(map[string]any)["type"] != "VISA" {
		t.Fatalf("stored gateway %v", stored["payment_details"])
	}
	// No gateway anywhere: a direct order needs one.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("comp-3"), "type", "direct",
		"payment_data", map[string]any{"payload": "bm90IGpzb24="})), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("comp-4"), "type", "direct",
		"payment_data", map[string]any{"gateway": "NOPE"})), 400, 1023)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/orders/comp-3", nil), 404, 1006)
}

// initialRecurring creates and pays (on the page) an initial recurring card order.
func initialRecurring(t *testing.T, sb *sandboxtest.Sandbox, orderID, reference, model, card string) string {
	t.Helper()
	body := with(order(orderID), "gateway", "CREDITCARD", "recurring_model", model,
		"customer", map[string]any{"reference": reference, "first_name": "Test", "last_name": "Person"})
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", body))
	payOnPage(t, sb, str(d["session_id"]), url.Values{"card_number": {card}})
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/"+orderID, nil))
	pd := o["payment_details"].(map[string]any)
	if o["status"] != "completed" || pd["recurring_model"] != model || pd["recurring_id"] == nil {
		t.Fatalf("initial recurring order %v %v", o["status"], pd)
	}
	return str(pd["recurring_id"])
}

// TestRecurringNotification: the notification of a paid initial order
// carries the token it left.
func TestRecurringNotification(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := newReceiver(t, testKey)
	body := with(order("rec-n"), "gateway", "VISA", "recurring_model", "unscheduled", "customer", map[string]any{"reference": "c-n"},
		"payment_options", map[string]any{"notification_url": rc.URL + "/n", "notification_method": "POST"})
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", body))
	payOnPage(t, sb, str(d["session_id"]), url.Values{"card_number": {"4462000000000003"}}) // uncleared, then completed
	sb.Flush()
	if _, n := rc.last(t); n["status"] != "uncleared" || n["payment_details"].(map[string]any)["recurring_id"] != nil {
		t.Fatalf("uncleared notification %v %v", n["status"], n["payment_details"])
	}
	sb.Advance(t, testKey, 3*time.Minute)
	_, n := rc.last(t)
	pd := n["payment_details"].(map[string]any)
	if n["status"] != "completed" || pd["recurring_id"] == nil {
		t.Fatalf("completed notification %v %v", n["status"], pd)
	}
	if l := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/c-n", nil))["tokens"].([]any); len(l) != 1 || l[0].(map[string]any)["token"] != pd["recurring_id"] {
		t.Fatalf("tokens %v", l)
	}
}

func TestRecurringPayments(t *testing.T) {
	sb := sandboxtest.Start(t)
	tok := initialRecurring(t, sb, "rec-1", "customer-1", "cardOnFile", "5500000000000004")
	tok2 := initialRecurring(t, sb, "rec-2", "customer-1", "subscription", "4111111111111111")
	initialRecurring(t, sb, "rec-3", "customer-2", "unscheduled", "4111111111111111")
	// An order without recurring_model leaves no token.
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("plain"), "gateway", "VISA", "customer", map[string]any{"reference": "customer-1"})))
	payOnPage(t, sb, str(d["session_id"]), url.Values{"outcome": {"completed"}})

	l := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/customer-1", nil))["tokens"].([]any)
	if len(l) != 2 {
		t.Fatalf("tokens of customer-1: %v", l)
	}
	first := l[0].(map[string]any)
	if first["token"] != tok || first["code"] != "MASTERCARD" || first["last4"] != json.Number("4") || first["bin"] != json.Number("550000") ||
		first["recurring_model"] != "cardOnFile" || first["expired"] != json.Number("0") || first["display"] != "Card xxxx xxxx xxxx 0004" {
		t.Fatalf("token %v", first)
	}
	if l := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/customer-1?limit=1&offset=1", nil))["tokens"].([]any); len(l) != 1 || l[0].(map[string]any)["token"] != tok2 {
		t.Fatalf("paged tokens %v", l)
	}
	if l := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/nobody", nil))["tokens"].([]any); len(l) != 0 {
		t.Fatalf("tokens of nobody %v", l)
	}
	one := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/customer-1/token/"+tok2, nil))
	if one["code"] != "VISA" || one["recurring_model"] != "subscription" {
		t.Fatalf("token %v", one)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/recurring/customer-2/token/"+tok2, nil), 410, 1000)

	// A subsequent payment: direct, no gateway, no customer present.
	sub := data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("rec-sub"), "type", "direct", "recurring_id", tok,
		"recurring_model", "cardOnFile")))
	pd := sub["payment_details"].(map[string]any)
	if sub["status"] != "completed" || sub["financial_status"] != "completed" || pd["type"] != "MASTERCARD" || pd["recurring_id"] != tok || pd["recurring_flow"] != "token" {
		t.Fatalf("subsequent payment %v/%v %v", sub["status"], sub["financial_status"], pd)
	}
	// The token of another customer reference is refused.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("rec-bad"), "type", "direct", "recurring_id", tok,
		"customer", map[string]any{"reference": "customer-2"})), 400, 1000)

	// Update the expiry date; then remove the token.
	if u := data(t, api(t, sb, testKey, http.MethodPatch, "/recurring/customer-1/update/"+tok, map[string]any{"expiry_date": 3012})); u["updated"] != true {
		t.Fatalf("update %v", u)
	}
	if one := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/customer-1/token/"+tok, nil)); one["expiry_date"] != json.Number("3012") {
		t.Fatalf("expiry after update %v", one["expiry_date"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/recurring/customer-1/update/"+tok, map[string]any{"expiry_date": 1399}), 400, 1016)
	if rm := data(t, api(t, sb, testKey, http.MethodDelete, "/recurring/customer-1/remove/"+tok, nil)); rm["removed"] != true {
		t.Fatalf("remove %v", rm)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodDelete, "/recurring/customer-1/remove/"+tok, nil), 410, 1000)
	if l := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/customer-1", nil))["tokens"].([]any); len(l) != 1 {
		t.Fatalf("tokens after remove %v", l)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("rec-gone"), "type", "direct", "recurring_id", tok)), 400, 1000)
	// Tokens belong to the tenant.
	if l := data(t, api(t, sb, "other-key", http.MethodGet, "/recurring/customer-1", nil))["tokens"].([]any); len(l) != 0 {
		t.Fatalf("another tenant sees tokens %v", l)
	}
}

func TestBancontactQRCancel(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := newReceiver(t, testKey)
	body := readExample(t, "bancontact-qr.json")
	body["payment_options"].(map[string]any)["notification_url"] = rc.URL + "/notify"
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", body))
	c := data(t, api(t, sb, testKey, http.MethodPost, "/orders/my-order-id-1/cancel", nil))
	if c["status"] != "cancelled" || c["fastcheckout"] != "NO" {
		t.Fatalf("cancel answer %v", c)
	}
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/my-order-id-1", nil))
	if o["status"] != "cancelled" || o["financial_status"] != "cancelled" {
		t.Fatalf("after cancel %v/%v", o["status"], o["financial_status"])
	}
	sb.Flush()
	if _, n := rc.last(t); n["status"] != "cancelled" {
		t.Fatalf("notification %v", n["status"])
	}
	// Twice, not QR, unknown.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/my-order-id-1/cancel", nil), 400, 1000)
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("bc-plain"), "gateway", "MISTERCASH")))
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/bc-plain/cancel", nil), 400, 1000)
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/bc-plain", nil)); o["status"] != "initialized" {
		t.Fatalf("a refused cancel changed the order: %v", o["status"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/never/cancel", nil), 404, 1006)
}

func TestChargebackScenario(t *testing.T) {
	sb := sandboxtest.Start(t)
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", directCard("cb-1", "4111111111111111")))
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/cb-1/refunds", map[string]any{"currency": "EUR", "amount": 200}))
	o := data(t, sb.Do(t, http.MethodGet, "/v1/json/orders/cb-1", nil, "api_key", testKey, "Sandbox-Scenario", "msp-chargeback"))
	if o["status"] != "chargeback" || o["financial_status"] != "void" {
		t.Fatalf("after chargeback %v/%v", o["status"], o["financial_status"])
	}
	var cb map[string]any
	for _, rt := range o["related_transactions"].([]any) {
		if m := rt.(map[string]any); m["type"] == "chargeback" {
			cb = m
		}
	}
	if cb == nil || cb["amount"] != json.Number("800") || cb["status"] != "completed" {
		t.Fatalf("chargeback transaction %v", o["related_transactions"])
	}
	tx := data(t, api(t, sb, testKey, http.MethodGet, "/transactions/"+str(cb["transaction_id"]), nil))
	if tx["type"] != "chargeback" || tx["debit_credit"] != "D" || tx["net"] != json.Number("-800") {
		t.Fatalf("chargeback in /transactions %v", tx)
	}
	// A chargeback cannot be refunded; an unpaid order is left alone.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/cb-1/refunds", map[string]any{"currency": "EUR", "amount": 100}), 400, 1034)
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", order("cb-2")))
	if o := data(t, sb.Do(t, http.MethodGet, "/v1/json/orders/cb-2", nil, "api_key", testKey, "Sandbox-Scenario", "msp-chargeback")); o["status"] != "initialized" {
		t.Fatalf("unpaid order after chargeback scenario: %v", o["status"])
	}
}

// TestBNPLShipBeforeRefund: Klarna (and in3) refund only after shipment; a
// BNPL refund completes the transaction; a part refund is partial_refunded.
func TestBNPLShipBeforeRefund(t *testing.T) {
	sb := sandboxtest.Start(t)
	body := readExample(t, "klarna-direct.json")
	body["gateway_info"] = map[string]any{"email": "customer+nl@klarna.com"}
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", body))
	if d["status"] != "completed" || d["financial_status"] != "uncleared" {
		t.Fatalf("authorized %v/%v", d["status"], d["financial_status"])
	}
	refund := map[string]any{"currency": "EUR", "amount": 1000}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/my-order-id-1/refunds", refund), 400, 1034)
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/my-order-id-1", nil)); o["status"] != "completed" || o["amount_refunded"] != json.Number("0") {
		t.Fatalf("a refused refund changed the order %v %v", o["status"], o["amount_refunded"])
	}
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/my-order-id-1", map[string]any{"status": "shipped", "tracktrace_code": "3SABCD"}))
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/my-order-id-1", nil)); o["status"] != "shipped" || o["financial_status"] != "uncleared" {
		t.Fatalf("shipped %v/%v", o["status"], o["financial_status"])
	}
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/my-order-id-1/refunds", refund))
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/my-order-id-1", nil))
	if o["status"] != "partial_refunded" || o["financial_status"] != "completed" || o["amount_refunded"] != json.Number("1000") {
		t.Fatalf("after refund %v/%v %v", o["status"], o["financial_status"], o["amount_refunded"])
	}
	// Billink does not need shipping first.
	bl := readExample(t, "billink-redirect.json")
	bl["order_id"] = "billink-1"
	bd := data(t, api(t, sb, testKey, http.MethodPost, "/orders", bl))
	payOnPage(t, sb, str(bd["session_id"]), url.Values{"outcome": {"completed"}})
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/billink-1/refunds", map[string]any{"currency": "EUR"}))
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/billink-1", nil)); o["status"] != "refunded" || o["financial_status"] != "completed" {
		t.Fatalf("Billink after refund %v/%v", o["status"], o["financial_status"])
	}
}

func TestRecurringBadInput(t *testing.T) {
	sb := sandboxtest.Start(t)
	tok := initialRecurring(t, sb, "rb-1", "cust", "unscheduled", "4111111111111111")
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/recurring/cust?limit=ten", nil), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/recurring/cust?offset=-1", nil), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/recurring/cust/update/"+tok, `{"expiry_date":`), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/recurring/cust/update/"+tok, map[string]any{}), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/recurring/cust/update/"+tok, map[string]any{"expiry_date": "soon"}), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/recurring/cust/update/"+tok, map[string]any{"expiry_date": 2512, "extra": 1}), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/recurring/cust/token/nope", nil), 410, 1000)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/recurring/other/token/"+tok, nil), 410, 1000)
	sandboxtest.WantMultiSafepayError(t, sb.Do(t, http.MethodGet, "/v1/json/recurring/cust", nil), 401, 1032)
	// Nothing changed.
	if one := data(t, api(t, sb, testKey, http.MethodGet, "/recurring/cust/token/"+tok, nil)); one["token"] != tok {
		t.Fatalf("token %v", one)
	}
}

// TestRenameChargedBackOrder: a FastCheckout order's new order_id carries
// its chargeback along, in the order and through its PSP id.
func TestRenameChargedBackOrder(t *testing.T) {
	sb := sandboxtest.Start(t)
	fc := readExample(t, "fastcheckout.json")
	fc["order_id"] = "fco-cb"
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", fc))
	payOnPage(t, sb, str(d["session_id"]), url.Values{"outcome": {"completed"}, "gateway": {"IDEAL"}})
	o := data(t, sb.Do(t, http.MethodGet, "/v1/json/orders/fco-cb", nil, "api_key", testKey, "Sandbox-Scenario", "msp-chargeback"))
	if o["status"] != "chargeback" {
		t.Fatalf("after chargeback %v", o["status"])
	}
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/fco-cb", map[string]any{"new_order_id": "fco-cb-2"}))
	o = data(t, api(t, sb, testKey, http.MethodGet, "/orders/fco-cb-2", nil))
	var cb map[string]any
	for _, rt := range o["related_transactions"].([]any) {
		if m := rt.(map[string]any); m["type"] == "chargeback" {
			cb = m
		}
	}
	if cb == nil || cb["order_id"] != "fco-cb-2" {
		t.Fatalf("chargeback after rename: %v", o["related_transactions"])
	}
	tx := data(t, api(t, sb, testKey, http.MethodGet, "/transactions/"+str(cb["transaction_id"]), nil))
	if tx["type"] != "chargeback" || tx["order_id"] != "fco-cb-2" {
		t.Fatalf("chargeback transaction after rename: %v", tx)
	}
}
