package commercelayer

import "github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"

// StoredAs is what the package stores for a record of coll (the growth
// benchmarks seed records as the API would write them).
var StoredAs = func(coll string, m *Record) any { return storedAs(coll, m) }

// ScanLists makes every list scan (on) or use its indexes (off);
// IndexedLists is how many lists an index has answered.
func ScanLists(on bool)   { scanLists.Store(on) }
func IndexedLists() int64 { return indexedLists.Load() }

// WriteDocument is writeDoc's way for a document (the encoding benchmarks).
var WriteDocument = writeDocument

// CaptureDocuments runs f and returns the documents writeDoc wrote meanwhile
// (not concurrently with other tests: it replaces the encoding check).
func CaptureDocuments(f func()) []*jsonapi.Document {
	var docs []*jsonapi.Document
	prev := docCheck
	docCheck = func(doc *jsonapi.Document, b []byte) {
		if prev != nil {
			prev(doc, b)
		}
		docs = append(docs, doc)
	}
	defer func() { docCheck = prev }()
	f()
	return docs
}
