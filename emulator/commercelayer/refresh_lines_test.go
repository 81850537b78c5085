package commercelayer_test

import (
	"reflect"
	"testing"
)

// TestRefreshKeepsWhatLinesHold: a cart change re-totals the order's other
// lines from what a refresh reads of them; a line it saves again (taxed once
// the order has an Italian address) keeps its metadata, reference, image and
// the attributes the client wrote that no behaviour reads.
func TestRefreshKeepsWhatLinesHold(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	o := sc.must(201, "POST", "/api/orders", create("orders", nil, nil))
	md := map[string]any{"gift": true, "note": map[string]any{"to": "Ann"}}
	first := sc.must(201, "POST", "/api/line_items", create("line_items",
		attrs("sku_code", tshirt, "quantity", 2, "metadata", md, "reference", "ref-1", "reference_origin", "shop",
			"image_url", "https://img.example.com/t.png", "name", "Our tee"),
		map[string]any{"order": rel("orders", o.id())}))
	if first.attr("tax_rate") != nil {
		t.Fatalf("tax_rate before an address: %v", first.attr("tax_rate"))
	}
	sc.must(201, "POST", "/api/line_items", create("line_items", attrs("sku_code", mug, "quantity", 1), map[string]any{"order": rel("orders", o.id())}))
	sc.checkoutReady(o.id(), "keep@example.com", italianAddress("keep@example.com"), "PayMExtEUx")

	l := sc.must(200, "GET", "/api/line_items/"+first.id(), nil)
	if l.attr("tax_rate") == nil || l.cents("total_tax_amount_cents") == 0 && l.cents("tax_amount_cents") == 0 {
		t.Fatalf("the line was not re-totalled with the order's tax: %v", l.data()["attributes"])
	}
	for name, want := range map[string]any{"metadata": md, "reference": "ref-1", "reference_origin": "shop",
		"image_url": "https://img.example.com/t.png", "name": "Our tee", "quantity": 2.0, "sku_code": tshirt} {
		if got := l.attr(name); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %#v, want %#v", name, got, want)
		}
	}
	if l.str("updated_at") != first.str("updated_at") {
		t.Errorf("updated_at moved from %s to %s: a refresh does not touch the line", first.str("updated_at"), l.str("updated_at"))
	}
}
