package multisafepay_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/multisafepay"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func TestAuth(t *testing.T) {
	sb := sandboxtest.Start(t)
	sandboxtest.WantMultiSafepayError(t, sb.Do(t, http.MethodGet, "/v1/json/gateways", nil), 401, 1032)
	sandboxtest.WantMultiSafepayError(t, sb.Do(t, http.MethodGet, "/v1/json/gateways", nil, "api_key", " "), 401, 1032)
	sandboxtest.WantMultiSafepayError(t, sb.Do(t, http.MethodPost, "/v1/json/orders", multisafepay.SeedRedirectKlarna), 401, 1032)
	for _, h := range []string{"api_key", "API_KEY", "Api_Key"} {
		data(t, sb.Do(t, http.MethodGet, "/v1/json/gateways", nil, h, "any-key"))
	}
	data(t, sb.Do(t, http.MethodGet, "/v1/json/gateways?api_key=any-key&locale=en_US", nil))
	sandboxtest.WantMultiSafepayError(t, sb.Do(t, http.MethodGet, "/v1/json/gateways", nil, "api_key", strings.Repeat("k", 201)), 401, 1032)

	// The key names the tenant: another key does not see the order.
	data(t, api(t, sb, "key-a", http.MethodPost, "/orders", map[string]any{"order_id": "mine", "currency": "EUR", "amount": 100, "description": "d"}))
	data(t, api(t, sb, "key-a", http.MethodGet, "/orders/mine", nil))
	sandboxtest.WantMultiSafepayError(t, api(t, sb, "key-b", http.MethodGet, "/orders/mine", nil), 404, 1006)

	strict := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.StrictAuth = true }))
	sandboxtest.WantMultiSafepayError(t, strict.Do(t, http.MethodGet, "/v1/json/gateways", nil, "api_key", "any-key"), 401, 1032)
	data(t, strict.Do(t, http.MethodGet, "/v1/json/gateways", nil, "api_key", testKey))
	data(t, strict.Do(t, http.MethodGet, "/v1/json/gateways?api_key="+testKey, nil))

	// The transactions API answers a bad key in its own shape: 403 {"message":"Forbidden"}.
	for _, r := range []*sandboxtest.Response{
		sb.Do(t, http.MethodGet, "/v1/json/transactions", nil),
		sb.Do(t, http.MethodGet, "/v1/json/transactions/123", nil),
		sb.Do(t, http.MethodGet, "/v1/json/transactions", nil, "api_key", strings.Repeat("k", 201)),
		strict.Do(t, http.MethodGet, "/v1/json/transactions", nil, "api_key", "any-key"),
	} {
		if r.Status != http.StatusForbidden || string(r.Body) != `{"message":"Forbidden"}` {
			t.Errorf("transactions with a bad key: %d %s", r.Status, r.Body)
		}
	}
	data(t, strict.Do(t, http.MethodGet, "/v1/json/gateways?api_key="+testKey, nil))
}

func order(id string) map[string]any {
	return map[string]any{"type": "redirect", "order_id": id, "currency": "EUR", "amount": 1000, "description": "An order"}
}

