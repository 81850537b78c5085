package multisafepay

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/platform/decodetest"
)

// The handlers decode bodies with goccy/go-json (platform.DecodeBody), and
// the order and token lists decode records with it; for any body, every
// request type (and the stored Order and Token) is filled exactly as
// encoding/json fills it, and one library fails where the other does (then
// encoding/json's error is the one used). Seeds (every testdata request
// too) run as a test; `go test -fuzz DecodeMatches ./emulator/multisafepay`
// explores.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		SeedRedirectKlarna, SeedDirectKlarna, SeedDirectKlarnaResponse,
		`{"type":"redirect","currency":"EUR","amount":1000,"description":"bench","gateway":"IDEAL","payment_options":{"redirect_url":"http://localhost:3000/paid","cancel_url":"http://localhost:3000/cancelled"},"order_id":"b-1"}`,
		`{"amount":"1000","manual":"false","days_active":30,"capture":true,"items":""}`,
		`{"amount":1e400,"amount":-0,"Amount":"x","AMOUNT":1.50}`, `{"amount":null,"order_id":[1,{"a":2}],"var1":{"x":"y"}}`,
		`{"order_id":"\u00e9\ud83d\ude00\ud800 \"q\" \\ \/ \n","description":"<b>&amp;</b>"}`,
		"{\"order_id\":\"\xff\xfe\",\"var2\":\"caf\xc3\xa9\"}", "{\"order_id\":\"a\tb\"}",
		`{"customer":{"country":"nl","email":"x@example.com","locale":"nl_NL"},"delivery":null,"gateway_info":{"issuer_id":"0031","qr_enabled":true,"n":null}}`,
		`{"shopping_cart":{"items":[{"unit_price":"10.00","quantity":-1,"weight":{"unit":"KG","value":1}},null]},"checkout_options":{"tax_tables":{"default":{"rate":0.21,"shipping_taxed":"true"},"alternate":[{"name":"none","rules":[{"rate":0,"country":"be"}]}]}}}`,
		`{"checkout_data":{"items":[{"merchant_item_id":"1","quantity":"-1"}]},"refund_order_id":7}`,
		`{"status":"shipped","tracktrace_code":"x","ship_date":"2026-01-01","exclude_order":1,"extend_expiration":true,"amount":5}`,
		`{"new_order_id":"n","new_order_status":"completed","expiry_date":"2712","reason":null}`,
		`{"payment_data":{"payload":"eyJnYXRld2F5IjoiQVBQTEVQQVkifQ==","token":1},"recurring":{"model":"cardOnFile","id":"x"}}`,
		`{"payment_options":"x"}`, `{"shopping_cart":{"items":{}}}`, `{"gateway_info":[]}`, `{"customer":1}`,
		`[]`, `"x"`, `1`, `null`, `{`, `{"a":1}x`, `{"a":1} {"b":2}`, ``, `{"amount":"1`, `{"amount":tru}`,
	} {
		f.Add([]byte(s))
	}
	for _, dir := range []string{"testdata/post-orders", "testdata/requests"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, name := range files {
			if raw, err := os.ReadFile(name); err == nil {
				f.Add(raw)
			}
		}
	}
	// Stored records, as the store writes them.
	o := Order{OrderID: "o-1", Status: stInitialized, Amount: 1000, Currency: "EUR", Created: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		GatewayInfo: map[string]string{"issuer_id": "0031"}, Customer: Address{Email: "x@example.com", Country: "NL"}}
	for _, v := range []any{o, Token{Reference: "r", Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}} {
		raw, err := gojson.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	types := []func() any{
		func() any { return new(orderRequest) }, func() any { return new(patchRequest) },
		func() any { return new(refundRequest) }, func() any { return new(captureRequest) },
		func() any {
			return new(struct {
				ExpiryDate text `json:"expiry_date"`
			})
		},
		func() any {
			return new(struct {
				Status      text `json:"status"`
				Description text `json:"description"`
				Reason      text `json:"reason"`
			})
		},
		func() any { return new(Order) }, func() any { return new(Token) },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		// text's shortcut for strings with nothing to unescape is
		// encoding/json's string.
		var s string
		var tx text
		if json.Unmarshal(body, &s) == nil && (json.Unmarshal(body, &tx) != nil || string(tx) != s) {
			t.Fatalf("%q: text %q, encoding/json %q", body, tx, s)
		}
		decodetest.LikeEncodingJSON(t, body, gojson.Unmarshal, types...)
	})
}
