package commercelayer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/commercelayer"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// How the hot paths' cost grows with what the organization holds: each runs
// with 1k, 10k and 100k other records of the collection stored (copies of one
// made over HTTP, written straight to the store so that seeding is quick).
// Run:
//
//	go test -run '^$' -bench Growth -benchtime 200x ./emulator/commercelayer
var growthSizes = []int{1_000, 10_000, 100_000}

// seedCopies stores n copies of coll/id under fresh ids, in batches.
// edit changes the copy and returns its Base, whose id and sequence are set here.
func seedCopies[T any](b *testing.B, e *emulator.Emulator, coll, id string, n int, edit func(*T, int) *commercelayer.Base) {
	b.Helper()
	st := e.Platform().Store
	for done := 0; done < n; {
		err := st.Update(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
			for i := 0; i < 5_000 && done+i < n; i++ {
				var v T
				if err := tx.Get(coll, id, &v); err != nil {
					return err
				}
				base := edit(&v, done+i)
				base.ID = fmt.Sprintf("seed%s%07d", coll[:2], done+i)
				base.Seq = uint64(1_000_000 + done + i)
				if err := tx.Put(coll, base.ID, &v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += 5_000
	}
}

// seedOtherLines stores n other carts' lines, 100 per order on orders that
// do not exist: copies of one line item created on orderID.
func seedOtherLines(a *benchAPI, orderID string, n int) {
	rec := a.do("POST", "/api/line_items", `{"data":{"type":"line_items","attributes":{"sku_code":"`+tshirt+`","quantity":1},"relationships":{"order":{"data":{"type":"orders","id":"`+orderID+`"}}}}}`, "application/vnd.api+json")
	lid := rec["data"].(map[string]any)["id"].(string)
	seedCopies(a.b, a.e, "line_items", lid, n, func(l *commercelayer.LineItem, i int) *commercelayer.Base {
		l.OrderID = fmt.Sprintf("seedorder%05d", i/100)
		return &l.Base
	})
}

func BenchmarkGrowthCreateLineItem(b *testing.B) {
	for _, n := range growthSizes {
		b.Run(fmt.Sprintf("lineitems=%d", n), func(b *testing.B) {
			a := newBenchAPI(b)
			other := a.order()
			seedOtherLines(a, other, n)
			id := a.order()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%20 == 0 {
					b.StopTimer()
					id = a.order()
					b.StartTimer()
				}
				a.addLine(id)
			}
		})
	}
}

func BenchmarkGrowthGetOrderWithLineItems(b *testing.B) {
	for _, n := range growthSizes {
		b.Run(fmt.Sprintf("lineitems=%d", n), func(b *testing.B) {
			a := newBenchAPI(b)
			id := a.order()
			a.addLine(id)
			seedOtherLines(a, id, n)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a.send("GET", "/api/orders/"+id+"?include=line_items", "", "")
			}
		})
	}
}

func BenchmarkGrowthListOrders(b *testing.B) {
	for _, n := range growthSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			a := newBenchAPI(b)
			e := a.e
			id := a.order()
			seedCopies(b, e, "orders", id, n, func(o *commercelayer.Order, i int) *commercelayer.Base { return &o.Base })
			a.asIntegration()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a.send("GET", "/api/orders?page[size]=10", "", "")
			}
		})
	}
}

func BenchmarkGrowthListLineItemsOfOrder(b *testing.B) {
	for _, n := range growthSizes {
		b.Run(fmt.Sprintf("lineitems=%d", n), func(b *testing.B) {
			a := newBenchAPI(b)
			id := a.order()
			a.addLine(id)
			seedOtherLines(a, id, n)
			a.asIntegration()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a.send("GET", "/api/line_items?filter[q][order_id_eq]="+id, "", "")
			}
		})
	}
}