func with(m map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func seed(t *testing.T, id string, edit func(map[string]any)) map[string]any {
	t.Helper()
	var req map[string]any
	if err := json.Unmarshal([]byte(multisafepay.SeedDirectKlarna), &req); err != nil {
		t.Fatal(err)
	}
	req["order_id"] = id
	edit(req)
	return req
}

// TestCreateErrorCodes: every validation code of POST /orders over HTTP,
// from the contract layer and from the domain.
func TestCreateErrorCodes(t *testing.T) {
	sb := sandboxtest.Start(t)
	cartItem := func(price any, extra ...any) map[string]any {
		return with(map[string]any{"name": "x", "unit_price": price, "quantity": 1}, extra...)
	}
	cart := func(items ...any) map[string]any { return map[string]any{"items": items} }
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   int
	}{
		{"malformed JSON", `{"order_id":`, 400, 1016},
		{"empty body", "", 400, 1016},
		{"JSON array", `[]`, 400, 1016},
		{"amount missing", `{"order_id":"a","currency":"EUR","description":"d"}`, 400, 1016},
		{"amount zero", with(order("a"), "amount", 0), 400, 1001},
		{"amount zero as text", with(order("a"), "amount", "0"), 400, 1001},
		{"amount negative", with(order("a"), "amount", -5), 400, 1001},
		{"amount fraction", with(order("a"), "amount", 10.5), 400, 1001},
		{"currency pattern", with(order("a"), "currency", "EURO"), 400, 1002},
		{"currency unknown", with(order("a"), "currency", "XYZ"), 400, 1002},
		{"description too long", with(order("a"), "description", strings.Repeat("d", 201)), 400, 1008},
		{"description empty", with(order("a"), "description", ""), 400, 1008},
		{"order id too long", with(order(strings.Repeat("o", 51))), 400, 1006},
		{"var1 too long", with(order("a"), "var1", strings.Repeat("v", 501)), 400, 1010},
		{"customer country", with(order("a"), "customer", map[string]any{"country": "XX"}), 400, 1018},
		{"delivery country pattern", with(order("a"), "delivery", map[string]any{"country": "NLD"}), 400, 1018},
		{"ip address", with(order("a"), "customer", map[string]any{"ip_address": "not-an-ip"}), 400, 1007},
		{"unknown gateway", with(order("a"), "gateway", "NOPE"), 400, 1023},
		{"gateway in the wrong currency", with(order("a"), "gateway", "IDEAL", "currency", "USD"), 400, 1023},
		{"Klarna in USD", seed(t, "a", func(r map[string]any) { r["currency"] = "USD" }), 400, 1023},
		{"multiple cart currencies", with(order("a"), "shopping_cart", cart(cartItem(5, "currency", "EUR"), cartItem(5, "currency", "GBP"))), 400, 1025},
		{"cart currency differs", with(order("a"), "shopping_cart", cart(cartItem(10, "currency", "GBP"))), 400, 1026},
		{"cart total differs", with(order("a"), "shopping_cart", cart(cartItem(9.99))), 400, 1027},
		{"custom tax rate as percent", seed(t, "a", func(r map[string]any) {
			r["checkout_options"] = map[string]any{"tax_tables": map[string]any{"default": map[string]any{"rate": 0},
				"alternate": []any{map[string]any{"name": "none", "rules": []any{map[string]any{"rate": 21}}}}}}
		}), 400, 1028},
		{"custom tax rate as percent text", seed(t, "a", func(r map[string]any) {
			r["checkout_options"] = map[string]any{"tax_tables": map[string]any{"default": map[string]any{"rate": 0},
				"alternate": []any{map[string]any{"name": "none", "rules": []any{map[string]any{"rate": "21"}}}}}}
		}), 400, 1028},
		{"default tax rate as percent", seed(t, "a", func(r map[string]any) {
			r["checkout_options"] = map[string]any{"tax_tables": map[string]any{"default": map[string]any{"rate": 21}}}
		}), 400, 1029},
		{"unknown tax table", seed(t, "a", func(r map[string]any) {
			r["shopping_cart"].(map[string]any)["items"].([]any)[0].(map[string]any)["tax_table_selector"] = "nope"
		}), 400, 1029},
		{"item currency", with(order("a"), "shopping_cart", cart(cartItem(10, "currency", "EU"))), 400, 1030},
		{"item currency unknown", with(order("a"), "shopping_cart", cart(cartItem(10, "currency", "XYZ"))), 400, 1030},
		{"item price", with(order("a"), "shopping_cart", cart(cartItem("ten"))), 400, 1031},
		{"item quantity", with(order("a"), "shopping_cart", cart(with(cartItem(10), "quantity", 0))), 400, 1031},
		{"Klarna without shopping_cart", seed(t, "a", func(r map[string]any) { delete(r, "shopping_cart") }), 400, 1016},
		{"Klarna without checkout_options", seed(t, "a", func(r map[string]any) { delete(r, "checkout_options") }), 400, 1016},
		{"Klarna without delivery", seed(t, "a", func(r map[string]any) { delete(r, "delivery") }), 400, 1016},
		{"Klarna delivery without house number", seed(t, "a", func(r map[string]any) { delete(r["delivery"].(map[string]any), "house_number") }), 400, 1016},
		{"iDEAL issuer", with(order("a"), "gateway", "IDEAL", "type", "direct", "gateway_info", map[string]any{"issuer_id": "0000"}), 400, 1036},
		{"wrong type", with(order("a"), "customer", "John"), 400, 1016},
		{"bad type", with(order("a"), "type", "recurring"), 400, 1016},
		{"bad recurring model", with(order("a"), "recurring_model", "monthly"), 400, 1016},
		{"unknown token", with(order("a"), "type", "direct", "recurring_id", "nope"), 400, 1000},
		{"oversized body", with(order("a"), "items", strings.Repeat("x", 2<<20)), 413, 1016},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", tc.body), tc.status, tc.code)
		})
	}
	// Nothing was written by the failures: order "a" is still free.
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", order("a")))
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", order("a")), 400, 1006)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/orders/never-made", nil), 404, 1006)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/orders/"+strings.Repeat("o", 201), nil), 404, 1006)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/orders/never-made", map[string]any{"status": "shipped"}), 404, 1006)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/never-made/refunds", map[string]any{"currency": "EUR"}), 404, 1006)
}

