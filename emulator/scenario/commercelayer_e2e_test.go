package scenario_test

import (
	"net/http"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// Commerce Layer scenarios need the provider's scenario support
// (emulator/commercelayer/scenarios.go: its actions and the rendering of a
// scenario's error as JSON:API).
func needCommerceLayer(t *testing.T, sb *sandboxtest.Sandbox) {
	t.Helper()
	sc := sb.Emulator.Scenarios().Set().Get("cl-mismatched-amounts")
	if ok, why := sb.Emulator.Scenarios().Available(sc); !ok {
		t.Fatalf("Commerce Layer scenario support is missing: %s", why)
	}
}

// clAPI is a sales channel of the default organization.
type clAPI struct {
	t     *testing.T
	sb    *sandboxtest.Sandbox
	token string
}

func clSalesChannel(t *testing.T, sb *sandboxtest.Sandbox) *clAPI {
	t.Helper()
	r := sb.Do(t, http.MethodPost, "/oauth/token", obj{"grant_type": "client_credentials", "client_id": "paysandbox-sales-channel", "scope": "market:code:EU"})
	sandboxtest.WantStatus(t, r, http.StatusOK)
	return &clAPI{t: t, sb: sb, token: r.JSON(t)["access_token"].(string)}
}

func (a *clAPI) do(method, path string, body any, header ...string) *sandboxtest.Response {
	a.t.Helper()
	h := []string{"Accept", "application/vnd.api+json", "Authorization", "Bearer " + a.token}
	if body != nil {
		h = append(h, "Content-Type", "application/vnd.api+json")
	}
	return a.sb.Do(a.t, method, path, body, append(h, header...)...)
}

func (a *clAPI) must(status int, method, path string, body any) obj {
	a.t.Helper()
	r := a.do(method, path, body)
	sandboxtest.WantStatus(a.t, r, status)
	return r.JSON(a.t)
}

func jdoc(typ, id string, attrs, rels obj) obj {
	d := obj{"type": typ}
	if id != "" {
		d["id"] = id
	}
	if attrs != nil {
		d["attributes"] = attrs
	}
	if rels != nil {
		d["relationships"] = rels
	}
	return obj{"data": d}
}

func jrel(typ, id string) obj { return obj{"data": obj{"type": typ, "id": id}} }

func dataOf(d obj) obj  { return d["data"].(obj) }
func attrOf(d obj) obj  { return dataOf(d)["attributes"].(obj) }
func idOf(d obj) string { return dataOf(d)["id"].(string) }

// clReadyOrder is an order ready to place with an authorized Klarna payment.
func clReadyOrder(t *testing.T, a *clAPI) (orderID, paymentID string) {
	t.Helper()
	orderID = idOf(a.must(201, http.MethodPost, "/api/orders", jdoc("orders", "", nil, nil)))
	a.must(201, http.MethodPost, "/api/line_items", jdoc("line_items", "", obj{"sku_code": "TSHIRTMMFFFFFF000000LXXX", "quantity": 1}, obj{"order": jrel("orders", orderID)}))
	addr := idOf(a.must(201, http.MethodPost, "/api/addresses", jdoc("addresses", "", obj{"first_name": "Mario", "last_name": "Rossi", "line_1": "Via Roma 1",
		"city": "Milano", "zip_code": "20121", "state_code": "MI", "country_code": "IT", "phone": "+39 02 1234567", "email": "customer@email.it"}, nil)))
	a.must(200, http.MethodPatch, "/api/orders/"+orderID, jdoc("orders", orderID, obj{"customer_email": "customer@email.it", "_billing_address_same_as_shipping": true},
		obj{"shipping_address": jrel("addresses", addr)}))
	o := a.must(200, http.MethodGet, "/api/orders/"+orderID+"?include=shipments", nil)
	for _, s := range dataOf(o)["relationships"].(obj)["shipments"].(obj)["data"].([]any) {
		sid := s.(obj)["id"].(string)
		a.must(200, http.MethodPatch, "/api/shipments/"+sid, jdoc("shipments", sid, nil, obj{"shipping_method": jrel("shipping_methods", "ShipEUStnd")}))
	}
	a.must(200, http.MethodPatch, "/api/orders/"+orderID, jdoc("orders", orderID, nil, obj{"payment_method": jrel("payment_methods", "PayMKlarEU")}))
	kp := a.must(201, http.MethodPost, "/api/klarna_payments", jdoc("klarna_payments", "", nil, obj{"order": jrel("orders", orderID)}))
	paymentID = idOf(kp)
	clAuthorize(t, a, paymentID, attrOf(kp)["client_token"].(string))
	return orderID, paymentID
}

func clAuthorize(t *testing.T, a *clAPI, paymentID, clientToken string) {
	t.Helper()
	r := a.sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": clientToken})
	sandboxtest.WantStatus(t, r, http.StatusOK)
	tok := r.JSON(t)["authorization_token"].(string)
	a.must(200, http.MethodPatch, "/api/klarna_payments/"+paymentID, jdoc("klarna_payments", paymentID, obj{"auth_token": tok}, nil))
}

func place(a *clAPI, id string, header ...string) *sandboxtest.Response {
	a.t.Helper()
	return a.do(http.MethodPatch, "/api/orders/"+id, jdoc("orders", id, obj{"_place": true}, nil), header...)
}

func TestCLMismatchedAmounts(t *testing.T) {
	sb := start(t)
	needCommerceLayer(t, sb)
	a := clSalesChannel(t, sb)
	for _, via := range []string{"header", "armed"} {
		t.Run(via, func(t *testing.T) {
			id, kp := clReadyOrder(t, a)
			var h []string
			if via == "header" {
				h = []string{scHeader, "cl-mismatched-amounts"}
			} else {
				arm(t, sb, "cl-mismatched-amounts", obj{"tenant": "paysandbox"})
			}
			r := place(a, id, h...)
			sandboxtest.WantJSONAPIError(t, r, http.StatusUnprocessableEntity, "VALIDATION_ERROR", "/data/relationships/payment_source")
			wantApplied(t, r, "cl-mismatched-amounts")
			// It stays unplaceable, and says why, until _update.
			if p := a.must(200, http.MethodGet, "/api/klarna_payments/"+kp, nil); attrOf(p)["mismatched_amounts"] != true {
				t.Fatalf("klarna payment %v", attrOf(p))
			}
			sandboxtest.WantJSONAPIError(t, place(a, id), http.StatusUnprocessableEntity, "VALIDATION_ERROR", "/data/relationships/payment_source")
			p := a.must(200, http.MethodPatch, "/api/klarna_payments/"+kp, jdoc("klarna_payments", kp, obj{"_update": true}, nil))
			if attrOf(p)["mismatched_amounts"] != false {
				t.Fatalf("after _update %v", attrOf(p))
			}
			clAuthorize(t, a, kp, attrOf(p)["client_token"].(string))
			r = place(a, id)
			sandboxtest.WantStatus(t, r, http.StatusOK)
			if attrOf(r.JSON(t))["status"] != "placed" {
				t.Fatalf("placed %s", r.Body)
			}
		})
	}
}

func TestCLOutOfStock(t *testing.T) {
	sb := start(t)
	needCommerceLayer(t, sb)
	a := clSalesChannel(t, sb)
	id, _ := clReadyOrder(t, a)
	sandboxtest.WantJSONAPIError(t, place(a, id, scHeader, "cl-out-of-stock"), http.StatusUnprocessableEntity, "OUT_OF_STOCK", "/data/relationships/line_items")
	if o := a.must(200, http.MethodGet, "/api/orders/"+id, nil); attrOf(o)["status"] != "pending" {
		t.Fatalf("order changed: %v", attrOf(o))
	}
	arm(t, sb, "cl-out-of-stock", obj{"tenant": "paysandbox", "times": 1})
	sandboxtest.WantJSONAPIError(t, place(a, id), http.StatusUnprocessableEntity, "OUT_OF_STOCK", "")
	sandboxtest.WantStatus(t, place(a, id), http.StatusOK) // restocked
}

func TestCLInvalidToken(t *testing.T) {
	sb := start(t)
	needCommerceLayer(t, sb)
	for _, via := range []string{"header", "armed"} {
		t.Run(via, func(t *testing.T) {
			a := clSalesChannel(t, sb)
			var h []string
			if via == "header" {
				h = []string{scHeader, "cl-invalid-token"}
			} else {
				arm(t, sb, "cl-invalid-token", obj{"tenant": "paysandbox"})
			}
			sandboxtest.WantJSONAPIError(t, a.do(http.MethodGet, "/api/skus", nil, h...), http.StatusUnauthorized, "INVALID_TOKEN", "")
			sandboxtest.WantJSONAPIError(t, a.do(http.MethodGet, "/api/skus", nil), http.StatusUnauthorized, "INVALID_TOKEN", "")
			// A new token works.
			b := clSalesChannel(t, sb)
			sandboxtest.WantStatus(t, b.do(http.MethodGet, "/api/skus", nil), http.StatusOK)
		})
	}
}

// TestCLFaults: Commerce Layer's OpenAPI file lists 429 and 500, so these
// go through the checking client.
func TestCLFaults(t *testing.T) {
	sb := start(t)
	needCommerceLayer(t, sb)
	a := clSalesChannel(t, sb)
	r := a.do(http.MethodGet, "/api/skus", nil, scHeader, "rate-limited; retry_after=10s")
	sandboxtest.WantJSONAPIError(t, r, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "")
	if r.Header.Get("Retry-After") != "10" || r.Header.Get("X-Ratelimit-Remaining") != "0" || r.Header.Get("X-Ratelimit-Limit") == "" {
		t.Fatalf("headers %v", r.Header)
	}
	arm(t, sb, "server-error", obj{"tenant": "paysandbox"})
	sandboxtest.WantJSONAPIError(t, a.do(http.MethodGet, "/api/skus", nil), http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "")
	sandboxtest.WantStatus(t, a.do(http.MethodGet, "/api/skus", nil), http.StatusOK)
}