// seedRecords stores n copies of the generic record coll/id under fresh
// ids, as the API writes them (with their index keys).
func seedRecords(b *testing.B, e *emulator.Emulator, coll, id string, n int, edit func(*commercelayer.Record, int)) {
	b.Helper()
	st := e.Platform().Store
	for done := 0; done < n; done += 5_000 {
		err := st.Update(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
			for i := done; i < min(done+5_000, n); i++ {
				var r commercelayer.Record
				if err := tx.Get(coll, id, &r); err != nil {
					return err
				}
				edit(&r, i)
				r.ID = fmt.Sprintf("seed%s%07d", coll[:2], i)
				r.Seq = uint64(1_000_000 + i)
				if err := tx.Put(coll, r.ID, commercelayer.StoredAs(coll, &r)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGrowthCreateLineItemWithPromotions: POST /api/line_items on a
// cart with a coupon code (its promotion applies), with n promotions of
// another market and n other coupons stored: the order's refresh reads the
// promotions of its market and the coupons of its code.
func BenchmarkGrowthCreateLineItemWithPromotions(b *testing.B) {
	for _, n := range growthSizes {
		b.Run(fmt.Sprintf("promotions+coupons=%d", n), func(b *testing.B) {
			a := newBenchAPI(b)
			e := a.e
			sales := a.token
			a.asIntegration()
			const window = `"starts_at":"2020-01-01T00:00:00Z","expires_at":"2099-01-01T00:00:00Z"`
			create := func(typ, attrs, rels string) string {
				d := a.do("POST", "/api/"+typ, `{"data":{"type":"`+typ+`","attributes":{`+attrs+`},"relationships":{`+rels+`}}}`, "application/vnd.api+json")
				return d["data"].(map[string]any)["id"].(string)
			}
			market := func(id string) string { return `"market":{"data":{"type":"markets","id":"` + id + `"}}` }
			promo := create("percentage_discount_promotions", `"name":"Ten off","percentage":10,`+window, market("MrktEUxxxx"))
			rule := create("coupon_codes_promotion_rules", "", `"promotion":{"data":{"type":"percentage_discount_promotions","id":"`+promo+`"}}`)
			create("coupons", `"code":"BENCH10"`, `"promotion_rule":{"data":{"type":"coupon_codes_promotion_rules","id":"`+rule+`"}}`)
			other := create("percentage_discount_promotions", `"name":"US","percentage":5,`+window, market("MrktUSxxxx"))
			otherRule := create("coupon_codes_promotion_rules", "", `"promotion":{"data":{"type":"percentage_discount_promotions","id":"`+other+`"}}`)
			coupon := create("coupons", `"code":"US5"`, `"promotion_rule":{"data":{"type":"coupon_codes_promotion_rules","id":"`+otherRule+`"}}`)
			seedRecords(b, e, "percentage_discount_promotions", other, n, func(*commercelayer.Record, int) {})
			seedRecords(b, e, "coupons", coupon, n, func(r *commercelayer.Record, i int) { r.Extra["code"] = fmt.Sprintf("SEED%07d", i) })
			a.token = sales
			cart := func() string {
				id := a.order()
				a.send("PATCH", "/api/orders/"+id, `{"data":{"type":"orders","id":"`+id+`","attributes":{"coupon_code":"BENCH10"}}}`, "application/vnd.api+json")
				return id
			}
			id := cart()
			a.addLine(id)
			o := a.do("GET", "/api/orders/"+id, "", "")
			if d := o["data"].(map[string]any)["attributes"].(map[string]any)["discount_amount_cents"]; d != float64(-290) {
				b.Fatalf("the coupon's discount: %v", d)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if i%20 == 0 {
					b.StopTimer()
					id = cart()
					b.StartTimer()
				}
				a.addLine(id)
			}
		})
	}
}

// BenchmarkGrowthListOrdersIndexed: the order lists clients send most, with
// n orders stored (a fifth of them placed, each created a second after the
// one before), answered from the list indexes ("index") and, for the
// numbers from before them, by the scan every list made ("scan"):
//
//	go test -run '^$' -bench 'GrowthListOrdersIndexed/.*/.*/index' -benchtime 200x ./emulator/commercelayer
//	go test -run '^$' -bench 'GrowthListOrdersIndexed/.*/.*/scan' -benchtime 2x ./emulator/commercelayer
func BenchmarkGrowthListOrdersIndexed(b *testing.B) {
	lists := []struct{ name, query string }{
		{"sort=-created_at", "sort=-created_at"},
		{"sort=-updated_at&page[size]=5", "sort=-updated_at&page[size]=5"},
		{"status_eq=placed", "filter[q][status_eq]=placed"},
		{"status_eq=placed&sort=-created_at", "filter[q][status_eq]=placed&sort=-created_at&page[size]=25&page[number]=3"},
		{"number_eq", "filter[q][number_eq]=500042"},
	}
	statuses := []string{"draft", "pending", "placed", "approved", "cancelled"}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range growthSizes {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			a := newBenchAPI(b)
			id := a.order()
			seedCopies(b, a.e, "orders", id, n, func(o *commercelayer.Order, i int) *commercelayer.Base {
				o.A.Status = statuses[i%len(statuses)]
				o.A.Number = fmt.Sprint(500000 + i)
				o.CreatedAt = start.Add(time.Duration(i) * time.Second).Format("2006-01-02T15:04:05.000Z")
				o.UpdatedAt = o.CreatedAt
				return &o.Base
			})
			a.asIntegration()
			for _, l := range lists {
				for _, mode := range []string{"index", "scan"} {
					b.Run(l.name+"/"+mode, func(b *testing.B) {
						commercelayer.ScanLists(mode == "scan")
						defer commercelayer.ScanLists(false)
						if rec := a.send("GET", "/api/orders?"+l.query, "", ""); rec.Code != 200 {
							b.Fatalf("%s: %d %s", l.query, rec.Code, rec.Body)
						}
						b.ReportAllocs()
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							a.send("GET", "/api/orders?"+l.query, "", "")
						}
					})
				}
			}
		})
	}
}
