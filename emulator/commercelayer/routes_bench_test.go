package commercelayer_test

import "testing"

// BenchmarkGetOrder is a read by id, the request whose cost routing shows
// most (routes.go's families find /api/orders/{id} with a map lookup; a
// route per path tried some 150 regexps first).
func BenchmarkGetOrder(b *testing.B) {
	a := newBenchAPI(b)
	id := a.order()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.send("GET", "/api/orders/"+id, "", "")
	}
}
