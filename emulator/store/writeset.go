package store

import (
	"strings"
	"sync/atomic"
)

// What the committer remembers of each commit, to check speculations
// against (speculate.go).

// writeSet is what one commit wrote of the speculative providers' records.
type writeSet struct {
	txid    uint64
	records map[uint64]struct{}
	colls   map[uint64]struct{}
	entries map[uint64][]string // collectionHash -> index entries added or removed
	undo    []counterUndo       // counters advanced, undone if the commit fails
}

type counterUndo struct {
	counter  *atomic.Uint64
	prev, to uint64
}

func (ws *writeSet) wrote(tx *Tx, collection, id string) {
	if ws.records == nil {
		ws.records, ws.colls = map[uint64]struct{}{}, map[uint64]struct{}{}
	}
	ws.records[tx.recordHash(collection, id)] = struct{}{}
	ws.colls[tx.collectionHash(collection)] = struct{}{}
}

func (ws *writeSet) wroteEntry(tx *Tx, collection string, entry []byte) {
	if ws.entries == nil {
		ws.entries = map[uint64][]string{}
	}
	if ws.colls == nil {
		ws.records, ws.colls = map[uint64]struct{}{}, map[uint64]struct{}{}
	}
	h := tx.collectionHash(collection)
	ws.colls[h] = struct{}{}
	ws.entries[h] = append(ws.entries[h], string(entry))
}

func (ws *writeSet) wroteCollection(tx *Tx, collection string) {
	if ws.colls == nil {
		ws.records, ws.colls = map[uint64]struct{}{}, map[uint64]struct{}{}
	}
	ws.colls[tx.collectionHash(collection)] = struct{}{}
}

func (ws *writeSet) empty() bool { return len(ws.colls) == 0 }

// rollback undoes the counters the failed commit advanced (those nobody
// took a number from since).
func (ws *writeSet) rollback() {
	for i := len(ws.undo) - 1; i >= 0; i-- {
		u := ws.undo[i]
		u.counter.CompareAndSwap(u.to, u.prev)
	}
}

// conflicts tells whether ws wrote something sp read.
func (ws *writeSet) conflicts(sp *spec) bool {
	if ws.empty() {
		return false
	}
	for _, h := range sp.reads {
		if _, ok := ws.records[h]; ok {
			return true
		}
	}
	for _, h := range sp.colls {
		if _, ok := ws.colls[h]; ok {
			return true
		}
	}
	for _, w := range sp.walks {
		for _, e := range ws.entries[w.collection] {
			if strings.HasPrefix(e, w.prefix) {
				return true
			}
		}
	}
	return false
}

// specLog is the committer's memory of recent commits' writes; only the
// committer's goroutine touches it.
type specLog struct {
	from    uint64 // it holds every commit after this one
	commits []*writeSet
}

func (l *specLog) add(ws *writeSet) {
	if ws.empty() {
		return
	}
	if len(l.commits) == logCap {
		l.from = l.commits[0].txid
		l.commits = append(l.commits[:0], l.commits[1:]...)
	}
	l.commits = append(l.commits, ws)
}

// valid tells whether nothing sp read was written after its snapshot: by
// the commits since, by a reset or restore, or earlier in cur, the commit
// under way.
func (c *committer) valid(sp *spec, untracked uint64) bool {
	if sp.snap < c.log.from || sp.snap < untracked {
		return false
	}
	for i := len(c.log.commits) - 1; i >= 0; i-- {
		ws := c.log.commits[i]
		if ws.txid <= sp.snap {
			break
		}
		if ws.conflicts(sp) {
			return false
		}
	}
	return !c.cur.conflicts(sp)
}
