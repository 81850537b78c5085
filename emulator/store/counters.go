package store

import (
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// A speculative provider's sequences (speculate.go): one counter per
// bucket, in the store (Store.reserved, forgotten on a reset or a restore),
// that speculations and the committer's runs both take numbers from.

// reservation is a speculation's numbers from one counter: prev+1..last
// when they were handed out in a row (split: someone else's came between).
type reservation struct {
	name       reservedName
	counter    *atomic.Uint64
	prev, last uint64
	split      bool
}

// giveBack returns the speculation's numbers to their counters when nobody
// took one after them, so that the function's run on the committer draws
// the same ones.
func (sp *spec) giveBack() {
	for i := len(sp.seqs) - 1; i >= 0; i-- {
		if r := sp.seqs[i]; !r.split {
			r.counter.CompareAndSwap(r.last, r.prev)
		}
	}
	sp.seqs = nil
}

// counterOf is the counter of a sequence of a speculative provider.
func (tx *Tx) counterOf(name reservedName) *atomic.Uint64 {
	c, _ := tx.reserved.LoadOrStore(name, new(atomic.Uint64))
	return c.(*atomic.Uint64)
}

// takeNumber hands out the counter's next number: past written, what the bucket
// holds (in a speculation, as of its snapshot).
func takeNumber(c *atomic.Uint64, written uint64) (prev, n uint64) {
	for {
		last := c.Load()
		n = max(last, written) + 1
		if c.CompareAndSwap(last, n) {
			return last, n
		}
	}
}

// sequence is the next number of b's sequence (name's counter) for a
// speculative provider: reserved in a speculation, set in the bucket (and
// undone with a failed transaction) on the committer.
func (tx *Tx) sequence(name reservedName, b *bolt.Bucket) (uint64, error) {
	var written uint64
	if b != nil {
		written = b.Sequence()
	}
	c := tx.counterOf(name)
	prev, n := takeNumber(c, written)
	if tx.sp != nil {
		tx.sp.reserved(name, c, prev, n)
		return n, nil
	}
	if err := b.SetSequence(n); err != nil {
		return 0, err
	}
	if tx.ws != nil {
		tx.ws.undo = append(tx.ws.undo, counterUndo{c, prev, n})
	}
	return n, nil
}

func (sp *spec) reserved(name reservedName, c *atomic.Uint64, prev, n uint64) {
	for _, r := range sp.seqs {
		if r.name == name {
			r.split = r.split || prev != r.last
			r.last = n
			return
		}
	}
	sp.seqs = append(sp.seqs, &reservation{name: name, counter: c, prev: prev, last: n})
}

// Sequence buckets' counter names: the provider bucket's (Tx.IDs) and a
// collection's (NextSequence). Collection names never start with a 0 byte,
// so these never meet an ordered collection's reservations.
func idsCounter(provider, tenant string) reservedName {
	return reservedName{provider, tenant, "\x00"}
}

func seqCounter(provider, tenant, collection string) reservedName {
	return reservedName{provider, tenant, "\x00" + collection}
}
