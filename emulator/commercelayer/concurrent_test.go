package commercelayer_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
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

// After a restart, the first write to a collection may be a delete: the
// store reads the deleted line's index keys from its record, as the type
// Commerce Layer registered for the collection, and the order is re-priced
// without it.
func TestDeleteAfterARestartUnindexesTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cl.db")
	at := sandboxtest.WithConfig(func(c *emulator.Config) { c.DataPath = path })
	var orderID, lineID string
	var unit int64
	t.Run("before", func(t *testing.T) {
		sc := salesChannel(t, sandboxtest.Start(t, at), "market:code:EU")
		o := sc.cart(mug, 1, tshirt, 1)
		orderID = o.id()
		got := sc.must(200, "GET", "/api/orders/"+orderID+"?include=line_items", nil)
		for _, inc := range got["included"].([]any) {
			l := inc.(map[string]any)
			if l["attributes"].(map[string]any)["sku_code"] == tshirt {
				lineID = l["id"].(string)
			}
		}
		unit = sc.must(200, "GET", "/api/orders/"+sc.cart(mug, 1).id(), nil).cents("subtotal_amount_cents")
	})
	sc := salesChannel(t, sandboxtest.Start(t, at), "market:code:EU")
	sc.must(204, "DELETE", "/api/line_items/"+lineID, nil)
	got := sc.must(200, "GET", "/api/orders/"+orderID+"?include=line_items", nil)
	if n := len(got["included"].([]any)); n != 1 || got.cents("subtotal_amount_cents") != unit {
		t.Fatalf("after the delete: %d line items, subtotal %d, want 1 and %d", n, got.cents("subtotal_amount_cents"), unit)
	}
}
