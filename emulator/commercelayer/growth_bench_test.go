package commercelayer_test

import (
	"context"
	"fmt"
	"testing"

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

func growthAPI(b *testing.B) (*benchAPI, *emulator.Emulator) {
	b.Helper()
	a := newBenchAPI(b)
	return a, a.e
}

func BenchmarkGrowthCreateLineItem(b *testing.B) {
	for _, n := range growthSizes {
		b.Run(fmt.Sprintf("lineitems=%d", n), func(b *testing.B) {
			a, e := growthAPI(b)
			other := a.order()
			rec := a.do("POST", "/api/line_items", `{"data":{"type":"line_items","attributes":{"sku_code":"`+tshirt+`","quantity":1},"relationships":{"order":{"data":{"type":"orders","id":"`+other+`"}}}}}`, "application/vnd.api+json")
			lid := rec["data"].(map[string]any)["id"].(string)
			// Other carts' lines: 100 per order, on orders that do not exist.
			seedCopies(b, e, "line_items", lid, n, func(l *commercelayer.LineItem, i int) *commercelayer.Base {
				l.OrderID = fmt.Sprintf("seedorder%05d", i/100)
				return &l.Base
			})
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
			a, e := growthAPI(b)
			id := a.order()
			a.addLine(id)
			rec := a.do("POST", "/api/line_items", `{"data":{"type":"line_items","attributes":{"sku_code":"`+tshirt+`","quantity":1},"relationships":{"order":{"data":{"type":"orders","id":"`+id+`"}}}}}`, "application/vnd.api+json")
			lid := rec["data"].(map[string]any)["id"].(string)
			seedCopies(b, e, "line_items", lid, n, func(l *commercelayer.LineItem, i int) *commercelayer.Base {
				l.OrderID = fmt.Sprintf("seedorder%05d", i/100)
				return &l.Base
			})
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
			a, e := growthAPI(b)
			id := a.order()
			seedCopies(b, e, "orders", id, n, func(o *commercelayer.Order, i int) *commercelayer.Base { return &o.Base })
			a.token = ""
			res := a.do("POST", "/oauth/token", `{"grant_type":"client_credentials","client_id":"`+integrationID+`","client_secret":"`+integrationKey+`"}`, "application/json")
			a.token = res["access_token"].(string)
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
			a, e := growthAPI(b)
			id := a.order()
			a.addLine(id)
			rec := a.do("POST", "/api/line_items", `{"data":{"type":"line_items","attributes":{"sku_code":"`+tshirt+`","quantity":1},"relationships":{"order":{"data":{"type":"orders","id":"`+id+`"}}}}}`, "application/vnd.api+json")
			lid := rec["data"].(map[string]any)["id"].(string)
			seedCopies(b, e, "line_items", lid, n, func(l *commercelayer.LineItem, i int) *commercelayer.Base {
				l.OrderID = fmt.Sprintf("seedorder%05d", i/100)
				return &l.Base
			})
			a.token = ""
			res := a.do("POST", "/oauth/token", `{"grant_type":"client_credentials","client_id":"`+integrationID+`","client_secret":"`+integrationKey+`"}`, "application/json")
			a.token = res["access_token"].(string)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a.send("GET", "/api/line_items?filter[q][order_id_eq]="+id, "", "")
			}
		})
	}
}
