package klarna_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// client calls the emulator as one tenant.
type client struct {
	sb     *sandboxtest.Sandbox
	tenant string
	auth   string
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func newClient(t *testing.T, opts ...sandboxtest.Option) *client {
	t.Helper()
	sb := sandboxtest.Start(t, opts...)
	return &client{sb: sb, tenant: "PK_TEST_e2e", auth: basic("PK_TEST_e2e", "secret")}
}

// as is the same sandbox seen by another tenant.
func (c *client) as(user string) *client {
	return &client{sb: c.sb, tenant: user, auth: basic(user, "secret")}
}

func (c *client) do(t *testing.T, method, path string, body any, header ...string) *sandboxtest.Response {
	t.Helper()
	return c.sb.Do(t, method, path, body, append([]string{"Authorization", c.auth}, header...)...)
}

// sdk calls the credential-less authorization endpoint.
func (c *client) sdk(t *testing.T, body any, header ...string) *sandboxtest.Response {
	t.Helper()
	return c.sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", body, header...)
}

type obj = map[string]any

func seLine() obj {
	return obj{"type": "physical", "reference": "19-402", "name": "Battery Power Pack", "quantity": 2, "unit_price": 5000,
		"tax_rate": 2500, "total_amount": 9500, "total_discount_amount": 500, "total_tax_amount": 1900}
}

// seCart is the seed's Swedish one-time payment.
func seCart(intent string) obj {
	return obj{"acquiring_channel": "ECOMMERCE", "intent": intent, "purchase_country": "SE", "purchase_currency": "SEK",
		"locale": "en-SE", "order_amount": 9500, "order_tax_amount": 1900, "order_lines": []any{seLine()}}
}

// usCart carries its tax as a sales_tax line.
func usCart() obj {
	return obj{"purchase_country": "US", "purchase_currency": "USD", "locale": "en-US", "order_amount": 10800, "order_tax_amount": 800,
		"order_lines": []any{
			obj{"type": "physical", "name": "Lamp", "quantity": 1, "unit_price": 10000, "total_amount": 10000},
			obj{"type": "sales_tax", "name": "Sales tax", "quantity": 1, "unit_price": 800, "total_amount": 800},
		}}
}

func seBilling(email string) obj {
	return obj{"given_name": "Testperson-se", "family_name": "Approved", "email": email, "street_address": "Stårgatan 1",
		"postal_code": "12345", "city": "Ankeborg", "country": "SE", "phone": "+46765260000"}
}

func usBilling(email string) obj {
	return obj{"given_name": "Test", "family_name": "Person-us", "email": email, "street_address": "509 Amsterdam Ave",
		"postal_code": "10024-3941", "city": "New York", "region": "NY", "country": "US", "phone": "+13106683312"}
}

// openSession creates a session and checks the 200 answer's shape.
func (c *client) openSession(t *testing.T, cart obj) (id, clientToken string) {
	t.Helper()
	r := c.do(t, http.MethodPost, "/payments/v1/sessions", cart)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	m := r.JSON(t)
	id, _ = m["session_id"].(string)
	clientToken, _ = m["client_token"].(string)
	if id == "" || strings.Count(clientToken, ".") != 2 {
		t.Fatalf("create session: %s", r.Body)
	}
	return id, clientToken
}

// authorize approves a session headlessly and returns the authorization token.
func (c *client) authorize(t *testing.T, clientToken string, billing obj) string {
	t.Helper()
	r := c.sdk(t, obj{"client_token": clientToken, "billing_address": billing})
	sandboxtest.WantStatus(t, r, http.StatusOK)
	m := r.JSON(t)
	tok, _ := m["authorization_token"].(string)
	if m["approved"] != true || m["show_form"] != true || m["finalize_required"] != false || tok == "" {
		t.Fatalf("authorize: %s", r.Body)
	}
	return tok
}

// placeOrder turns an authorization into an order.
func (c *client) placeOrder(t *testing.T, authToken string, cart obj) obj {
	t.Helper()
	r := c.do(t, http.MethodPost, "/payments/v1/authorizations/"+authToken+"/order", cart)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	return r.JSON(t)
}

func (c *client) order(t *testing.T, id string) obj {
	t.Helper()
	r := c.do(t, http.MethodGet, "/ordermanagement/v1/orders/"+id, nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	return r.JSON(t)
}

// num reads a JSON number field as int64.
func num(t *testing.T, m obj, key string) int64 {
	t.Helper()
	f, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%s is not a number: %v", key, m[key])
	}
	return int64(f)
}

func with(base obj, kv ...any) obj {
	out := obj{}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}
