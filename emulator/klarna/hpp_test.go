package klarna_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// hppSession opens a payment session with cart and an HPP session for it.
func (c *client) hppSession(t *testing.T, cart obj, body obj) (paymentSessionID string, created obj) {
	t.Helper()
	psID, _ := c.openSession(t, cart)
	b := with(body, "payment_session_url", c.sb.URL+"/payments/v1/sessions/"+psID)
	r := c.do(t, http.MethodPost, "/hpp/v1/sessions", b)
	sandboxtest.WantStatus(t, r, http.StatusCreated)
	return psID, r.JSON(t)
}

func (c *client) hpp(t *testing.T, id string) obj {
	t.Helper()
	r := c.do(t, http.MethodGet, "/hpp/v1/sessions/"+id, nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	return r.JSON(t)
}

// page is the customer's browser on the hosted page (no credentials).
func page(t *testing.T, sb *sandboxtest.Sandbox, method, path string, form url.Values) *sandboxtest.Response {
	t.Helper()
	if form == nil {
		return sb.Do(t, method, path, nil)
	}
	return sb.Do(t, method, path, form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

func pagePath(t *testing.T, created obj) string {
	t.Helper()
	u, err := url.Parse(created["redirect_url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

func payForm(outcome string, billing obj) url.Values {
	f := url.Values{"action": {"pay"}, "outcome": {outcome}}
	for k, v := range billing {
		if k != "country" {
			f.Set(k, v.(string))
		}
	}
	return f
}

func hppURLs(base string) obj {
	return obj{
		"success":       base + "/success?sid={{session_id}}&token={{authorization_token}}&order={{order_id}}",
		"failure":       base + "/failure?sid={{session_id}}",
		"cancel":        base + "/cancel?sid={{session_id}}",
		"back":          base + "/back?sid={{session_id}}",
		"error":         base + "/error?sid={{session_id}}",
		"status_update": base + "/status?sid={{session_id}}",
	}
}

// statusUpdates are the status_update callbacks the receiver got, in order.
func statusUpdates(t *testing.T, rc *sandboxtest.Receiver) []string {
	t.Helper()
	var out []string
	for _, req := range rc.Requests() {
		if !strings.HasPrefix(req.URL, "/status") {
			continue
		}
		var b struct {
			EventID string `json:"event_id"`
			Session struct {
				SessionID string `json:"session_id"`
				Status    string `json:"status"`
			} `json:"session"`
		}
		if err := json.Unmarshal(req.Body, &b); err != nil || b.EventID == "" || b.Session.SessionID == "" {
			t.Fatalf("status_update body: %v: %s", err, req.Body)
		}
		if req.URL != "/status?sid="+b.Session.SessionID {
			t.Fatalf("status_update URL %q for session %s", req.URL, b.Session.SessionID)
		}
		out = append(out, b.Session.Status)
	}
	return out
}

func TestHPPCreateAndRead(t *testing.T) {
	c := newClient(t)
	psID, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs("https://shop.example")})
	id := created["session_id"].(string)
	base := c.sb.URL
	want := map[string]string{
		"session_url":      base + "/hpp/v1/sessions/" + id,
		"redirect_url":     base + "/hpp/payments/" + id,
		"qr_code_url":      base + "/hpp/payments/" + id + "/qr",
		"distribution_url": base + "/hpp/v1/sessions/" + id + "/distribution",
	}
	for k, v := range want {
		if created[k] != v {
			t.Errorf("%s = %v, want %s", k, created[k], v)
		}
	}
	if m, _ := created["distribution_module"].(obj); m["token"] == "" || m["standalone_url"] != want["redirect_url"] {
		t.Errorf("distribution_module %v", created["distribution_module"])
	}
	ps := c.do(t, http.MethodGet, "/payments/v1/sessions/"+psID, nil).JSON(t)
	psEnd, _ := time.Parse(time.RFC3339, ps["expires_at"].(string))
	exp, _ := time.Parse(time.RFC3339, created["expires_at"].(string))
	if !exp.Equal(psEnd.Add(-time.Hour)) {
		t.Fatalf("expires_at %s, payment session ends %s", exp, psEnd)
	}

	s := c.hpp(t, id)
	if s["status"] != "WAITING" || s["session_id"] != id || s["authorization_token"] != nil || s["updated_at"] == nil {
		t.Fatalf("session %v", s)
	}
	// Another tenant sees nothing.
	sandboxtest.WantKlarnaError(t, c.as("PK_other").do(t, http.MethodGet, "/hpp/v1/sessions/"+id, nil), http.StatusNotFound, "NOT_FOUND")
}

func TestHPPCreateRefusals(t *testing.T) {
	c := newClient(t)
	psID, _ := c.openSession(t, usCart())
	psURL := c.sb.URL + "/payments/v1/sessions/" + psID
	tests := []struct {
		name   string
		body   any
		status int
		code   string
		msgs   []string
	}{
		{"no body", "", http.StatusBadRequest, "BAD_REQUEST", nil},
		{"no url", obj{}, http.StatusBadRequest, "BAD_VALUE", []string{"Bad value: payment_session_url"}},
		{"checkout order", obj{"payment_session_url": "https://api.klarna.com/checkout/v3/orders/x"}, http.StatusBadRequest, "BAD_VALUE", []string{"Bad value: payment_session_url"}},
		{"unknown session", obj{"payment_session_url": c.sb.URL + "/payments/v1/sessions/nope"}, http.StatusNotFound, "NOT_FOUND", nil},
		{"both categories", obj{"payment_session_url": psURL, "options": obj{"payment_method_category": "PAY_LATER", "payment_method_categories": []string{"PAY_LATER"}}},
			http.StatusBadRequest, "BAD_VALUE", []string{"Bad value: options.payment_method_categories"}},
		{"category not offered", obj{"payment_session_url": psURL, "options": obj{"payment_method_category": "PAY_NOW"}},
			http.StatusBadRequest, "BAD_VALUE", []string{"Bad value: options.payment_method_category"}},
		{"unknown category", obj{"payment_session_url": psURL, "options": obj{"payment_method_category": "CARDS"}},
			http.StatusBadRequest, "BAD_VALUE", []string{"Bad value: options.payment_method_category"}},
		{"unknown mode", obj{"payment_session_url": psURL, "options": obj{"place_order_mode": "LATER"}},
			http.StatusBadRequest, "BAD_VALUE", []string{"Bad value: options.place_order_mode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/hpp/v1/sessions", tt.body), tt.status, tt.code, tt.msgs...)
		})
	}
	t.Run("no credentials", func(t *testing.T) {
		sandboxtest.WantKlarnaError(t, c.sb.Do(t, http.MethodPost, "/hpp/v1/sessions", obj{"payment_session_url": psURL}), http.StatusUnauthorized, "UNAUTHORIZED")
	})
	t.Run("tokenize cannot place orders", func(t *testing.T) {
		tok, _ := c.openSession(t, with(seCart("tokenize"), "order_lines", []any{with(seLine(), "subscription", obj{"name": "Refill", "interval": "MONTH", "interval_count": 1})}))
		sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/hpp/v1/sessions", obj{
			"payment_session_url": c.sb.URL + "/payments/v1/sessions/" + tok, "options": obj{"place_order_mode": "PLACE_ORDER"},
		}), http.StatusBadRequest, "BAD_VALUE", "Bad value: options.place_order_mode")
	})
	t.Run("completed payment session", func(t *testing.T) {
		sid, ct := c.openSession(t, seCart("buy"))
		c.placeOrder(t, c.authorize(t, ct, seBilling("customer@email.se")), seCart("buy"))
		sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/hpp/v1/sessions", obj{"payment_session_url": c.sb.URL + "/payments/v1/sessions/" + sid}),
			http.StatusNotFound, "SESSION_COMPLETED")
	})
	t.Run("unknown path", func(t *testing.T) {
		// No OpenAPI operation describes it, so it bypasses the checking client.
		req, _ := http.NewRequest(http.MethodGet, c.sb.URL+"/hpp/v1/nothing", nil)
		req.Header.Set("Authorization", c.auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		sandboxtest.WantKlarnaError(t, &sandboxtest.Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, http.StatusNotFound, "NOT_FOUND", "Resource not found")
	})
}

