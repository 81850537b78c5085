package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/ids"
	"github.com/paysandbox/paysandbox/emulator/store"
)

func openSeeded(t *testing.T, seed int64) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "p.db"), store.Options{NoSync: true, IDs: ids.New(seed)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// A draw in a transaction that does not commit is drawn again by the next
// one (Update may run its function twice: both runs see the same ids), and
// draws are per tenant, so another tenant's writes do not shift them.
func TestTransactionIDsAreReplaySafeAndPerTenant(t *testing.T) {
	draw := func(st *store.Store, tenant string, fail bool) string {
		var id string
		err := st.Update(context.Background(), "p", tenant, func(tx *store.Tx) error {
			id = tx.IDs().UUID()
			if fail {
				return errors.New("rolled back")
			}
			return tx.Put("c", id, map[string]string{})
		})
		if err != nil && !fail {
			t.Fatal(err)
		}
		return id
	}
	a := openSeeded(t, 7)
	rolled := draw(a, "t1", true)
	first := draw(a, "t1", false)
	if rolled != first {
		t.Fatalf("a rerun drew %s, the committed run %s", rolled, first)
	}
	second := draw(a, "t1", false)

	b := openSeeded(t, 7)
	draw(b, "t2", false) // another tenant in between
	draw(b, "t2", false)
	if got := draw(b, "t1", false); got != first {
		t.Fatalf("same seed, first id %s then %s", first, got)
	}
	if got := draw(b, "t1", false); got != second || second == first {
		t.Fatalf("same seed, second id %s then %s", second, got)
	}
	if draw(openSeeded(t, 8), "t1", false) == first {
		t.Fatal("another seed drew the same id")
	}
}

// An Update inside an Update fails at once instead of waiting forever for
// the committer that runs it; so do the other writes.
func TestNestedUpdateIsRefused(t *testing.T) {
	st := openSeeded(t, 1)
	done := make(chan error, 1)
	go func() {
		var inner, meta, reset, resetAll, restore error
		err := st.Update(context.Background(), "p", "t", func(tx *store.Tx) error {
			inner = st.Update(context.Background(), "p", "t", func(*store.Tx) error { return nil })
			meta = st.SetMeta("k", []byte("v"))
			reset = st.ResetTenant("t")
			resetAll = st.ResetAll()
			restore = st.Restore(&store.Dump{Format: store.Format, Tenant: "t"}, nil)
			return nil
		})
		done <- errors.Join(err, check(inner), check(meta), check(reset), check(resetAll), check(restore))
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second): // a deadlock, not a timing assertion
		t.Fatal("nested Update deadlocked")
	}
	if err := st.Update(context.Background(), "p", "t", func(*store.Tx) error { return nil }); err != nil {
		t.Fatalf("a write after the refused ones: %v", err)
	}
}

func check(err error) error {
	if !errors.Is(err, store.ErrNested) {
		return errors.New("want ErrNested, got " + errString(err))
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
