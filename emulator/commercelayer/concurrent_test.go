package commercelayer_test

import (
	"sync"
	"testing"
)

// Line items added to one cart by many clients at once all count: each
// write speculates in its own goroutine, and one that read an order another
// write changed in the meantime runs again on the committer.
func TestConcurrentLineItemsOnOneCartAllCount(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	unit := sc.must(200, "GET", "/api/orders/"+sc.cart(mug, 1).id(), nil).cents("subtotal_amount_cents")
	o, merged := sc.cart(), sc.cart()
	add := func(orderID string, more ...any) {
		var wg sync.WaitGroup
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					res := sc.do("POST", "/api/line_items", create("line_items",
						attrs(append([]any{"sku_code", mug, "quantity", 1}, more...)...), map[string]any{"order": rel("orders", orderID)}))
					if res.Status != 201 {
						t.Errorf("POST /api/line_items: %d %.300s", res.Status, res.Body)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
	add(o.id())
	add(merged.id(), "_update_quantity", true)
	if t.Failed() {
		t.FailNow()
	}
	for _, c := range []struct {
		id    string
		lines int
	}{{o.id(), 80}, {merged.id(), 1}} {
		got := sc.must(200, "GET", "/api/orders/"+c.id+"?include=line_items", nil)
		if got.cents("skus_count") != 80 || got.cents("subtotal_amount_cents") != 80*unit {
			t.Errorf("order %s: skus_count %d, subtotal %d, want 80 and %d", c.id, got.cents("skus_count"), got.cents("subtotal_amount_cents"), 80*unit)
		}
		if n := len(got["included"].([]any)); n != c.lines {
			t.Errorf("order %s: %d line items, want %d", c.id, n, c.lines)
		}
	}
	if applied, _, _ := sb.Emulator.Platform().Store.SpeculationCounts(); applied == 0 {
		t.Fatal("no write was stored as speculated")
	}
}
