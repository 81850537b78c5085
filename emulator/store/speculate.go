package store

import (
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
)

// Speculative writes (optimistic concurrency). The committer runs every
// write function one at a time, so a write whose function does much work
// (a Commerce Layer cart change re-prices the whole order) caps the writes
// per second of the whole instance however many CPUs wait. For a provider
// made speculative (Speculate), Update runs the function in the request's
// goroutine, against a read transaction, with its writes kept aside; the
// committer then only checks that nothing the function read has been
// written since its snapshot and stores the kept writes. A function whose
// reads were overwritten runs again on the committer, as every write used
// to, so the outcome is always that of some serial order.
//
// What a speculation reads, and what a conflict is:
//
//   - a record (Get, Exists, and the old value behind Put and Delete): a
//     later write of the same record;
//   - an index walk (Lookup, Walk): a later index entry added or removed
//     under the walked prefix, or a later write of a record it read;
//   - a whole collection (List, ListBack, Count, the index counts and
//     version): any later write to the collection.
//
// Anything else (system buckets and jobs, refs, ordered collections, a
// walk of a collection the function has already written) ends the
// speculation, and the function runs on the committer. So does a reset or a
// restore (they write without the committer's bookkeeping): every
// speculation whose snapshot is older runs again.
//
// Sequences (NextSequence, and the count behind Tx.IDs) cannot be checked
// this way: every create advances them. A speculative provider's
// sequences come from a counter per bucket instead (shared by speculations
// and the committer, rolled back with a failed transaction, given back by
// a speculation that does not write), and the committer raises the stored
// sequence to what a speculation used. Run one request at a time, the
// counters hand out the numbers the buckets would, so the same --seed
// still gives the same ids.

// errSpeculation is what an operation a speculation cannot do answers; the
// function runs again on the committer whatever it made of the error.
var errSpeculation = errors.New("store: not possible in a speculative write")

// logCap is how many commits the committer remembers the writes of: a
// speculation whose snapshot is older than all of them runs again.
const logCap = 256

// speculative is the set of providers whose writes speculate.
type speculative struct {
	mu  sync.Mutex
	set atomic.Pointer[map[string]bool]
}

// Speculate makes provider's writes speculative (see above). Call it when
// the provider starts, before its first request. Its write functions must
// not depend on running one at a time (they never could rely on running
// once).
func (s *Store) Speculate(provider string) {
	s.specs.mu.Lock()
	defer s.specs.mu.Unlock()
	next := map[string]bool{provider: true}
	if m := s.specs.set.Load(); m != nil {
		for p := range *m {
			next[p] = true
		}
	}
	s.specs.set.Store(&next)
}

// SpeculationCounts are how many speculative writes were stored as
// speculated, how many ran again on the committer because something they
// read was overwritten, and how many ended early (an operation a
// speculation cannot do) and ran on the committer.
func (s *Store) SpeculationCounts() (applied, rerun, ended uint64) {
	return s.specApplied.Load(), s.specRerun.Load(), s.specEnded.Load()
}

func (s *Store) speculates(provider string) bool {
	m := s.specs.set.Load()
	return m != nil && (*m)[provider]
}

var hashSeed = maphash.MakeSeed()

// recordHash names collection/id of the transaction's scope in read and
// write sets; a collision only makes a false conflict (a function that runs
// again).
func (tx *Tx) recordHash(collection, id string) uint64 { return tx.scopeHash(0, collection, id) }

// collectionHash names a collection of the transaction's scope.
func (tx *Tx) collectionHash(collection string) uint64 { return tx.scopeHash(1, collection, "") }

// scopeHash hashes the scope, a kind of name (record 0, collection 1) and
// the name.
func (tx *Tx) scopeHash(kind byte, collection, id string) uint64 {
	var h maphash.Hash
	h.SetSeed(hashSeed)
	h.WriteString(tx.provider)
	h.WriteByte(0)
	h.WriteString(tx.tenant)
	h.WriteByte(kind)
	h.WriteString(collection)
	h.WriteByte(0)
	h.WriteString(id)
	return h.Sum64()
}

// spec is a speculation: what its function read, and the writes it keeps
// for the committer.
type spec struct {
	snap    uint64 // the read transaction's id: every commit up to it is seen
	aborted bool
	reads   []uint64 // recordHash
	colls   []uint64 // collectionHash
	walks   []walkRead
	ops     []specOp
	latest  map[specKey]int // the last op of each record
	written map[string]bool // collections with ops
	seqs    []*reservation
	stored  []storedKeys // the keys of stored records it decoded (noteKeys)
}