// The whole page flow with place_order_mode NONE: the merchant gets the
// authorization token through the success URL and places the order itself.
func TestHPPPageApproveNone(t *testing.T) {
	c := newClient(t)
	rc := sandboxtest.NewReceiver(t)
	_, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs(rc.URL), "options": obj{"page_title": "Pay <b>now</b>"}})
	id, path := created["session_id"].(string), pagePath(t, created)

	r := page(t, c.sb, http.MethodGet, path, nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	body := string(r.Body)
	for _, s := range []string{"Pay &lt;b&gt;now&lt;/b&gt;", "Battery Power Pack", "95.00 SEK", `name="outcome"`, `id="outcome-deny"`, `<label for="billing-email">`} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if strings.Contains(body, "<b>now</b>") {
		t.Error("page_title is not escaped")
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if s := c.hpp(t, id); s["status"] != "IN_PROGRESS" {
		t.Fatalf("after opening: %v", s["status"])
	}

	r = page(t, c.sb, http.MethodPost, path, payForm("approve", seBilling("customer@email.se")))
	sandboxtest.WantStatus(t, r, http.StatusSeeOther)
	s := c.hpp(t, id)
	tok, _ := s["authorization_token"].(string)
	if s["status"] != "COMPLETED" || tok == "" || s["order_id"] != nil {
		t.Fatalf("after paying: %v", s)
	}
	if cu, _ := s["customer"].(obj); cu["given_name"] != "Testperson-se" || cu["family_name"] != "Approved" {
		t.Errorf("customer %v", s["customer"])
	}
	if loc := r.Header.Get("Location"); loc != rc.URL+"/success?sid="+id+"&token="+tok+"&order=" {
		t.Fatalf("Location %q", loc)
	}
	placed := c.placeOrder(t, tok, seCart("buy"))
	if o := c.order(t, placed["order_id"].(string)); o["status"] != "AUTHORIZED" {
		t.Fatalf("order %v", o["status"])
	}

	// The page is finished: it shows the status, and a second payment is refused.
	r = page(t, c.sb, http.MethodGet, path, nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), "<strong>completed</strong>") || strings.Contains(string(r.Body), "<form") {
		t.Fatalf("finished page: %s", r.Body)
	}
	sandboxtest.WantStatus(t, page(t, c.sb, http.MethodPost, path, payForm("approve", seBilling("customer@email.se"))), http.StatusConflict)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodDelete, "/hpp/v1/sessions/"+id, nil), http.StatusBadRequest, "BAD_REQUEST")

	c.sb.Flush()
	if got := strings.Join(statusUpdates(t, rc), ","); got != "IN_PROGRESS,COMPLETED" {
		t.Fatalf("status updates %s", got)
	}
}

