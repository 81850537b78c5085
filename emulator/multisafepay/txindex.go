package multisafepay

import (
	"errors"
	"fmt"
	"slices"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// The transactions list walks an index of every transaction (the payment,
// each refund, the chargeback) by creation time and id, newest first, kept
// with the order in the same transaction (store.Indexed): a page costs the
// transactions it reads, not a decode of every order of the account.

const txPrefix = "tx\x00"

// txKey orders transactions by creation time, then id (both sign-flipped so
// that the byte order is the numeric order).
func txKey(created time.Time, id int64) string {
	return fmt.Sprintf("%s%016x%016x", txPrefix, uint64(created.UnixNano())^(1<<63), uint64(id)^(1<<63))
}

// IndexKeys: one key per transaction of the order.
func (o *Order) IndexKeys() []string {
	keys := []string{txKey(o.Created, o.TransactionID)}
	for i := range o.Refunds {
		keys = append(keys, txKey(o.Refunds[i].Created, o.Refunds[i].ID))
	}
	if cb := o.Chargeback; cb != nil {
		keys = append(keys, txKey(cb.Created, cb.ID))
	}
	return keys
}

// txPage is f's page read through the index: newest first from the top,
// from an after cursor, or the page just newer than a before cursor. ok
// false: the orders are not indexed (an older data file until its next
// order is written); the caller selects from every order.
func txPage(tx *store.Tx, f *txFilter, now time.Time) (items []transactionJSON, older, newer, ok bool, err error) {
	cache := map[string][]transactionJSON{}
	find := func(key, orderID string, raw []byte) (*transactionJSON, error) {
		ts, seen := cache[orderID]
		if !seen {
			var o Order
			if err := gojson.Unmarshal(raw, &o); err != nil {
				return nil, err
			}
			o.settle(now, nil)
			ts = o.transactions(now)
			cache[orderID] = ts
		}
		for i := range ts {
			if txKey(ts[i].created, ts[i].TransactionID) == key {
				return &ts[i], nil
			}
		}
		return nil, nil
	}
	// walk visits, from from, the transactions that match f, until visit
	// says no more.
	walk := func(from string, reverse bool, visit func(t *transactionJSON) (more bool)) error {
		return tx.Walk(colOrders, txPrefix, from, reverse, func(key, orderID string, raw []byte) (bool, error) {
			t, err := find(key, orderID, raw)
			if err != nil || t == nil || !f.match(t) {
				return err == nil, err
			}
			return visit(t), nil
		})
	}
	if f.before != nil {
		items, older, newer, err = txPageBefore(f, walk)
		if errors.Is(err, store.ErrNoIndex) {
			return nil, false, false, false, nil
		}
		return items, older, newer, err == nil, err
	}
	from := ""
	if f.after != nil {
		from = txKey(f.after.created, f.after.id)
	}
	err = walk(from, true, func(t *transactionJSON) bool {
		if len(items) == f.limit {
			older = true
			return false
		}
		items = append(items, *t)
		return true
	})
	if errors.Is(err, store.ErrNoIndex) {
		return nil, false, false, false, nil
	}
	if err != nil || f.after == nil {
		return items, older, false, err == nil, err
	}
	// After a cursor, the page has newer neighbours when any matching
	// transaction is not older than the cursor.
	err = walk(from, false, func(*transactionJSON) bool {
		newer = true
		return false
	})
	return items, older, newer, err == nil, err
}

// txPageBefore is the page of f.limit transactions just newer than the
// before cursor: walked oldest first from the cursor, then turned round.
// older: a matching transaction at or past the cursor; newer: more matching
// transactions beyond the page.
func txPageBefore(f *txFilter, walk func(from string, reverse bool, visit func(t *transactionJSON) bool) error) (items []transactionJSON, older, newer bool, err error) {
	// Index keys are txKey then \x00 and the order id: from + \x01 is past
	// every entry of the cursor's own transaction and before the next key's.
	from := txKey(f.before.created, f.before.id) + "\x01"
	err = walk(from, false, func(t *transactionJSON) bool {
		if len(items) == f.limit {
			newer = true
			return false
		}
		items = append(items, *t)
		return true
	})
	if err != nil {
		return nil, false, false, err
	}
	slices.Reverse(items)
	err = walk(from, true, func(*transactionJSON) bool {
		older = true
		return false
	})
	return items, older, newer, err
}
