package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Secondary indexes: a record that implements Indexed is findable by the
// keys it names, in key order, without a scan of its collection. The index
// lives next to the collection in the same provider bucket and is written
// in the same transaction as the record, so it cannot disagree with it; a
// tenant reset drops it with the tenant.
//
// Layout, in the tenant's provider bucket:
//
//	~idx:<collection>  <key>\x00<id> -> ""       (what Lookup walks)
//	~rev:<collection>  <id> -> its keys, each after its uvarint length (what a Put or Delete removes),
//	                   then (Counted) an empty entry and its counted groups
//	~cnt:<collection>  <group> -> how many records count in it (uint64, big-endian; see Counted)
//
// A collection written before it had an index (an older data file) has no
// index bucket: Lookup says ErrNoIndex and the caller scans, and the first
// indexed Put builds the index from the records once.

// Indexed is a record with secondary index keys. A key should end with
// whatever orders the records under it (a zero-padded sequence, a
// timestamp); Lookup walks keys with a prefix in byte order.
type Indexed interface {
	IndexKeys() []string
}

// ErrNoIndex says the collection has no index yet (records written by an
// older version, or by a type that is not Indexed): scan instead.
var ErrNoIndex = errors.New("store: collection not indexed")

const (
	idxPrefix = "~idx:"
	revPrefix = "~rev:"
	cntPrefix = "~cnt:"
)

// IsIndexBucket tells whether a collection name is an index's bucket
// (browsing hides them).
func IsIndexBucket(name string) bool { return len(name) > 0 && name[0] == '~' }

func (tx *Tx) indexBuckets(coll string, create bool) (idx, rev *bolt.Bucket, err error) {
	pb, _ := tx.scoped(false)
	if pb == nil {
		return nil, nil, nil
	}
	idx, rev = tx.sub(pb, idxPrefix, coll), tx.sub(pb, revPrefix, coll)
	if (idx != nil && rev != nil) || !create {
		return idx, rev, nil
	}
	if idx, err = pb.CreateBucketIfNotExists([]byte(idxPrefix + coll)); err != nil {
		return nil, nil, err
	}
	if rev, err = pb.CreateBucketIfNotExists([]byte(revPrefix + coll)); err != nil {
		return nil, nil, err
	}
	return idx, rev, nil
}

// dropIndex removes coll's index (a record of a type without keys was
// stored in it, so the index is no longer complete).
func (tx *Tx) dropIndex(coll string) error {
	pb, _ := tx.scoped(false)
	if pb == nil {
		return nil
	}
	if tx.ws != nil {
		tx.ws.wroteCollection(tx, coll)
	}
	for _, n := range []string{idxPrefix + coll, revPrefix + coll, cntPrefix + coll} {
		if err := pb.DeleteBucket([]byte(n)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
			return err
		}
	}
	return nil
}

// reindex writes id's keys and counted groups, replacing the ones it had:
// only the entries that changed are written (most writes change none; an
// update that moves updated_at moves just its keys).
func (tx *Tx) reindex(coll string, idx, rev *bolt.Bucket, id string, info indexOf) error {
	if tx.counted { // a record being indexed from scratch (buildIndex)
		return tx.reindexFrom(coll, idx, rev, id, info, nil, nil)
	}
	keys, counts := info.keys, info.counts
	joined := joinKeys(keys, counts)
	old := rev.Get([]byte(id))
	if old != nil && bytes.Equal(old, joined) {
		return tx.revalue(coll, idx, id, info, keys)
	}
	oldKeys, oldCounts := splitKeys(bytes.Clone(old))
	if err := tx.moveEntries(coll, idx, id, oldKeys, keys, oldCounts, counts, info.values); err != nil {
		return err
	}
	if err := tx.revalue(coll, idx, id, info, oldKeys); err != nil {
		return err
	}
	if len(keys) == 0 && len(counts) == 0 {
		if old == nil {
			return nil
		}
		return rev.Delete([]byte(id))
	}
	return rev.Put([]byte(id), joined)
}

// revalue rewrites the values (IndexCovered) of id's entries that it had
// before (under oldKeys) and keeps, where they changed; moveEntries wrote
// the new entries with theirs.
func (tx *Tx) revalue(coll string, idx *bolt.Bucket, id string, info indexOf, oldKeys []string) error {
	if info.values == nil {
		return nil
	}
	for i, k := range info.keys {
		v := info.values[i]
		if v == nil || !slices.Contains(oldKeys, k) {
			continue
		}
		e := indexEntry(k, id)
		if bytes.Equal(idx.Get(e), v) {
			continue
		}
		if err := idx.Put(e, v); err != nil {
			return err
		}
		if tx.ws != nil {
			tx.ws.wroteEntry(tx, coll, e)
		}
	}
	return nil
}

