package commercelayer_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

const (
	org            = "paysandbox"
	salesChannelID = "paysandbox-sales-channel"
	integrationID  = "paysandbox-integration"
	integrationKey = "paysandbox-integration-secret"
	marketEU       = "MrktEUxxxx"
	marketUS       = "MrktUSxxxx"
	klarnaEU       = "PayMKlarEU"
	klarnaUS       = "PayMKlarUS"
	klarnaTenant   = "PK_TEST_cl_paysandbox" // the organization's own Klarna merchant
	tshirt         = "TSHIRTMMFFFFFF000000LXXX"
	mug            = "MUGXXXXX000000FFFFFF"
	ebook          = "EBOOKXXX000000FFFFFF"
	hoodie         = "HOODIEMM999999FFFFFFLXXX"
)

// api is a Core API client with one token.
type api struct {
	t     *testing.T
	sb    *sandboxtest.Sandbox
	token string
}

func start(t *testing.T) *sandboxtest.Sandbox {
	t.Helper()
	return sandboxtest.Start(t)
}

// tokenFor asks /oauth/token with body and returns the decoded answer.
func tokenFor(t *testing.T, sb *sandboxtest.Sandbox, body map[string]any) map[string]any {
	t.Helper()
	res := sb.Do(t, "POST", "/oauth/token", body)
	if res.Status != 200 {
		t.Fatalf("token: %d %s", res.Status, res.Body)
	}
	return res.JSON(t)
}

func salesChannel(t *testing.T, sb *sandboxtest.Sandbox, scope string) *api {
	t.Helper()
	body := map[string]any{"grant_type": "client_credentials", "client_id": salesChannelID}
	if scope != "" {
		body["scope"] = scope
	}
	return &api{t: t, sb: sb, token: tokenFor(t, sb, body)["access_token"].(string)}
}

func integration(t *testing.T, sb *sandboxtest.Sandbox) *api {
	t.Helper()
	return &api{t: t, sb: sb, token: tokenFor(t, sb, map[string]any{
		"grant_type": "client_credentials", "client_id": integrationID, "client_secret": integrationKey})["access_token"].(string)}
}

// do sends a JSON:API request as the official SDK does.
func (a *api) do(method, path string, body any) *sandboxtest.Response {
	a.t.Helper()
	h := []string{"Accept", "application/vnd.api+json", "Authorization", "Bearer " + a.token}
	if body != nil {
		h = append(h, "Content-Type", "application/vnd.api+json")
	}
	return a.sb.Do(a.t, method, path, body, h...)
}

// must sends and expects status, returning the decoded document.
func (a *api) must(status int, method, path string, body any) doc {
	a.t.Helper()
	res := a.do(method, path, body)
	if res.Status != status {
		a.t.Fatalf("%s %s: %d, want %d\n%.600s", method, path, res.Status, status, res.Body)
	}
	if status == 204 {
		return nil
	}
	return doc(res.JSON(a.t))
}

// fails sends and expects an error status with code, returning the first error.
func (a *api) fails(status int, code, method, path string, body any) map[string]any {
	a.t.Helper()
	res := a.do(method, path, body)
	return expectError(a.t, res, status, code)
}

func expectError(t *testing.T, res *sandboxtest.Response, status int, code string) map[string]any {
	t.Helper()
	sandboxtest.WantJSONAPIError(t, res, status, code, "")
	var body struct {
		Errors []map[string]any `json:"errors"`
	}
	sandboxtest.Decode(t, res, &body)
	return body.Errors[0]
}

// doc is a decoded JSON:API document.
type doc map[string]any

func (d doc) data() map[string]any { return d["data"].(map[string]any) }
func (d doc) list() []any          { return d["data"].([]any) }
func (d doc) id() string           { return d.data()["id"].(string) }
func (d doc) attr(name string) any { return d.data()["attributes"].(map[string]any)[name] }
func (d doc) str(name string) string {
	s, _ := d.attr(name).(string)
	return s
}
func (d doc) cents(name string) int64 {
	f, _ := d.attr(name).(float64)
	return int64(f)
}
func (d doc) meta(name string) any { return d["meta"].(map[string]any)[name] }

// JSON:API request documents.
func create(typ string, attrs map[string]any, rels map[string]any) map[string]any {
	data := map[string]any{"type": typ}
	if attrs != nil {
		data["attributes"] = attrs
	}
	if rels != nil {
		data["relationships"] = rels
	}
	return map[string]any{"data": data}
}

