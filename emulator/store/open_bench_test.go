package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// How long Open takes on a large data file (bbolt rebuilds its free list by
// walking the file when it opens, since commits do not write the list).
// STORE_OPEN_MB sets the file's size (default 64; docs/benchmarks.md uses
// 1024; STORE_OPEN_KEEP=path keeps the file). Run:
//
//	STORE_OPEN_MB=1024 go test -run '^$' -bench OpenLarge -benchtime 5x ./emulator/store
func BenchmarkOpenLarge(b *testing.B) {
	mb := 64
	if s := os.Getenv("STORE_OPEN_MB"); s != "" {
		_, _ = fmt.Sscan(s, &mb)
	}
	path := filepath.Join(b.TempDir(), "big.db")
	if keep := os.Getenv("STORE_OPEN_KEEP"); keep != "" { // keep the file, e.g. to start the binary on it
		path = keep
	}
	s, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	pad := strings.Repeat("x", 4000)
	// Records of ~4 KB in batches, across 10 tenants, with a few jobs.
	for n := 0; n < mb*256; n += 2000 {
		tenant := fmt.Sprintf("t%d", n%10)
		err := s.Update(context.Background(), "p", tenant, func(tx *store.Tx) error {
			for i := n; i < n+2000; i++ {
				if err := tx.Put("records", fmt.Sprintf("r%08d", i), rec{Name: pad, N: i}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := store.Open(path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "file-MB")
	}
}
