package commercelayer_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// The Commerce Layer hot paths a storefront hits most, in process (no
// network). Run:
//
//	go test -run '^$' -bench . -benchmem ./emulator/commercelayer
type benchAPI struct {
	b     *testing.B
	h     http.Handler
	token string
	e     *emulator.Emulator
}

func newBenchAPI(b *testing.B) *benchAPI { return openBenchAPI(b, false) }

// openBenchAPI is an emulator on a fresh data file (fsync on when durable)
// with every OpenAPI file parsed, called with a sales channel token.
func openBenchAPI(b *testing.B, durable bool) *benchAPI {
	b.Helper()
	e := sandboxtest.InProcess(b, sandboxtest.Durable(durable))
	a := &benchAPI{b: b, h: e.Handler(), e: e}
	res := a.do("POST", "/oauth/token", `{"grant_type":"client_credentials","client_id":"`+salesChannelID+`","scope":"market:code:EU"}`, "application/json")
	a.token = res["access_token"].(string)
	return a
}

// asIntegration switches a to an integration token.
func (a *benchAPI) asIntegration() {
	a.token = ""
	res := a.do("POST", "/oauth/token", `{"grant_type":"client_credentials","client_id":"`+integrationID+`","client_secret":"`+integrationKey+`"}`, "application/json")
	a.token = res["access_token"].(string)
}

// do sends a request; the answer is decoded only for setup steps (decoding
// on the measured path would measure the client).
func (a *benchAPI) do(method, path, body, ct string) map[string]any {
	rec := a.send(method, path, body, ct)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return out
}

func (a *benchAPI) send(method, path, body, ct string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Accept", "application/vnd.api+json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		a.b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	return rec
}

func (a *benchAPI) order() string {
	o := a.do("POST", "/api/orders", `{"data":{"type":"orders"}}`, "application/vnd.api+json")
	return o["data"].(map[string]any)["id"].(string)
}

func (a *benchAPI) addLine(orderID string) {
	a.send("POST", "/api/line_items", `{"data":{"type":"line_items","attributes":{"sku_code":"`+tshirt+`","quantity":1},"relationships":{"order":{"data":{"type":"orders","id":"`+orderID+`"}}}}}`, "application/vnd.api+json")
}

func BenchmarkGetOrderWithLineItems(b *testing.B) {
	a := newBenchAPI(b)
	id := a.order()
	a.addLine(id)
	a.addLine(id)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.send("GET", "/api/orders/"+id+"?include=line_items", "", "")
	}
}

// A fresh cart now and then: carts stay storefront-sized.
func BenchmarkCreateLineItem(b *testing.B) { benchAddLines(b, 20) }

// BenchmarkCreateLineItemLongCarts adds lines to carts of 130: the
// re-pricing reads about 65 lines a create (docs/benchmarks.md, "Fewer
// reads, decodes and allocations per cart change").
func BenchmarkCreateLineItemLongCarts(b *testing.B) { benchAddLines(b, 130) }

// benchAddLines adds line items to carts of size lines, a new cart (made
// off the clock) when one is full.
func benchAddLines(b *testing.B, size int) {
	a := newBenchAPI(b)
	id := a.order()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%size == 0 {
			b.StopTimer()
			id = a.order()
			b.StartTimer()
		}
		a.addLine(id)
	}
}

// BenchmarkCreateLineItemDurable is the wrk shape in process: fsync on, 32
// writers in flight, lines spread over 300 carts.
func BenchmarkCreateLineItemDurable(b *testing.B) {
	a := openBenchAPI(b, true)
	orders := make([]string, 300)
	for i := range orders {
		orders[i] = a.order()
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.addLine(orders[n.Add(1)%int64(len(orders))])
		}
	})
}
