package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paysandbox/paysandbox/emulator/store"
)

type rec struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func open(t *testing.T, path string) *store.Store {
	t.Helper()
	s, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if speculating {
		s.Speculate("p")
	}
	return s
}

// speculating makes open's stores speculate for provider "p"
// (TestIndexesOfASpeculativeProvider).
var speculating bool

func TestRecordsSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s := open(t, path)
	if err := s.Update(context.Background(), "klarna", "acme", func(tx *store.Tx) error { return tx.Put("sessions", "s1", rec{"one", 1}) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, path)
	defer s.Close()
	var got rec
	if err := s.View(context.Background(), "klarna", "acme", func(tx *store.Tx) error { return tx.Get("sessions", "s1", &got) }); err != nil {
		t.Fatal(err)
	}
	if got != (rec{"one", 1}) {
		t.Fatalf("got %+v", got)
	}
}

func TestTenantsAndProvidersAreIsolated(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	must(t, s.Update(context.Background(), "klarna", "a", func(tx *store.Tx) error { return tx.Put("sessions", "x", rec{Name: "a"}) }))
	for _, c := range []struct{ provider, tenant string }{{"klarna", "b"}, {"multisafepay", "a"}} {
		err := s.View(context.Background(), c.provider, c.tenant, func(tx *store.Tx) error { var r rec; return tx.Get("sessions", "x", &r) })
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("%v: want ErrNotFound, got %v", c, err)
		}
	}
}

func TestFailedUpdateWritesNothing(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	boom := errors.New("boom")
	err := s.Update(context.Background(), "klarna", "a", func(tx *store.Tx) error {
		if err := tx.Put("orders", "o1", rec{Name: "half"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if err := s.View(context.Background(), "klarna", "a", func(tx *store.Tx) error { return tx.Get("orders", "o1", &rec{}) }); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("half-written record: %v", err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s := open(t, path)
	defer s.Close()
	_, err := store.Open(path, store.Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("want ErrLocked, got %v", err)
	}
}

func TestForeignFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(text, store.Options{}); !errors.Is(err, store.ErrNotOurs) {
		t.Fatalf("zero-filled file: want ErrNotOurs, got %v", err)
	}
	// A valid bbolt file that some other program wrote.
	other := filepath.Join(dir, "other.db")
	db, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	must(t, db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("theirs")); return err }))
	db.Close()
	if _, err := store.Open(other, store.Options{}); !errors.Is(err, store.ErrNotOurs) {
		t.Fatalf("foreign bbolt file: want ErrNotOurs, got %v", err)
	}
}

func TestResetTenantDropsRecordsRefsAndSystemRecords(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	for _, tenant := range []string{"a", "b"} {
		must(t, s.Update(context.Background(), "klarna", tenant, func(tx *store.Tx) error {
			if err := tx.Put("sessions", "s", rec{Name: tenant}); err != nil {
				return err
			}
			if err := tx.SetRef("client_token", "tok-"+tenant); err != nil {
				return err
			}
			return tx.Schedule(store.Job{Kind: "k", At: time.Unix(1, 0)})
		}))
	}
	must(t, s.ResetTenant("a"))
	if _, err := s.Ref(context.Background(), "klarna", "client_token", "tok-a"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ref of reset tenant: %v", err)
	}
	if tn, err := s.Ref(context.Background(), "klarna", "client_token", "tok-b"); err != nil || tn != "b" {
		t.Fatalf("ref of other tenant: %q %v", tn, err)
	}
	jobs := 0
	must(t, s.SysView(context.Background(), func(tx *store.Tx) error {
		return tx.Sys(store.JobsBucket).List(false, func(string, []byte) (bool, error) { jobs++; return true, nil })
	}))
	if jobs != 1 {
		t.Fatalf("jobs left: %d, want 1", jobs)
	}
	ts, _ := s.Tenants()
	if len(ts) != 1 || ts[0] != "b" {
		t.Fatalf("tenants: %v", ts)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentWritesShareCommitsAndAFailureStaysAlone(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	defer s.Close()
	const n = 64
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			errs <- s.Update(context.Background(), "klarna", "acme", func(tx *store.Tx) error {
				if err := tx.Put("sessions", fmt.Sprint(i), rec{N: i}); err != nil {
					return err
				}
				if i%10 == 3 {
					return fmt.Errorf("refused %d", i)
				}
				return nil
			})
		}()
	}
	failed := 0
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			failed++
		}
	}
	if failed != 7 {
		t.Fatalf("failed writes: %d, want 7", failed)
	}
	count := 0
	must(t, s.View(context.Background(), "klarna", "acme", func(tx *store.Tx) error { count = tx.Count("sessions"); return nil }))
	if count != n-7 {
		t.Fatalf("records: %d, want %d (a failed write must leave nothing)", count, n-7)
	}
}

func TestWriteAfterCloseFails(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "p.db"))
	s.Close()
	if err := s.Update(context.Background(), "x", "y", func(tx *store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("got %v", err)
	}
}