func TestHPPPlaceOrderModes(t *testing.T) {
	for _, tt := range []struct{ mode, status string }{{"PLACE_ORDER", "AUTHORIZED"}, {"CAPTURE_ORDER", "CAPTURED"}} {
		t.Run(tt.mode, func(t *testing.T) {
			c := newClient(t)
			_, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs("https://shop.example"), "options": obj{"place_order_mode": tt.mode}})
			id, path := created["session_id"].(string), pagePath(t, created)
			sandboxtest.WantStatus(t, page(t, c.sb, http.MethodGet, path, nil), http.StatusOK)
			r := page(t, c.sb, http.MethodPost, path, payForm("test_data", seBilling("customer@email.se")))
			sandboxtest.WantStatus(t, r, http.StatusSeeOther)
			s := c.hpp(t, id)
			orderID, _ := s["order_id"].(string)
			if s["status"] != "COMPLETED" || orderID == "" || s["klarna_reference"] == nil {
				t.Fatalf("session %v", s)
			}
			if !strings.HasSuffix(r.Header.Get("Location"), "&order="+orderID) {
				t.Fatalf("Location %q", r.Header.Get("Location"))
			}
			o := c.order(t, orderID)
			if o["status"] != tt.status || o["klarna_reference"] != s["klarna_reference"] || num(t, o, "order_amount") != 9500 {
				t.Fatalf("order %v", o)
			}
			// The token was used for that order.
			sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/payments/v1/authorizations/"+s["authorization_token"].(string)+"/order", seCart("buy")),
				http.StatusForbidden, "INVALID_OPERATION")
		})
	}
}

