package multisafepay

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/contract"
)

func TestViolationCodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		v      contract.Violation
		status int
		code   int
	}{
		{"malformed JSON", contract.Violation{Kind: contract.Malformed}, 400, 1016},
		{"no body", contract.Violation{Kind: contract.MissingBody}, 400, 1016},
		{"too large", contract.Violation{Kind: contract.TooLarge}, 413, 1016},
		{"media type", contract.Violation{Kind: contract.UnsupportedMediaType}, 415, 1016},
		{"unknown path", contract.Violation{Kind: contract.NoOperation}, 404, 1000},
		{"method", contract.Violation{Kind: contract.MethodNotAllowed}, 405, 1000},
		{"spec broken", contract.Violation{Kind: contract.Unavailable}, 500, 9999},
		{"amount missing", contract.Violation{Kind: contract.Body, Pointer: []string{"amount"}, Reason: `property "amount" is missing`}, 400, 1016},
		{"amount", contract.Violation{Kind: contract.Body, Pointer: []string{"amount"}, Reason: "doesn't match any schema"}, 400, 1001},
		{"currency", contract.Violation{Kind: contract.Body, Pointer: []string{"currency"}}, 400, 1002},
		{"description", contract.Violation{Kind: contract.Body, Pointer: []string{"description"}}, 400, 1008},
		{"order_id", contract.Violation{Kind: contract.Body, Pointer: []string{"order_id"}}, 400, 1006},
		{"var2", contract.Violation{Kind: contract.Body, Pointer: []string{"var2"}}, 400, 1010},
		{"customer country", contract.Violation{Kind: contract.Body, Pointer: []string{"customer", "country"}}, 400, 1018},
		{"delivery country", contract.Violation{Kind: contract.Body, Pointer: []string{"delivery", "country"}}, 400, 1018},
		{"ip", contract.Violation{Kind: contract.Body, Pointer: []string{"customer", "ip_address"}}, 400, 1007},
		{"gateway", contract.Violation{Kind: contract.Body, Pointer: []string{"gateway"}}, 400, 1023},
		{"unit price", contract.Violation{Kind: contract.Body, Pointer: []string{"shopping_cart", "items", "0", "unit_price"}}, 400, 1031},
		{"item currency", contract.Violation{Kind: contract.Body, Pointer: []string{"shopping_cart", "items", "2", "currency"}}, 400, 1030},
		{"refund unit price", contract.Violation{Kind: contract.Body, Pointer: []string{"checkout_data", "items", "1", "unit_price"}}, 400, 1031},
		{"default rate", contract.Violation{Kind: contract.Body, Pointer: []string{"checkout_options", "tax_tables", "default", "rate"}}, 400, 1029},
		{"custom rate", contract.Violation{Kind: contract.Body, Pointer: []string{"checkout_options", "tax_tables", "alternate", "0", "rules", "0", "rate"}}, 400, 1028},
		{"cart item missing name", contract.Violation{Kind: contract.Body, Pointer: []string{"shopping_cart", "items", "0", "name"}, Reason: `property "name" is missing`}, 400, 1016},
		{"other field", contract.Violation{Kind: contract.Body, Pointer: []string{"payment_options", "notification_method"}}, 400, 1016},
		{"query amount", contract.Violation{Kind: contract.Parameter, In: "query", Name: "amount"}, 400, 1001},
		{"query currency", contract.Violation{Kind: contract.Parameter, In: "query", Name: "currency"}, 400, 1002},
		{"query country", contract.Violation{Kind: contract.Parameter, In: "query", Name: "country"}, 400, 1018},
		{"query limit", contract.Violation{Kind: contract.Parameter, In: "query", Name: "limit"}, 400, 1016},
		{"api key too long", contract.Violation{Kind: contract.Parameter, In: "header", Name: "api_key"}, 401, 1032},
		{"order id path", contract.Violation{Kind: contract.Parameter, In: "path", Name: "order_id"}, 404, 1006},
		{"gateway path", contract.Violation{Kind: contract.Parameter, In: "path", Name: "gateway_id"}, 404, 1023},
		{"transaction path", contract.Violation{Kind: contract.Parameter, In: "path", Name: "transaction_id"}, 404, 0},
	} {
		e := violationError(&tc.v)
		if e.Status != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d/%d (%s), want %d/%d", tc.name, e.Status, e.Code, e.Info, tc.status, tc.code)
		}
	}
}

