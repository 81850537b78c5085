package commercelayer

import (
	"errors"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Secondary index keys (store.Indexed): the lookups a request makes by a
// foreign key (an order's line items, shipments and transactions, a
// customer's orders, a SKU's prices, a SKU by code) walk these instead of
// decoding the whole collection. Each key ends with the creation sequence,
// so a lookup returns records in creation order, as scan does.

func ixKey(name, value string) string { return name + "\x00" + value + "\x00" }

func ixEntry(name, value string, seq uint64) string {
	return ixKey(name, value) + seqHex(seq)
}

// seqPrefix walks a collection in creation order (the lists' default sort).
const seqPrefix = "seq\x00"

// IndexKeys: every record by its creation sequence, and its list keys
// (listindex.go). Types with keys of their own add these.
func (b *Base) IndexKeys() []string { keys, _ := recordKeys("", b); return keys }

// CountKeys: the list filters' counts.
func (b *Base) CountKeys() []string { _, counts := recordKeys("", b); return counts }

// IndexVersion: the version of the keys (listKeysVersion).
func (b *Base) IndexVersion() uint64 { return listKeysVersion }

// IndexKeys: a line item by its order.
// A shipping line item also by its shipment.
func (l *LineItem) IndexKeys() []string {
	var buf keyBuffers
	k := buf.builder()
	k = k.record("", l)
	k = k.entry("order", l.OrderID, l.Seq)
	if l.A.ItemType == itemShipments {
		k = k.entry("item", l.ItemID, l.Seq)
	}
	keys, _ := k.done()
	return keys
}

// IndexValue: a line item's entry under its order keeps what an order's
// refresh reads of it (appendLineCore), so re-pricing a cart walks its order's
// entries instead of reading and decoding every line.
func (l *LineItem) IndexValue(key string) []byte {
	if key != ixEntry("order", l.OrderID, l.Seq) {
		return nil
	}
	return appendLineCore(nil, l)
}

// IndexKeys: a shipment by its order.
func (s *Shipment) IndexKeys() []string { return recordKeysAnd("", s, "order", s.OrderID) }

// IndexKeys: a transaction by its order and by the transaction it refers to.
func (t *Transaction) IndexKeys() []string {
	var buf keyBuffers
	k := buf.builder()
	k = k.record("", t)
	k = k.entry("order", t.OrderID, t.Seq)
	if t.ReferenceID != "" {
		k = k.entry("reference", t.ReferenceID, t.Seq)
	}
	keys, _ := k.done()
	return keys
}

// IndexKeys: an order by its customer and by the addresses it uses.
func (o *Order) IndexKeys() []string { keys, _ := o.IndexCountKeys(); return keys }

// CountKeys: an order's list filters' counts.
func (o *Order) CountKeys() []string { _, counts := o.IndexCountKeys(); return counts }

// IndexCountKeys: both of the above from one pass (store.KeysCounted): a
// cart change writes its order.
func (o *Order) IndexCountKeys() (keys, counts []string) {
	var buf keyBuffers
	k := buf.builder()
	k = k.record("orders", o)
	if o.CustomerID != "" {
		k = k.entry("customer", o.CustomerID, o.Seq)
	}
	if o.BillingAddressID != "" {
		k = k.entry("address", o.BillingAddressID, o.Seq)
	}
	if o.ShippingAddressID != "" && o.ShippingAddressID != o.BillingAddressID {
		k = k.entry("address", o.ShippingAddressID, o.Seq)
	}
	return k.done()
}

// IndexKeys: a price by its SKU.
func (p *Price) IndexKeys() []string { return recordKeysAnd("", p, "sku", p.SkuID) }

// IndexKeys: a SKU by its code.
func (s *Sku) IndexKeys() []string { return recordKeysAnd("skus", s, "code", s.A.Code) }

// CountKeys: a SKU's list filters' counts.
func (s *Sku) CountKeys() []string { _, counts := recordKeys("skus", s); return counts }

// IndexKeys: a customer's list keys.
func (cu *Customer) IndexKeys() []string { keys, _ := recordKeys("customers", cu); return keys }

// CountKeys: a customer's list filters' counts.
func (cu *Customer) CountKeys() []string { _, counts := recordKeys("customers", cu); return counts }

// lookup is scan restricted to the records indexed under name=value: its
// cost follows the matches, not the collection. keep must hold the whole
// condition (the index key included): a collection not indexed yet (an
// older data file, until its first write) is scanned with it.
func lookup[T any, PT interface {
	*T
	model
}](c *call, coll, name, value string, keep func(PT) bool) ([]PT, error) {
	var out []PT
	err := c.tx.Lookup(coll, ixKey(name, value), false, func(id string, raw []byte) (bool, error) {
		var v T
		if err := gojson.Unmarshal(raw, &v); err != nil {
			return false, err
		}
		p := PT(&v)
		c.noteViewed(coll, id, p)
		if keep(p) {
			out = append(out, p)
		}
		return true, nil
	})
	if errors.Is(err, store.ErrNoIndex) {
		return scan(c, coll, keep)
	}
	return out, err
}

// window reads just the requested page of a list in the default order (no
// filter, no sort, every record visible to the token, one collection):
// the count and the creation-order index answer it without building the
// other records. ok false: the caller selects from every record.
func (c *call) window(k *kind, q *jsonapi.Query) (page []*jsonapi.Object, total int, ok bool, err error) {
	if len(q.Filters) > 0 || len(q.Sort) > 0 {
		return c.indexedWindow(k, q)
	}
	if len(k.collections()) != 1 || (k.owned != nil && c.tok.isSalesChannel()) {
		return nil, 0, false, nil
	}
	coll := k.collections()[0]
	total, err = c.tx.IndexedCount(coll)
	if errors.Is(err, store.ErrNoIndex) {
		return nil, 0, false, nil
	}
	if err != nil {
		return nil, 0, false, err
	}
	start, end, _ := q.Page.Window(total)
	var ms []model
	err = c.tx.LookupFrom(coll, seqPrefix, false, start, func(_ string, raw []byte) (bool, error) {
		m := k.newRec()
		if err := jsonUnmarshal(raw, m); err != nil {
			return false, err
		}
		ms = append(ms, m)
		return len(ms) < end-start, nil
	})
	if errors.Is(err, store.ErrNoIndex) {
		return nil, 0, false, nil
	}
	if err != nil || len(ms) != end-start {
		// An index that disagrees with the count: answer from the records.
		return nil, 0, false, err
	}
	for _, m := range ms {
		page = append(page, k.object(c, m))
	}
	return page, total, true, nil
}

// narrowing names, per resource type, the filter fields an index answers
// (filter[q][<field>_eq]=<value>): the list then starts from the records
// under that key, not from the whole collection.
var narrowing = map[string]map[string]string{
	"line_items": {"order_id": "order"}, "shipments": {"order_id": "order"},
	"transactions": {"order_id": "order"}, "authorizations": {"order_id": "order"}, "captures": {"order_id": "order"},
	"voids": {"order_id": "order"}, "refunds": {"order_id": "order"},
	"orders": {"customer_id": "customer"},
}

// candidates are the records of a list that an index narrows to (an
// order's lines, a customer's orders, a customer token's own orders), in
// creation order and visible to the token; ok false when no index applies.
// Filters and sorts still run on them: an index only narrows.
func (c *call) candidates(k *kind, q *jsonapi.Query) (ms []model, ok bool, err error) {
	name, value := "", ""
	for _, f := range q.Filters {
		if f.Predicate != "eq" || len(f.Fields) != 1 || len(f.Values) != 1 {
			continue
		}
		if ix, found := narrowing[k.res.Type][first(f.Fields)]; found {
			name, value = ix, f.Values[0]
			break
		}
	}
	for _, f := range q.Filters {
		// An indexed equality filter narrows too (the other conditions run on its matches).
		if _, found := filterOf(k.res.Type, first(f.Fields)); name == "" && !scanLists.Load() && found && f.Predicate == "eq" && len(f.Fields) == 1 &&
			len(f.Values) == 1 && indexable(f.Values[0]) && len(k.collections()) == 1 && c.listIndexed(k.collections()[0]) {
			name, value = eqName(first(f.Fields)), f.Values[0]
		}
	}
	if name == "" && k.res.Type == "orders" && c.tok.isSalesChannel() && c.tok.customerID() != "" {
		name, value = "customer", c.tok.customerID()
	}
	if name == "" {
		return nil, false, nil
	}
	for _, coll := range k.collections() {
		err := c.tx.Lookup(coll, ixKey(name, value), false, func(_ string, raw []byte) (bool, error) {
			m := k.newRec()
			if err := jsonUnmarshal(raw, m); err != nil {
				return false, err
			}
			if c.visible(k, m) {
				ms = append(ms, m)
			}
			return true, nil
		})
		if errors.Is(err, store.ErrNoIndex) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
	}
	sortModels(ms)
	return ms, true, nil
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// The stored data an order's refresh reads (promotions, their coupon codes
// rules, coupons, gift cards) has no type of its own (Record); these
// wrappers give a collection's records its keys when they are written
// (storedAs), so the refresh seeks instead of decoding every promotion and
// coupon. The JSON is the Record's. The keys came after data files held
// these collections indexed by sequence only: store.IndexVersioned
// rebuilds such an index at its next write, and lookupAt scans until then.
// recordKeysVersion is the first version with these keys (the index's
// version is Base's, listKeysVersion, now).
const recordKeysVersion = 1

// codedRecord is a coupon or gift card, by its code.
type codedRecord struct{ *Record }

func (r *codedRecord) IndexKeys() []string {
	keys := r.Base.IndexKeys()
	if code := extraString(&r.Base, "code"); code != "" {
		keys = append(keys, ixEntry("code", code, r.Seq))
	}
	return keys
}

// promotionRecord is a promotion, by its market ("" for every market).
type promotionRecord struct{ *Record }

func (r *promotionRecord) IndexKeys() []string {
	return append(r.Base.IndexKeys(), ixEntry("market", relID(&r.Base, "market"), r.Seq))
}

// ruleRecord is a coupon codes promotion rule, by its promotion.
type ruleRecord struct{ *Record }

func (r *ruleRecord) IndexKeys() []string {
	keys := r.Base.IndexKeys()
	if p := relID(&r.Base, "promotion"); p != "" {
		keys = append(keys, ixEntry("promotion", p, r.Seq))
	}
	return keys
}

// storedAs is what a Put of m into coll stores: m, or for the collections
// above m in its wrapper. Every write of a record goes through it (call.put
// and the world's seed), so an index never loses the keys.
func storedAs(coll string, m model) any {
	r, ok := m.(*Record)
	if !ok {
		return m
	}
	switch coll {
	case "coupons", "gift_cards":
		return &codedRecord{r}
	case promoPercentage, promoFixedAmount, promoFreeShipping:
		return &promotionRecord{r}
	case "coupon_codes_promotion_rules":
		return &ruleRecord{r}
	}
	return m
}

// lookupAt is lookup in an index that must hold keys of version (at least):
// an older index, or none, is scanned with keep.
func lookupAt[T any, PT interface {
	*T
	model
}](c *call, coll string, version uint64, name, value string, keep func(PT) bool) ([]PT, error) {
	if v, err := c.tx.IndexVersion(coll); err == nil && v < version {
		return scan(c, coll, keep)
	}
	return lookup(c, coll, name, value, keep)
}
