package commercelayer_test

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func hasAll(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("%s lacks %q (has %v)", what, k, keys(m))
		}
	}
}

// TestSeedShapes sends the seeds' requests as written (000: create a
// klarna payment; 001: send back the authorization token) and checks the
// answers have the shape the seeds and the klarna payment object (004) show.
func TestSeedShapes(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	orderID := sc.cart(tshirt, 1).id()
	sc.checkoutReady(orderID, "customer@email.it", italianAddress("customer@email.it"), klarnaEU)

	// Seed 000, byte for byte apart from the order id.
	body := `{
  "data": {
    "type": "klarna_payments",
    "relationships": {
      "order": {
        "data": {
          "type": "orders",
          "id": "` + orderID + `"
        }
      }
    }
  }
}`
	res := sb.Do(t, "POST", "/api/klarna_payments", body, "Accept", "application/vnd.api+json", "Authorization", "Bearer "+sc.token,
		"Content-Type", "application/vnd.api+json")
	if res.Status != http.StatusCreated {
		t.Fatalf("seed 000: %d %s", res.Status, res.Body)
	}
	d := doc(res.JSON(t))
	data := d.data()
	hasAll(t, "data", data, "id", "type", "links", "attributes", "relationships", "meta")
	if data["type"] != "klarna_payments" || data["links"].(map[string]any)["self"] != sb.URL+"/api/klarna_payments/"+d.id() {
		t.Errorf("seed 000 data: %v", data)
	}
	// Seed 000's attributes and seed 004's fields.
	hasAll(t, "attributes", data["attributes"].(map[string]any), "session_id", "client_token", "payment_methods", "auth_token",
		"mismatched_amounts", "payment_instrument", "created_at", "updated_at", "reference", "reference_origin", "metadata")
	rels := data["relationships"].(map[string]any)
	hasAll(t, "relationships", rels, "order", "payment_gateway", "event_stores")
	for _, name := range []string{"order", "payment_gateway"} {
		l := rels[name].(map[string]any)["links"].(map[string]any)
		if l["self"] != sb.URL+"/api/klarna_payments/"+d.id()+"/relationships/"+name || l["related"] != sb.URL+"/api/klarna_payments/"+d.id()+"/"+name {
			t.Errorf("%s links: %v", name, l)
		}
	}
	if data["meta"].(map[string]any)["mode"] != "test" {
		t.Errorf("meta: %v", data["meta"])
	}
	for _, ts := range []string{"created_at", "updated_at"} {
		if v := d.str(ts); len(v) != len("2018-01-01T12:00:00.000Z") || !strings.HasSuffix(v, "Z") {
			t.Errorf("%s = %q", ts, v)
		}
	}

	// Seed 001: the authorization token comes back.
	token := klarnaAuthorize(t, sb, d.str("client_token"))
	body = `{
  "data": {
    "type": "klarna_payments",
    "id": "` + d.id() + `",
    "attributes": {
      "auth_token": "` + token + `"
    }
  }
}`
	res = sb.Do(t, "PATCH", "/api/klarna_payments/"+d.id(), body, "Accept", "application/vnd.api+json", "Authorization", "Bearer "+sc.token,
		"Content-Type", "application/vnd.api+json")
	if res.Status != http.StatusOK {
		t.Fatalf("seed 001: %d %s", res.Status, res.Body)
	}
	d = doc(res.JSON(t))
	if d.str("auth_token") != token {
		t.Errorf("auth_token: %v", d.attr("auth_token"))
	}
	hasAll(t, "attributes", d.data()["attributes"].(map[string]any), "auth_token", "payment_instrument", "created_at", "updated_at",
		"reference", "reference_origin", "metadata")
	// Relationship endpoints of seed 004's relationships.
	sc.must(200, "GET", "/api/klarna_payments/"+d.id()+"/order", nil)
	if ev := sc.must(200, "GET", "/api/klarna_payments/"+d.id()+"/event_stores", nil); len(ev.list()) != 0 {
		t.Errorf("event_stores: %v", ev)
	}
	if r := sc.must(200, "GET", "/api/klarna_payments/"+d.id()+"/relationships/payment_gateway", nil); r.data()["id"] != "KlarnaGwEU" {
		t.Errorf("payment_gateway linkage: %v", r)
	}
}

func TestAddressesCloneAndSameAs(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	id := sc.cart(mug, 1).id()
	a := sc.must(201, "POST", "/api/addresses", create("addresses", italianAddress("x@example.com"), nil))
	if a.str("full_name") != "Mario Rossi" || !strings.Contains(a.str("full_address"), "Via Roma 1") {
		t.Errorf("address: %v", a.data()["attributes"])
	}
	o := sc.must(200, "PATCH", "/api/orders/"+id+"?include=billing_address,shipping_address",
		update("orders", id, attrs("_billing_address_clone_id", a.id(), "_shipping_address_same_as_billing", true), nil))
	billing := relData(o, "billing_address").(map[string]any)["id"]
	shipping := relData(o, "shipping_address").(map[string]any)["id"]
	if billing == a.id() || billing != shipping || o.str("country_code") != "IT" || o.attr("tax_rate") != 0.22 {
		t.Fatalf("clone and same-as: billing %v shipping %v %v", billing, shipping, o.data()["attributes"])
	}
	sc.fails(404, "RECORD_NOT_FOUND", "PATCH", "/api/orders/"+id, update("orders", id, attrs("_billing_address_clone_id", "nope"), nil))
	// A German shipping address: 19% VAT, the total is unchanged (prices include tax; no shipping method chosen yet).
	de := attrs("first_name", "Max", "last_name", "M", "line_1", "Hauptstr. 1", "city", "Berlin", "zip_code", "10115", "state_code", "BE", "country_code", "de", "phone", "+49 30 1")
	b := sc.must(201, "POST", "/api/addresses", create("addresses", de, nil))
	o = sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, nil, map[string]any{"shipping_address": rel("addresses", b.id())}))
	if o.attr("tax_rate") != 0.19 || o.str("country_code") != "DE" || o.cents("total_amount_with_taxes_cents") != 1290 || o.cents("total_tax_amount_cents") != 206 {
		t.Errorf("German order: %v", o.data()["attributes"])
	}
	// Addresses in use cannot go; free ones can.
	in := integration(t, sb)
	in.fails(422, "VALIDATION_ERROR", "DELETE", "/api/addresses/"+b.id(), nil)
	in.must(204, "DELETE", "/api/addresses/"+a.id(), nil)
	sc.fails(401, "UNAUTHORIZED", "DELETE", "/api/addresses/"+a.id(), nil)
}

func TestRateLimitHeadersAndCORS(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	first := sc.do("GET", "/api/skus", nil)
	second := sc.do("GET", "/api/skus", nil)
	n1, _ := strconv.Atoi(first.Header.Get("X-Ratelimit-Remaining"))
	n2, _ := strconv.Atoi(second.Header.Get("X-Ratelimit-Remaining"))
	if first.Header.Get("X-Ratelimit-Limit") != "125" || first.Header.Get("X-Ratelimit-Interval") != "10" || n1 <= 0 || n2 != n1-1 {
		t.Errorf("rate limit headers: %v / %v", first.Header, second.Header)
	}
	req, _ := http.NewRequest("OPTIONS", sb.URL+"/api/orders", nil)
	req.Header.Set("Origin", "https://shop.example")
	req.Header.Set("Access-Control-Request-Method", "PATCH")
	req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
