// Package store keeps every record of the emulator in one bbolt file, as JSON,
// namespaced by tenant and provider.
//
// Layout (buckets):
//
//	meta                      format marker, clock offsets
//	tenants/<tenant>/<provider>/<collection>/<id> = JSON record
//	refs/<provider>/<kind>/<key> = tenant   (credential-less lookups, e.g. a client token)
//	sys/<name>/<key> = JSON                  (shared infrastructure: jobs, webhook deliveries)
//
// Writes go through a group committer (commit.go), so concurrent writers share
// one fsync; a write acknowledged to a client is on disk.
package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/paysandbox/paysandbox/emulator/ids"
)

// Format is the marker that tells a paysandbox data file from any other bbolt file.
const Format = "paysandbox/1"

var (
	// ErrNotFound is returned when a record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists is InsertOrdered's answer for an id already stored.
	ErrExists = errors.New("already exists")
	// ErrLocked means another process holds the data file.
	ErrLocked = errors.New("in use by another paysandbox instance")
	// ErrNotOurs means the file is not a paysandbox data file.
	ErrNotOurs = errors.New("not a paysandbox data file")
)

var (
	bMeta    = []byte("meta")
	bTenants = []byte("tenants")
	bRefs    = []byte("refs")
	bSys     = []byte("sys")
	kFormat  = []byte("format")
)

// Options tune Open.
type Options struct {
	// NoSync skips fsync: for throwaway (ephemeral) data only.
	NoSync bool
	// LockTimeout is how long Open waits for another process's lock.
	LockTimeout time.Duration
	// IDs is the seeded source that Tx.IDs draws from (a random seed when nil).
	IDs *ids.Source
}

// Store is the bbolt-backed record store.
type Store struct {
	db      *bolt.DB
	w       *committer
	path    string
	ids     *ids.Source
	ordered orderedSet
	// reserved is the highest ordered id reserved per provider/tenant/
	// collection (ReserveOrderedID), committed or not.
	reserved sync.Map
	// specs are the speculative providers; untracked is the last commit that
	// wrote records outside the committer's bookkeeping (speculate.go).
	specs                             speculative
	untracked                         atomic.Uint64
	specApplied, specRerun, specEnded atomic.Uint64
	speculated                        atomic.Pointer[func()] // tests: runs between a speculation and its commit
	// indexTypes is the record type of each collection of a speculative
	// provider (collectionName -> reflect.Type; derive.go).
	indexTypes sync.Map
}

type tagKey struct{}

// WithTag returns ctx carrying tag: every write made with it (Update,
// SysUpdate) answers Tx.Tag with tag. The scenario engine puts it in a
// request's context so that a webhook delivery enqueued by a request that
// asked for a webhook scenario carries that scenario, in the same
// transaction, without every provider handling it. Other requests' writes
// are not tagged.
func WithTag(ctx context.Context, tag string) context.Context {
	return context.WithValue(ctx, tagKey{}, tag)
}

func tagOf(ctx context.Context) string {
	tag, _ := ctx.Value(tagKey{}).(string)
	return tag
}

// Open opens or creates the data file at path.
func Open(path string, opt Options) (*Store, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = 200 * time.Millisecond
	}
	// The free list is written with every commit (one more page in the same
	// sync) so that opening reads it instead of walking the whole file: with
	// NoFreelistSync a 1 GB file took 150 ms to open. A file written without
	// it is walked once, on its first open here. Nothing reads bbolt's
	// statistics, and keeping them takes one more lock for every
	// transaction's start and end, which every request's reads queue on.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opt.LockTimeout, NoSync: opt.NoSync, FreelistType: bolt.FreelistMapType, NoStatistics: true})
	if err != nil {
		switch {
		case errors.Is(err, berrors.ErrTimeout):
			return nil, fmt.Errorf("data file %s: %w", path, ErrLocked)
		case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
			return nil, fmt.Errorf("data file %s: %w", path, ErrNotOurs)
		}
		return nil, fmt.Errorf("data file %s: %w", path, err)
	}
	if opt.IDs == nil {
		opt.IDs = ids.New(0)
	}
	s := &Store{db: db, path: path, ids: opt.IDs}
	if err := s.init(); err != nil {
		_ = db.Close() // init's error is the one to report
		return nil, fmt.Errorf("data file %s: %w", path, err)
	}
	var room *headroom
	if !opt.NoSync {
		room = openHeadroom(path)
	}
	s.w = newCommitter(db, room)
	return s, nil
}

func (s *Store) init() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bMeta)
		if meta == nil {
			// A bbolt file with other content is someone else's.
			empty := true
			_ = tx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
			if !empty {
				return ErrNotOurs
			}
			var err error
			if meta, err = tx.CreateBucket(bMeta); err != nil {
				return err
			}
			if err := meta.Put(kFormat, []byte(Format)); err != nil {
				return err
			}
			if err := meta.Put(kOwned, []byte("1")); err != nil { // see owned.go
				return err
			}
		} else if !bytes.Equal(meta.Get(kFormat), []byte(Format)) {
			return ErrNotOurs
		}
		for _, b := range [][]byte{bTenants, bRefs, bSys, bOwned} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return indexJobs(tx)
	})
}

// Path is the data file's path.
func (s *Store) Path() string { return s.path }

// Close finishes queued writes and closes the data file.
func (s *Store) Close() error {
	s.w.close()
	return s.db.Close()
}

