package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// citem is item counted by its group.
type citem struct{ item }

func (c *citem) CountKeys() []string {
	if c.Group == "" {
		return nil
	}
	return []string{"group\x00" + c.Group}
}

func TestIndexCountFollowsPutsDeletesAndRebuilds(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	ctx := context.Background()
	counts := func(want map[string]int) {
		t.Helper()
		must(t, s.View(ctx, "p", "t", func(tx *store.Tx) error {
			for g, n := range want {
				got, err := tx.IndexCount("items", "group\x00"+g)
				if err != nil || got != n {
					t.Errorf("count %s: %d %v, want %d", g, got, err, n)
				}
			}
			return nil
		}))
	}
	// Records from before the counts (plain item): the first counted Put counts them all.
	must(t, s.Update(ctx, "p", "t", func(tx *store.Tx) error {
		for id, it := range map[string]*item{"a": {"g1", 0}, "b": {"g1", 1}, "c": {"g2", 2}} {
			if err := tx.Put("items", id, it); err != nil {
				return err
			}
		}
		return nil
	}))
	counts(map[string]int{"g1": 0, "g2": 0})
	must(t, s.Update(ctx, "p", "t", func(tx *store.Tx) error { return tx.Put("items", "d", &vcitem{citem{item{"g1", 3}}}) }))
	counts(map[string]int{"g1": 3, "g2": 1})
	must(t, s.Update(ctx, "p", "t", func(tx *store.Tx) error {
		if err := tx.Put("items", "a", &vcitem{citem{item{"g2", 0}}}); err != nil { // moves
			return err
		}
		if err := tx.Put("items", "b", &vcitem{citem{item{"g1", 1}}}); err != nil { // unchanged
			return err
		}
		if err := tx.Put("items", "e", &vcitem{citem{item{"", 5}}}); err != nil { // in no group
			return err
		}
		return tx.Delete("items", "d")
	}))
	counts(map[string]int{"g1": 1, "g2": 2, "": 0})
	if ids, _ := lookupIDs(t, s, "g2", false); len(ids) != 2 || ids[0] != "a" || ids[1] != "c" {
		t.Fatalf("g2: %v", ids)
	}
	// A failed transaction leaves the counts; a reset drops them.
	_ = s.Update(ctx, "p", "t", func(tx *store.Tx) error {
		_ = tx.Delete("items", "a")
		return context.Canceled
	})
	counts(map[string]int{"g2": 2})
	must(t, s.ResetTenant("t"))
	counts(map[string]int{"g1": 0, "g2": 0})
}

// vcitem is citem at a version above item's, so its Put rebuilds an index of items.
type vcitem struct{ citem }

func (v *vcitem) IndexVersion() uint64 { return 1 }
