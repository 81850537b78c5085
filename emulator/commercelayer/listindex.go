package commercelayer

import (
	"errors"
	"strings"
	"sync/atomic"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// List indexes: the lists clients send most (newest orders first, the
// placed orders, a customer by email, a SKU by code) are answered from
// index keys written with the record, in the order and with the counts the
// scan would give, so their cost follows the page and not the collection.
//
// The records of sortedTypes are indexed by id, and by created_at and
// updated_at ascending and descending; the types in listFilters also by the value of each
// of those fields (one equality filter, alone or with a created_at sort),
// with a count per value for record_count. Keys end with the creation
// sequence and the store adds the id: ties come out as the scan breaks them
// (its sort is stable over creation order). created_at is not the creation
// order (a tenant's clock can be reset back while its records stay, seeds
// share one instant), so the sorts read the timestamps, never the sequence.
// Any other list (several filters, other predicates or sorts, a sales
// channel token on a type it sees only part of) is scanned as before.

// listKeysVersion is the version of the keys below: an index built before
// them (an older data file) is rebuilt at its collection's next write, and
// until then its lists are scanned.
const listKeysVersion = 2

// scanLists makes every list scan (tests compare the two answers);
// indexedLists counts the lists an index answered (tests see which path ran).
var (
	scanLists    atomic.Bool
	indexedLists atomic.Int64
)

// listFilter is a filter[q][<field>_eq] an index answers; sorted adds the
// keys for that filter with sort=created_at or sort=-created_at.
type listFilter struct {
	field  string
	sorted bool
	value  func(m model) *string
}

// listFilters are, per resource type, the equality filters that are indexed
// (reference, on every type, is in Base's keys).
var listFilters = map[string][]listFilter{
	"orders": {
		{"status", true, func(m model) *string { return &m.(*Order).A.Status }},
		{"payment_status", true, func(m model) *string { return &m.(*Order).A.PaymentStatus }},
		{"fulfillment_status", true, func(m model) *string { return &m.(*Order).A.FulfillmentStatus }},
		{"number", false, func(m model) *string { return &m.(*Order).A.Number }},
		{"customer_email", true, func(m model) *string { return m.(*Order).A.CustomerEmail }},
	},
	"customers": {
		{"email", false, func(m model) *string { return &m.(*Customer).A.Email }},
		{"status", true, func(m model) *string { return &m.(*Customer).A.Status }},
	},
	"skus": {
		{"code", false, func(m model) *string { return &m.(*Sku).A.Code }},
	},
}

var referenceFilter = listFilter{"reference", false, func(m model) *string { return m.base().Reference }}

// sortedTypes are the types whose index answers sort=id, created_at and
// updated_at: the ones clients list newest first (each key is one more
// index entry on every write of the type, and an update moves two, so the
// types written on the hot paths without such lists, line items first,
// have none).
var sortedTypes = map[string]bool{"orders": true, "customers": true, "skus": true}

// idPrefix starts the keys of sort=id.
const idPrefix = "by\x00id\x00"

// sortFields are the sorts (besides id) every type's index answers.
var sortFields = []string{"created_at", "updated_at"}

func sortValue(b *Base, field string) string {
	if field == "created_at" {
		return b.CreatedAt
	}
	return b.UpdatedAt
}

// tsWidth is a timestamp's length (2006-01-02T15:04:05.000Z).
const tsWidth = 24

// descending is ts in a form whose byte order is ts's reversed: walked
// forward, newest first and ties still in creation order (as the scan's
// stable sort leaves them). Shorter values (none) are padded to sort last.
func appendDescending(b []byte, ts string) []byte {
	for i := range max(len(ts), tsWidth) {
		c := byte(0)
		if i < len(ts) {
			c = ts[i]
		}
		b = append(b, 0xff-c)
	}
	return b
}

// seqHex is seq as 16 hex digits (byte order is number order).
func seqHex(seq uint64) string {
	var b [16]byte
	return string(appendSeqHex(b[:0], seq))
}

func appendSeqHex(b []byte, seq uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[(seq>>shift)&15])
	}
	return b
}

// sortPrefix is where the keys of a sort (under an equality filter, when
// eq is not "") start.
func sortPrefix(field string, desc bool, eq, value string) string {
	return string(appendSortPrefix(nil, field, desc, eq, value))
}

