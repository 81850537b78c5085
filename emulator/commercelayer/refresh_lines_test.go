package commercelayer_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer"
	"github.com/paysandbox/paysandbox/emulator/store"
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

// plainLine stores a line item as a build before the line digests did: the
// same record and index keys, no value in its order entry.
type plainLine struct{ l *commercelayer.LineItem }

func (p *plainLine) MarshalJSON() ([]byte, error) { return json.Marshal(p.l) }
func (p *plainLine) UnmarshalJSON(b []byte) error {
	p.l = &commercelayer.LineItem{}
	return json.Unmarshal(b, p.l)
}
func (p *plainLine) IndexKeys() []string  { return p.l.IndexKeys() }
func (p *plainLine) CountKeys() []string  { return p.l.CountKeys() }
func (p *plainLine) IndexVersion() uint64 { return p.l.IndexVersion() }

// TestRefreshReadsLinesWithoutDigests: an order whose lines' index entries
// keep no digest (a data file from before them) is re-priced from the
// lines' records.
func TestRefreshReadsLinesWithoutDigests(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	o := sc.cart(mug, 2, tshirt, 1)
	before := sc.must(200, "GET", "/api/orders/"+o.id(), nil).cents("subtotal_amount_cents")
	st := sb.Emulator.Platform().Store
	// Index the lines again as plainLine: drop the index, then one changed
	// line rebuilds it from every record, as its type.
	err := st.Update(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
		if err := tx.Put("line_items", "zzplain", map[string]any{"id": "zzplain"}); err != nil {
			return err
		}
		return tx.Delete("line_items", "zzplain")
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
		var first *commercelayer.LineItem
		err := tx.List("line_items", func(_ string, raw []byte) error {
			if first == nil {
				first = &commercelayer.LineItem{}
				return json.Unmarshal(raw, first)
			}
			return nil
		})
		if err != nil {
			return err
		}
		first.Metadata = map[string]any{"reindexed": true}
		return tx.Put("line_items", first.ID, &plainLine{first})
	})
	if err != nil {
		t.Fatal(err)
	}
	empty := 0
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.View(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
		return tx.LookupCovered("line_items", "order\x00"+o.id()+"\x00", func(_, v []byte) (bool, error) {
			if len(v) == 0 {
				empty++
			}
			return true, nil
		})
	}))
	if empty != 2 {
		t.Fatalf("%d of the order's entries without a digest, want 2", empty)
	}
	sc.must(201, "POST", "/api/line_items", create("line_items", attrs("sku_code", mug, "quantity", 1), map[string]any{"order": rel("orders", o.id())}))
	got := sc.must(200, "GET", "/api/orders/"+o.id()+"?include=line_items", nil)
	unit := sc.must(200, "GET", "/api/orders/"+sc.cart(mug, 1).id(), nil).cents("subtotal_amount_cents")
	if n := len(got["included"].([]any)); n != 3 || got.cents("subtotal_amount_cents") != before+unit || got.cents("skus_count") != 4 {
		t.Fatalf("%d lines, subtotal %d, skus_count %d; want 3, %d and 4", n, got.cents("subtotal_amount_cents"), got.cents("skus_count"), before+unit)
	}
}
