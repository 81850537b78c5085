package store

import (
	"bytes"

	gojson "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
)

// What a tenant owns outside its own bucket (global refs, system records
// such as jobs and webhook deliveries) is listed in owned/<tenant>, written
// in the same transaction as the ref or record, so that a tenant reset
// visits the tenant's own entries instead of decoding every tenant's:
//
//	owned/<tenant>  "r\x00<provider>\x00<kind>\x00<key>" -> ""
//	                "s\x00<bucket>\x00<key>"              -> ""
//
// A data file created before the list existed lacks kOwned in its meta
// bucket; its resets scan, as before.
var (
	bOwned = []byte("owned")
	kOwned = []byte("owned-index")
)

func ownedBucket(btx *bolt.Tx, tenant string, create bool) (*bolt.Bucket, error) {
	root := btx.Bucket(bOwned)
	if root == nil || tenant == "" {
		return nil, nil
	}
	if !create {
		return root.Bucket([]byte(tenant)), nil
	}
	return root.CreateBucketIfNotExists([]byte(tenant))
}

func refEntry(provider, kind, key string) []byte {
	return []byte("r\x00" + provider + "\x00" + kind + "\x00" + key)
}

func sysEntry(bucket string, key []byte) []byte {
	return append([]byte("s\x00"+bucket+"\x00"), key...)
}

// own records that tenant owns entry (no-op without a tenant).
func own(btx *bolt.Tx, tenant string, entry []byte) error {
	b, err := ownedBucket(btx, tenant, true)
	if err != nil || b == nil {
		return err
	}
	return b.Put(entry, nil)
}

// disown removes entry from tenant's list.
func disown(btx *bolt.Tx, tenant string, entry []byte) error {
	b, _ := ownedBucket(btx, tenant, false)
	if b == nil {
		return nil
	}
	return b.Delete(entry)
}

// recordTenant is the "tenant" field of a system record ("" if none).
func recordTenant(raw []byte) string {
	if raw == nil {
		return ""
	}
	var rec struct {
		Tenant string `json:"tenant"`
	}
	_ = gojson.Unmarshal(raw, &rec)
	return rec.Tenant
}

// sysPut stores raw under key in the system bucket b (named name) and keeps
// the owners' lists in step.
func sysPut(btx *bolt.Tx, b *bolt.Bucket, name string, key, raw []byte) error {
	oldTenant := recordTenant(b.Get(key))
	if err := b.Put(key, raw); err != nil {
		return err
	}
	tenant := recordTenant(raw)
	if oldTenant != "" && oldTenant != tenant {
		if err := disown(btx, oldTenant, sysEntry(name, key)); err != nil {
			return err
		}
	}
	return own(btx, tenant, sysEntry(name, key))
}

// sysDelete removes key from the system bucket b (named name).
func sysDelete(btx *bolt.Tx, b *bolt.Bucket, name string, key []byte) error {
	if tenant := recordTenant(b.Get(key)); tenant != "" {
		if err := disown(btx, tenant, sysEntry(name, key)); err != nil {
			return err
		}
	}
	return b.Delete(key)
}

// resetOwned drops what owned/<tenant> lists, checking that each ref or
// record still belongs to the tenant, then the list itself.
func resetOwned(btx *bolt.Tx, tenant string) error {
	root := btx.Bucket(bOwned)
	b := root.Bucket([]byte(tenant))
	if b == nil {
		return nil
	}
	var entries [][]byte
	_ = b.ForEach(func(k, _ []byte) error {
		entries = append(entries, append([]byte(nil), k...))
		return nil
	})
	for _, e := range entries {
		parts := bytes.SplitN(e, []byte{0}, 4)
		switch {
		case len(parts) == 4 && string(parts[0]) == "r":
			rb := nested(btx.Bucket(bRefs), string(parts[1]), string(parts[2]))
			if rb != nil && string(rb.Get(parts[3])) == tenant {
				if err := rb.Delete(parts[3]); err != nil {
					return err
				}
			}
		case len(parts) >= 3 && string(parts[0]) == "s":
			// The key may hold 0 bytes (the due index's keys do): it is
			// everything after the bucket name.
			key := e[len("s\x00")+len(parts[1])+1:]
			sb := nested(btx.Bucket(bSys), string(parts[1]))
			if sb == nil {
				continue
			}
			v := sb.Get(key)
			if v != nil && recordTenant(v) == tenant {
				if err := sb.Delete(key); err != nil {
					return err
				}
			}
		}
	}
	return root.DeleteBucket([]byte(tenant))
}

// IndexedSinceCreation tells whether the data file was created by a version
// that keeps its secondary lists (owned/, and providers' system lists such
// as webhook deliveries by tenant) from the first write: on an older file a
// list begun later lacks what was written before it.
func (tx *Tx) IndexedSinceCreation() bool { return tx.btx.Bucket(bMeta).Get(kOwned) != nil }

// ListPrefix is List over the keys that start with prefix.
func (s *SysBucket) ListPrefix(prefix string, reverse bool, fn func(key string, raw []byte) (more bool, err error)) error {
	b, _ := s.bucket(false)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	p := []byte(prefix)
	var k, v []byte
	if reverse {
		k, v = seekLast(c, p)
	} else {
		k, v = c.Seek(p)
	}
	for ; k != nil && bytes.HasPrefix(k, p); k, v = step(c, reverse) {
		if v == nil {
			continue
		}
		more, err := fn(string(k), v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}
