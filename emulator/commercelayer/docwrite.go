package commercelayer

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// writeDocument writes a JSON:API document with jsonapi.AppendDocument,
// which gives platform.WriteJSON's bytes without sorting every object's maps
// on every request, and with a Content-Length, so that a large document goes
// out in one write rather than chunked. A document it cannot encode (a NaN)
// gets platform.WriteJSON's own answer.
func writeDocument(w http.ResponseWriter, status int, doc *jsonapi.Document) {
	bp := docBuffers.Get().(*[]byte)
	b, err := jsonapi.AppendDocument((*bp)[:0], doc)
	defer putDocBuffer(bp, b)
	if err != nil {
		platform.WriteJSON(w, status, doc)
		return
	}
	if docCheck != nil {
		docCheck(doc, b)
	}
	platform.WriteBody(w, status, b)
}

// marshalDoc is doc's bytes as writeDocument writes them (a webhook
// payload, which is signed as it is).
func marshalDoc(doc *jsonapi.Document) ([]byte, error) {
	b, err := jsonapi.AppendDocument(nil, doc)
	if err != nil {
		return nil, err
	}
	if docCheck != nil {
		docCheck(doc, b)
	}
	return b, nil
}

// docBuffers recycles document buffers, as platform.WriteJSON does its own:
// one larger than maxPooledDoc is let go.
var docBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledDoc = 64 << 10

func putDocBuffer(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledDoc {
		*bp = b[:0]
		docBuffers.Put(bp)
	}
}

// docCheck, nil but in tests, sees every document writeDocument writes and
// its bytes. The package's tests set it to checkDocument: every document is
// also encoded as platform.WriteJSON encodes it, and a difference panics (the
// request fails with a 500) and is counted (the test run fails), so that the
// whole suite is the proof that the two give the same bytes.
var docCheck func(doc *jsonapi.Document, b []byte)

var (
	encodingChecked   atomic.Int64
	encodingMismatch  atomic.Int64
	firstMismatchText atomic.Pointer[string]
)

func checkDocument(doc *jsonapi.Document, got []byte) {
	encodingChecked.Add(1)
	want, err := platform.MarshalJSON(doc)
	if err == nil && bytes.Equal(got, want) {
		return
	}
	encodingMismatch.Add(1)
	msg := fmt.Sprintf("jsonapi.AppendDocument differs from platform.WriteJSON (err %v):\n got %s\nwant %s", err, got, want)
	firstMismatchText.CompareAndSwap(nil, &msg)
	panic(msg)
}
