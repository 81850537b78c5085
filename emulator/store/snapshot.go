package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket is a bbolt bucket as a snapshot keeps it: its sequence (the next
// sequential id depends on it), its records and its nested buckets. Values
// that are JSON (every record) stay JSON; others (refs name a tenant) are
// kept as strings.
type Bucket struct {
	Seq     uint64                     `json:"seq,omitempty"`
	Records map[string]json.RawMessage `json:"records,omitempty"`
	Values  map[string]string          `json:"values,omitempty"`
	Buckets map[string]*Bucket         `json:"buckets,omitempty"`
}

// Dump is the records of one tenant (or of every tenant when Tenant is ""),
// read in one transaction.
type Dump struct {
	// Format is the data file format the records were written in.
	Format string `json:"format"`
	// Tenant is the tenant dumped; "" for the whole store.
	Tenant string `json:"tenant"`
	// Tenants is tenants/<tenant>/... (one entry for a tenant dump).
	Tenants map[string]*Bucket `json:"tenants"`
	// Refs is refs/<provider>/<kind>/<key>, only the tenant's keys.
	Refs *Bucket `json:"refs"`
	// Sys is sys/<name>/<key>, only the tenant's records ("tenant" field).
	Sys *Bucket `json:"sys"`
	// Meta holds the meta values asked for (the clock's offsets), raw.
	Meta map[string]json.RawMessage `json:"meta,omitempty"`
}

// ErrSnapshotConflict means a tenant's snapshot names a key another tenant
// holds (a client token, a job id); nothing was loaded.
var ErrSnapshotConflict = errors.New("snapshot conflicts with another tenant's records")

// Dump reads tenant's records ("" for every tenant) and the named meta
// values in one read transaction, so the dump is consistent.
func (s *Store) Dump(tenant string, metaKeys ...string) (*Dump, error) {
	d := &Dump{Format: Format, Tenant: tenant, Tenants: map[string]*Bucket{}}
	err := s.db.View(func(btx *bolt.Tx) error {
		root := btx.Bucket(bTenants)
		if err := root.ForEachBucket(func(k []byte) error {
			if tenant == "" || string(k) == tenant {
				d.Tenants[string(k)] = dumpBucket(root.Bucket(k), nil)
			}
			return nil
		}); err != nil {
			return err
		}
		keepRef := func(v []byte) bool { return tenant == "" || string(v) == tenant }
		d.Refs = dumpBucket(btx.Bucket(bRefs), keepRef)
		d.Sys = dumpBucket(btx.Bucket(bSys), func(v []byte) bool { return tenant == "" || recordTenant(v) == tenant })
		meta := btx.Bucket(bMeta)
		for _, k := range metaKeys {
			if v := meta.Get([]byte(k)); v != nil {
				if d.Meta == nil {
					d.Meta = map[string]json.RawMessage{}
				}
				d.Meta[k] = json.RawMessage(append([]byte(nil), v...))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// Restore replaces the records of d.Tenant (every record when d.Tenant is
// "") with d's, in one write transaction: it loads completely or not at all.
// meta, when not nil, computes each new meta value from the stored one (the
// clock merges the snapshot's offsets into the others').
func (s *Store) Restore(d *Dump, meta map[string]func(old []byte) ([]byte, error)) error {
	if s.w.inLoop() {
		return ErrNested
	}
	defer s.forgetReserved(d.Tenant)
	if d.Format != Format {
		return fmt.Errorf("records in data format %q, this build reads %q", d.Format, Format)
	}
	if d.Tenant != "" {
		for t := range d.Tenants {
			if t != d.Tenant {
				return fmt.Errorf("a snapshot of tenant %q holds records of tenant %q", d.Tenant, t)
			}
		}
	}
	return s.db.Update(func(btx *bolt.Tx) error {
		s.markUntracked(btx)
		if d.Tenant == "" {
			for _, b := range [][]byte{bTenants, bRefs, bSys, bOwned} {
				if err := btx.DeleteBucket(b); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
					return err
				}
				if _, err := btx.CreateBucket(b); err != nil {
					return err
				}
			}
		} else if err := resetTenantTx(btx, d.Tenant); err != nil {
			return err
		}
		root := btx.Bucket(bTenants)
		for t, b := range d.Tenants {
			tb, err := root.CreateBucket([]byte(t))
			if err != nil {
				return err
			}
			if err := restoreBucket(tb, b, false, ""); err != nil {
				return err
			}
		}
		if d.Refs != nil {
			if err := restoreBucket(btx.Bucket(bRefs), d.Refs, d.Tenant != "", d.Tenant); err != nil {
				return err
			}
		}
		if d.Sys != nil {
			if err := restoreBucket(btx.Bucket(bSys), d.Sys, d.Tenant != "", d.Tenant); err != nil {
				return err
			}
		}
		if err := ownRestored(btx, d.Tenant); err != nil {
			return err
		}
		mb := btx.Bucket(bMeta)
		for k, f := range meta {
			v, err := f(mb.Get([]byte(k)))
			if err != nil {
				return err
			}
			if v == nil {
				err = mb.Delete([]byte(k))
			} else {
				err = mb.Put([]byte(k), v)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// dumpBucket copies b; keep, when not nil, filters leaf values (nested
// buckets left empty by the filter are dropped).
func dumpBucket(b *bolt.Bucket, keep func(v []byte) bool) *Bucket {
	out := &Bucket{Seq: b.Sequence()}
	_ = b.ForEach(func(k, v []byte) error {
		if v == nil {
			sub := dumpBucket(b.Bucket(k), keep)
			if keep != nil && sub.empty() {
				return nil
			}
			if out.Buckets == nil {
				out.Buckets = map[string]*Bucket{}
			}
			out.Buckets[string(k)] = sub
			return nil
		}
		if keep != nil && !keep(v) {
			return nil
		}
		if json.Valid(v) && len(bytes.TrimSpace(v)) == len(v) {
			if out.Records == nil {
				out.Records = map[string]json.RawMessage{}
			}
			out.Records[string(k)] = json.RawMessage(append([]byte(nil), v...))
		} else {
			if out.Values == nil {
				out.Values = map[string]string{}
			}
			out.Values[string(k)] = string(v)
		}
		return nil
	})
	return out
}

func (b *Bucket) empty() bool {
	return len(b.Records) == 0 && len(b.Values) == 0 && len(b.Buckets) == 0
}

// restoreBucket writes src into dst. merge: dst holds other tenants' keys
// (refs, sys under a tenant load); a key they hold is a conflict, and the
// sequence only grows, so later ids do not collide with theirs.
func restoreBucket(dst *bolt.Bucket, src *Bucket, merge bool, tenant string) error {
	seq := src.Seq
	if merge && dst.Sequence() > seq {
		seq = dst.Sequence()
	}
	if err := dst.SetSequence(seq); err != nil {
		return err
	}
	put := func(k string, v []byte) error {
		if merge {
			if old := dst.Get([]byte(k)); old != nil {
				return fmt.Errorf("%w: key %q", ErrSnapshotConflict, k)
			}
		}
		return dst.Put([]byte(k), v)
	}
	for k, v := range src.Records {
		// A snapshot file may be indented; records are stored compact.
		var buf bytes.Buffer
		if err := json.Compact(&buf, v); err != nil {
			return fmt.Errorf("record %q: %w", k, err)
		}
		v = buf.Bytes()
		if merge && recordTenant(v) != tenant && string(v) != tenant && string(v) != strconv.Quote(tenant) {
			return fmt.Errorf("a snapshot of tenant %q holds a system record of another tenant (%q)", tenant, k)
		}
		if err := put(k, v); err != nil {
			return err
		}
	}
	for k, v := range src.Values {
		if merge && v != tenant {
			return fmt.Errorf("a snapshot of tenant %q holds a reference to another tenant (%q)", tenant, k)
		}
		if err := put(k, []byte(v)); err != nil {
			return err
		}
	}
	for k, sub := range src.Buckets {
		if sub == nil {
			continue
		}
		nb, err := dst.CreateBucketIfNotExists([]byte(k))
		if err != nil {
			return fmt.Errorf("bucket %q: %w", k, err)
		}
		if err := restoreBucket(nb, sub, merge, tenant); err != nil {
			return err
		}
	}
	return nil
}

// ownRestored lists the restored refs and system records in their tenants'
// owned/ lists (see owned.go), so a later reset finds them: a walk of the
// global buckets, which a snapshot load can afford. tenant limits it to one
// tenant's entries ("": every tenant's).
func ownRestored(btx *bolt.Tx, tenant string) error {
	refs := btx.Bucket(bRefs)
	err := refs.ForEachBucket(func(p []byte) error {
		pb := refs.Bucket(p)
		return pb.ForEachBucket(func(k []byte) error {
			return pb.Bucket(k).ForEach(func(key, v []byte) error {
				if v == nil || (tenant != "" && string(v) != tenant) {
					return nil
				}
				return own(btx, string(v), refEntry(string(p), string(k), string(key)))
			})
		})
	})
	if err != nil {
		return err
	}
	sys := btx.Bucket(bSys)
	return sys.ForEachBucket(func(name []byte) error {
		return sys.Bucket(name).ForEach(func(key, v []byte) error {
			if v == nil {
				return nil
			}
			t := recordTenant(v)
			if t == "" || (tenant != "" && t != tenant) {
				return nil
			}
			return own(btx, t, sysEntry(string(name), key))
		})
	})
}
