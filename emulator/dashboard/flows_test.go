package dashboard_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The three vendors' flows the tests look for in the dashboard, over HTTP
// through sandboxtest's checking client.

type obj = map[string]any

const (
	kTenant   = "PK_TEST_dash"
	mspKey    = "dash-test-key"
	xssScript = "<script>alert(1)</script>"
	xssImg    = `"><img src=x onerror=alert(1)>`
)

func kAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(kTenant+":secret"))
}

func want(t *testing.T, r *sandboxtest.Response, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(t)
}

// klarnaCheckout: a session with an order line named like a script, the SDK
// stand-in's authorization, an order, a capture. Returns the order id.
func klarnaCheckout(t *testing.T, sb *sandboxtest.Sandbox, notify string) (sessionID, orderID string) {
	t.Helper()
	cart := obj{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "order_amount": 9500, "order_tax_amount": 1900,
		"order_lines": []any{obj{"type": "physical", "reference": "19-402", "name": xssScript, "quantity": 2, "unit_price": 5000,
			"tax_rate": 2500, "total_amount": 9500, "total_discount_amount": 500, "total_tax_amount": 1900}}}
	if notify != "" {
		cart["merchant_urls"] = obj{"push": notify + "/klarna/push?order={order.id}", "notification": notify + "/klarna/notify"}
	}
	s := want(t, sb.Do(t, http.MethodPost, "/payments/v1/sessions", cart, "Authorization", kAuth()), http.StatusOK)
	sessionID = s["session_id"].(string)
	a := want(t, sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": s["client_token"], "billing_address": obj{
		"given_name": "Testperson-se", "family_name": "Approved", "email": "customer@email.se", "street_address": "Stårgatan 1",
		"postal_code": "12345", "city": "Ankeborg", "country": "SE"}}), http.StatusOK)
	o := want(t, sb.Do(t, http.MethodPost, "/payments/v1/authorizations/"+a["authorization_token"].(string)+"/order", cart, "Authorization", kAuth()), http.StatusOK)
	orderID = o["order_id"].(string)
	want(t, sb.Do(t, http.MethodPost, "/ordermanagement/v1/orders/"+orderID+"/captures", obj{"captured_amount": 9500}, "Authorization", kAuth()), http.StatusCreated)
	return sessionID, orderID
}

// klarnaPendingOrder places a US order that waits for fraud review (the
// playground's +pend-accept-05 e-mail); its notification goes to notify.
func klarnaPendingOrder(t *testing.T, sb *sandboxtest.Sandbox, notify string) string {
	t.Helper()
	cart := obj{"purchase_country": "US", "purchase_currency": "USD", "locale": "en-US", "order_amount": 10000, "order_tax_amount": 0,
		"order_lines":   []any{obj{"type": "physical", "name": "Lamp", "quantity": 1, "unit_price": 10000, "total_amount": 10000}},
		"merchant_urls": obj{"notification": notify + "/klarna?order={order.id}"}}
	s := want(t, sb.Do(t, http.MethodPost, "/payments/v1/sessions", cart, "Authorization", kAuth()), http.StatusOK)
	a := want(t, sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": s["client_token"], "billing_address": obj{
		"given_name": "Test", "family_name": "Person-us", "email": "customer+pend-accept-05@email.us", "street_address": "509 Amsterdam Ave",
		"postal_code": "10024-3941", "city": "New York", "region": "NY", "country": "US", "phone": "+13106683312"}}), http.StatusOK)
	o := want(t, sb.Do(t, http.MethodPost, "/payments/v1/authorizations/"+a["authorization_token"].(string)+"/order", cart, "Authorization", kAuth()), http.StatusOK)
	if o["fraud_status"] != "PENDING" {
		t.Fatalf("order %v", o)
	}
	return o["order_id"].(string)
}

// mspOrder creates a redirect order whose notifications go to notify.
func mspOrder(t *testing.T, sb *sandboxtest.Sandbox, id, notify string) string {
	t.Helper()
	o := obj{"type": "redirect", "order_id": id, "currency": "EUR", "amount": 1000, "description": "Dashboard test",
		"payment_options": obj{"redirect_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel",
			"notification_url": notify + "/msp", "notification_method": "POST"}}
	d := want(t, sb.Do(t, http.MethodPost, "/v1/json/orders", o, "api_key", mspKey), http.StatusOK)
	return d["data"].(map[string]any)["session_id"].(string)
}

// mspPay submits the payment page as the customer and sends the notification.
func mspPay(t *testing.T, sb *sandboxtest.Sandbox, sessionID string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, sb.URL+"/multisafepay/connect/"+sessionID+"/", strings.NewReader("outcome=completed&gateway=IDEAL"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := sb.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment page: %d", resp.StatusCode)
	}
	sb.Flush()
}

// clOrder: a Commerce Layer cart with a line item named like markup. With
// notify, an orders.create webhook goes there first.
func clOrder(t *testing.T, sb *sandboxtest.Sandbox, notify string) (orderID, lineID string) {
	t.Helper()
	if notify != "" {
		in := want(t, sb.Do(t, http.MethodPost, "/oauth/token", obj{"grant_type": "client_credentials", "client_id": "paysandbox-integration",
			"client_secret": "paysandbox-integration-secret"}), http.StatusOK)["access_token"].(string)
		want(t, sb.Do(t, http.MethodPost, "/api/webhooks", obj{"data": obj{"type": "webhooks", "attributes": obj{"name": "created", "topic": "orders.create",
			"callback_url": notify + "/cl"}}}, "Accept", "application/vnd.api+json", "Content-Type", "application/vnd.api+json", "Authorization", "Bearer "+in), http.StatusCreated)
	}
	tok := want(t, sb.Do(t, http.MethodPost, "/oauth/token", obj{"grant_type": "client_credentials", "client_id": "paysandbox-sales-channel", "scope": "market:code:EU"}), http.StatusOK)["access_token"].(string)
	do := func(status int, method, path string, body any) map[string]any {
		t.Helper()
		h := []string{"Accept", "application/vnd.api+json", "Authorization", "Bearer " + tok}
		if body != nil {
			h = append(h, "Content-Type", "application/vnd.api+json")
		}
		return want(t, sb.Do(t, method, path, body, h...), status)
	}
	id := func(d map[string]any) string { return d["data"].(map[string]any)["id"].(string) }
	orderID = id(do(201, http.MethodPost, "/api/orders", obj{"data": obj{"type": "orders"}}))
	lineID = id(do(201, http.MethodPost, "/api/line_items", obj{"data": obj{"type": "line_items",
		"attributes":    obj{"sku_code": "TSHIRTMMFFFFFF000000LXXX", "quantity": 2, "name": xssImg},
		"relationships": obj{"order": obj{"data": obj{"type": "orders", "id": orderID}}}}}))
	do(200, http.MethodPatch, "/api/orders/"+orderID, obj{"data": obj{"type": "orders", "id": orderID, "attributes": obj{"customer_email": "customer@email.it"}}})
	sb.Flush()
	return orderID, lineID
}

// --- a plain browser-like client of the dashboard

type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) get(path string) (int, string, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("Accept", "text/html")
	return c.send(req)
}

func (c *client) post(path string, form url.Values, header ...string) (int, string, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.send(req)
}

func (c *client) send(req *http.Request) (int, string, http.Header) {
	c.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the CSRF token from a dashboard page.
func (c *client) csrf(path string) string {
	c.t.Helper()
	status, body, _ := c.get(path)
	m := csrfField.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		c.t.Fatalf("GET %s: %d, no CSRF token in the page", path, status)
	}
	return m[1]
}