// Pending review (US): the order placed by the page waits for the fraud decision.
func TestHPPPendingReview(t *testing.T) {
	c := newClient(t)
	_, created := c.hppSession(t, usCart(), obj{"options": obj{"place_order_mode": "CAPTURE_ORDER", "payment_method_category": "PAY_OVER_TIME"}})
	id, path := created["session_id"].(string), pagePath(t, created)
	r := page(t, c.sb, http.MethodGet, path, nil)
	if strings.Contains(string(r.Body), `name="payment_method_category"`) {
		t.Error("one category: no choice to make")
	}
	if !strings.Contains(string(r.Body), `id="billing-region"`) {
		t.Error("US form lacks the region")
	}
	// No success URL: the page shows the result.
	r = page(t, c.sb, http.MethodPost, path, payForm("pending", usBilling("customer@email.us")))
	sandboxtest.WantStatus(t, r, http.StatusOK)
	s := c.hpp(t, id)
	o := c.order(t, s["order_id"].(string))
	if o["fraud_status"] != "PENDING" || o["status"] != "AUTHORIZED" || o["initial_payment_method"].(obj)["type"] != "BASE_ACCOUNT" {
		t.Fatalf("order %v", o)
	}
	c.sb.Advance(t, c.tenant, 5*time.Minute)
	if o := c.order(t, s["order_id"].(string)); o["fraud_status"] != "ACCEPTED" || o["status"] != "CAPTURED" {
		t.Fatalf("after review %v %v", o["fraud_status"], o["status"])
	}
}

func TestHPPPageDenyCancelBackError(t *testing.T) {
	c := newClient(t)
	rc := sandboxtest.NewReceiver(t)
	_, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs(rc.URL)})
	id, path := created["session_id"].(string), pagePath(t, created)
	step := func(form url.Values, status, location string) {
		t.Helper()
		sandboxtest.WantStatus(t, page(t, c.sb, http.MethodGet, path, nil), http.StatusOK)
		r := page(t, c.sb, http.MethodPost, path, form)
		sandboxtest.WantStatus(t, r, http.StatusSeeOther)
		if got := r.Header.Get("Location"); got != rc.URL+location+"?sid="+id {
			t.Fatalf("Location %q", got)
		}
		if s := c.hpp(t, id); s["status"] != status {
			t.Fatalf("status %v, want %s", s["status"], status)
		}
	}
	step(payForm("deny", seBilling("customer@email.se")), "FAILED", "/failure")
	step(payForm("error", seBilling("customer@email.se")), "ERROR", "/error")
	step(url.Values{"action": {"back"}}, "BACK", "/back")
	// The test data decides: +denied fails.
	step(payForm("test_data", seBilling("customer+denied@email.se")), "FAILED", "/failure")
	step(url.Values{"action": {"cancel"}}, "CANCELLED", "/cancel")

	// Cancelled is final.
	r := page(t, c.sb, http.MethodGet, path, nil)
	if !strings.Contains(string(r.Body), "<strong>cancelled</strong>") || !strings.Contains(string(r.Body), rc.URL+"/cancel?sid=") {
		t.Fatalf("cancelled page: %s", r.Body)
	}
	sandboxtest.WantStatus(t, c.do(t, http.MethodDelete, "/hpp/v1/sessions/"+id, nil), http.StatusNoContent)
	if s := c.hpp(t, id); s["status"] != "CANCELLED" {
		t.Fatalf("disable changed a cancelled session: %v", s["status"])
	}
	c.sb.Flush()
	want := "IN_PROGRESS,FAILED,IN_PROGRESS,ERROR,IN_PROGRESS,BACK,IN_PROGRESS,FAILED,IN_PROGRESS,CANCELLED"
	if got := strings.Join(statusUpdates(t, rc), ","); got != want {
		t.Fatalf("status updates\n got %s\nwant %s", got, want)
	}
}