func update(typ, id string, attrs map[string]any, rels map[string]any) map[string]any {
	d := create(typ, attrs, rels)
	d["data"].(map[string]any)["id"] = id
	return d
}

func rel(typ, id string) map[string]any {
	return map[string]any{"data": map[string]any{"type": typ, "id": id}}
}

func attrs(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// italianAddress is a complete address Klarna's widget accepts.
func italianAddress(email string) map[string]any {
	return attrs("first_name", "Mario", "last_name", "Rossi", "line_1", "Via Roma 1", "city", "Milano", "zip_code", "20121",
		"state_code", "MI", "country_code", "IT", "phone", "+39 02 1234567", "email", email)
}

func usAddress(email string) map[string]any {
	return attrs("first_name", "John", "last_name", "Doe", "line_1", "509 Amsterdam Ave", "city", "New York", "zip_code", "10024",
		"state_code", "NY", "country_code", "US", "phone", "+13106683312", "email", email)
}

// klarnaAuthorize is the Klarna widget's authorize(), headless.
func klarnaAuthorize(t *testing.T, sb *sandboxtest.Sandbox, clientToken string) string {
	t.Helper()
	res := sb.Do(t, "POST", "/_sandbox/klarna/authorizations", map[string]any{"client_token": clientToken})
	if res.Status != 200 {
		t.Fatalf("klarna authorize: %d %s", res.Status, res.Body)
	}
	m := res.JSON(t)
	if m["approved"] != true {
		t.Fatalf("klarna authorize not approved: %s", res.Body)
	}
	return m["authorization_token"].(string)
}

// klarnaOrder reads Klarna's Order Management API as the gateway would.
func klarnaOrder(t *testing.T, sb *sandboxtest.Sandbox, id string) map[string]any {
	t.Helper()
	res := klarnaOrderAs(t, sb, klarnaTenant, id)
	if res.Status != 200 {
		t.Fatalf("klarna order: %d %s", res.Status, res.Body)
	}
	return res.JSON(t)
}

// cart makes an order in the token's market with lines {sku_code: quantity}.
func (a *api) cart(lines ...any) doc {
	a.t.Helper()
	o := a.must(201, "POST", "/api/orders", create("orders", nil, nil))
	for i := 0; i+1 < len(lines); i += 2 {
		a.must(201, "POST", "/api/line_items", create("line_items",
			attrs("sku_code", lines[i], "quantity", lines[i+1]), map[string]any{"order": rel("orders", o.id())}))
	}
	return o
}

// checkoutReady takes a cart to the point of payment: email, addresses,
// the cheapest shipping method, the Klarna payment method.
func (a *api) checkoutReady(orderID, email string, address map[string]any, paymentMethod string) doc {
	a.t.Helper()
	addr := a.must(201, "POST", "/api/addresses", create("addresses", address, nil))
	a.must(200, "PATCH", "/api/orders/"+orderID, update("orders", orderID, attrs("customer_email", email, "_billing_address_same_as_shipping", true),
		map[string]any{"shipping_address": rel("addresses", addr.id())}))
	o := a.must(200, "GET", "/api/orders/"+orderID+"?include=shipments.available_shipping_methods", nil)
	shipments := o.data()["relationships"].(map[string]any)["shipments"].(map[string]any)["data"].([]any)
	for _, s := range shipments {
		sid := s.(map[string]any)["id"].(string)
		sh := a.must(200, "GET", "/api/shipments/"+sid+"/available_shipping_methods?sort=price_amount_cents", nil)
		a.must(200, "PATCH", "/api/shipments/"+sid, update("shipments", sid, nil,
			map[string]any{"shipping_method": rel("shipping_methods", sh.list()[0].(map[string]any)["id"].(string))}))
	}
	return a.must(200, "PATCH", "/api/orders/"+orderID, update("orders", orderID, nil,
		map[string]any{"payment_method": rel("payment_methods", paymentMethod)}))
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// klarnaOrderAs reads a Klarna order with a Klarna merchant's login.
func klarnaOrderAs(t *testing.T, sb *sandboxtest.Sandbox, username, id string) *sandboxtest.Response {
	t.Helper()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":sandbox"))
	return sb.Do(t, "GET", "/ordermanagement/v1/orders/"+id, nil, "Authorization", auth)
}
