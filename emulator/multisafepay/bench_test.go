package multisafepay_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The MultiSafepay hot paths scripts/bench drives, in process (no
// network): POST /orders (a redirect iDEAL order) and GET /orders/{id}.
// Run:
//
//	go test -run '^$' -bench 'CreateOrder|GetOrder' -benchmem ./emulator/multisafepay
const benchOrder = `{"type":"redirect","currency":"EUR","amount":1000,"description":"bench","gateway":"IDEAL","payment_options":{"redirect_url":"http://localhost:3000/paid","cancel_url":"http://localhost:3000/cancelled"}`

func benchHandler(b *testing.B, durable bool) http.Handler {
	return benchEmulator(b, durable).Handler()
}

// benchEmulator is an emulator on a fresh data file, every OpenAPI file
// parsed, closed when the benchmark ends.
func benchEmulator(b *testing.B, durable bool) *emulator.Emulator {
	return sandboxtest.InProcess(b, sandboxtest.Durable(durable))
}

func benchSend(b *testing.B, h http.Handler, method, path, body string) {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("api_key", "bench-key")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}

func BenchmarkCreateOrder(b *testing.B) {
	h := benchHandler(b, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchSend(b, h, "POST", "/v1/json/orders", benchOrder+fmt.Sprintf(`,"order_id":"b-%d"}`, i))
	}
}

// BenchmarkCreateOrderDurable is the wrk shape: fsync on, 32 writers.
func BenchmarkCreateOrderDurable(b *testing.B) {
	h := benchHandler(b, true)
	var n atomicCounter
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchSend(b, h, "POST", "/v1/json/orders", benchOrder+fmt.Sprintf(`,"order_id":"d-%d"}`, n.next()))
		}
	})
}

func BenchmarkGetOrder(b *testing.B) {
	h := benchHandler(b, false)
	benchSend(b, h, "POST", "/v1/json/orders", benchOrder+`,"order_id":"fixed"}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		benchSend(b, h, "GET", "/v1/json/orders/fixed", "")
	}
}

type atomicCounter struct{ v atomic.Int64 }

func (c *atomicCounter) next() int64 { return c.v.Add(1) }