func (tx *Tx) unindex(coll string, idx, rev *bolt.Bucket, id string) error {
	old := rev.Get([]byte(id))
	if old == nil {
		return nil
	}
	oldKeys, oldCounts := splitKeys(bytes.Clone(old))
	if err := tx.moveEntries(coll, idx, id, oldKeys, nil, oldCounts, nil, nil); err != nil {
		return err
	}
	return rev.Delete([]byte(id))
}

// moveEntries removes id's index entries and counts that are in old but
// not in new and adds those in new but not in old (with their values, when
// values holds them: IndexCovered).
func (tx *Tx) moveEntries(coll string, idx *bolt.Bucket, id string, oldKeys, newKeys, oldCounts, newCounts []string, values [][]byte) error {
	for _, k := range oldKeys {
		if !slices.Contains(newKeys, k) {
			e := indexEntry(k, id)
			if err := idx.Delete(e); err != nil {
				return err
			}
			if tx.ws != nil {
				tx.ws.wroteEntry(tx, coll, e)
			}
		}
	}
	for i, k := range newKeys {
		if !slices.Contains(oldKeys, k) {
			e := indexEntry(k, id)
			var v []byte
			if values != nil {
				v = values[i]
			}
			if err := idx.Put(e, v); err != nil {
				return err
			}
			if tx.ws != nil {
				tx.ws.wroteEntry(tx, coll, e)
			}
		}
	}
	for _, g := range oldCounts {
		if !slices.Contains(newCounts, g) {
			if err := tx.addCount(coll, g, -1); err != nil {
				return err
			}
		}
	}
	for i, g := range newCounts {
		if !slices.Contains(oldCounts, g) && !slices.Contains(newCounts[:i], g) {
			if err := tx.addCount(coll, g, 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// joinKeys is a record's rev entry: each key after its length (keys hold
// \x00), then, when it has counted groups, an empty entry and each group.
func joinKeys(keys, counts []string) []byte {
	var joined []byte
	for _, k := range keys {
		joined = binary.AppendUvarint(joined, uint64(len(k)))
		joined = append(joined, k...)
	}
	if len(counts) > 0 {
		joined = binary.AppendUvarint(joined, 0)
		for _, g := range counts {
			joined = binary.AppendUvarint(joined, uint64(len(g)))
			joined = append(joined, g...)
		}
	}
	return joined
}

// splitKeys reads a rev entry back (what it cannot read is not ours: the
// entries it named stay, Lookup skips ids that are gone).
func splitKeys(old []byte) (keys, counts []string) {
	inCounts := false
	for len(old) > 0 {
		n, w := binary.Uvarint(old)
		if w <= 0 || uint64(len(old)-w) < n {
			break
		}
		k := string(old[w : w+int(n)])
		old = old[w+int(n):]
		switch {
		case n == 0 && !inCounts:
			inCounts = true
		case inCounts:
			counts = append(counts, k)
		default:
			keys = append(keys, k)
		}
	}
	return keys, counts
}

func indexEntry(key, id string) []byte {
	e := make([]byte, 0, len(key)+1+len(id))
	e = append(e, key...)
	e = append(e, 0)
	return append(e, id...)
}

// indexOf is what the index of a record's collection takes from the record
// when it is put: read at once, since a speculation stores it later (and
// its caller may change the value meanwhile).
type indexOf struct {
	indexed      bool
	keys, counts []string
	values       [][]byte // IndexCovered's, by key (nil: none at all)
	version      uint64   // IndexVersioned's, 0 for none
	typ          reflect.Type
}

func indexInfo(v any) indexOf {
	ix, ok := v.(Indexed)
	if !ok {
		return indexOf{}
	}
	info := indexOf{indexed: true, typ: reflect.TypeOf(v)}
	if kc, ok := v.(KeysCounted); ok {
		info.keys, info.counts = kc.IndexCountKeys()
	} else {
		info.keys, info.counts = ix.IndexKeys(), countKeys(v)
	}
	if iv, ok := v.(IndexVersioned); ok {
		info.version = iv.IndexVersion()
	}
	if ic, ok := v.(IndexCovered); ok {
		info.values = make([][]byte, len(info.keys))
		for i, k := range info.keys {
			info.values[i] = ic.IndexValue(k)
		}
	}
	return info
}

// IndexCovered is an Indexed record that keeps a value in some of its index
// entries (a digest of what a walk of them needs), so that LookupCovered
// answers from the index alone, without reading each record. The value is
// rewritten whenever it changes, in the same transaction as the record.
type IndexCovered interface {
	Indexed
	IndexValue(key string) []byte // nil: the entry keeps none
}

// putIndexed keeps coll's index in step with a Put of a record (info)
// under id. b is the collection's bucket, fresh tells whether the Put
// created it, existed whether id was there before.
//
// old is id's stored record before the Put (nil when new) and known its
// keys when the caller has them (a speculation decoded them): a
// speculative provider's index takes old keys from them (derive.go).
func (tx *Tx) putIndexed(b *bolt.Bucket, coll, id string, info indexOf, fresh, existed bool, old []byte, known *indexOf) error {
	if !info.indexed {
		if idx, _, _ := tx.indexBuckets(coll, false); idx != nil {
			return tx.dropIndex(coll)
		}
		return nil
	}
	idx, rev, err := tx.indexBuckets(coll, false)
	if err != nil {
		return err
	}
	built := fresh // the index holds every record's current keys
	if idx == nil || rev == nil {
		built = true
		if idx, rev, err = tx.indexBuckets(coll, true); err != nil {
			return err
		}
		if !fresh {
			// Records from before the index: index them once, now.
			if err := tx.buildIndex(coll, b, idx, rev, info.typ, id); err != nil {
				return err
			}
		}
		existed = true // counted by buildIndex, or below
		if err := idx.SetSequence(uint64(countRecords(b))); err != nil {
			return err
		}
	}
	if !existed {
		// The index bucket's sequence is the collection's record count.
		if err := idx.SetSequence(idx.Sequence() + 1); err != nil {
			return err
		}
	}
	rebuilt, err := tx.upgradeIndex(coll, b, &idx, &rev, id, info, built)
	if err != nil {
		return err
	}
	if !tx.counted {
		return tx.reindex(coll, idx, rev, id, info)
	}
	tx.learnType(coll, info.typ)
	if built || rebuilt {
		old, known = nil, nil // indexed from scratch but for id
	}
	return tx.reindexFrom(coll, idx, rev, id, info, old, known)
}

// IndexVersioned is an Indexed type whose keys changed after data files
// were written with the old ones: an index of a lower version (0 for one
// built before the type had a version) is rebuilt from the records at the
// collection's next Put of this type, and until then IndexVersion tells
// readers that it lacks the new keys (they scan).
type IndexVersioned interface {
	Indexed
	IndexVersion() uint64
}

// upgradeIndex rebuilds coll's index when the record's type has a newer
// version than the index's (kept as the rev bucket's sequence, which
// nothing else uses and snapshots carry).
// It tells whether it indexed the records again (a speculative provider's
// index is emptied first: rebuildIndex), and replaces idx and rev then.
func (tx *Tx) upgradeIndex(coll string, b *bolt.Bucket, idx, rev **bolt.Bucket, id string, info indexOf, built bool) (bool, error) {
	if info.version == 0 || (*rev).Sequence() >= info.version {
		return false, nil
	}
	rebuilt := false
	switch {
	case built:
	case tx.counted:
		var err error
		if *idx, *rev, err = tx.rebuildIndex(coll, b, info.typ, id); err != nil {
			return false, err
		}
		rebuilt = true
	default:
		if err := tx.buildIndex(coll, b, *idx, *rev, info.typ, id); err != nil {
			return false, err
		}
	}
	return rebuilt, (*rev).SetSequence(info.version)
}

// IndexVersion is the version of the keys coll's index holds (see
// IndexVersioned); ErrNoIndex when coll has records but no index, 0 and no
// error when it has no records.
func (tx *Tx) IndexVersion(coll string) (uint64, error) {
	if !tx.specWhole(coll) {
		return 0, errSpeculation
	}
	b, _, err := tx.indexed(coll)
	if b == nil || err != nil {
		return 0, err
	}
	_, rev, _ := tx.indexBuckets(coll, false)
	return rev.Sequence(), nil
}

// buildIndex indexes every record of b but skip, decoding each into a new
// value of t (the pointer type of the record being stored).
func (tx *Tx) buildIndex(coll string, b, idx, rev *bolt.Bucket, t reflect.Type, skip string) error {
	if t.Kind() != reflect.Pointer {
		return nil
	}
	type entry struct {
		id   string
		info indexOf
	}
	var all []entry
	err := b.ForEach(func(k, raw []byte) error {
		if raw == nil || string(k) == skip {
			return nil
		}
		p := reflect.New(t.Elem()).Interface()
		if err := gojson.Unmarshal(raw, p); err != nil {
			return err
		}
		if info := indexInfo(p); info.indexed {
			all = append(all, entry{string(k), info})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range all {
		if err := tx.reindex(coll, idx, rev, e.id, e.info); err != nil {
			return err
		}
	}
	return nil
}

func countRecords(b *bolt.Bucket) int {
	n := 0
	_ = b.ForEach(func(_, v []byte) error {
		if v != nil {
			n++
		}
		return nil
	})
	return n
}

// IndexedCount is how many records coll holds, without walking it; ErrNoIndex
// when coll has records but no index.
func (tx *Tx) IndexedCount(coll string) (int, error) {
	if !tx.specWhole(coll) {
		return 0, errSpeculation
	}
	b, idx, err := tx.indexed(coll)
	if b == nil || err != nil {
		return 0, err
	}
	return int(idx.Sequence()), nil
}

// indexed is coll's bucket and its index (b nil: no such collection);
// ErrNoIndex when coll has records but no index.
func (tx *Tx) indexed(coll string) (b, idx *bolt.Bucket, err error) {
	if b, _ = tx.collection(coll, false); b == nil {
		return nil, nil, nil
	}
	idx, rev, _ := tx.indexBuckets(coll, false)
	if idx == nil || rev == nil {
		if k, _ := b.Cursor().First(); k == nil {
			return nil, nil, nil // empty: nothing to find
		}
		return nil, nil, ErrNoIndex
	}
	return b, idx, nil
}

// Lookup calls fn with the records of coll whose index keys start with
// prefix, in key order (newest first with reverse), until fn says stop.
// ErrNoIndex means the collection has records but no index: scan it.
func (tx *Tx) Lookup(coll, prefix string, reverse bool, fn func(id string, raw []byte) (more bool, err error)) error {
	return tx.LookupFrom(coll, prefix, reverse, 0, fn)
}

// LookupFrom is Lookup after skipping the first skip entries (a page's
// offset: the entries skipped are not read from the collection).
func (tx *Tx) LookupFrom(coll, prefix string, reverse bool, skip int, fn func(id string, raw []byte) (more bool, err error)) error {
	return tx.walk(coll, prefix, "", reverse, skip, func(_, id string, raw []byte) (bool, error) { return fn(id, raw) })
}

// seekLast positions c on the last key with prefix p (or where it would be)
// and gives it and its value.
func seekLast(c *bolt.Cursor, p []byte) (k, v []byte) {
	// The first key after every key with prefix p: p with its last byte
	// raised (bytes at 0xff carry over).
	end := append([]byte(nil), p...)
	for len(end) > 0 && end[len(end)-1] == 0xff {
		end = end[:len(end)-1]
	}
	if len(end) == 0 {
		return c.Last()
	}
	end[len(end)-1]++
	if k, _ := c.Seek(end); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// Walk is Lookup from a point: forward over the index keys with prefix that
// are >= from, or with reverse over those < from (from "" is every key),
// giving fn each index key as well (its suffix may carry the sort values).
func (tx *Tx) Walk(coll, prefix, from string, reverse bool, fn func(key, id string, raw []byte) (more bool, err error)) error {
	return tx.walk(coll, prefix, from, reverse, 0, fn)
}

// walk is Walk after skipping the first skip index entries (their records
// are not read).
func (tx *Tx) walk(coll, prefix, from string, reverse bool, skip int, fn func(key, id string, raw []byte) (more bool, err error)) error {
	return tx.entries(coll, prefix, from, reverse, func(b *bolt.Bucket, key, id, _ []byte) (bool, error) {
		if skip > 0 {
			skip--
			return true, nil
		}
		raw := b.Get(id)
		if raw == nil {
			return true, nil
		}
		tx.specRead(coll, string(id))
		return fn(string(key), string(id), raw)
	})
}

// entries calls fn with each index entry of coll under prefix (from and
// reverse as Walk): its key and id and the value it keeps, and b, the
// collection's bucket.
func (tx *Tx) entries(coll, prefix, from string, reverse bool, fn func(b *bolt.Bucket, key, id, value []byte) (more bool, err error)) error {
	if !tx.specWalk(coll, prefix) {
		return errSpeculation
	}
	b, idx, err := tx.indexed(coll)
	if b == nil || err != nil {
		return err
	}
	c := idx.Cursor()
	p := []byte(prefix)
	var k, v []byte
	switch {
	case from == "" && reverse:
		k, v = seekLast(c, p)
	case from == "":
		k, v = c.Seek(p)
	case reverse:
		if k, _ = c.Seek([]byte(from)); k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	default:
		k, v = c.Seek([]byte(from))
	}
	for ; k != nil && bytes.HasPrefix(k, p); k, v = step(c, reverse) {
		i := bytes.LastIndexByte(k, 0)
		if i < 0 {
			continue
		}
		more, err := fn(b, k[:i], k[i+1:], v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// LookupCovered calls fn with the id and kept value (IndexCovered) of each
// index entry of coll under prefix, in key order, until fn says stop,
// without reading the records: an empty value (an entry written before its
// type kept one) is the caller's to read from the record. ErrNoIndex as
// Lookup. id and value are valid only during the call (a walk of a
// cart's lines makes no string of each id).
func (tx *Tx) LookupCovered(coll, prefix string, fn func(id, value []byte) (more bool, err error)) error {
	return tx.entries(coll, prefix, "", false, func(_ *bolt.Bucket, _, id, value []byte) (bool, error) { return fn(id, value) })
}
