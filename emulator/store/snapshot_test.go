package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/store"
)

func openTemp(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func fill(t *testing.T, st *store.Store, tenant string) {
	t.Helper()
	err := st.Update(context.Background(), "klarna", tenant, func(tx *store.Tx) error {
		for i := 0; i < 3; i++ {
			if _, err := tx.NextSequence("orders"); err != nil {
				return err
			}
		}
		if err := tx.Put("orders", "o1", rec{Name: tenant + "-order <&>", N: 1}); err != nil {
			return err
		}
		if err := tx.SetRef("client_token", "tok-"+tenant); err != nil {
			return err
		}
		return tx.Sys("jobs").Put("job-"+tenant, map[string]any{"tenant": tenant, "kind": "expire"})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDumpRestoreKeepsRecordsRefsSysAndSequences(t *testing.T) {
	src := openTemp(t)
	fill(t, src, "a")
	fill(t, src, "b")
	d, err := src.Dump("a")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Tenants) != 1 || d.Tenants["a"] == nil {
		t.Fatalf("tenants %v", d.Tenants)
	}
	// Through JSON and indentation, as a snapshot file.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		t.Fatal(err)
	}
	var back store.Dump
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}

	dst := openTemp(t)
	fill(t, dst, "c")
	if err := dst.Restore(&back, nil); err != nil {
		t.Fatal(err)
	}
	var got rec
	if err := dst.View(context.Background(), "klarna", "a", func(tx *store.Tx) error { return tx.Get("orders", "o1", &got) }); err != nil || got.Name != "a-order <&>" {
		t.Fatalf("record %+v %v", got, err)
	}
	var seq uint64
	_ = dst.Update(context.Background(), "klarna", "a", func(tx *store.Tx) (err error) { seq, err = tx.NextSequence("orders"); return })
	if seq != 4 {
		t.Errorf("sequence after restore: %d, want 4", seq)
	}
	if tn, err := dst.Ref(context.Background(), "klarna", "client_token", "tok-a"); err != nil || tn != "a" {
		t.Errorf("ref %q %v", tn, err)
	}
	if _, err := dst.Ref(context.Background(), "klarna", "client_token", "tok-b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("tenant b's ref came along: %v", err)
	}
	if tn, _ := dst.Ref(context.Background(), "klarna", "client_token", "tok-c"); tn != "c" {
		t.Error("tenant c's ref is gone")
	}
	var job map[string]any
	if err := dst.SysView(context.Background(), func(tx *store.Tx) error { return tx.Sys("jobs").Get("job-a", &job) }); err != nil || job["tenant"] != "a" {
		t.Errorf("sys record %v %v", job, err)
	}
	// Stored byte for byte as the source had it, not as the indented file.
	again, _ := dst.Dump("a")
	stored := string(again.Tenants["a"].Buckets["klarna"].Buckets["orders"].Records["o1"])
	if want := string(d.Tenants["a"].Buckets["klarna"].Buckets["orders"].Records["o1"]); stored != want {
		t.Errorf("stored as %s, want %s", stored, want)
	}
}

func TestRestoreIsAllOrNothing(t *testing.T) {
	src := openTemp(t)
	fill(t, src, "a")
	d, _ := src.Dump("a")

	dst := openTemp(t)
	fill(t, dst, "a") // the tenant's current state, which a failed load must keep
	if err := dst.Update(context.Background(), "klarna", "a", func(tx *store.Tx) error { return tx.Put("orders", "mine", rec{Name: "keep"}) }); err != nil {
		t.Fatal(err)
	}
	fill(t, dst, "b")
	// tenant b holds a client token the snapshot names too: a conflict found
	// after the tenant's old records were dropped inside the transaction.
	if err := dst.Update(context.Background(), "klarna", "b", func(tx *store.Tx) error { return tx.SetRef("client_token", "tok-a") }); err != nil {
		t.Fatal(err)
	}
	err := dst.Restore(d, nil)
	if !errors.Is(err, store.ErrSnapshotConflict) {
		t.Fatalf("want a conflict, got %v", err)
	}
	var got rec
	if err := dst.View(context.Background(), "klarna", "a", func(tx *store.Tx) error { return tx.Get("orders", "mine", &got) }); err != nil || got.Name != "keep" {
		t.Fatalf("the failed load changed tenant a: %+v %v", got, err)
	}
	if d.Format = "paysandbox/0"; dst.Restore(d, nil) == nil {
		t.Error("a dump of another format was restored")
	}
}

// A tenant reset after a snapshot load drops what the load brought (its refs
// and system records), whether the load was of one tenant or of everything:
// resets visit owned/<tenant>, so the load must list what it restores there.
func TestResetAfterRestoreDropsTheRestoredRefsAndSystemRecords(t *testing.T) {
	for _, scope := range []string{"a", ""} {
		src := openTemp(t)
		fill(t, src, "a")
		fill(t, src, "b")
		d, err := src.Dump(scope)
		if err != nil {
			t.Fatal(err)
		}
		dst := openTemp(t)
		if err := dst.Restore(d, nil); err != nil {
			t.Fatal(err)
		}
		if err := dst.ResetTenant("a"); err != nil {
			t.Fatal(err)
		}
		if _, err := dst.Ref(context.Background(), "klarna", "client_token", "tok-a"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("scope %q: the restored ref outlived the reset: %v", scope, err)
		}
		var job map[string]any
		if err := dst.SysView(context.Background(), func(tx *store.Tx) error { return tx.Sys("jobs").Get("job-a", &job) }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("scope %q: the restored system record outlived the reset: %v %v", scope, job, err)
		}
		if scope == "" {
			if tn, err := dst.Ref(context.Background(), "klarna", "client_token", "tok-b"); err != nil || tn != "b" {
				t.Errorf("tenant b's ref: %q %v", tn, err)
			}
		}
	}
}