// storedKeys are the index keys of a stored record a speculation read.
type storedKeys struct {
	collection, id string
	raw            []byte
	info           indexOf
}

// noteKeys keeps the index keys of the stored record collection/id (raw)
// as Get decoded it into v, before the caller changes v: a Put of it then
// takes its old keys from here instead of decoding the record again (a
// cart change reads its order, changes it and writes it back).
func (sp *spec) noteKeys(collection, id string, raw []byte, v any) {
	if info := indexInfo(v); info.indexed {
		sp.stored = append(sp.stored, storedKeys{collection, id, raw, info})
	}
}

// storedKeysOf are the keys noteKeys kept for collection/id stored as old
// and decoded as typ.
func (sp *spec) storedKeysOf(collection, id string, old []byte, typ reflect.Type) (*indexOf, bool) {
	for i := range sp.stored {
		k := &sp.stored[i]
		if k.id == id && k.collection == collection && k.info.typ == typ && bytes.Equal(k.raw, old) {
			return &k.info, true
		}
	}
	return nil, false
}

type specKey struct{ collection, id string }

type specOp struct {
	collection, id string
	raw            []byte // nil: a delete
	index          indexOf
	old            *indexOf // the keys of the record it replaces, decoded here
}

type walkRead struct {
	collection uint64
	prefix     string
}

func (sp *spec) abort() error {
	sp.aborted = true
	return errSpeculation
}

// overlay is the function's own write of collection/id, if any: its raw
// record, nil for a delete.
func (sp *spec) overlay(collection, id string) (raw []byte, ok bool) {
	i, ok := sp.latest[specKey{collection, id}]
	if !ok {
		return nil, false
	}
	return sp.ops[i].raw, true
}

func (sp *spec) keep(op specOp) {
	if sp.latest == nil {
		sp.latest, sp.written = map[specKey]int{}, map[string]bool{}
	}
	sp.latest[specKey{op.collection, op.id}] = len(sp.ops)
	sp.written[op.collection] = true
	sp.ops = append(sp.ops, op)
}

// specGet is collection/id as the speculation sees it (handled false: not
// speculating).
func (tx *Tx) specGet(b *bolt.Bucket, collection, id string) (raw []byte, handled bool) {
	sp := tx.sp
	if sp == nil {
		return nil, false
	}
	if tx.isOrdered(collection) {
		_ = sp.abort()
		return nil, true
	}
	if raw, ok := sp.overlay(collection, id); ok {
		return raw, true
	}
	sp.reads = append(sp.reads, tx.recordHash(collection, id))
	if b == nil {
		return nil, true
	}
	return b.Get([]byte(id)), true
}

// specPut keeps a Put of a speculation.
func (tx *Tx) specPut(collection, id string, v any) error {
	b, _ := tx.collection(collection, false)
	old, _ := tx.specGet(b, collection, id)
	if tx.sp.aborted {
		return errSpeculation
	}
	raw, err := gojson.Marshal(v)
	if err != nil {
		return err
	}
	if old != nil && bytes.Equal(old, raw) {
		return nil
	}
	op := specOp{collection: collection, id: id, raw: raw, index: indexInfo(v)}
	if old != nil && op.index.indexed {
		// The committer stores the op only if the record is still old
		// (the read is checked), so its keys are decoded here, in parallel.
		if info, ok := tx.sp.storedKeysOf(collection, id, old, op.index.typ); ok {
			op.old = info
		} else if info, ok := decodeKeys(op.index.typ, old); ok {
			op.old = &info
		}
	}
	tx.sp.keep(op)
	return nil
}

// specDelete keeps a Delete of a speculation.
func (tx *Tx) specDelete(collection, id string) error {
	b, _ := tx.collection(collection, false)
	old, _ := tx.specGet(b, collection, id)
	if tx.sp.aborted {
		return errSpeculation
	}
	if old != nil {
		tx.sp.keep(specOp{collection: collection, id: id})
	}
	return nil
}

// specWhole notes that the speculation reads all of collection; false
// when it cannot (it wrote the collection: what it read would lack its
// own writes).
func (tx *Tx) specWhole(collection string) bool {
	sp := tx.sp
	if sp == nil {
		return true
	}
	if sp.written[collection] || tx.isOrdered(collection) {
		_ = sp.abort()
		return false
	}
	sp.colls = append(sp.colls, tx.collectionHash(collection))
	return true
}

