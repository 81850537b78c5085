//go:build unix

package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// writeMany writes n records of about 2 KB from 16 writers at once, so that
// the committer groups them as under load.
func writeMany(t *testing.T, s *store.Store, n int) {
	t.Helper()
	pad := strings.Repeat("x", 2000)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < n; i += 16 {
				errs <- s.Update(context.Background(), "klarna", "acme", func(tx *store.Tx) error {
					return tx.Put("sessions", fmt.Sprintf("s%05d", i), rec{pad, i})
				})
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// fileState is the data file's size, the bytes it really has on disk, and
// bbolt's last page (the end of what bbolt uses), read with bbolt itself.
func fileState(t *testing.T, path string) (size, allocated, used int64) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		used = tx.Size()
		for err := range tx.Check() {
			return err
		}
		return nil
	}); err != nil {
		t.Fatalf("bbolt's check of the data file: %v", err)
	}
	return fi.Size(), fi.Sys().(*syscall.Stat_t).Blocks * 512, used
}

func TestDurableFileKeepsWrittenHeadroom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	s := open(t, path)
	writeMany(t, s, 3000) // about 6 MB: several chunks
	s.Close()
	size, allocated, used := fileState(t, path)
	if size-used < 1<<20 {
		t.Fatalf("%d bytes past bbolt's last page (%d of %d), want at least a chunk of written zeros", size-used, used, size)
	}
	// The file has no holes (bbolt's first 32 KB aside): commits write to
	// blocks the file already has.
	if allocated < size-64<<10 {
		t.Fatalf("file of %d bytes has only %d on disk: the headroom is holes, not written zeros", size, allocated)
	}
	s = open(t, path)
	defer s.Close()
	writeMany(t, s, 200) // a reopened file goes on from where it is
	var got rec
	if err := s.View(context.Background(), "klarna", "acme", func(tx *store.Tx) error { return tx.Get("sessions", "s02999", &got) }); err != nil {
		t.Fatal(err)
	}
	if got.N != 2999 {
		t.Fatalf("record s02999 reads back as %+v", got.N)
	}
}

func TestEphemeralFileWritesNoHeadroom(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.db")
	s, err := store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	writeMany(t, s, 300)
	s.Close()
	size, allocated, used := fileState(t, path)
	if allocated > used+256<<10 {
		t.Fatalf("a store without fsync wrote %d bytes for %d used (file %d): it needs no headroom", allocated, used, size)
	}
}
