package commercelayer

// StoredAs is what the package stores for a record of coll (the growth
// benchmarks seed records as the API would write them).
var StoredAs = func(coll string, m *Record) any { return storedAs(coll, m) }

// ScanLists makes every list scan (on) or use its indexes (off);
// IndexedLists is how many lists an index has answered.
func ScanLists(on bool)   { scanLists.Store(on) }
func IndexedLists() int64 { return indexedLists.Load() }
