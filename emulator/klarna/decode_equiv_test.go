package klarna

import (
	"encoding/json"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/platform/decodetest"
)

// The handlers decode bodies with goccy/go-json (platform.DecodeBody); for
// any body, every request type is filled exactly as encoding/json fills it,
// and one library fails where the other does (then encoding/json's error is
// the one used). Seeds run as a test; `go test -fuzz DecodeMatches` explores.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	session := `{"purchase_country":"SE","purchase_currency":"SEK","locale":"en-SE","order_amount":9500,"order_tax_amount":1900,"order_lines":[{"type":"physical","reference":"19-402","name":"Battery Power Pack","quantity":1,"unit_price":9500,"tax_rate":2500,"total_amount":9500,"total_discount_amount":0,"total_tax_amount":1900}]}`
	for _, s := range []string{
		session,
		strings.ToUpper(session[:40]) + session[40:], // keys match case-insensitively
		`{"order_amount":1,"order_amount":2,"Order_Amount":3}`,
		`{"order_amount":9500.0}`, `{"order_amount":1e400}`, `{"order_amount":"1"}`, `{"order_amount":null}`,
		`{"order_lines":null}`, `{"order_lines":[null,{}]}`, `{"order_lines":{}}`,
		`{"options":{ "color_button" : "#FF0000" }, "merchant_data":"x"}`, `{"options":null}`, `{"options":[1, 2]}`,
		`{"billing_address":{"given_name":"\u00c5sa \ud83d\ude00 \ud800"}}`, "{\"billing_address\":{\"given_name\":\"\xff\xfe\"}}",
		`{"merchant_urls":{"confirmation":"https://x/?a=1\u0026b=2"}}`, `{"customer":{"date_of_birth":"1970-01-01","type":"person"}}`,
		`{"attachment":{"content_type":"application/vnd.klarna.internal.emd-v2+json","body":"{\"a\":1}"}}`,
		`{"captured_amount":100,"order_lines":[{"quantity":-1}],"shipping_info":[{"tracking_number":"1"}]}`,
		`{"refunded_amount":1,"description":"x","order_lines":[]}`,
		`{"payment_session_url":"http://x/payments/v1/sessions/1","merchant_urls":{"success":"http://x/{{session_id}}"},"options":{"place_order_mode":"NONE"}}`,
		`{"status":"CANCELLED"}`, `{"unknown":{"deep":[[[{"x":1}]]]},"purchase_country":"SE"}`,
		`[]`, `"x"`, `1`, `null`, `{`, `{"a":1}x`, `{"a":1} {"b":2}`, ``,
	} {
		f.Add([]byte(s))
	}
	types := []func() any{
		func() any { return new(Purchase) }, func() any { return new(OrderRequest) },
		func() any { return new(CustomerTokenRequest) }, func() any { return new(TokenOrderRequest) },
		func() any { return new(HPPRequest) }, func() any { return new(HPPDistribution) },
		func() any { return new(map[string]json.RawMessage) }, func() any { return new(UpdateAuthorizationRequest) },
		func() any { return new(CustomerDetails) }, func() any { return new(MerchantReferences) },
		func() any { return new(CaptureRequest) }, func() any { return new(RefundRequest) },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		decodetest.LikeEncodingJSON(t, body, gojson.Unmarshal, types...)
	})
}

// The choice recorded in docs/benchmarks.md ("Request chain"): the handler
// decodes the bytes into its type (goccy), against encoding/json, and
// against handing it the contract's generic value through a converter
// (here the generic route: re-encode the map, decode the struct).
//
//	go test -run '^$' -bench DecodePurchase -benchmem ./emulator/klarna
func BenchmarkDecodePurchase(b *testing.B) {
	body := []byte(`{"purchase_country":"SE","purchase_currency":"SEK","locale":"en-SE","order_amount":9500,"order_tax_amount":1900,"order_lines":[{"type":"physical","reference":"19-402","name":"Battery Power Pack","quantity":1,"unit_price":9500,"tax_rate":2500,"total_amount":9500,"total_discount_amount":0,"total_tax_amount":1900}]}`)
	var generic any
	if err := gojson.Unmarshal(body, &generic); err != nil {
		b.Fatal(err)
	}
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p Purchase
			_ = json.Unmarshal(body, &p)
		}
	})
	b.Run("goccy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p Purchase
			_ = gojson.Unmarshal(body, &p)
		}
	})
	b.Run("from the generic value", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			raw, _ := gojson.Marshal(generic)
			var p Purchase
			_ = gojson.Unmarshal(raw, &p)
		}
	})
}
