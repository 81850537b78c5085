package store

import (
	"os"

	bolt "go.etcd.io/bbolt"
)

// Written headroom. bbolt grows its file with ftruncate, so the pages past
// the old end are holes, and a commit that writes there allocates blocks:
// on ext4 its fdatasync then also commits the journal, once per commit.
// The committer keeps a few megabytes of zeros really written past bbolt's
// last page, so that a commit's pages land on blocks the file already has
// and the allocation is paid once per chunk instead (docs/benchmarks.md,
// "Written headroom"). Only durable stores do it: with NoSync nothing waits
// for the disk.
const (
	headroomLow   = 2 << 20 // fill when less than this is written past the last page
	headroomChunk = 1 << 20 // and then this much, at the end of the file
	zeroPiece     = 64 << 10
)

type headroom struct {
	f    *os.File // the data file, opened once more for writing
	end  int64    // the file's size as last seen: everything below it is bbolt's or zeros
	zero []byte   // zeroPiece zeros, allocated at the first fill
}

func openHeadroom(path string) *headroom {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil // the store works without it, only slower
	}
	return &headroom{f: f}
}

// keep runs inside a write transaction, before its commit, so that no other
// commit writes to the file meanwhile: if fewer than headroomLow bytes lie
// between tx's last page and the end of the file, it appends headroomChunk
// zeros. It writes only past the end of the file, never where bbolt keeps a
// page, and a failed write (a full disk) leaves bbolt to grow the file as it
// always does.
func (h *headroom) keep(tx *bolt.Tx) {
	if h == nil || h.end-tx.Size() >= headroomLow {
		return
	}
	fi, err := h.f.Stat()
	if err != nil {
		return
	}
	h.end = fi.Size()
	if h.end-tx.Size() >= headroomLow {
		return // bbolt grew the file since we last looked
	}
	if h.zero == nil {
		h.zero = make([]byte, zeroPiece)
	}
	for off := int64(0); off < headroomChunk; off += zeroPiece {
		if _, err := h.f.WriteAt(h.zero, h.end); err != nil {
			return
		}
		h.end += zeroPiece
	}
}

func (h *headroom) close() {
	if h != nil {
		_ = h.f.Close()
	}
}
