package store

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"

	"github.com/paysandbox/paysandbox/emulator/ids"
)

// Tx is a transaction scoped to one provider's records of one tenant, with
// access to the shared system buckets.
type Tx struct {
	btx      *bolt.Tx
	provider string
	tenant   string
	write    bool
	ids      *ids.Source
	tag      string
	ordered  ordered      // the store's ordered collections (ordered.go)
	reserved *sync.Map    // the store's reservations of ordered ids (nil outside a tenant's transactions)
	scope    *bolt.Bucket // tenants/<tenant>/<provider>, once found (see scoped)
	// A speculative provider's transaction (speculate.go): counted takes
	// sequences from the store's counters, sp is set while speculating, ws
	// on the committer.
	counted bool
	sp      *spec
	ws      *writeSet
	types   *sync.Map   // the store's record types per collection (derive.go)
	subs    []subBucket // a read transaction's buckets below scope, once found (see sub)
}

// scoped is the bucket that holds the transaction's tenant's records of its
// provider (nil while there is none; with create, made if missing). It is
// looked up once per transaction: every Get went down four levels of
// buckets before (the root, the tenant, the provider, the collection),
// a tenth of a Commerce Layer read. Nothing deletes a tenant's or a
// provider's bucket inside one of its own transactions (resets and restores
// run on the bbolt transaction), so the handle stays valid; collection and
// index buckets below it are looked up each time, since dropIndex deletes
// some.
func (tx *Tx) scoped(create bool) (*bolt.Bucket, error) {
	if tx.scope != nil {
		return tx.scope, nil
	}
	root := tx.btx.Bucket(bTenants)
	if !create {
		tx.scope = nested(root, tx.tenant, tx.provider)
		return tx.scope, nil
	}
	b, err := nestedCreate(root, tx.tenant, tx.provider)
	if err != nil {
		return nil, err
	}
	tx.scope = b
	return b, nil
}

type subBucket struct {
	prefix, coll string
	b            *bolt.Bucket
}

// sub is the bucket prefix+coll below the scope pb (always the
// transaction's scope: the memo is keyed by prefix and coll alone; nil
// when there is none). A read transaction (a view, a speculation) keeps
// what it finds: nothing in it makes or drops a bucket, and a request asks
// for the same few again and again, each a seek and a bucket header to
// decode. bbolt's write transactions keep their own.
func (tx *Tx) sub(pb *bolt.Bucket, prefix, coll string) *bolt.Bucket {
	if tx.btx.Writable() {
		return pb.Bucket([]byte(prefix + coll))
	}
	for _, s := range tx.subs {
		if s.coll == coll && s.prefix == prefix {
			return s.b
		}
	}
	b := pb.Bucket([]byte(prefix + coll))
	tx.subs = append(tx.subs, subBucket{prefix, coll, b})
	return b
}

// Tag is the tag that the write's context carries (WithTag; "" if none).
func (tx *Tx) Tag() string { return tx.tag }

// IDs draws ids and random values through the transaction: the n-th draw of
// a tenant's provider is a pure function of the seed, the tenant, the
// provider and n, and n is counted in the transaction (the provider
// bucket's sequence). So a transaction that runs twice (Update may) draws
// the same values twice, and the same --seed gives the same ids however
// other tenants' requests interleave. Outside a write transaction scoped to
// a tenant it draws from the shared stream.
func (tx *Tx) IDs() TxIDs { return TxIDs{tx} }

// TxIDs is the transaction's id generator.
type TxIDs struct{ tx *Tx }

// source is the store's id source (a fixed one for a bare Tx).
func (tx *Tx) source() *ids.Source {
	if tx.ids == nil {
		return fallbackIDs
	}
	return tx.ids
}

func (t TxIDs) gen() ids.Gen {
	tx := t.tx
	src := tx.source()
	if !tx.write || tx.tenant == "" || tx.provider == "" {
		return src.Shared()
	}
	b, err := tx.scoped(tx.sp == nil)
	if err != nil {
		return src.Shared()
	}
	var n uint64
	if tx.counted {
		n, err = tx.sequence(idsCounter(tx.provider, tx.tenant), b)
	} else {
		n, err = b.NextSequence()
	}
	if err != nil {
		return src.Shared()
	}
	return src.At(tx.provider+"/"+tx.tenant, n)
}

var fallbackIDs = ids.New(0)

// UUID is a random (version 4) UUID.
func (t TxIDs) UUID() string { return t.gen().UUID() }

// Hex is n lowercase hex digits.
func (t TxIDs) Hex(n int) string { return t.gen().Hex(n) }

// Alnum is n characters from A-Z, a-z and 0-9.
func (t TxIDs) Alnum(n int) string { return t.gen().Alnum(n) }

// Upper is n characters from A-Z and 0-9.
func (t TxIDs) Upper(n int) string { return t.gen().Upper(n) }

// Digits is n decimal digits, the first one not zero.
func (t TxIDs) Digits(n int) string { return t.gen().Digits(n) }

