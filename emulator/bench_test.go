package emulator_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// In-process costs of the whole chain (journal, routing, auth, validation,
// store, encoding) without the network; the wrk numbers in
// docs/benchmarks.md include the network. Run:
//
//	go test -run '^$' -bench . -benchmem ./emulator
const sessionBody = `{"purchase_country":"SE","purchase_currency":"SEK","locale":"en-SE","order_amount":9500,"order_tax_amount":1900,"order_lines":[{"type":"physical","reference":"19-402","name":"Battery Power Pack","quantity":1,"unit_price":9500,"tax_rate":2500,"total_amount":9500,"total_discount_amount":0,"total_tax_amount":1900}]}`

var basic = "Basic " + base64.StdEncoding.EncodeToString([]byte("PK_BENCH:secret"))

func newBench(b *testing.B, noSync bool) http.Handler {
	b.Helper()
	return sandboxtest.InProcess(b, sandboxtest.Durable(!noSync)).Handler()
}

func createSession(b *testing.B, h http.Handler) string {
	req := httptest.NewRequest("POST", "/payments/v1/sessions", strings.NewReader(sessionBody))
	req.Header.Set("Authorization", basic)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var out struct {
		SessionID string `json:"session_id"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	return out.SessionID
}

func BenchmarkKlarnaCreateSession(b *testing.B) {
	h := newBench(b, false) // durable: fsync on, as the goal says
	b.ReportAllocs()
	b.SetParallelism(16) // 32 writers in flight, as with wrk -c32: commits are shared
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			createSession(b, h)
		}
	})
}

func BenchmarkKlarnaReadSession(b *testing.B) {
	h := newBench(b, true)
	id := createSession(b, h)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest("GET", "/payments/v1/sessions/"+id, nil)
			req.Header.Set("Authorization", basic)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	})
}
