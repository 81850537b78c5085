package multisafepay_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/multisafepay"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// GET /transactions (the first page of 100, and the page before a cursor,
// both through the index of transactions) with 1k, 10k and 100k orders stored (copies of one made over HTTP, a
// second apart, written straight to the store). Run:
//
//	go test -run '^$' -bench GrowthTransactions -benchtime 100x ./emulator/multisafepay
func BenchmarkGrowthTransactions(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			e := benchEmulator(b, false)
			h := e.Handler()
			send := func(method, path, body string) *httptest.ResponseRecorder {
				req := httptest.NewRequest(method, path, strings.NewReader(body))
				req.Header.Set("api_key", "bench-key")
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
				}
				return rec
			}
			send("POST", "/v1/json/orders", `{"type":"redirect","order_id":"seed","currency":"EUR","amount":1000,"description":"bench","gateway":"IDEAL","payment_options":{"redirect_url":"http://localhost:3000/paid","cancel_url":"http://localhost:3000/cancelled"}}`)
			st := e.Platform().Store
			for done := 0; done < n; done += 5_000 {
				err := st.Update(context.Background(), "multisafepay", "bench-key", func(tx *store.Tx) error {
					for i := done; i < min(done+5_000, n); i++ {
						var o multisafepay.Order
						if err := tx.Get("orders", "seed", &o); err != nil {
							return err
						}
						o.OrderID = fmt.Sprintf("seed-%07d", i)
						o.TransactionID = int64(10_000_000 + i)
						o.Created = o.Created.Add(-time.Duration(n-i) * time.Second)
						if err := tx.Put("orders", o.OrderID, &o); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			for _, c := range []struct{ name, path string }{
				{"first-page", "/v1/json/transactions"},
				// Every transaction is newer than the epoch: the page is the 100 oldest.
				{"before-cursor", "/v1/json/transactions?before=" + base64.RawURLEncoding.EncodeToString([]byte("0:0"))},
			} {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for i := 0; i < b.N; i++ {
						send("GET", c.path, "")
					}
				})
			}
		})
	}
}

// GET /recurring/{reference} (a customer's 3 tokens) with 1k, 10k and 100k
// other customers' tokens stored. Run:
//
//	go test -run '^$' -bench GrowthRecurringTokens -benchtime 100x ./emulator/multisafepay
func BenchmarkGrowthRecurringTokens(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			e := benchEmulator(b, false)
			st := e.Platform().Store
			created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			for done := 0; done < n+3; done += 5_000 {
				err := st.Update(context.Background(), "multisafepay", "bench-key", func(tx *store.Tx) error {
					for i := done; i < min(done+5_000, n+3); i++ {
						t := &multisafepay.Token{Token: fmt.Sprintf("T%010d", i), Reference: fmt.Sprintf("cust-%d", i), Code: "VISA",
							Display: "Card xxxx xxxx xxxx 1111", Model: "cardOnFile", OrderID: "seed", Created: created.Add(time.Duration(i) * time.Second)}
						if i >= n {
							t.Reference = "bench-customer"
						}
						if err := tx.Put("tokens", t.Token, t); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			h := e.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest("GET", "/v1/json/recurring/bench-customer", nil)
				req.Header.Set("api_key", "bench-key")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "T"+fmt.Sprintf("%010d", n+2)) {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}
