//go:build linux

// Command fsyncprobe times what a bbolt commit asks of the disk, two
// fdatasyncs (16 KB of new pages, then a 4 KB meta page), on a file whose
// new pages are holes (ftruncate, as bbolt grows), fallocated space, or
// zeros already written (the store's headroom). docs/benchmarks.md,
// "Written headroom":
//
//	go run ./scripts/fsyncprobe [-n 2000] [-dir DIR]
//
// DIR should be on the disk the data file lives on (default: the system's
// temporary directory).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 2000, "commits per kind of file")
	dir := flag.String("dir", os.TempDir(), "where to write the probe file")
	flag.Parse()
	path := filepath.Join(*dir, "fsyncprobe.db")
	defer func() { _ = os.Remove(path) }()
	size := int64(*n) * 16 << 10
	kinds := []struct {
		name string
		prep func(f *os.File) error
	}{
		{"holes (ftruncate)", func(f *os.File) error { return f.Truncate(size) }},
		{"fallocated", func(f *os.File) error { return syscall.Fallocate(int(f.Fd()), 0, 0, size) }},
		{"written zeros", func(f *os.File) error { _, err := f.WriteAt(make([]byte, size), 0); return err }},
	}
	for round := 0; round < 2; round++ {
		for _, k := range kinds {
			d, err := probe(path, *n, k.prep)
			if err != nil {
				fmt.Fprintln(os.Stderr, "fsyncprobe:", err)
				os.Exit(1)
			}
			fmt.Printf("%-18s %v per commit (two fdatasyncs)\n", k.name, d)
		}
	}
}

func probe(path string, n int, prep func(*os.File) error) (time.Duration, error) {
	_ = os.Remove(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	if err := prep(f); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	pages := make([]byte, 16<<10)
	for i := range pages {
		pages[i] = byte(i)
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := f.WriteAt(pages, int64(i)*int64(len(pages))); err != nil {
			return 0, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
		if _, err := f.WriteAt(pages[:4096], 0); err != nil {
			return 0, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(n), nil
}
