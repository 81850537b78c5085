package multisafepay_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/multisafepay"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// FuzzMultiSafepayRequests sends arbitrary bodies to the endpoints that
// decode them: never a 5xx, always an answer our OpenAPI file allows.
func FuzzMultiSafepayRequests(f *testing.F) {
	for _, o := range []map[string]any{
		order("fuzz-1"),
		with(order("fuzz-2"), "payment_options", map[string]any{"notification_url": "http://127.0.0.1:1/x", "redirect_url": "javascript:alert(1)"}),
		with(order("fuzz-3"), "amount", -1, "currency", "XXX", "gateway", "KLARNA"),
	} {
		raw, _ := json.Marshal(o)
		f.Add(uint8(0), raw)
	}
	f.Add(uint8(0), []byte(multisafepay.SeedRedirectKlarna))
	f.Add(uint8(1), []byte(`{"amount":100,"currency":"EUR","description":"refund"}`))
	f.Add(uint8(2), []byte(`{"status":"shipped","tracktrace_code":"x"}`))
	f.Add(uint8(0), []byte(`{"amount":1e309,"order_id":["x"],"shopping_cart":{"items":[{"unit_price":"1"}]}}`))
	sb := sandboxtest.Start(f)
	paths := []struct{ method, path string }{
		{http.MethodPost, "/v1/json/orders"},
		{http.MethodPost, "/v1/json/orders/nope/refunds"},
		{http.MethodPatch, "/v1/json/orders/nope"},
		{http.MethodPost, "/v1/json/orders/nope/capture"},
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		p := paths[int(which)%len(paths)]
		sb.Probe(t, p.method, p.path, body, "api_key", testKey, "Content-Type", "application/json")
	})
}