// specWalk notes a walk of collection's index under prefix; false when the
// speculation cannot walk it.
func (tx *Tx) specWalk(collection, prefix string) bool {
	sp := tx.sp
	if sp == nil {
		return true
	}
	if sp.written[collection] {
		_ = sp.abort()
		return false
	}
	sp.walks = append(sp.walks, walkRead{tx.collectionHash(collection), prefix})
	return true
}

// specRead notes a record a walk read.
func (tx *Tx) specRead(collection, id string) {
	if tx.sp != nil {
		tx.sp.reads = append(tx.sp.reads, tx.recordHash(collection, id))
	}
}

// apply stores the speculation's writes and raises the sequences it used.
func (sp *spec) apply(tx *Tx) error {
	for _, op := range sp.ops { // every one, in order: a Put may drop an index
		var err error
		if op.raw == nil {
			err = tx.Delete(op.collection, op.id)
		} else {
			err = tx.putRaw(op.collection, op.id, op.raw, func() indexOf { return op.index }, op.old)
		}
		if err != nil {
			return err
		}
	}
	for _, r := range sp.seqs {
		var b *bolt.Bucket
		var err error
		if r.name == idsCounter(tx.provider, tx.tenant) {
			b, err = tx.scoped(true)
		} else {
			b, err = tx.collection(strings.TrimPrefix(r.name.collection, "\x00"), true)
		}
		if err != nil {
			return err
		}
		if err := raiseTo(b, r.last); err != nil {
			return err
		}
	}
	return nil
}

// markUntracked notes that btx writes records outside the committer's
// bookkeeping (a reset, a restore): speculations from before it run again.
func (s *Store) markUntracked(btx *bolt.Tx) {
	id := uint64(btx.ID())
	for {
		old := s.untracked.Load()
		if old >= id || s.untracked.CompareAndSwap(old, id) {
			return
		}
	}
}

// speculate is Update for a speculative provider.
func (s *Store) speculate(ctx context.Context, provider, tenant string, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	tag := tagOf(ctx)
	btx, err := s.db.Begin(false)
	if err != nil {
		return err
	}
	sp := &spec{snap: uint64(btx.ID())}
	tx := s.scopedTx(btx, provider, tenant)
	tx.write, tx.tag, tx.counted, tx.sp, tx.types = true, tag, true, sp, &s.indexTypes
	id := goid()
	s.w.speculating.Add(1)
	s.w.speculators.Store(id, struct{}{})
	err = safely(func(*bolt.Tx) error { return fn(tx) }, btx)
	sp.stored = nil // slices of the read transaction's pages
	s.w.speculators.Delete(id)
	s.w.speculating.Add(-1)
	_ = btx.Rollback() // read-only: nothing to undo
	tx.btx = nil
	if f := s.speculated.Load(); f != nil && *f != nil {
		(*f)()
	}
	switch {
	case sp.aborted || errors.Is(err, errPanicked):
		// A panic too may come of what the speculation could not do: the
		// committer's run says.
		s.specEnded.Add(1)
		sp.giveBack()
		return s.serial(ctx, provider, tenant, tag, fn)
	case err != nil:
		// A failure that wrote nothing is a read, valid as of the snapshot.
		sp.giveBack()
		return err
	case len(sp.ops) == 0:
		sp.giveBack()
		return nil
	}
	dead, ran, applied := false, false, false
	err = s.w.do(ctx, func(btx *bolt.Tx) error {
		ran = true
		tx := s.writeTx(btx, provider, tenant, tag)
		if !dead && s.w.valid(sp, s.untracked.Load()) {
			applied = true
			return sp.apply(tx)
		}
		applied = false
		if !dead {
			// Once run again, never applied: its numbers may be given back.
			dead = true
			sp.giveBack()
		}
		return fn(tx)
	})
	switch {
	case !ran:
		sp.giveBack()
	case err == nil && applied:
		s.specApplied.Add(1)
	case err == nil:
		s.specRerun.Add(1)
	}
	return err
}

// serial runs fn on the committer.
func (s *Store) serial(ctx context.Context, provider, tenant, tag string, fn func(tx *Tx) error) error {
	return s.w.do(ctx, func(btx *bolt.Tx) error { return fn(s.writeTx(btx, provider, tenant, tag)) })
}

// writeTx is a write function's transaction (on the committer).
func (s *Store) writeTx(btx *bolt.Tx, provider, tenant, tag string) *Tx {
	tx := s.scopedTx(btx, provider, tenant)
	tx.write, tx.tag = true, tag
	if s.speculates(provider) {
		tx.counted, tx.ws, tx.types = true, s.w.cur, &s.indexTypes
	}
	return tx
}
