package commercelayer_test

import (
	"testing"
)

func TestBadInput(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	o := sc.cart(tshirt, 1)
	id := o.id()
	auth := "Bearer " + sc.token
	jsonapi := "application/vnd.api+json"

	// Media types: 406 for an Accept without the JSON:API type, 415 for another Content-Type.
	res := sb.Do(t, "GET", "/api/skus", nil, "Authorization", auth, "Accept", "application/json")
	e := expectError(t, res, 406, "NOT_ACCEPTABLE")
	if e["title"] != "Not acceptable" {
		t.Errorf("406: %v", e)
	}
	sb.Do(t, "GET", "/api/skus", nil, "Authorization", auth, "Accept", "*/*")
	res = sb.Do(t, "GET", "/api/skus", nil, "Authorization", auth, "Accept", jsonapi+"; version=1")
	expectError(t, res, 406, "NOT_ACCEPTABLE")
	res = sb.Do(t, "POST", "/api/orders", `{"data":{"type":"orders"}}`, "Authorization", auth, "Content-Type", "application/json")
	expectError(t, res, 415, "UNSUPPORTED_MEDIA_TYPE")
	res = sb.Do(t, "PATCH", "/api/orders/"+id, `{"data":{"type":"orders","id":"`+id+`"}}`, "Authorization", auth, "Content-Type", "text/plain")
	expectError(t, res, 415, "UNSUPPORTED_MEDIA_TYPE")

	// Malformed JSON.
	res = sb.Do(t, "POST", "/api/line_items", `{"data":{"type":"line_items",`, "Authorization", auth, "Content-Type", jsonapi)
	expectError(t, res, 400, "INVALID_DATA_FORMAT")

	// Wrong types and missing fields point at the attribute.
	cases := []struct {
		name    string
		body    any
		status  int
		code    string
		pointer string
	}{
		{"quantity as a string", create("line_items", attrs("sku_code", mug, "quantity", "two"), map[string]any{"order": rel("orders", id)}),
			422, "VALIDATION_ERROR", "/data/attributes/quantity"},
		{"quantity zero", create("line_items", attrs("sku_code", mug, "quantity", 0), map[string]any{"order": rel("orders", id)}),
			422, "VALIDATION_ERROR", "/data/attributes/quantity"},
		{"no quantity", create("line_items", attrs("sku_code", mug), map[string]any{"order": rel("orders", id)}),
			422, "VALIDATION_ERROR", "/data/attributes/quantity"},
		{"unknown attribute", create("line_items", attrs("sku_code", mug, "quantity", 1, "colour", "red"), map[string]any{"order": rel("orders", id)}),
			400, "PARAM_NOT_ALLOWED", "/data/attributes/colour"},
		{"wrong type", create("skus", attrs("sku_code", mug, "quantity", 1), map[string]any{"order": rel("orders", id)}),
			422, "VALIDATION_ERROR", "/data/type"},
		{"unknown order", create("line_items", attrs("sku_code", mug, "quantity", 1), map[string]any{"order": rel("orders", "nope")}),
			404, "RECORD_NOT_FOUND", "/data/relationships/order"},
		{"unknown sku", create("line_items", attrs("sku_code", "NOPE", "quantity", 1), map[string]any{"order": rel("orders", id)}),
			422, "VALIDATION_ERROR", "/data/attributes/sku_code"},
		{"address without city", create("addresses", attrs("first_name", "A", "last_name", "B", "line_1", "x", "state_code", "MI", "country_code", "IT", "phone", "1"), nil),
			422, "VALIDATION_ERROR", "/data/attributes/city"},
		{"bad country", create("addresses", attrs("first_name", "A", "last_name", "B", "line_1", "x", "city", "y", "state_code", "MI", "country_code", "Italy", "phone", "1"), nil),
			422, "VALIDATION_ERROR", "/data/attributes/country_code"},
	}
	for _, c := range cases {
		path := "/api/line_items"
		if c.body.(map[string]any)["data"].(map[string]any)["type"] == "addresses" {
			path = "/api/addresses"
		}
		e := sc.fails(c.status, c.code, "POST", path, c.body)
		src, _ := e["source"].(map[string]any)
		if src["pointer"] != c.pointer {
			t.Errorf("%s: source %v, want %s", c.name, e["source"], c.pointer)
		}
	}
	// A person's address needs the name; all the missing fields come at once.
	e = sc.fails(422, "VALIDATION_ERROR", "POST", "/api/addresses", create("addresses", attrs("line_1", "x", "city", "y", "state_code", "MI", "country_code", "IT", "phone", "1"), nil))
	if e["detail"] != "first_name - can't be blank" {
		t.Errorf("name: %v", e)
	}

	// The id of the body must be the URL's.
	e = sc.fails(400, "KEY_NOT_INCLUDED_IN_URL", "PATCH", "/api/orders/"+id, update("orders", "other", attrs("guest", true), nil))
	if e["detail"] != "The URL does not support the key other" {
		t.Errorf("key: %v", e)
	}
	sc.fails(404, "RECORD_NOT_FOUND", "PATCH", "/api/orders/nope", update("orders", "nope", attrs("guest", true), nil))
	sc.fails(404, "RECORD_NOT_FOUND", "GET", "/api/orders/nope", nil)
	sc.fails(422, "VALIDATION_ERROR", "PATCH", "/api/orders/"+id, update("orders", id, attrs("customer_email", "not-an-email"), nil))
	// A payment method of another market.
	sc.fails(422, "VALIDATION_ERROR", "PATCH", "/api/orders/"+id, update("orders", id, nil, map[string]any{"payment_method": rel("payment_methods", klarnaUS)}))
	// A SKU with no price in the market does not exist here; placing an incomplete order lists what is missing.
	res = sc.do("PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	if res.Status != 422 || !contains(string(res.Body), "/data/attributes/customer_email") || !contains(string(res.Body), "/data/relationships/billing_address") {
		t.Errorf("place an incomplete order: %d %s", res.Status, res.Body)
	}
}