func TestErrorBody(t *testing.T) {
	rec := httptest.NewRecorder()
	writeError(rec, errAPIKey())
	if rec.Code != http.StatusUnauthorized || rec.Body.String() != `{"success":false,"data":{},"error_code":1032,"error_info":"Invalid API key"}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	writeError(rec, errTransactionNotFound())
	if rec.Code != http.StatusNotFound || rec.Body.String() != `{"message":"Not found"}` {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	apiRenderer{log: nil}.RenderError(rec, httptest.NewRequest("GET", "/", nil), errOrderNotFound())
	var body map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != 404 || body["error_code"] != float64(1006) || !strings.Contains(rec.Header().Get("Content-Type"), "json") {
		t.Fatalf("%d %v", rec.Code, body)
	}
}

// TestBuildOrderCodes: the domain's own validation of POST /orders.
func TestBuildOrderCodes(t *testing.T) {
	m := &MultiSafepay{cat: testCatalogue(t)}
	base := func() map[string]any {
		return map[string]any{"type": "redirect", "order_id": "o-1", "currency": "EUR", "amount": 1000, "description": "d"}
	}
	klarna := func() map[string]any {
		var req map[string]any
		if err := json.Unmarshal([]byte(SeedDirectKlarna), &req); err != nil {
			t.Fatal(err)
		}
		return req
	}
	for _, tc := range []struct {
		name string
		edit func(map[string]any)
		req  func() map[string]any
		code int
	}{
		{"ok", func(map[string]any) {}, base, 0},
		{"seed Klarna direct", func(map[string]any) {}, klarna, 0},
		{"amount zero", func(r map[string]any) { r["amount"] = "0" }, base, 1001},
		{"amount text", func(r map[string]any) { r["amount"] = "ten" }, base, 1001},
		{"currency unknown", func(r map[string]any) { r["currency"] = "XYZ" }, base, 1002},
		{"order id too long", func(r map[string]any) { r["order_id"] = strings.Repeat("x", 51) }, base, 1006},
		{"description empty", func(r map[string]any) { r["description"] = " " }, base, 1008},
		{"description too long", func(r map[string]any) { r["description"] = strings.Repeat("x", 201) }, base, 1008},
		{"var1 too long", func(r map[string]any) { r["var1"] = strings.Repeat("x", 501) }, base, 1010},
		{"customer country", func(r map[string]any) { r["customer"] = map[string]any{"country": "XX"} }, base, 1018},
		{"ip address", func(r map[string]any) { r["customer"] = map[string]any{"ip_address": "999.1.1.1"} }, base, 1007},
		{"unknown gateway", func(r map[string]any) { r["gateway"] = "NOPE" }, base, 1023},
		{"Klarna in USD", func(r map[string]any) { r["currency"] = "USD" }, klarna, 1023},
		{"direct without gateway", func(r map[string]any) { r["type"] = "direct" }, base, 1016},
		{"bad iDEAL issuer", func(r map[string]any) {
			r["gateway"] = "IDEAL"
			r["gateway_info"] = map[string]any{"issuer_id": "9999"}
		}, base, 1036},
		{"Klarna without gateway_info", func(r map[string]any) { delete(r, "gateway_info") }, klarna, 0},
		{"Bancontact direct", func(r map[string]any) { r["type"], r["gateway"] = "direct", "MISTERCASH" }, base, 1016},
		{"Apple Pay direct without token", func(r map[string]any) { r["type"], r["gateway"] = "direct", "APPLEPAY" }, base, 1016},
		{"MB WAY direct without phone", func(r map[string]any) { r["type"], r["gateway"] = "direct", "MBWAY" }, base, 1016},
		{"direct debit without account holder", func(r map[string]any) {
			r["type"], r["gateway"], r["gateway_info"] = "direct", "DIRDEB", map[string]any{"account_id": "NL87ABNA0000000001"}
		}, base, 1016},
		{"EPS for a Dutch customer", func(r map[string]any) { r["gateway"], r["customer"] = "EPS", map[string]any{"country": "NL"} }, base, 0},
		{"Klarna without shopping_cart", func(r map[string]any) { delete(r, "shopping_cart") }, klarna, 1016},
		{"Klarna without checkout_options", func(r map[string]any) { delete(r, "checkout_options") }, klarna, 1016},
		{"Klarna without delivery", func(r map[string]any) { delete(r, "delivery") }, klarna, 1016},
		{"Klarna delivery without zip", func(r map[string]any) { delete(r["delivery"].(map[string]any), "zip_code") }, klarna, 1016},
		{"Klarna cart off", func(r map[string]any) { r["amount"] = "10001" }, klarna, 1027},
		{"bad notification URL", func(r map[string]any) { r["payment_options"] = map[string]any{"notification_url": "not a url"} }, base, 1016},
		{"days_active out of range", func(r map[string]any) { r["days_active"] = 400 }, base, 1016},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req()
			tc.edit(r)
			raw, _ := json.Marshal(r)
			var req orderRequest
			if err := json.Unmarshal(raw, &req); err != nil {
				t.Fatal(err)
			}
			o, err := m.buildOrder(&req, t0, nil)
			switch {
			case tc.code == 0 && err != nil:
				t.Fatalf("unexpected %v", err)
			case tc.code != 0 && (err == nil || err.Code != tc.code):
				t.Fatalf("got %v (%+v), want %d", err, o, tc.code)
			}
		})
	}
}

func TestLifetimes(t *testing.T) {
	m := &MultiSafepay{cat: testCatalogue(t)}
	for _, tc := range []struct {
		body string
		want string
	}{
		{`{"order_id":"a","currency":"EUR","amount":100,"description":"d"}`, "720h0m0s"},
		{`{"type":"paymentlink","order_id":"a","currency":"EUR","amount":100,"description":"d","days_active":2}`, "48h0m0s"},
		{`{"type":"paymentlink","order_id":"a","currency":"EUR","amount":100,"description":"d","days_active":2,"seconds_active":90}`, "1m30s"},
		{`{"order_id":"a","currency":"EUR","amount":100,"description":"d","gateway":"IDEAL"}`, "1h0m0s"},
		{`{"type":"paymentlink","order_id":"a","currency":"EUR","amount":100,"description":"d","gateway":"IDEAL"}`, "720h0m0s"},
	} {
		var req orderRequest
		if err := json.Unmarshal([]byte(tc.body), &req); err != nil {
			t.Fatal(err)
		}
		o, err := m.buildOrder(&req, t0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.ExpiresAt.Sub(t0).String(); got != tc.want {
			t.Errorf("%s: lifetime %s, want %s", tc.body, got, tc.want)
		}
	}
}
