package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	goid0 "github.com/petermattis/goid"
	bolt "go.etcd.io/bbolt"
)

// Group commit. bbolt's own db.Batch waits a fixed delay before each commit;
// here one writer goroutine commits whatever has queued while the previous
// commit was syncing, so an idle store commits at once and a busy one shares
// each fsync among every waiting writer.

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("store: closed")

// ErrNested is returned by a write started inside another write's function:
// the committer runs that function, so waiting for it would never end.
var ErrNested = errors.New("store: Update called inside an Update; do the work in the outer transaction")

// errPanicked wraps what a write function that panicked answers.
var errPanicked = errors.New("store: write panicked")

const maxGroup = 512

type write struct {
	ctx  context.Context
	fn   func(*bolt.Tx) error
	done chan error
	// state is queued, then either taken (by the committer, for a group
	// about to commit: the write completes) or dropped (its ctx ended
	// first: it returns ctx.Err() and never runs).
	state atomic.Int32
}

const (
	queued int32 = iota
	taken
	dropped
)

type committer struct {
	db     *bolt.DB
	room   *headroom     // nil for a store without fsync
	loopID atomic.Uint64 // the goroutine that runs every write function
	queue  chan *write
	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	wg     sync.WaitGroup
	// cur is the write set of the commit under way, log the last commits'
	// (speculate.go); both belong to the loop's goroutine.
	cur *writeSet
	log specLog
	// speculators are the goroutines running a speculative write function
	// (goid -> struct{}), speculating how many.
	speculators sync.Map
	speculating atomic.Int64
}

func newCommitter(db *bolt.DB, room *headroom) *committer {
	c := &committer{db: db, room: room, queue: make(chan *write, maxGroup)}
	c.wg.Add(1)
	go c.loop()
	return c
}

// do runs fn in a write transaction shared with other writers and returns
// once it is durable (or failed). fn may run more than once. If ctx ends
// before the write's group starts committing, do returns ctx.Err() at once
// and fn never runs.
func (c *committer) do(ctx context.Context, fn func(*bolt.Tx) error) error {
	if c.inLoop() {
		return ErrNested
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &write{ctx: ctx, fn: fn, done: make(chan error, 1)}
	c.mu.RLock()
	if c.closed {
		c.mu.RUnlock()
		return ErrClosed
	}
	c.queue <- w
	c.mu.RUnlock()
	select {
	case err := <-w.done:
		return err
	case <-ctx.Done():
		if w.state.CompareAndSwap(queued, dropped) {
			return ctx.Err()
		}
		return <-w.done // already committing: it completes
	}
}

// take keeps the writes of group that may still run, marking them taken,
// and answers the ones whose ctx has ended with ctx.Err().
func take(group []*write) []*write {
	kept := group[:0]
	for _, w := range group {
		if w.ctx.Err() != nil && w.state.CompareAndSwap(queued, dropped) {
			w.done <- w.ctx.Err()
			continue
		}
		if w.state.CompareAndSwap(queued, taken) {
			kept = append(kept, w)
		}
	}
	return kept
}

func (c *committer) close() {
	c.mu.Lock()
	first := !c.closed
	if first {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	c.wg.Wait()
	if first {
		c.room.close()
	}
}

// inLoop tells whether the caller runs inside a write function: on the
// loop, or speculating (speculate.go; its read transaction would stall the
// committer's next remap of the file for ever).
func (c *committer) inLoop() bool {
	id := goid()
	if id == c.loopID.Load() {
		return true
	}
	if c.speculating.Load() == 0 {
		return false
	}
	_, in := c.speculators.Load(id)
	return in
}

// goid is the calling goroutine's id. petermattis/goid reads it from the
// runtime's goroutine header; runtime.Stack, which this replaced, formatted
// the whole stack of the caller and cost a tenth of a durable create.
func goid() uint64 { return uint64(goid0.Get()) }

func (c *committer) loop() {
	defer c.wg.Done()
	c.loopID.Store(goid())
	group := make([]*write, 0, maxGroup)
	for w := range c.queue {
		// Let the requests that are ready to run reach their writes first:
		// with one P (GOMAXPROCS=1, a one-CPU container) the committer,
		// woken by the first write, would otherwise run at once and commit
		// groups of one, a sync per write.
		runtime.Gosched()
		group = append(group[:0], w)
	drain:
		for len(group) < maxGroup {
			select {
			case w, ok := <-c.queue:
				if !ok {
					break drain
				}
				group = append(group, w)
			default:
				break drain
			}
		}
		c.commit(take(group))
	}
}

// commit runs the group in one transaction. If one function fails, the
// transaction is rolled back, that function gets its error from a run of its
// own, and the others are committed without it (as bbolt's Batch does).
func (c *committer) commit(group []*write) {
	for len(group) > 0 {
		failed := -1
		err := c.update(func(tx *bolt.Tx) error {
			for i, w := range group {
				if err := safely(w.fn, tx); err != nil {
					failed = i
					return err
				}
			}
			c.room.keep(tx)
			return nil
		})
		if failed < 0 {
			for _, w := range group {
				w.done <- err
			}
			return
		}
		solo := group[failed]
		solo.done <- c.update(func(tx *bolt.Tx) error { return safely(solo.fn, tx) })
		group = append(group[:failed], group[failed+1:]...)
	}
}

// update is db.Update with the commit's write set: logged once committed,
// its counters undone if it fails.
func (c *committer) update(fn func(*bolt.Tx) error) error {
	ws := &writeSet{}
	c.cur = ws
	err := c.db.Update(func(tx *bolt.Tx) error {
		ws.txid = uint64(tx.ID())
		return fn(tx)
	})
	c.cur = nil
	if err != nil {
		ws.rollback()
		return err
	}
	c.log.add(ws)
	return nil
}

func safely(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errPanicked, p)
		}
	}()
	return fn(tx)
}
