// Package dashboardtest holds the vendor flows and the browser-like Client
// that the dashboard's tests (HTTP here, Chromium in examples/dashboard)
// drive, so both suites look for the same objects.
package dashboardtest

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
// through sandboxtest's checking Client.

// Obj is a JSON object.
type Obj = map[string]any

// Names the flows use: merchant strings shaped like markup, to prove the
// dashboard shows them as text.

const (
	KTenant   = "PK_TEST_dash"
	MSPKey    = "dash-test-key"
	XSSScript = "<script>alert(1)</script>"
	XSSImg    = `"><img src=x onerror=alert(1)>`
)

// KAuth is the HTTP Basic header of the Klarna tenant KTenant.
func KAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(KTenant+":secret"))
}

// Want checks the status and returns the JSON body (nil when empty).
func Want(t *testing.T, r *sandboxtest.Response, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, Want %d: %s", r.Status, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(t)
}

// KlarnaCheckout: a session with an order line named like a script, the SDK
// stand-in's authorization, an order, a capture. Returns the order id.
func KlarnaCheckout(t *testing.T, sb *sandboxtest.Sandbox, notify string) (sessionID, orderID string) {
	t.Helper()
	cart := Obj{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "order_amount": 9500, "order_tax_amount": 1900,
		"order_lines": []any{Obj{"type": "physical", "reference": "19-402", "name": XSSScript, "quantity": 2, "unit_price": 5000,
			"tax_rate": 2500, "total_amount": 9500, "total_discount_amount": 500, "total_tax_amount": 1900}}}
	if notify != "" {
		cart["merchant_urls"] = Obj{"push": notify + "/klarna/push?order={order.id}", "notification": notify + "/klarna/notify"}
	}
	s := Want(t, sb.Do(t, http.MethodPost, "/payments/v1/sessions", cart, "Authorization", KAuth()), http.StatusOK)
	sessionID = s["session_id"].(string)
	a := Want(t, sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", Obj{"client_token": s["client_token"], "billing_address": Obj{
		"given_name": "Testperson-se", "family_name": "Approved", "email": "customer@email.se", "street_address": "Stårgatan 1",
		"postal_code": "12345", "city": "Ankeborg", "country": "SE"}}), http.StatusOK)
	o := Want(t, sb.Do(t, http.MethodPost, "/payments/v1/authorizations/"+a["authorization_token"].(string)+"/order", cart, "Authorization", KAuth()), http.StatusOK)
	orderID = o["order_id"].(string)
	Want(t, sb.Do(t, http.MethodPost, "/ordermanagement/v1/orders/"+orderID+"/captures", Obj{"captured_amount": 9500}, "Authorization", KAuth()), http.StatusCreated)
	return sessionID, orderID
}

// KlarnaPendingOrder places a US order that waits for fraud review (the
// playground's +pend-accept-05 e-mail); its notification goes to notify.
func KlarnaPendingOrder(t *testing.T, sb *sandboxtest.Sandbox, notify string) string {
	t.Helper()
	cart := Obj{"purchase_country": "US", "purchase_currency": "USD", "locale": "en-US", "order_amount": 10000, "order_tax_amount": 0,
		"order_lines":   []any{Obj{"type": "physical", "name": "Lamp", "quantity": 1, "unit_price": 10000, "total_amount": 10000}},
		"merchant_urls": Obj{"notification": notify + "/klarna?order={order.id}"}}
	s := Want(t, sb.Do(t, http.MethodPost, "/payments/v1/sessions", cart, "Authorization", KAuth()), http.StatusOK)
	a := Want(t, sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", Obj{"client_token": s["client_token"], "billing_address": Obj{
		"given_name": "Test", "family_name": "Person-us", "email": "customer+pend-accept-05@email.us", "street_address": "509 Amsterdam Ave",
		"postal_code": "10024-3941", "city": "New York", "region": "NY", "country": "US", "phone": "+13106683312"}}), http.StatusOK)
	o := Want(t, sb.Do(t, http.MethodPost, "/payments/v1/authorizations/"+a["authorization_token"].(string)+"/order", cart, "Authorization", KAuth()), http.StatusOK)
	if o["fraud_status"] != "PENDING" {
		t.Fatalf("order %v", o)
	}
	return o["order_id"].(string)
}

