package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

type sysRec struct {
	Tenant string `json:"tenant"`
	N      int    `json:"n"`
}

// A reset visits the tenant's own list of refs and system records; both
// the list and the full scan of an older file must drop exactly the
// tenant's, also for a system record that changed hands and one deleted.
func TestResetTenantThroughItsOwnList(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		s := open(t, filepath.Join(t.TempDir(), "p.db"))
		if legacy {
			must(t, s.SetMeta("owned-index", nil)) // as a file written before the list
		}
		for _, tenant := range []string{"a", "b"} {
			must(t, s.Update(context.Background(), "klarna", tenant, func(tx *store.Tx) error {
				if err := tx.SetRef("client_token", "tok-"+tenant); err != nil {
					return err
				}
				if err := tx.Schedule(store.Job{ID: "job-" + tenant, Kind: "k", At: time.Unix(1, 0)}); err != nil {
					return err
				}
				// The job moves: its old due entry goes.
				return tx.PutJob(store.Job{ID: tenant + "/job-" + tenant, Provider: "klarna", Tenant: tenant, Kind: "k", At: time.Unix(5, 0)})
			}))
		}
		must(t, s.SysUpdate(context.Background(), func(tx *store.Tx) error {
			sys := tx.Sys("deliveries")
			for _, r := range []struct {
				key string
				rec sysRec
			}{{"d1", sysRec{"a", 1}}, {"d2", sysRec{"b", 2}}, {"d3", sysRec{"a", 3}}, {"d3", sysRec{"b", 3}}, {"d4", sysRec{"a", 4}}} {
				if err := sys.Put(r.key, r.rec); err != nil {
					return err
				}
			}
			return sys.Delete("d4")
		}))
		must(t, s.ResetTenant("a"))
		if _, err := s.Ref(context.Background(), "klarna", "client_token", "tok-a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("legacy=%v: ref of the reset tenant: %v", legacy, err)
		}
		if tn, err := s.Ref(context.Background(), "klarna", "client_token", "tok-b"); err != nil || tn != "b" {
			t.Fatalf("legacy=%v: ref of the other tenant: %q %v", legacy, tn, err)
		}
		left := map[string]string{}
		must(t, s.SysView(context.Background(), func(tx *store.Tx) error {
			return tx.Sys("deliveries").List(false, func(k string, raw []byte) (bool, error) {
				var r sysRec
				_ = tx.Sys("deliveries").Get(k, &r)
				left[k] = r.Tenant
				return true, nil
			})
		}))
		if len(left) != 2 || left["d2"] != "b" || left["d3"] != "b" {
			t.Fatalf("legacy=%v: deliveries left: %v", legacy, left)
		}
		var due []store.Job
		must(t, s.SysView(context.Background(), func(tx *store.Tx) error {
			var err error
			due, err = tx.DueJobs(func(string) time.Time { return time.Unix(10, 0) }, 10)
			return err
		}))
		if len(due) != 1 || due[0].Tenant != "b" {
			t.Fatalf("legacy=%v: jobs left: %+v", legacy, due)
		}
		s.Close()
	}
}
