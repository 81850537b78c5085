package store

import (
	"encoding/binary"
)

// Counted is an Indexed record that also counts in groups (a filter value:
// "the orders with status placed"): the index keeps, per group, how many
// records name it, in the same transaction as the records, so a list's
// record_count under a filter is one read instead of a walk of its matches.
type Counted interface {
	Indexed
	CountKeys() []string
}

// KeysCounted is a Counted record that gives its keys and its groups in
// one call, when they come from one pass over its fields.
type KeysCounted interface {
	Counted
	IndexCountKeys() (keys, counts []string)
}

func countKeys(v any) []string {
	if c, ok := v.(Counted); ok {
		return c.CountKeys()
	}
	return nil
}

// addCount moves group's count in coll's index by d (a count that reaches
// zero is removed).
func (tx *Tx) addCount(coll, group string, d int64) error {
	pb, _ := tx.scoped(false)
	if pb == nil {
		return nil
	}
	b, err := pb.CreateBucketIfNotExists([]byte(cntPrefix + coll))
	if err != nil {
		return err
	}
	n := int64(0)
	if v := b.Get([]byte(group)); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	if n += d; n <= 0 {
		return b.Delete([]byte(group))
	}
	return b.Put([]byte(group), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// IndexCount is how many records of coll count in group (see Counted),
// without walking them; ErrNoIndex when coll has records but no index. A
// reader must know the index holds the group's type's counts (IndexVersion).
func (tx *Tx) IndexCount(coll, group string) (int, error) {
	if !tx.specWhole(coll) {
		return 0, errSpeculation
	}
	b, _, err := tx.indexed(coll)
	if b == nil || err != nil {
		return 0, err
	}
	pb, _ := tx.scoped(false)
	cb := tx.sub(pb, cntPrefix, coll)
	if cb == nil {
		return 0, nil
	}
	v := cb.Get([]byte(group))
	if len(v) != 8 {
		return 0, nil
	}
	return int(binary.BigEndian.Uint64(v)), nil
}