func TestHPPPageFormChecks(t *testing.T) {
	c := newClient(t)
	_, created := c.hppSession(t, seCart("buy"), obj{})
	id, path := created["session_id"].(string), pagePath(t, created)
	sandboxtest.WantStatus(t, page(t, c.sb, http.MethodGet, path, nil), http.StatusOK)

	billing := seBilling("customer@email.se")
	delete(billing, "city")
	r := page(t, c.sb, http.MethodPost, path, payForm("approve", billing))
	sandboxtest.WantStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "billing_address.city") || !strings.Contains(string(r.Body), `aria-invalid="true"`) {
		t.Fatalf("page does not name the missing field: %s", r.Body)
	}
	if s := c.hpp(t, id); s["status"] != "IN_PROGRESS" {
		t.Fatalf("status %v", s["status"])
	}
	sandboxtest.WantStatus(t, page(t, c.sb, http.MethodPost, path, url.Values{"outcome": {"maybe"}}), http.StatusBadRequest)
	sandboxtest.WantStatus(t, c.sb.Do(t, http.MethodPost, path, `{"action":"pay"}`), http.StatusUnsupportedMediaType)
	sandboxtest.WantStatus(t, page(t, c.sb, http.MethodGet, "/hpp/payments/unknown", nil), http.StatusNotFound)
	sandboxtest.WantStatus(t, page(t, c.sb, http.MethodPost, "/hpp/payments/unknown", url.Values{"action": {"back"}}), http.StatusNotFound)
	// Escaping: a cart line named like markup stays text.
	_, created = c.hppSession(t, with(seCart("buy"), "order_lines", []any{with(seLine(), "name", `<script>alert(1)</script>`)}), obj{})
	r = page(t, c.sb, http.MethodGet, pagePath(t, created), nil)
	if strings.Contains(string(r.Body), "<script>alert") || !strings.Contains(string(r.Body), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("line name not escaped: %s", r.Body)
	}
}