func appendSortPrefix(b []byte, field string, desc bool, eq, value string) []byte {
	if eq != "" {
		b = append(b, "eqby"...) // not under by\x00<field>: that walk would meet these keys
	} else {
		b = append(b, "by"...)
	}
	if desc {
		b = append(b, '-')
	}
	b = append(append(append(b, 0), field...), 0)
	if eq != "" {
		b = append(append(append(append(b, eq...), 0), value...), 0)
	}
	return b
}

// eqName is the index name of an equality filter (its keys: ixEntry).
func eqName(field string) string { return "eq\x00" + field }

// indexable tells whether a filter value can be an index key: one holding
// \x00 could not be told from a longer one, and one that reads as a time
// matches other spellings of that time (the scan compares times as times).
func indexable(v string) bool {
	return !strings.ContainsRune(v, 0) && !(len(v) >= 10 && v[4] == '-')
}

// keyBuilder writes a record's index keys into one buffer and cuts them
// out of one string at the end: one allocation for all of them, not a few
// per key (a cart change computes an order's twenty keys for its new and
// its stored version). Its methods take and return it by value, so that
// its buffers (keyBuffers) stay on the caller's stack.
type keyBuilder struct {
	buf    []byte
	ends   []int    // where each key ends in buf
	counts [][2]int // the counted groups: spans of buf
}

func (k keyBuilder) end() keyBuilder { k.ends = append(k.ends, len(k.buf)); return k }

// entry adds ixEntry(name, value, seq).
func (k keyBuilder) entry(name, value string, seq uint64) keyBuilder {
	k.buf = append(append(append(append(k.buf, name...), 0), value...), 0)
	k.buf = appendSeqHex(k.buf, seq)
	return k.end()
}

// sorted adds a sort's key: its prefix (sortPrefix), the timestamp (in
// descending form for a descending sort) and the sequence.
func (k keyBuilder) sorted(field string, desc bool, eq, value, ts string, seq uint64) keyBuilder {
	k.buf = appendSortPrefix(k.buf, field, desc, eq, value)
	if desc {
		k.buf = appendDescending(k.buf, ts)
	} else {
		k.buf = append(k.buf, ts...)
	}
	k.buf = appendSeqHex(append(k.buf, 0), seq)
	return k.end()
}

// record adds the keys every record of typ has: its creation sequence
// and its list keys and counted groups.
func (k keyBuilder) record(typ string, m model) keyBuilder {
	b := m.base()
	k.buf = appendSeqHex(append(k.buf, seqPrefix...), b.Seq)
	k = k.end()
	if sortedTypes[typ] {
		k.buf = append(append(k.buf, idPrefix...), b.ID...) // ids are unique: walked backwards for sort=-id
		k = k.end()
		for _, f := range sortFields {
			v := sortValue(b, f)
			k = k.sorted(f, false, "", "", v, b.Seq)
			k = k.sorted(f, true, "", "", v, b.Seq)
		}
	}
	k = k.filter(referenceFilter, m)
	for _, f := range listFilters[typ] {
		k = k.filter(f, m)
	}
	return k
}

func (k keyBuilder) filter(f listFilter, m model) keyBuilder {
	p := f.value(m)
	if p == nil || !indexable(*p) {
		return k
	}
	b := m.base()
	start := len(k.buf)
	k.buf = append(append(append(append(append(k.buf, "eq\x00"...), f.field...), 0), *p...), 0)
	k.counts = append(k.counts, [2]int{start, len(k.buf)}) // ixKey(eqName(f.field), *p)
	k.buf = appendSeqHex(k.buf, b.Seq)
	k = k.end()
	if f.sorted {
		for _, desc := range []bool{false, true} {
			k = k.sorted("created_at", desc, f.field, *p, b.CreatedAt, b.Seq)
		}
	}
	return k
}

// done are the keys and counted groups added.
func (k keyBuilder) done() (keys, counts []string) {
	s := string(k.buf)
	keys = make([]string, len(k.ends))
	start := 0
	for i, e := range k.ends {
		keys[i], start = s[start:e], e
	}
	for _, c := range k.counts {
		counts = append(counts, s[c[0]:c[1]])
	}
	return keys, counts
}

// recordKeys are the keys and counted groups every record of typ has.
func recordKeys(typ string, m model) (keys, counts []string) {
	var buf keyBuffers
	return buf.builder().record(typ, m).done()
}

