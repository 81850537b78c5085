package commercelayer_test

import (
	"encoding/json"
	"fmt"
)

// older stores a record as the first indexed versions did: its JSON,
// indexed by creation sequence only, with no keys version (a data file
// from before the lookups and list indexes).
type older struct {
	v   any
	seq uint64
}

func (o older) MarshalJSON() ([]byte, error) { return json.Marshal(o.v) }
func (o older) IndexKeys() []string          { return []string{fmt.Sprintf("seq\x00%016x", o.seq)} }
