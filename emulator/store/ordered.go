package store

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"github.com/paysandbox/paysandbox/emulator/ids"
)

// Ordered collections. bbolt keeps a bucket's records in key order, so a
// record created under a random UUID goes to a random leaf page: each
// durable create rewrites and syncs a page (and its branch) of its own,
// about three pages per create where one commit holds fifteen. A collection
// made ordered (OrderByCreation) draws its ids with ReserveOrderedID and
// keeps each record under the sequence that its id carries, so creates
// append to the last page. Ids look as before (version 4 UUIDs, the order
// hidden by ids.Perm); Get, Put, Exists, Delete and List take and give ids,
// and work out the key themselves.

// ordered is the set of ordered collections; it is replaced, never
// changed, so a transaction reads it without a lock.
type ordered = map[collectionName]bool

type collectionName struct{ provider, collection string }

// reservedName is whose reservation counter a Store.reserved entry is.
type reservedName struct{ provider, tenant, collection string }

type orderedSet struct {
	mu  sync.Mutex
	set atomic.Pointer[ordered]
}

func (o *orderedSet) load() ordered {
	if m := o.set.Load(); m != nil {
		return *m
	}
	return nil
}

// OrderByCreation makes collection of provider an ordered collection. Call
// it when the provider starts, before its first request. A collection with
// records from before keeps finding them under their ids. Its records cannot
// be Indexed (their index would name keys, not ids).
func (s *Store) OrderByCreation(provider, collection string) {
	s.ordered.mu.Lock()
	defer s.ordered.mu.Unlock()
	next := ordered{{provider, collection}: true}
	for k := range s.ordered.load() {
		next[k] = true
	}
	s.ordered.set.Store(&next)
}

func (tx *Tx) isOrdered(collection string) bool {
	return tx.ordered[collectionName{tx.provider, collection}]
}

// perm hides the order of collection's ids in this tenant.
func (tx *Tx) perm(collection string) ids.Perm {
	return ids.NewPerm(tx.provider, tx.tenant, collection)
}

// ReserveOrderedID draws the id of a new record of an ordered collection in
// any transaction, a read one included, so that what is made from the id (a
// signature, the record's bytes) is made in the request's goroutine, in
// parallel with other requests, and not in the serial write function. The
// write stores the record with InsertOrdered, which raises the collection's
// sequence to the id's; a reservation never written leaves a gap in the
// sequence and nothing else. The n-th id of a collection is a pure function
// of the seed and n (repeatable per --seed, like every draw).
func (tx *Tx) ReserveOrderedID(collection string) (string, error) {
	if tx.sp != nil {
		return "", tx.sp.abort()
	}
	if !tx.isOrdered(collection) || tx.reserved == nil {
		return "", fmt.Errorf("store: %s/%s is not an ordered collection", tx.provider, collection)
	}
	var written uint64 // the highest sequence committed
	if b, _ := tx.collection(collection, false); b != nil {
		written = b.Sequence()
	}
	c, _ := tx.reserved.LoadOrStore(reservedName{tx.provider, tx.tenant, collection}, new(atomic.Uint64))
	counter := c.(*atomic.Uint64)
	var n uint64
	for {
		last := counter.Load()
		n = max(last, written) + 1
		if counter.CompareAndSwap(last, n) {
			break
		}
	}
	if n > ids.MaxOrdered {
		return "", fmt.Errorf("store: %s/%s has run out of ordered ids", tx.provider, collection)
	}
	rest := tx.source().At(tx.provider+"/"+tx.tenant+"/"+collection, n).Uint64()
	return ids.OrderedUUID(tx.perm(collection), n, rest), nil
}

// forgetReserved drops the reservation counters of tenant ("" for every
// tenant) after a reset or a restore, so that its sequences start again
// from what the data file holds.
func (s *Store) forgetReserved(tenant string) {
	s.reserved.Range(func(k, _ any) bool {
		if tenant == "" || k.(reservedName).tenant == tenant {
			s.reserved.Delete(k)
		}
		return true
	})
}

// InsertOrdered stores raw, a JSON record, as the new record id (from
// ReserveOrderedID) of an ordered collection. An id already there is
// ErrExists: two writes can share a reservation only if a tenant reset
// raced a create, and then one of them fails rather than overwriting.
func (tx *Tx) InsertOrdered(collection, id string, raw []byte) error {
	if tx.sp != nil {
		return tx.sp.abort()
	}
	key, seq, ok := tx.orderedKey(collection, id)
	if !ok {
		return fmt.Errorf("store: %q is not an ordered id of %s/%s", id, tx.provider, collection)
	}
	b, err := tx.collection(collection, true)
	if err != nil {
		return err
	}
	if b.Get(key) != nil {
		return ErrExists
	}
	// Records arrive in key order: full pages, not bbolt's half-full splits.
	b.FillPercent = 0.9
	if err := b.Put(key, raw); err != nil {
		return err
	}
	if tx.ws != nil {
		tx.ws.wrote(tx, collection, id)
	}
	return raiseTo(b, seq)
}

// raiseTo keeps b's sequence at or past seq, the sequence of a new record
// of an ordered collection, so that no later reservation hands it out again.
func raiseTo(b *bolt.Bucket, seq uint64) error {
	if seq > b.Sequence() {
		return b.SetSequence(seq)
	}
	return nil
}

// orderedKeyLen is 16 hex digits of the sequence, then 16 of the other bits.
const orderedKeyLen = 32

func appendHex16(b []byte, v uint64) []byte {
	var raw [8]byte
	binary.BigEndian.PutUint64(raw[:], v)
	return hex.AppendEncode(b, raw[:])
}

// orderedKey is where id, an id of the ordered collection, is kept: its
// sequence and other bits (16 hex digits each), and that sequence; ok is
// false for a collection that is not ordered or an id it never hands out.
func (tx *Tx) orderedKey(collection, id string) (key []byte, seq uint64, ok bool) {
	if !tx.isOrdered(collection) {
		return nil, 0, false
	}
	seq, rest, ok := ids.ParseOrderedUUID(tx.perm(collection), id)
	if !ok {
		return nil, 0, false
	}
	key = make([]byte, 0, orderedKeyLen)
	key = appendHex16(key, seq)
	return appendHex16(key, rest), seq, true
}

// idOf is the id of the record kept under key (orderedKey's inverse, for
// List).
func (tx *Tx) idOf(collection string, key []byte) string {
	if len(key) != orderedKeyLen || !tx.isOrdered(collection) {
		return string(key)
	}
	var raw [16]byte
	if _, err := hex.Decode(raw[:], key); err != nil {
		return string(key)
	}
	seq, rest := binary.BigEndian.Uint64(raw[:8]), binary.BigEndian.Uint64(raw[8:])
	return ids.OrderedUUID(tx.perm(collection), seq, rest)
}

// locate finds collection/id in b: its key and record (nil when absent; the
// key is then where a new record goes), and the sequence a new record there
// carries (0 when not ordered). A record written before its collection was
// ordered is kept under its id.
func (tx *Tx) locate(b *bolt.Bucket, collection, id string) (key, raw []byte, seq uint64) {
	key, seq, ordered := tx.orderedKey(collection, id)
	if !ordered {
		key = []byte(id)
	}
	if b == nil {
		return key, nil, seq
	}
	if raw = b.Get(key); raw != nil || !ordered {
		return key, raw, seq
	}
	if old := b.Get([]byte(id)); old != nil {
		return []byte(id), old, 0
	}
	return key, nil, seq
}