// TestOfficialClientShape: the Node wrapper adds a plugin object and may
// send no Content-Type; both are accepted.
func TestOfficialClientShape(t *testing.T) {
	sb := sandboxtest.Start(t)
	body := with(order("plugin-1"), "plugin", map[string]any{"shop": "my-shop", "plugin_version": "1.0.0", "shop_version": "1", "partner": "p", "shop_root_url": "https://multisafepay.com"})
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", body))
	raw, _ := json.Marshal(with(order("plugin-2"), "plugin", map[string]any{"shop": "x"}))
	data(t, sb.Do(t, http.MethodPost, "/v1/json/orders", raw, "api_key", testKey, "Content-Type", "text/plain"))
	data(t, sb.Do(t, http.MethodPost, "/v1/json/orders", strings.Replace(string(raw), "plugin-2", "plugin-3", 1), "api_key", testKey, "Content-Type", "application/x-www-form-urlencoded"))
}

func TestRefundErrorCodes(t *testing.T) {
	sb := sandboxtest.Start(t)
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("r-1"), "gateway", "IDEAL")))
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/r-1/refunds", map[string]any{"currency": "EUR", "amount": 100}), 400, 1034)
	submit(t, sb, str(d["payment_url"]), map[string][]string{"outcome": {"completed"}})
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   int
	}{
		{"no currency", map[string]any{"amount": 100}, 400, 1016},
		{"other currency", map[string]any{"currency": "GBP", "amount": 100}, 400, 1002},
		{"bad currency", map[string]any{"currency": "E", "amount": 100}, 400, 1002},
		{"negative amount", map[string]any{"currency": "EUR", "amount": -1}, 400, 1001},
		{"too much", map[string]any{"currency": "EUR", "amount": 1001}, 400, 1034},
		{"description too long", map[string]any{"currency": "EUR", "amount": 10, "description": strings.Repeat("d", 201)}, 400, 1008},
		{"checkout_data on an order without cart", map[string]any{"checkout_data": map[string]any{"items": []any{map[string]any{"name": "x", "unit_price": -1, "quantity": 1}}}}, 400, 1034},
		{"malformed", `{"currency":`, 400, 1016},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/r-1/refunds", tc.body), tc.status, tc.code)
		})
	}
	// Partial, then the same amount again within 5 minutes.
	r1 := data(t, api(t, sb, testKey, http.MethodPost, "/orders/r-1/refunds", map[string]any{"currency": "EUR", "amount": "300", "description": "one"}))
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/r-1/refunds", map[string]any{"currency": "EUR", "amount": 300}), 400, 1034)
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/r-1", nil))
	if o["status"] != "partial_refunded" || o["amount_refunded"] != json.Number("300") {
		t.Fatalf("after partial refund %v %v", o["status"], o["amount_refunded"])
	}
	// Void the reserved refund.
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/r-1/refunds/"+str(r1["refund_id"]), map[string]any{"status": "void", "description": "oops"}))
	o = data(t, api(t, sb, testKey, http.MethodGet, "/orders/r-1", nil))
	if o["status"] != "completed" || o["amount_refunded"] != json.Number("0") {
		t.Fatalf("after void %v %v", o["status"], o["amount_refunded"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/orders/r-1/refunds/"+str(r1["refund_id"]), map[string]any{"status": "void"}), 400, 1034)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/orders/r-1/refunds/123", map[string]any{"status": "void"}), 404, 1006)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/orders/r-1/refunds/123", map[string]any{"status": "completed"}), 400, 1016)
	// Full refund: amount omitted.
	full := data(t, api(t, sb, testKey, http.MethodPost, "/orders/r-1/refunds", map[string]any{"currency": "EUR"}))
	o = data(t, api(t, sb, testKey, http.MethodGet, "/orders/r-1", nil))
	if o["status"] != "refunded" || o["amount_refunded"] != json.Number("1000") {
		t.Fatalf("after full refund %v %v", o["status"], o["amount_refunded"])
	}
	// Reserved until midnight (Amsterdam) of the tenant's virtual day, then processed.
	ams, _ := time.LoadLocation("Europe/Amsterdam")
	now := sb.Now(testKey).In(ams)
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, ams)
	sb.Advance(t, testKey, midnight.Sub(now)-time.Second)
	if tx := data(t, api(t, sb, testKey, http.MethodGet, "/transactions/"+str(full["refund_id"]), nil)); tx["status"] != "reserved" {
		t.Fatalf("refund a second before midnight: %v", tx["status"])
	}
	sb.Advance(t, testKey, time.Second)
	// A processed refund cannot be voided.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/orders/r-1/refunds/"+str(full["refund_id"]), map[string]any{"status": "void"}), 400, 1034)
	tx := data(t, api(t, sb, testKey, http.MethodGet, "/transactions/"+str(full["refund_id"]), nil))
	if tx["type"] != "refund" || tx["status"] != "completed" || tx["debit_credit"] != "D" || tx["amount"] != json.Number("1000") {
		t.Fatalf("refund transaction %v", tx)
	}
}