// Intn is a number in [0, n).
func (t TxIDs) Intn(n int) int { return t.gen().Intn(n) }

// Ref finds the tenant that a global key of kind belongs to (see SetRef),
// inside the transaction.
func (tx *Tx) Ref(kind, key string) (string, error) {
	if tx.sp != nil {
		return "", tx.sp.abort()
	}
	b := nested(tx.btx.Bucket(bRefs), tx.provider, kind)
	if b == nil {
		return "", ErrNotFound
	}
	v := b.Get([]byte(key))
	if v == nil {
		return "", ErrNotFound
	}
	return string(v), nil
}

// Tenant is the tenant this transaction is scoped to.
func (tx *Tx) Tenant() string { return tx.tenant }

// Provider is the provider this transaction is scoped to.
func (tx *Tx) Provider() string { return tx.provider }

func (tx *Tx) collection(name string, create bool) (*bolt.Bucket, error) {
	pb, err := tx.scoped(create)
	if pb == nil || err != nil {
		return nil, err
	}
	if !create {
		return tx.sub(pb, "", name), nil
	}
	return pb.CreateBucketIfNotExists([]byte(name))
}

// Get decodes the record collection/id into v.
func (tx *Tx) Get(collection, id string, v any) error {
	b, _ := tx.collection(collection, false)
	if raw, ok := tx.specGet(b, collection, id); ok {
		if raw == nil {
			return tx.notFound()
		}
		if err := decodeJSON(raw, v); err != nil {
			return err
		}
		tx.sp.noteKeys(collection, id, raw, v)
		return nil
	}
	if _, raw, _ := tx.locate(b, collection, id); raw != nil {
		return decodeJSON(raw, v)
	}
	return ErrNotFound
}

// Exists tells whether collection/id exists.
func (tx *Tx) Exists(collection, id string) bool {
	b, _ := tx.collection(collection, false)
	if raw, ok := tx.specGet(b, collection, id); ok {
		return raw != nil
	}
	_, raw, _ := tx.locate(b, collection, id)
	return raw != nil
}

// Put stores v as collection/id.
// A v that implements Indexed also updates the collection's index.
func (tx *Tx) Put(collection, id string, v any) error {
	if tx.sp != nil {
		return tx.specPut(collection, id, v)
	}
	raw, err := gojson.Marshal(v)
	if err != nil {
		return err
	}
	return tx.putRaw(collection, id, raw, func() indexOf { return indexInfo(v) }, nil)
}

// putRaw is Put of a record encoded as raw, with what its index takes
// (asked for only when the record changes).
// known: the old record's keys, when the caller decoded them (derive.go).
func (tx *Tx) putRaw(collection, id string, raw []byte, indexFor func() indexOf, known *indexOf) error {
	b, _ := tx.collection(collection, false)
	fresh := b == nil
	if fresh {
		var err error
		if b, err = tx.collection(collection, true); err != nil {
			return err
		}
	}
	key, old, seq := tx.locate(b, collection, id)
	if old != nil && bytes.Equal(old, raw) {
		// Nothing changes (a refresh re-saving what it read): writing it
		// would still dirty the page and its index entries.
		return nil
	}
	info := indexFor()
	if info.indexed && tx.isOrdered(collection) {
		return fmt.Errorf("store: %s/%s is ordered: its records cannot be Indexed", tx.provider, collection)
	}
	if err := b.Put(key, raw); err != nil {
		return err
	}
	if tx.ws != nil {
		tx.ws.wrote(tx, collection, id)
	}
	if old == nil && seq > 0 {
		if err := raiseTo(b, seq); err != nil {
			return err
		}
	}
	return tx.putIndexed(b, collection, id, info, fresh, old != nil, old, known)
}

// Delete removes collection/id (no error if absent).
func (tx *Tx) Delete(collection, id string) error {
	if tx.sp != nil {
		return tx.specDelete(collection, id)
	}
	b, _ := tx.collection(collection, false)
	key, raw, _ := tx.locate(b, collection, id)
	if raw == nil {
		return nil
	}
	if err := b.Delete(key); err != nil {
		return err
	}
	if tx.ws != nil {
		tx.ws.wrote(tx, collection, id)
	}
	if idx, rev, _ := tx.indexBuckets(collection, false); idx != nil && rev != nil {
		if err := idx.SetSequence(idx.Sequence() - 1); err != nil {
			return err
		}
		if tx.counted {
			return tx.unindexFrom(collection, idx, rev, id, raw)
		}
		return tx.unindex(collection, idx, rev, id)
	}
	return nil
}

// List calls fn for each record of collection, in key order.
func (tx *Tx) List(collection string, fn func(id string, raw []byte) error) error {
	if !tx.specWhole(collection) {
		return errSpeculation
	}
	b, _ := tx.collection(collection, false)
	if b == nil {
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		if v == nil {
			return nil
		}
		return fn(tx.idOf(collection, k), v)
	})
}