// recordKeysAnd are the index keys of a record of typ and one entry more,
// ixEntry(name, value, its sequence).
func recordKeysAnd(typ string, m model, name, value string) []string {
	var buf keyBuffers
	keys, _ := buf.builder().record(typ, m).entry(name, value, m.base().Seq).done()
	return keys
}

// keyBuffers are room for a keyBuilder on the caller's stack: an order's
// keys fit, so building them allocates only the result.
type keyBuffers struct {
	buf    [1536]byte
	ends   [32]int
	counts [8][2]int
}

func (b *keyBuffers) builder() keyBuilder {
	return keyBuilder{buf: b.buf[:0], ends: b.ends[:0], counts: b.counts[:0]}
}

// filterOf is the indexed filter typ's index has for field.
func filterOf(typ, field string) (listFilter, bool) {
	if field == referenceFilter.field {
		return referenceFilter, true
	}
	for _, f := range listFilters[typ] {
		if f.field == field {
			return f, true
		}
	}
	return listFilter{}, false
}

// listIndexed tells whether coll's index holds the keys above.
func (c *call) listIndexed(coll string) bool {
	v, err := c.tx.IndexVersion(coll)
	return err == nil && v >= listKeysVersion
}

// indexedWindow is window for a filtered or sorted list: the page of q an
// index answers, its total from the index's counts; ok false when no index
// answers q (the caller scans).
func (c *call) indexedWindow(k *kind, q *jsonapi.Query) (page []*jsonapi.Object, total int, ok bool, err error) {
	if scanLists.Load() || len(k.collections()) != 1 || (k.owned != nil && c.tok.isSalesChannel()) ||
		len(q.Filters) > 1 || len(q.Sort) > 1 {
		return nil, 0, false, nil
	}
	coll := k.collections()[0]
	var eq, value string
	if len(q.Sort) == 1 && !sortedTypes[k.res.Type] {
		return nil, 0, false, nil
	}
	if len(q.Filters) == 1 {
		f := q.Filters[0]
		lf, found := filterOf(k.res.Type, first(f.Fields))
		if !found || f.Predicate != "eq" || len(f.Fields) != 1 || len(f.Values) != 1 || !indexable(f.Values[0]) {
			return nil, 0, false, nil
		}
		if len(q.Sort) == 1 && (!lf.sorted || q.Sort[0].Field != "created_at") {
			return nil, 0, false, nil
		}
		eq, value = lf.field, f.Values[0]
	}
	var prefix string
	reverse := false
	switch {
	case len(q.Sort) == 1 && q.Sort[0].Field == "id" && eq == "":
		prefix, reverse = idPrefix, q.Sort[0].Desc
	case len(q.Sort) == 1:
		s := q.Sort[0]
		if s.Field != "created_at" && s.Field != "updated_at" {
			return nil, 0, false, nil
		}
		prefix = sortPrefix(s.Field, s.Desc, eq, value)
	case eq != "":
		prefix = ixKey(eqName(eq), value)
	default:
		return nil, 0, false, nil
	}
	if total, err = c.tx.IndexedCount(coll); err != nil || total == 0 {
		// No index (ErrNoIndex: scan), or no records: nothing to find.
		if err == nil {
			indexedLists.Add(1)
		}
		return nil, 0, err == nil, ignoreNoIndex(err)
	}
	if !c.listIndexed(coll) {
		return nil, 0, false, nil
	}
	if eq != "" {
		if total, err = c.tx.IndexCount(coll, ixKey(eqName(eq), value)); err != nil {
			return nil, 0, false, ignoreNoIndex(err)
		}
	}
	start, end, _ := q.Page.Window(total)
	if start == end {
		indexedLists.Add(1)
		return nil, total, true, nil
	}
	var ms []model
	err = c.tx.LookupFrom(coll, prefix, reverse, start, func(_ string, raw []byte) (bool, error) {
		m := k.newRec()
		if err := jsonUnmarshal(raw, m); err != nil {
			return false, err
		}
		ms = append(ms, m)
		return len(ms) < end-start, nil
	})
	if err != nil || len(ms) != end-start {
		// An index that disagrees with its count: answer from the records.
		return nil, 0, false, ignoreNoIndex(err)
	}
	for _, m := range ms {
		page = append(page, k.object(c, m))
	}
	indexedLists.Add(1)
	return page, total, true, nil
}

func ignoreNoIndex(err error) error {
	if errors.Is(err, store.ErrNoIndex) {
		return nil
	}
	return err
}
