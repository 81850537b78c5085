package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// item is indexed by its group; the key ends with N so lookups come back in N order.
type item struct {
	Group string `json:"group"`
	N     int    `json:"n"`
}

func (i *item) IndexKeys() []string {
	if i.Group == "" {
		return nil
	}
	return []string{"group\x00" + i.Group + "\x00" + string(rune('a'+i.N))}
}

func lookupIDs(t *testing.T, s *store.Store, group string, reverse bool) ([]string, error) {
	t.Helper()
	var ids []string
	err := s.View(context.Background(), "p", "t", func(tx *store.Tx) error {
		return tx.Lookup("items", "group\x00"+group+"\x00", reverse, func(id string, raw []byte) (bool, error) {
			ids = append(ids, id)
			return true, nil
		})
	})
	return ids, err
}

func TestIndexFollowsPutsAndDeletes(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		for id, it := range map[string]*item{"z": {"g1", 0}, "y": {"g1", 1}, "x": {"g2", 2}, "w": {"g1", 3}, "v": {"", 4}} {
			if err := tx.Put("items", id, it); err != nil {
				return err
			}
		}
		return nil
	}))
	want := func(group string, reverse bool, ids ...string) {
		t.Helper()
		got, err := lookupIDs(t, s, group, reverse)
		if err != nil || !reflect.DeepEqual(got, ids) && !(len(got) == 0 && len(ids) == 0) {
			t.Fatalf("lookup %s reverse=%v: got %v, %v; want %v", group, reverse, got, err, ids)
		}
	}
	want("g1", false, "z", "y", "w")
	want("g1", true, "w", "y", "z")
	want("g2", false, "x")
	want("g", false) // a prefix of a value is not that value
	// Moving a record moves its entry; deleting removes it.
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		if err := tx.Put("items", "y", &item{"g2", 1}); err != nil {
			return err
		}
		return tx.Delete("items", "z")
	}))
	want("g1", false, "w")
	want("g2", false, "y", "x")
	count := func(want int) {
		t.Helper()
		var n int
		var err error
		_ = s.View(context.Background(), "p", "t", func(tx *store.Tx) error { n, err = tx.IndexedCount("items"); return nil })
		if err != nil || n != want {
			t.Fatalf("count: %d %v, want %d", n, err, want)
		}
	}
	count(4) // w, x, y, v (v has no keys but is a record)
	// Skipping the first entries of a walk.
	var skipped []string
	_ = s.View(context.Background(), "p", "t", func(tx *store.Tx) error {
		return tx.LookupFrom("items", "group\x00g2\x00", false, 1, func(id string, _ []byte) (bool, error) {
			skipped = append(skipped, id)
			return true, nil
		})
	})
	if !reflect.DeepEqual(skipped, []string{"x"}) {
		t.Fatalf("skip 1: %v", skipped)
	}
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Delete("items", "nothing") }))
	count(4)
	// A failed transaction leaves the index as it was.
	_ = s.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		_ = tx.Put("items", "w", &item{"g2", 9})
		return errors.New("no")
	})
	want("g1", false, "w")
	// A reset drops the index with the records.
	must(t, s.ResetTenant("t"))
	want("g1", false)
	cols, err := s.Collections("t")
	if err != nil || len(cols) != 0 {
		t.Fatalf("collections after reset: %v %v", cols, err)
	}
}

// Records written by a type without keys leave the collection unindexed:
// Lookup says so (the caller scans); the first indexed Put builds the index.
func TestIndexBuiltOnFirstIndexedPut(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		if err := tx.Put("items", "a", item{"g1", 0}); err != nil { // a value, not *item: not Indexed
			return err
		}
		return tx.Put("items", "b", item{"g1", 1})
	}))
	if _, err := lookupIDs(t, s, "g1", false); !errors.Is(err, store.ErrNoIndex) {
		t.Fatalf("want ErrNoIndex, got %v", err)
	}
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Put("items", "c", &item{"g1", 2}) }))
	if got, err := lookupIDs(t, s, "g1", false); err != nil || !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Fatalf("after the first indexed put: %v %v", got, err)
	}
	// Re-storing an indexed record when building counts it once.
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Put("items", "c", &item{"g1", 2}) }))
	var n int
	must(t, s.View(context.Background(), "p", "t", func(tx *store.Tx) error { var err error; n, err = tx.IndexedCount("items"); return err }))
	if n != 3 {
		t.Fatalf("count after build: %d", n)
	}
	// An unindexed Put into an indexed collection drops the index again.
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Put("items", "d", item{"g1", 3}) }))
	if _, err := lookupIDs(t, s, "g1", false); !errors.Is(err, store.ErrNoIndex) {
		t.Fatalf("want ErrNoIndex after an unindexed put, got %v", err)
	}
	// The dashboard does not see the index buckets.
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Put("items", "e", &item{"g1", 4}) }))
	cols, err := s.Collections("t")
	if err != nil || !reflect.DeepEqual(cols, map[string]map[string]int{"p": {"items": 5}}) {
		t.Fatalf("collections: %v %v", cols, err)
	}
}

func TestWalkFromAKey(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		for i, id := range []string{"q", "r", "s", "t"} {
			if err := tx.Put("items", id, &item{"g", i}); err != nil {
				return err
			}
		}
		return tx.Put("items", "other", &item{"h", 0})
	}))
	walk := func(from string, reverse bool) (out []string) {
		t.Helper()
		must(t, s.View(context.Background(), "p", "t", func(tx *store.Tx) error {
			return tx.Walk("items", "group\x00g\x00", from, reverse, func(key, id string, _ []byte) (bool, error) {
				out = append(out, key[len(key)-1:]+id)
				return true, nil
			})
		}))
		return out
	}
	for _, c := range []struct {
		from    string
		reverse bool
		want    []string
	}{
		{"", false, []string{"aq", "br", "cs", "dt"}},
		{"", true, []string{"dt", "cs", "br", "aq"}},
		{"group\x00g\x00c", false, []string{"cs", "dt"}}, // >= from
		{"group\x00g\x00c", true, []string{"br", "aq"}},  // < from
		{"group\x00g\x00z", true, []string{"dt", "cs", "br", "aq"}},
		{"group\x00g\x00a", true, nil},
	} {
		if got := walk(c.from, c.reverse); !reflect.DeepEqual(got, c.want) {
			t.Errorf("walk from %q reverse=%v: %v, want %v", c.from, c.reverse, got, c.want)
		}
	}
}