// MSPOrder creates a redirect order whose notifications go to notify.
func MSPOrder(t *testing.T, sb *sandboxtest.Sandbox, id, notify string) string {
	t.Helper()
	o := Obj{"type": "redirect", "order_id": id, "currency": "EUR", "amount": 1000, "description": "Dashboard test",
		"payment_options": Obj{"redirect_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel",
			"notification_url": notify + "/msp", "notification_method": "POST"}}
	d := Want(t, sb.Do(t, http.MethodPost, "/v1/json/orders", o, "api_key", MSPKey), http.StatusOK)
	return d["data"].(map[string]any)["session_id"].(string)
}

// MSPPay submits the payment page as the customer and sends the notification.
func MSPPay(t *testing.T, sb *sandboxtest.Sandbox, sessionID string) {
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

// CLOrder: a Commerce Layer cart with a line item named like markup. With
// notify, an orders.create webhook goes there first.
func CLOrder(t *testing.T, sb *sandboxtest.Sandbox, notify string) (orderID, lineID string) {
	t.Helper()
	if notify != "" {
		in := Want(t, sb.Do(t, http.MethodPost, "/oauth/token", Obj{"grant_type": "client_credentials", "client_id": "paysandbox-integration",
			"client_secret": "paysandbox-integration-secret"}), http.StatusOK)["access_token"].(string)
		Want(t, sb.Do(t, http.MethodPost, "/api/webhooks", Obj{"data": Obj{"type": "webhooks", "attributes": Obj{"name": "created", "topic": "orders.create",
			"callback_url": notify + "/cl"}}}, "Accept", "application/vnd.api+json", "Content-Type", "application/vnd.api+json", "Authorization", "Bearer "+in), http.StatusCreated)
	}
	tok := Want(t, sb.Do(t, http.MethodPost, "/oauth/token", Obj{"grant_type": "client_credentials", "client_id": "paysandbox-sales-channel", "scope": "market:code:EU"}), http.StatusOK)["access_token"].(string)
	do := func(status int, method, path string, body any) map[string]any {
		t.Helper()
		h := []string{"Accept", "application/vnd.api+json", "Authorization", "Bearer " + tok}
		if body != nil {
			h = append(h, "Content-Type", "application/vnd.api+json")
		}
		return Want(t, sb.Do(t, method, path, body, h...), status)
	}
	id := func(d map[string]any) string { return d["data"].(map[string]any)["id"].(string) }
	orderID = id(do(201, http.MethodPost, "/api/orders", Obj{"data": Obj{"type": "orders"}}))
	lineID = id(do(201, http.MethodPost, "/api/line_items", Obj{"data": Obj{"type": "line_items",
		"attributes":    Obj{"sku_code": "TSHIRTMMFFFFFF000000LXXX", "quantity": 2, "name": XSSImg},
		"relationships": Obj{"order": Obj{"data": Obj{"type": "orders", "id": orderID}}}}}))
	do(200, http.MethodPatch, "/api/orders/"+orderID, Obj{"data": Obj{"type": "orders", "id": orderID, "attributes": Obj{"customer_email": "customer@email.it"}}})
	sb.Flush()
	return orderID, lineID
}

// --- a plain browser-like Client of the dashboard

// Client is a cookie-keeping client that follows no redirects, like a
// browser's fetch of the dashboard's pages.
type Client struct {
	t    *testing.T
	base string
	c    *http.Client
}

// NewClient makes a Client of the dashboard at base.
func NewClient(t *testing.T, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// HTTP is the underlying client (its jar holds the dashboard's session).
func (c *Client) HTTP() *http.Client { return c.c }

// Get fetches a page as a browser would (Accept: text/html).
func (c *Client) Get(path string) (int, string, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("Accept", "text/html")
	return c.Send(req)
}

// Post submits a form; header is name, value pairs.
func (c *Client) Post(path string, form url.Values, header ...string) (int, string, http.Header) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.Send(req)
}

// Send does req and reads the whole answer.
func (c *Client) Send(req *http.Request) (int, string, http.Header) {
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

// CSRF reads the CSRF token from a dashboard page.
func (c *Client) CSRF(path string) string {
	c.t.Helper()
	status, body, _ := c.Get(path)
	m := csrfField.FindStringSubmatch(body)
	if status != http.StatusOK || m == nil {
		c.t.Fatalf("GET %s: %d, no CSRF token in the page", path, status)
	}
	return m[1]
}
