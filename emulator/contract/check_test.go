package contract_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/openapi"
)

// The one-decode check (goccy/go-json, then Schema.VisitJSON) gives every
// request the Violation kin-openapi's whole ValidateRequest gave: the same
// kind, place, pointer and reason. Each case is checked through Validate
// and ValidateAt against the old path (ValidateKin, export_test.go).
func TestOneDecodeGivesKinOpenAPIsViolations(t *testing.T) {
	set, err := contract.Load(openapi.FS)
	if err != nil {
		t.Fatal(err)
	}
	const session = `{"purchase_country":"SE","purchase_currency":"SEK","locale":"en-SE","order_amount":9500,"order_tax_amount":1900,"order_lines":[{"type":"physical","reference":"19-402","name":"Battery Power Pack","quantity":1,"unit_price":9500,"tax_rate":2500,"total_amount":9500,"total_discount_amount":0,"total_tax_amount":1900}]}`
	const order = `{"type":"redirect","order_id":"o1","currency":"EUR","amount":1000,"description":"d","payment_options":{"redirect_url":"http://localhost/ok","cancel_url":"http://localhost/no"}}`
	type tc struct {
		name, spec, method, path, template, ctype, body string
		vars                                            map[string]string
		want                                            contract.ViolationKind // 0: passes
	}
	k := func(name, body string, want contract.ViolationKind) tc {
		return tc{name, "klarna", "POST", "/payments/v1/sessions", "/payments/v1/sessions", "application/json", body, nil, want}
	}
	m := func(name, body string, want contract.ViolationKind) tc {
		return tc{name, "multisafepay", "POST", "/v1/json/orders", "/v1/json/orders", "application/json", body, nil, want}
	}
	cases := []tc{
		k("valid session", session, 0),
		k("valid, charset and spaces", " \n"+session+"\t", 0),
		k("wrong type", strings.Replace(session, `"order_amount":9500`, `"order_amount":"9500"`, 1), contract.Body),
		k("wrong type nested", strings.Replace(session, `"quantity":1`, `"quantity":true`, 1), contract.Body),
		k("integer as a fraction", strings.Replace(session, `"order_amount":9500`, `"order_amount":9500.5`, 1), contract.Body),
		k("integer with a zero fraction", strings.Replace(session, `"order_amount":9500`, `"order_amount":9500.0`, 1), 0),
		k("integer out of float64's range", strings.Replace(session, `"order_amount":9500`, `"order_amount":1e400`, 1), contract.Body),
		k("huge integer", strings.Replace(session, `"order_amount":9500`, `"order_amount":123456789012345678901234567890`, 1), contract.Body),
		k("missing required", strings.Replace(session, `"purchase_country":"SE",`, ``, 1), contract.Body),
		k("missing required nested", strings.Replace(session, `"name":"Battery Power Pack",`, ``, 1), contract.Body),
		k("null where an object goes", `null`, contract.Body),
		k("an array", `[1,2]`, contract.Body),
		k("malformed", `{"purchase_country":`, contract.Malformed),
		k("malformed, trailing comma", `{"purchase_country":"SE",}`, contract.Malformed),
		k("trailing garbage after a valid session", session+`x`, 0), // encoding/json's Decoder stops after the value
		k("two values", session+session, 0),
		k("trailing garbage after an invalid one", `{"a":1} x`, contract.Body),
		k("invalid UTF-8", strings.Replace(session, `Battery`, "Batt\xffery", 1), 0),
		k("lone surrogate", strings.Replace(session, `Battery`, `Batt\ud800ery`, 1), 0),
		k("control character in a string", strings.Replace(session, `Battery`, "Batt\x01ery", 1), contract.Malformed),
		k("empty", ``, contract.MissingBody),
		k("duplicate key, last wins", strings.Replace(session, `"order_amount":9500`, `"order_amount":"x","order_amount":9500`, 1), 0),
		{"wrong media type", "klarna", "POST", "/payments/v1/sessions", "/payments/v1/sessions", "text/plain", session, nil, contract.UnsupportedMediaType},
		{"no media type", "klarna", "POST", "/payments/v1/sessions", "/payments/v1/sessions", "", session, nil, contract.UnsupportedMediaType},
		{"media type with a charset", "klarna", "POST", "/payments/v1/sessions", "/payments/v1/sessions", "application/json; charset=utf-8", session, nil, 0},
		{"media type in capitals", "klarna", "POST", "/payments/v1/sessions", "/payments/v1/sessions", "Application/JSON", session, nil, 0},
		{"read, path parameter", "klarna", "GET", "/payments/v1/sessions/abc", "/payments/v1/sessions/{session_id}", "", "", map[string]string{"session_id": "abc"}, 0},
		m("valid order", order, 0),
		m("additional property", strings.Replace(order, `"amount":1000`, `"amount":1000,"surprise":1`, 1), contract.Body),
		m("additional property nested", strings.Replace(order, `"cancel_url"`, `"surprise":1,"cancel_url"`, 1), contract.Body),
		m("enum", strings.Replace(order, `"redirect"`, `"teleport"`, 1), contract.Body),
		{"parameter before the body", "multisafepay", "POST", "/v1/json/orders?locale=" + strings.Repeat("x", 300), "/v1/json/orders", "application/json", `{"surprise":1}`, nil, contract.Parameter},
		{"JSON:API", "commercelayer", "POST", "/api/line_items", "/api/line_items", "application/vnd.api+json", `{"data":{"type":"line_items","attributes":{"quantity":"x"}}}`, nil, contract.Body},
		{"JSON:API valid", "commercelayer", "POST", "/api/line_items", "/api/line_items", "application/vnd.api+json", `{"data":{"type":"line_items","attributes":{"quantity":1,"sku_code":"A"},"relationships":{"order":{"data":{"type":"orders","id":"x"}}}}}`, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sp := set.Spec(c.spec)
			mk := func() *http.Request {
				r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
				if c.ctype != "" {
					r.Header.Set("Content-Type", c.ctype)
				}
				return r
			}
			body := []byte(c.body)
			old, v, at := sp.ValidateKin(mk(), body), sp.Validate(mk(), body), sp.ValidateAt(mk(), c.template, c.vars, body)
			if !reflect.DeepEqual(old, v) || !reflect.DeepEqual(old, at) {
				t.Fatalf("kin-openapi: %+v\nValidate:   %+v\nValidateAt: %+v", old, v, at)
			}
			if (c.want == 0) != (v == nil) || (v != nil && v.Kind != c.want) {
				t.Fatalf("got %+v, want kind %v", v, c.want)
			}
		})
	}
}

// go test -run '^$' -bench ValidateSession -benchmem ./emulator/contract
func BenchmarkValidateSession(b *testing.B) {
	set, err := contract.Load(openapi.FS)
	if err != nil {
		b.Fatal(err)
	}
	sp := set.Spec("klarna")
	body := []byte(`{"purchase_country":"SE","purchase_currency":"SEK","locale":"en-SE","order_amount":9500,"order_tax_amount":1900,"order_lines":[{"type":"physical","reference":"19-402","name":"Battery Power Pack","quantity":1,"unit_price":9500,"tax_rate":2500,"total_amount":9500,"total_discount_amount":0,"total_tax_amount":1900}]}`)
	r := httptest.NewRequest("POST", "/payments/v1/sessions", nil)
	r.Header.Set("Content-Type", "application/json")
	for _, c := range []struct {
		name string
		fn   func() *contract.Violation
	}{
		{"kin-openapi", func() *contract.Violation { return sp.ValidateKin(r, body) }},
		{"ValidateAt", func() *contract.Violation { return sp.ValidateAt(r, "/payments/v1/sessions", nil, body) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v := c.fn(); v != nil {
					b.Fatal(v)
				}
			}
		})
	}
}
