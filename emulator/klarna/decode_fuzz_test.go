package klarna_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// FuzzKlarnaRequests sends arbitrary bodies to the endpoints that decode the
// most: never a 5xx, always a response our OpenAPI file allows.
func FuzzKlarnaRequests(f *testing.F) {
	cart, _ := json.Marshal(seCart("buy"))
	f.Add(uint8(0), cart)
	f.Add(uint8(1), []byte(`{"merchant_urls":{"confirmation":"file:///etc/passwd"}}`))
	f.Add(uint8(2), []byte(`{"client_token":"eyJhbGciOiJIUzI1NiJ9.e30.x","billing_address":{"country":"SE"}}`))
	f.Add(uint8(3), []byte(`{"payment_session_url":"http://x/payments/v1/sessions/1","merchant_urls":{"cancel":"javascript:alert(1)"}}`))
	f.Add(uint8(0), []byte(`{"order_lines":[{"quantity":-1,"unit_price":1e400}]`))
	f.Add(uint8(4), []byte(`[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`))
	f.Add(uint8(0), []byte("\xff\xfe{\"a\":\"\\ud800\"}"))
	sb := sandboxtest.Start(f)
	auth := basic("PK_TEST_fuzz", "secret")
	paths := []struct{ method, path string }{
		{http.MethodPost, "/payments/v1/sessions"},
		{http.MethodPost, "/payments/v1/sessions/nope"},
		{http.MethodPost, "/_sandbox/klarna/authorizations"},
		{http.MethodPost, "/hpp/v1/sessions"},
		{http.MethodPost, "/ordermanagement/v1/orders/nope/captures"},
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		p := paths[int(which)%len(paths)]
		sb.Probe(t, p.method, p.path, body, "Authorization", auth, "Content-Type", "application/json")
	})
}