// View runs fn in a read-only transaction scoped to (provider, tenant). It
// returns ctx.Err() without reading when ctx is already done.
func (s *Store) View(ctx context.Context, provider, tenant string, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(func(btx *bolt.Tx) error {
		return fn(s.scopedTx(btx, provider, tenant))
	})
}

// scopedTx is a transaction of btx scoped to (provider, tenant), read-only
// until its caller says otherwise.
func (s *Store) scopedTx(btx *bolt.Tx, provider, tenant string) *Tx {
	return &Tx{btx: btx, provider: provider, tenant: tenant, ids: s.ids, ordered: s.ordered.load(), reserved: &s.reserved}
}

// Update runs fn in a read-write transaction scoped to (provider, tenant).
// Concurrent calls are coalesced into one commit; fn may run more than once,
// so it must not have effects outside the transaction. A write whose ctx is
// done before its group starts committing is dropped and returns ctx.Err();
// once committing, it completes (never half-written). Its transaction's
// Tx.Tag is the tag ctx carries (WithTag).
func (s *Store) Update(ctx context.Context, provider, tenant string, fn func(tx *Tx) error) error {
	if s.speculates(provider) && !s.w.inLoop() {
		return s.speculate(ctx, provider, tenant, fn)
	}
	return s.serial(ctx, provider, tenant, tagOf(ctx), fn)
}

// Ref finds the tenant that a global key (see Tx.SetRef) belongs to.
func (s *Store) Ref(ctx context.Context, provider, kind, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var tenant string
	err := s.db.View(func(btx *bolt.Tx) (err error) {
		tenant, err = (&Tx{btx: btx, provider: provider}).Ref(kind, key)
		return err
	})
	return tenant, err
}

// Tenants lists the tenants that have any record.
func (s *Store) Tenants() ([]string, error) {
	var out []string
	err := s.db.View(func(btx *bolt.Tx) error {
		return btx.Bucket(bTenants).ForEachBucket(func(k []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// Meta reads a raw value from the meta bucket (nil when absent).
func (s *Store) Meta(key string) ([]byte, error) {
	var v []byte
	err := s.db.View(func(btx *bolt.Tx) error {
		if got := btx.Bucket(bMeta).Get([]byte(key)); got != nil {
			v = append([]byte(nil), got...)
		}
		return nil
	})
	return v, err
}

// SetMeta writes (or with nil, deletes) a raw value in the meta bucket.
func (s *Store) SetMeta(key string, value []byte) error {
	if s.w.inLoop() {
		return ErrNested
	}
	return s.db.Update(func(btx *bolt.Tx) error {
		if value == nil {
			return btx.Bucket(bMeta).Delete([]byte(key))
		}
		return btx.Bucket(bMeta).Put([]byte(key), value)
	})
}

// ResetAll drops every tenant's records, refs and system records.
func (s *Store) ResetAll() error {
	if s.w.inLoop() {
		return ErrNested
	}
	defer s.forgetReserved("")
	return s.db.Update(func(btx *bolt.Tx) error {
		s.markUntracked(btx)
		for _, b := range [][]byte{bTenants, bRefs, bSys, bOwned} {
			if err := btx.DeleteBucket(b); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
			if _, err := btx.CreateBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// ResetTenant drops one tenant's records, its refs and its system records
// (which carry a "tenant" field).
func (s *Store) ResetTenant(tenant string) error {
	if s.w.inLoop() {
		return ErrNested
	}
	defer s.forgetReserved(tenant)
	return s.db.Update(func(btx *bolt.Tx) error {
		s.markUntracked(btx)
		return resetTenantTx(btx, tenant)
	})
}

// resetTenantTx is ResetTenant inside a transaction (a snapshot load uses it
// too).
func resetTenantTx(btx *bolt.Tx, tenant string) error {
	if err := btx.Bucket(bTenants).DeleteBucket([]byte(tenant)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	if btx.Bucket(bMeta).Get(kOwned) != nil {
		return resetOwned(btx, tenant) // the tenant's own entries only
	}
	// A data file from before owned/: scan every tenant's refs and
	// system records.
	if err := btx.Bucket(bOwned).DeleteBucket([]byte(tenant)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	// refs/<provider>/<kind>/<key> = tenant
	err := btx.Bucket(bRefs).ForEachBucket(func(p []byte) error {
		pb := btx.Bucket(bRefs).Bucket(p)
		return pb.ForEachBucket(func(k []byte) error {
			return deleteWhere(pb.Bucket(k), func(v []byte) bool { return string(v) == tenant })
		})
	})
	if err != nil {
		return err
	}
	sys := btx.Bucket(bSys)
	return sys.ForEachBucket(func(name []byte) error {
		return deleteWhere(sys.Bucket(name), func(v []byte) bool { return recordTenant(v) == tenant })
	})
}

func deleteWhere(b *bolt.Bucket, match func(v []byte) bool) error {
	var doomed [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		if v != nil && match(v) {
			doomed = append(doomed, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func nested(b *bolt.Bucket, names ...string) *bolt.Bucket {
	for _, n := range names {
		if b == nil {
			return nil
		}
		b = b.Bucket([]byte(n))
	}
	return b
}

func nestedCreate(b *bolt.Bucket, names ...string) (*bolt.Bucket, error) {
	var err error
	for _, n := range names {
		if b, err = b.CreateBucketIfNotExists([]byte(n)); err != nil {
			return nil, err
		}
	}
	return b, nil
}