func TestHPPDisableAndDistribute(t *testing.T) {
	c := newClient(t)
	rc := sandboxtest.NewReceiver(t)
	_, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs(rc.URL)})
	id, path := created["session_id"].(string), pagePath(t, created)
	dist := "/hpp/v1/sessions/" + id + "/distribution"

	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, dist, obj{"method": "email", "contact_information": obj{"email": "customer@email.se"}}), http.StatusCreated)
	sandboxtest.WantStatus(t, c.do(t, http.MethodPost, dist, obj{"method": "sms", "contact_information": obj{"phone": "0765260000", "phone_country": "SE"}}), http.StatusCreated)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, dist, obj{"method": "email", "contact_information": obj{"email": "nope"}}),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: contact_information.email")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, dist, obj{"method": "sms", "contact_information": obj{}}),
		http.StatusBadRequest, "BAD_VALUE", "Bad value: contact_information.phone", "Bad value: contact_information.phone_country")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, dist, obj{"method": "fax", "contact_information": obj{}}), http.StatusBadRequest, "BAD_VALUE")
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, "/hpp/v1/sessions/nope/distribution", obj{"method": "email", "contact_information": obj{"email": "a@b.se"}}),
		http.StatusNotFound, "NOT_FOUND")

	sandboxtest.WantStatus(t, c.do(t, http.MethodDelete, "/hpp/v1/sessions/"+id, nil), http.StatusNoContent)
	if s := c.hpp(t, id); s["status"] != "DISABLED" {
		t.Fatalf("status %v", s["status"])
	}
	sandboxtest.WantStatus(t, c.do(t, http.MethodDelete, "/hpp/v1/sessions/"+id, nil), http.StatusNoContent)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodPost, dist, obj{"method": "email", "contact_information": obj{"email": "customer@email.se"}}),
		http.StatusBadRequest, "BAD_REQUEST")
	r := page(t, c.sb, http.MethodGet, path, nil)
	if !strings.Contains(string(r.Body), "<strong>disabled</strong>") {
		t.Fatalf("disabled page: %s", r.Body)
	}
	sandboxtest.WantStatus(t, page(t, c.sb, http.MethodPost, path, payForm("approve", seBilling("customer@email.se"))), http.StatusConflict)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodDelete, "/hpp/v1/sessions/nope", nil), http.StatusNotFound, "NOT_FOUND")
	c.sb.Flush()
	if got := strings.Join(statusUpdates(t, rc), ","); got != "DISABLED" {
		t.Fatalf("status updates %s", got)
	}
}

// An HPP session ends an hour before its payment session and says so with a
// TIMEOUT callback; the callback is retried three times.
func TestHPPExpiryAndCallbackRetries(t *testing.T) {
	c := newClient(t)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusInternalServerError, "down")
	_, created := c.hppSession(t, seCart("buy"), obj{"merchant_urls": hppURLs(rc.URL)})
	id, path := created["session_id"].(string), pagePath(t, created)

	c.sb.Advance(t, c.tenant, 47*time.Hour-time.Minute)
	if s := c.hpp(t, id); s["status"] != "WAITING" {
		t.Fatalf("status %v", s["status"])
	}
	c.sb.Advance(t, c.tenant, time.Minute)
	sandboxtest.WantKlarnaError(t, c.do(t, http.MethodGet, "/hpp/v1/sessions/"+id, nil), http.StatusNotFound, "NOT_FOUND")
	sandboxtest.WantStatus(t, page(t, c.sb, http.MethodGet, path, nil), http.StatusNotFound)
	for _, d := range []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour} {
		c.sb.Advance(t, c.tenant, d)
	}
	if got := strings.Join(statusUpdates(t, rc), ","); got != "TIMEOUT,TIMEOUT,TIMEOUT,TIMEOUT" {
		t.Fatalf("status updates %s (want the first try and 3 retries)", got)
	}
	ds := c.sb.Webhooks(t, webhook.Filter{Provider: "klarna"})
	if len(ds) != 1 || ds[0].Status != webhook.Failed || ds[0].Event != "TIMEOUT" || len(ds[0].Attempts) != 4 {
		t.Fatalf("deliveries %+v", ds)
	}
}

func TestHPPQRPlaceholder(t *testing.T) {
	c := newClient(t)
	_, created := c.hppSession(t, seCart("buy"), obj{})
	u, _ := url.Parse(created["qr_code_url"].(string))
	r := c.sb.Do(t, http.MethodGet, u.Path, nil)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	if r.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(string(r.Body), created["redirect_url"].(string)) {
		t.Fatalf("QR placeholder: %s %s", r.Header.Get("Content-Type"), r.Body)
	}
	sandboxtest.WantStatus(t, c.sb.Do(t, http.MethodGet, "/hpp/payments/nope/qr", nil), http.StatusNotFound)
}
