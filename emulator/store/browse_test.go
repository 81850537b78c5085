package store_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/store"
)

func TestCollectionsCountsATenantsRecords(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "b.db"))
	defer s.Close()
	put := func(provider, tenant, col, id string) {
		must(t, s.Update(context.Background(), provider, tenant, func(tx *store.Tx) error { return tx.Put(col, id, map[string]string{"id": id}) }))
	}
	put("klarna", "a", "orders", "1")
	put("klarna", "a", "orders", "2")
	put("klarna", "a", "sessions", "s")
	put("multisafepay", "a", "orders", "x")
	put("klarna", "b", "orders", "3")
	got, err := s.Collections("a")
	must(t, err)
	want := map[string]map[string]int{"klarna": {"orders": 2, "sessions": 1}, "multisafepay": {"orders": 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("collections %v, want %v", got, want)
	}
	if got, err := s.Collections("nobody"); err != nil || len(got) != 0 {
		t.Fatalf("unknown tenant: %v %v", got, err)
	}
}
