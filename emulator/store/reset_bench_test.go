package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// A tenant reset while other tenants hold 1k, 10k and 100k refs and system
// records (webhook deliveries, say); the reset tenant holds 10 of each.
// LEGACY=1 in the name: the same on a file without the owners' lists (the
// full scan). Run:
//
//	go test -run '^$' -bench ResetTenant -benchtime 20x ./emulator/store
func BenchmarkResetTenant(b *testing.B) {
	for _, legacy := range []bool{false, true} {
		for _, n := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("legacy=%v/others=%d", legacy, n), func(b *testing.B) {
				s, err := store.Open(filepath.Join(b.TempDir(), "p.db"), store.Options{NoSync: true})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				if legacy {
					must2(b, s.SetMeta("owned-index", nil))
				}
				fill := func(tenant string, count int) {
					for done := 0; done < count; done += 5_000 {
						must2(b, s.Update(context.Background(), "p", tenant, func(tx *store.Tx) error {
							for i := done; i < min(done+5_000, count); i++ {
								if err := tx.SetRef("token", fmt.Sprintf("%s-%d", tenant, i)); err != nil {
									return err
								}
								if err := tx.Sys("deliveries").Put(fmt.Sprintf("%s-%08d", tenant, i), sysRec{tenant, i}); err != nil {
									return err
								}
							}
							return nil
						}))
					}
				}
				fill("others", n)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					fill("small", 10)
					b.StartTimer()
					must2(b, s.ResetTenant("small"))
				}
			})
		}
	}
}

func must2(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
