package commercelayer

// StoredAs is what the package stores for a record of coll (the growth
// benchmarks seed records as the API would write them).
var StoredAs = func(coll string, m *Record) any { return storedAs(coll, m) }
