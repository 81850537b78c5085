package store

import (
	"errors"
	"fmt"
	"reflect"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Index keys from the records. A record's reverse entry (~rev:, index.go)
// holds every key it has, so that a Put finds the entries to move: about
// a kilobyte for a Commerce Layer order, rewritten on every update (its
// updated_at keys move), on a page of its own in another bucket. For a
// speculative provider the store reads a record's old keys from its stored
// bytes instead, decoded as the type being put (or, for a Delete, the type
// last put in the collection, or registered with IndexTypes), and writes no
// reverse entries: an update dirties the record's page and its index
// entries' pages, and no other (docs/benchmarks.md, "Keys from the
// records"). A reverse entry left by an older data file is used where the
// record cannot be decoded, and removed when its record is next written.

// IndexTypes registers the type that provider stores in each collection
// (a value of it, as put), for a speculative provider's Deletes before its
// first Put of the collection in this process.
func (s *Store) IndexTypes(provider string, examples map[string]any) {
	for coll, v := range examples {
		s.indexTypes.Store(collectionName{provider, coll}, reflect.TypeOf(v))
	}
}

// learnType remembers the type put in collection.
func (tx *Tx) learnType(collection string, t reflect.Type) {
	if tx.types == nil || t == nil {
		return
	}
	name := collectionName{tx.provider, collection}
	if known, ok := tx.types.Load(name); ok && known == t {
		return
	}
	tx.types.Store(name, t)
}

// decodeKeys is what the index holds for raw, a record of type t (ok
// false: raw does not decode as one).
func decodeKeys(t reflect.Type, raw []byte) (indexOf, bool) {
	if t == nil || t.Kind() != reflect.Pointer {
		return indexOf{}, false
	}
	p := reflect.New(t.Elem()).Interface()
	if err := gojson.Unmarshal(raw, p); err != nil {
		return indexOf{}, false
	}
	info := indexInfo(p)
	return info, info.indexed
}

// oldKeys are the keys and groups id has in the index: decoded from old,
// its stored record (known, when the caller has them already), or read
// from a reverse entry an older file left.
func (tx *Tx) oldKeys(rev *bolt.Bucket, id string, t reflect.Type, old []byte, known *indexOf) (keys, counts []string) {
	if old == nil {
		return nil, nil
	}
	if known != nil {
		return known.keys, known.counts
	}
	if info, ok := decodeKeys(t, old); ok {
		return info.keys, info.counts
	}
	if legacy := rev.Get([]byte(id)); legacy != nil {
		return splitKeys(append([]byte(nil), legacy...))
	}
	return nil, nil
}

// dropLegacy removes id's reverse entry, if an older file left one.
func dropLegacy(rev *bolt.Bucket, id string) error {
	if rev.Get([]byte(id)) == nil {
		return nil
	}
	return rev.Delete([]byte(id))
}

// reindexFrom is reindex for a speculative provider: old is id's stored
// record before this Put (nil: new, or indexed from scratch just now).
func (tx *Tx) reindexFrom(coll string, idx, rev *bolt.Bucket, id string, info indexOf, old []byte, known *indexOf) error {
	oldKeys, oldCounts := tx.oldKeys(rev, id, info.typ, old, known)
	if err := tx.moveEntries(coll, idx, id, oldKeys, info.keys, oldCounts, info.counts, info.values); err != nil {
		return err
	}
	if err := tx.revalue(coll, idx, id, info, oldKeys); err != nil {
		return err
	}
	return dropLegacy(rev, id)
}

// unindexFrom is unindex for a speculative provider: raw is the record
// being deleted.
func (tx *Tx) unindexFrom(coll string, idx, rev *bolt.Bucket, id string, raw []byte) error {
	var t reflect.Type
	if tx.types != nil {
		if v, ok := tx.types.Load(collectionName{tx.provider, coll}); ok {
			t = v.(reflect.Type)
		}
	}
	oldKeys, oldCounts := tx.oldKeys(rev, id, t, raw, nil)
	if oldKeys == nil && oldCounts == nil && t == nil && len(raw) > 0 {
		return fmt.Errorf("store: %s/%s: the type of its records is not known (Store.IndexTypes)", tx.provider, coll)
	}
	if err := tx.moveEntries(coll, idx, id, oldKeys, nil, oldCounts, nil, nil); err != nil {
		return err
	}
	return dropLegacy(rev, id)
}

// rebuildIndex empties coll's index (entries, counts, reverse entries) and
// indexes every record of b but skip again, keeping the record count: a
// speculative provider's entries cannot be moved from keys of an older
// version, which its records no longer give.
func (tx *Tx) rebuildIndex(coll string, b *bolt.Bucket, t reflect.Type, skip string) (idx, rev *bolt.Bucket, err error) {
	pb, _ := tx.scoped(false)
	idx, _, _ = tx.indexBuckets(coll, false)
	count := idx.Sequence()
	for _, n := range []string{idxPrefix + coll, revPrefix + coll, cntPrefix + coll} {
		if err := pb.DeleteBucket([]byte(n)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return nil, nil, err
		}
	}
	if tx.ws != nil {
		tx.ws.wroteCollection(tx, coll)
	}
	if idx, rev, err = tx.indexBuckets(coll, true); err != nil {
		return nil, nil, err
	}
	if err := idx.SetSequence(count); err != nil {
		return nil, nil, err
	}
	return idx, rev, tx.buildIndex(coll, b, idx, rev, t, skip)
}
