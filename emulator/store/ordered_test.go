package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
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

// reserve draws the next ordered id of tenant's collection c, as a request
// does before its write.
func reserve(st *store.Store, tenant, collection string) (id string, err error) {
	err = st.View(context.Background(), "p", tenant, func(tx *store.Tx) error {
		id, err = tx.ReserveOrderedID(collection)
		return err
	})
	return id, err
}

func createOrdered(t *testing.T, st *store.Store, tenant string, n int) []string {
	t.Helper()
	var out []string
	ctx := context.Background()
	for i := 0; i < n; i++ {
		id, err := reserve(st, tenant, "c")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(ordRec{N: i})
		if err := st.Update(ctx, "p", tenant, func(tx *store.Tx) error { return tx.InsertOrdered("c", id, raw) }); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
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
	err := st.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.Put("c", id, indexedRec{}) })
	if err == nil {
		t.Error("an Indexed record was put in an ordered collection")
	}
}

type indexedRec struct{}

func (indexedRec) IndexKeys() []string { return []string{"k"} }

// Reservations: distinct under concurrency, a pure function of the seed and
// the sequence (so repeatable per --seed), a gap when never written, a fresh
// start after a tenant reset, and past whatever a restore brings back.
func TestReserveOrderedID(t *testing.T) {
	ctx := context.Background()
	st := openOrdered(t, filepath.Join(t.TempDir(), "a.db"), 5)
	defer st.Close()
	again := openOrdered(t, filepath.Join(t.TempDir(), "b.db"), 5)
	defer again.Close()
	first := createOrdered(t, st, "t", 3)
	if same := createOrdered(t, again, "t", 3); strings.Join(same, ",") != strings.Join(first, ",") {
		t.Fatalf("the same seed drew %v, then %v", first, same)
	}

	// Concurrent reservations are distinct.
	seen := make(chan string, 200)
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := reserve(st, "t", "c")
			if err != nil {
				t.Error(err)
			}
			seen <- id
		}()
	}
	wg.Wait()
	close(seen)
	distinct := map[string]bool{}
	for id := range seen {
		distinct[id] = true
	}
	if len(distinct) != 200 {
		t.Fatalf("%d distinct ids of 200 reservations", len(distinct))
	}
	// None of them written: the next is after them all (a gap), and
	// inserting an id twice fails.
	next := createOrdered(t, st, "t", 1)[0]
	if distinct[next] {
		t.Fatal("a reservation was handed out twice")
	}
	err := st.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.InsertOrdered("c", next, []byte(`{}`)) })
	if !errors.Is(err, store.ErrExists) {
		t.Fatalf("a second insert of %s: %v", next, err)
	}

	// A snapshot of three records, then more; restoring it must not hand out
	// the ids of the records it brings back.
	dump, err := st.Dump("t")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.ResetTenant("t"); err != nil {
		t.Fatal(err)
	}
	if after := createOrdered(t, st, "t", 1)[0]; after != first[0] {
		t.Fatalf("after a reset the first id is %s, not %s again", after, first[0])
	}
	if err := st.Restore(dump, nil); err != nil {
		t.Fatal(err)
	}
	restored := createOrdered(t, st, "t", 1)[0]
	if restored == next || slices.Contains(first, restored) || distinct[restored] {
		t.Fatalf("after the restore, %s is an id the snapshot holds", restored)
	}

	// The wiring mistakes are errors.
	if _, err := reserve(st, "t", "not-ordered"); err == nil {
		t.Error("a reservation in a collection that is not ordered")
	}
	if err := st.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.InsertOrdered("c", "not-an-id", []byte(`{}`)) }); err == nil {
		t.Error("InsertOrdered took an id it never handed out")
	}
}

// A new record put (not inserted) under a reserved id still moves the
// sequence on: the next reservation is past it after a restart.
func TestPutOfANewOrderedRecordRaisesTheSequence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	ctx := context.Background()
	st := openOrdered(t, path, 1)
	id, err := reserve(st, "t", "c")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.Put("c", id, ordRec{N: 1}) }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openOrdered(t, path, 1) // the same seed: the same id would come again at the same sequence
	defer st.Close()
	next, err := reserve(st, "t", "c")
	if err != nil {
		t.Fatal(err)
	}
	if next == id {
		t.Fatalf("after a restart the reservation %s was handed out again", id)
	}
}
