package store_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// vitem is item with a second key and a version: its index, once built with
// item's keys, is rebuilt at the next Put of a vitem.
type vitem struct{ item }

func (v *vitem) IndexKeys() []string {
	return append(v.item.IndexKeys(), "n\x00"+string(rune('a'+v.N)))
}

func (v *vitem) IndexVersion() uint64 { return 1 }

func TestIndexVersionRebuildsAnOlderIndex(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
		if err := tx.Put("items", "z", &item{"g1", 0}); err != nil {
			return err
		}
		return tx.Put("items", "y", &item{"g1", 1})
	}))
	byN := func() (ids []string, version uint64) {
		t.Helper()
		must(t, s.View(context.Background(), "p", "t", func(tx *store.Tx) error {
			var err error
			if version, err = tx.IndexVersion("items"); err != nil {
				return err
			}
			return tx.Lookup("items", "n\x00", false, func(id string, _ []byte) (bool, error) {
				ids = append(ids, id)
				return true, nil
			})
		}))
		return ids, version
	}
	if ids, v := byN(); len(ids) != 0 || v != 0 {
		t.Fatalf("before: %v, version %d", ids, v)
	}
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Put("items", "x", &vitem{item{"g2", 2}}) }))
	if ids, v := byN(); !reflect.DeepEqual(ids, []string{"z", "y", "x"}) || v != 1 {
		t.Fatalf("after: %v, version %d", ids, v)
	}
	if ids, _ := lookupIDs(t, s, "g1", false); !reflect.DeepEqual(ids, []string{"z", "y"}) {
		t.Fatalf("the older keys: %v", ids)
	}
	// A fresh collection starts at the version; one without records has none.
	must(t, s.Update(context.Background(), "p", "t", func(tx *store.Tx) error { return tx.Put("fresh", "a", &vitem{item{"g", 0}}) }))
	must(t, s.View(context.Background(), "p", "t", func(tx *store.Tx) error {
		if v, err := tx.IndexVersion("fresh"); v != 1 || err != nil {
			t.Errorf("fresh: %d %v", v, err)
		}
		if v, err := tx.IndexVersion("none"); v != 0 || err != nil {
			t.Errorf("none: %d %v", v, err)
		}
		return nil
	}))
}
