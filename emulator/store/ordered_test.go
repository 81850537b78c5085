package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/paysandbox/paysandbox/emulator/ids"
	"github.com/paysandbox/paysandbox/emulator/store"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

type ordRec struct {
	N int `json:"n"`
}

func openOrdered(t *testing.T, path string, seed int64) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{NoSync: true, IDs: ids.New(seed)})
	if err != nil {
		t.Fatal(err)
	}
	st.OrderByCreation("p", "c")
	return st
}

func createOrdered(t *testing.T, st *store.Store, tenant string, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		err := st.Update(context.Background(), "p", tenant, func(tx *store.Tx) error {
			id, err := tx.IDs().OrderedUUID("c")
			if err != nil {
				return err
			}
			out = append(out, id)
			return tx.Put("c", id, ordRec{N: i})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// rawKeys are the keys of tenant's collection c as the data file holds them.
func rawKeys(t *testing.T, path, tenant string) []string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var keys []string
	err = db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("tenants")).Bucket([]byte(tenant)).Bucket([]byte("p")).Bucket([]byte("c"))
		return b.ForEach(func(k, _ []byte) error { keys = append(keys, string(k)); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// An ordered collection's ids are version 4 UUIDs in no visible order, its
// records are kept in creation order, and every call that takes an id finds
// the record, before and after the store is opened again with another seed.
func TestOrderedCollectionKeepsCreationOrderBehindRandomLookingIDs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	st := openOrdered(t, path, 1)
	created := createOrdered(t, st, "t1", 300)
	for _, id := range created {
		if !uuidV4.MatchString(id) {
			t.Fatalf("%q is not a version 4 UUID", id)
		}
	}
	if sort.StringsAreSorted(created) {
		t.Fatal("the ids show their order")
	}
	var listed []string
	err := st.View(context.Background(), "p", "t1", func(tx *store.Tx) error {
		return tx.List("c", func(id string, _ []byte) error { listed = append(listed, id); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(listed, ",") != strings.Join(created, ",") {
		t.Fatalf("List is not in creation order, or does not give the ids:\n%v\n%v", listed[:3], created[:3])
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	keys := rawKeys(t, path, "t1")
	if len(keys) != 300 || !sort.StringsAreSorted(keys) || keys[0][:16] != "0000000000000001" {
		t.Fatalf("the data file's keys are not the creation sequence: %v ...", keys[:3])
	}

	st = openOrdered(t, path, 99) // another seed: a restart without --seed
	defer st.Close()
	ctx := context.Background()
	err = st.Update(ctx, "p", "t1", func(tx *store.Tx) error {
		var r ordRec
		if err := tx.Get("c", created[7], &r); err != nil || r.N != 7 {
			t.Fatalf("Get after reopening: %v, %+v", err, r)
		}
		if !tx.Exists("c", created[8]) {
			t.Fatal("Exists after reopening")
		}
		if err := tx.Put("c", created[9], ordRec{N: 900}); err != nil {
			return err
		}
		return tx.Delete("c", created[10])
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, "p", "t1", func(tx *store.Tx) error {
		var r ordRec
		if err := tx.Get("c", created[9], &r); err != nil || r.N != 900 {
			t.Fatalf("Put did not replace the record: %v, %+v", err, r)
		}
		if tx.Exists("c", created[10]) {
			t.Fatal("Delete left the record")
		}
		if n := tx.Count("c"); n != 299 {
			t.Fatalf("Count = %d, want 299", n)
		}
		// The same id in another tenant is not there: each tenant's ids
		// map to its own keys.
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = st.View(ctx, "p", "t2", func(tx *store.Tx) error {
		if tx.Exists("c", created[0]) {
			t.Fatal("another tenant finds t1's record")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A record written before its collection was ordered stays under its id:
// found, replaced in place (not copied under a new key), listed, deleted.
func TestOrderedCollectionFindsRecordsFromBefore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	ctx := context.Background()
	st, err := store.Open(path, store.Options{NoSync: true, IDs: ids.New(1)})
	if err != nil {
		t.Fatal(err)
	}
	const old = "068df369-13a7-4d47-a564-62f8408bb760"
	if err := st.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.Put("c", old, ordRec{N: 1}) }); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = openOrdered(t, path, 1)
	defer st.Close()
	fresh := createOrdered(t, st, "t", 2)
	err = st.Update(ctx, "p", "t", func(tx *store.Tx) error {
		var r ordRec
		if err := tx.Get("c", old, &r); err != nil || r.N != 1 {
			t.Fatalf("the old record: %v, %+v", err, r)
		}
		return tx.Put("c", old, ordRec{N: 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	err = st.View(ctx, "p", "t", func(tx *store.Tx) error {
		var r ordRec
		if err := tx.Get("c", old, &r); err != nil || r.N != 2 {
			t.Fatalf("the old record after Put: %v, %+v", err, r)
		}
		if n := tx.Count("c"); n != 3 {
			t.Fatalf("Count = %d, want 3 (Put copied the old record)", n)
		}
		return tx.List("c", func(id string, _ []byte) error { listed = append(listed, id); return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]string{}, fresh...), old)
	sort.Strings(want)
	sort.Strings(listed)
	if strings.Join(listed, ",") != strings.Join(want, ",") {
		t.Fatalf("List = %v, want %v", listed, want)
	}
	if err := st.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.Delete("c", old) }); err != nil {
		t.Fatal(err)
	}
	_ = st.View(ctx, "p", "t", func(tx *store.Tx) error {
		if tx.Exists("c", old) {
			t.Fatal("Delete left the old record")
		}
		return nil
	})
}

// Ids an ordered collection never hands out find nothing (capitals, other
// versions, garbage), and the wiring mistakes are errors, not silent
// random keys.
func TestOrderedCollectionRefusals(t *testing.T) {
	st := openOrdered(t, filepath.Join(t.TempDir(), "o.db"), 1)
	defer st.Close()
	ctx := context.Background()
	id := createOrdered(t, st, "t", 1)[0]
	_ = st.View(ctx, "p", "t", func(tx *store.Tx) error {
		for _, other := range []string{strings.ToUpper(id), "{" + id + "}", id[:35], "", "x"} {
			var r ordRec
			if err := tx.Get("c", other, &r); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Get(%q) = %v, want ErrNotFound", other, err)
			}
		}
		return nil
	})
	err := st.Update(ctx, "p", "t", func(tx *store.Tx) error {
		_, err := tx.IDs().OrderedUUID("not-ordered")
		return err
	})
	if err == nil {
		t.Error("OrderedUUID of a collection that is not ordered gave an id")
	}
	err = st.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.Put("c", id, indexedRec{}) })
	if err == nil {
		t.Error("an Indexed record was put in an ordered collection")
	}
}

type indexedRec struct{}

func (indexedRec) IndexKeys() []string { return []string{"k"} }

// Like every draw in a transaction, an ordered id of a write that rolls
// back is drawn again by the next one.
func TestOrderedUUIDIsReplaySafe(t *testing.T) {
	st := openOrdered(t, filepath.Join(t.TempDir(), "o.db"), 5)
	defer st.Close()
	ctx := context.Background()
	var first string
	_ = st.Update(ctx, "p", "t", func(tx *store.Tx) error {
		first, _ = tx.IDs().OrderedUUID("c")
		return errors.New("rolled back")
	})
	again := createOrdered(t, st, "t", 1)[0]
	if first == "" || first != again {
		t.Fatalf("the rolled-back draw %q, the next %q", first, again)
	}
}
