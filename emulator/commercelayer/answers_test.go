package commercelayer_test

import (
	"reflect"
	"testing"
)

// The answer to a create or an update shows the record the write stored
// (it is rendered from the record as the write put it, not read back): a
// GET straight after shows the same document.
func TestWriteAnswersShowTheStoredRecord(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	in := integration(t, sb)
	same := func(a *api, path string, answer doc) {
		t.Helper()
		if got := a.must(200, "GET", path, nil); !reflect.DeepEqual(got["data"], answer["data"]) || !reflect.DeepEqual(got["included"], answer["included"]) {
			t.Errorf("GET %s:\n%v\nthe write answered\n%v", path, got, answer)
		}
	}
	o := sc.must(201, "POST", "/api/orders", create("orders", attrs("language_code", "it", "metadata", map[string]any{"n": 1, "big": 9007199254740993, "list": []any{1.5, "x"}}), nil))
	same(sc, "/api/orders/"+o.id(), o)
	line := sc.must(201, "POST", "/api/line_items?include=order", create("line_items", attrs("sku_code", mug, "quantity", 2, "metadata", map[string]any{"gift": true}), map[string]any{"order": rel("orders", o.id())}))
	same(sc, "/api/line_items/"+line.id()+"?include=order", line)
	merged := sc.must(201, "POST", "/api/line_items", create("line_items", attrs("sku_code", mug, "quantity", 1, "_update_quantity", true), map[string]any{"order": rel("orders", o.id())}))
	if merged.id() != line.id() || merged.cents("quantity") != 3 {
		t.Fatalf("_update_quantity answered %v", merged)
	}
	same(sc, "/api/line_items/"+line.id(), merged)
	changed := sc.must(200, "PATCH", "/api/line_items/"+line.id(), update("line_items", line.id(), attrs("quantity", 5), nil))
	same(sc, "/api/line_items/"+line.id(), changed)
	placedBy := sc.must(200, "PATCH", "/api/orders/"+o.id()+"?include=line_items", update("orders", o.id(), attrs("customer_email", "jane@example.com"), nil))
	if placedBy.str("status") != "pending" {
		t.Fatalf("order with an email and a line: status %q", placedBy.str("status"))
	}
	same(sc, "/api/orders/"+o.id()+"?include=line_items", placedBy)
	addr := in.must(201, "POST", "/api/addresses", create("addresses", italianAddress("jane@example.com"), nil))
	same(in, "/api/addresses/"+addr.id(), addr)
	addr = in.must(200, "PATCH", "/api/addresses/"+addr.id(), update("addresses", addr.id(), attrs("city", "Roma", "notes", "ring twice"), nil))
	same(in, "/api/addresses/"+addr.id(), addr)
	loc := in.must(201, "POST", "/api/stock_locations?include=address", create("stock_locations", attrs("name", "Milano", "reference", "r-1"), map[string]any{"address": rel("addresses", addr.id())}))
	same(in, "/api/stock_locations/"+loc.id()+"?include=address", loc)
	cu := sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "bob@example.com", "password", "secret"), nil))
	same(in, "/api/customers/"+cu.id(), cu)
}