// ListBack calls fn for the records of collection in reverse key order
// until fn says no more: the newest first in an ordered collection.
func (tx *Tx) ListBack(collection string, fn func(id string, raw []byte) (more bool, err error)) error {
	if !tx.specWhole(collection) {
		return errSpeculation
	}
	b, _ := tx.collection(collection, false)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		if v == nil {
			continue
		}
		if more, err := fn(tx.idOf(collection, k), v); err != nil || !more {
			return err
		}
	}
	return nil
}

// Count is the number of records in collection.
func (tx *Tx) Count(collection string) int {
	if !tx.specWhole(collection) {
		return 0
	}
	b, _ := tx.collection(collection, false)
	if b == nil {
		return 0
	}
	n := 0
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if v != nil { // a nested bucket is not a record
			n++
		}
	}
	return n
}

// NextSequence returns a number that grows with every call for this
// collection of this tenant (for sequential ids).
func (tx *Tx) NextSequence(collection string) (uint64, error) {
	b, err := tx.collection(collection, tx.sp == nil)
	if err != nil {
		return 0, err
	}
	if tx.counted {
		return tx.sequence(seqCounter(tx.provider, tx.tenant, collection), b)
	}
	return b.NextSequence()
}

// SetRef records that the global key of kind belongs to this tenant, so that
// endpoints without credentials (a browser page, a client token) find it.
func (tx *Tx) SetRef(kind, key string) error {
	if tx.sp != nil {
		return tx.sp.abort()
	}
	b, err := nestedCreate(tx.btx.Bucket(bRefs), tx.provider, kind)
	if err != nil {
		return err
	}
	if err := b.Put([]byte(key), []byte(tx.tenant)); err != nil {
		return err
	}
	return own(tx.btx, tx.tenant, refEntry(tx.provider, kind, key))
}

// Sys gives shared infrastructure (scheduler, webhooks) a bucket of its own.
// Records in it should carry a "tenant" JSON field so that a tenant reset
// finds them.
func (tx *Tx) Sys(name string) *SysBucket {
	if tx.sp != nil {
		_ = tx.sp.abort() // its writes would fail on the read transaction
	}
	return &SysBucket{tx: tx, name: name}
}

// SysBucket is a global bucket of JSON records.
type SysBucket struct {
	tx   *Tx
	name string
}

func (s *SysBucket) bucket(create bool) (*bolt.Bucket, error) {
	if !create {
		return nested(s.tx.btx.Bucket(bSys), s.name), nil
	}
	return nestedCreate(s.tx.btx.Bucket(bSys), s.name)
}

// Get decodes key into v.
func (s *SysBucket) Get(key string, v any) error {
	b, _ := s.bucket(false)
	return getJSON(b, key, v)
}

// Put stores v under key.
func (s *SysBucket) Put(key string, v any) error {
	b, err := s.bucket(true)
	if err != nil {
		return err
	}
	raw, err := gojson.Marshal(v)
	if err != nil {
		return err
	}
	return sysPut(s.tx.btx, b, s.name, []byte(key), raw)
}

// Delete removes key.
func (s *SysBucket) Delete(key string) error {
	b, _ := s.bucket(false)
	if b == nil {
		return nil
	}
	return sysDelete(s.tx.btx, b, s.name, []byte(key))
}

// NextID returns a sortable, growing id with the given prefix.
func (s *SysBucket) NextID(prefix string) (string, error) {
	b, err := s.bucket(true)
	if err != nil {
		return "", err
	}
	n, err := b.NextSequence()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%012d", prefix, n), nil
}

// List calls fn for each record in key order; reverse walks newest first.
func (s *SysBucket) List(reverse bool, fn func(key string, raw []byte) (more bool, err error)) error {
	return s.ListPrefix("", reverse, fn)
}

func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// SysView runs fn in a read-only transaction not scoped to any tenant.
func (s *Store) SysView(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(btx *bolt.Tx) error { return fn(&Tx{btx: btx}) })
}

// SysUpdate runs fn in a read-write transaction not scoped to any tenant.
// Like Update, it drops a write whose ctx is done before it commits.
func (s *Store) SysUpdate(ctx context.Context, fn func(tx *Tx) error) error {
	tag := tagOf(ctx)
	return s.w.do(ctx, func(btx *bolt.Tx) error { return fn(&Tx{btx: btx, write: true, tag: tag}) })
}

func getJSON(b *bolt.Bucket, key string, v any) error {
	if b == nil {
		return ErrNotFound
	}
	raw := b.Get([]byte(key))
	if raw == nil {
		return ErrNotFound
	}
	return decodeJSON(raw, v)
}

// notFound is a missing record's error (in an ended speculation, the
// speculation's).
func (tx *Tx) notFound() error {
	if tx.sp != nil && tx.sp.aborted {
		return errSpeculation
	}
	return ErrNotFound
}

// decodeJSON reads a record. goccy/go-json reads the same encoding five
// times faster than encoding/json, and reads dominate a read-heavy API.
func decodeJSON(raw []byte, v any) error { return gojson.Unmarshal(raw, v) }
