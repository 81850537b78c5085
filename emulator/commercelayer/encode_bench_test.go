package commercelayer_test

import (
	"net/http"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer"
	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// BenchmarkAppendDocument writes the document of GET
// /api/orders/{id}?include=line_items (an order with two line items) the way
// writeDoc does (direct: jsonapi.AppendDocument) and the way it did
// (goccy: platform.WriteJSON), to a writer that drops the bytes. Compare
// them interleaved:
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench AppendDocument -benchmem -count 1 ./emulator/commercelayer; done
func BenchmarkAppendDocument(b *testing.B) {
	a := newBenchAPI(b)
	id := a.order()
	a.addLine(id)
	a.addLine(id)
	docs := commercelayer.CaptureDocuments(func() { a.send("GET", "/api/orders/"+id+"?include=line_items", "", "") })
	if len(docs) != 1 || len(docs[0].Included) != 2 {
		b.Fatalf("captured %d documents, not one order with two line items", len(docs))
	}
	doc := docs[0]
	for _, c := range []struct {
		name  string
		write func(http.ResponseWriter, *jsonapi.Document)
	}{
		{"direct", func(w http.ResponseWriter, d *jsonapi.Document) { commercelayer.WriteDocument(w, http.StatusOK, d) }},
		{"goccy", func(w http.ResponseWriter, d *jsonapi.Document) { platform.WriteJSON(w, http.StatusOK, d) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			w := &discardWriter{h: http.Header{}}
			c.write(w, doc)
			b.SetBytes(int64(w.n))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.write(w, doc)
			}
		})
	}
}

type discardWriter struct {
	h http.Header
	n int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { w.n = len(b); return len(b), nil }
