package commercelayer

import (
	"errors"
	"fmt"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// Secondary index keys (store.Indexed): the lookups a request makes by a
// foreign key (an order's line items, shipments and transactions, a
// customer's orders, a SKU's prices, a SKU by code) walk these instead of
// decoding the whole collection. Each key ends with the creation sequence,
// so a lookup returns records in creation order, as scan does.

func ixKey(name, value string) string { return name + "\x00" + value + "\x00" }

func ixEntry(name, value string, seq uint64) string {
	return ixKey(name, value) + fmt.Sprintf("%016x", seq)
}

// IndexKeys: a line item by its order.
// A shipping line item also by its shipment.
func (l *LineItem) IndexKeys() []string {
	keys := []string{ixEntry("order", l.OrderID, l.Seq)}
	if l.A.ItemType == itemShipments {
		keys = append(keys, ixEntry("item", l.ItemID, l.Seq))
	}
	return keys
}

// IndexKeys: a shipment by its order.
func (s *Shipment) IndexKeys() []string { return []string{ixEntry("order", s.OrderID, s.Seq)} }

// IndexKeys: a transaction by its order and by the transaction it refers to.
func (t *Transaction) IndexKeys() []string {
	keys := []string{ixEntry("order", t.OrderID, t.Seq)}
	if t.ReferenceID != "" {
		keys = append(keys, ixEntry("reference", t.ReferenceID, t.Seq))
	}
	return keys
}

// IndexKeys: an order by its customer and by the addresses it uses.
func (o *Order) IndexKeys() []string {
	var keys []string
	if o.CustomerID != "" {
		keys = append(keys, ixEntry("customer", o.CustomerID, o.Seq))
	}
	if o.BillingAddressID != "" {
		keys = append(keys, ixEntry("address", o.BillingAddressID, o.Seq))
	}
	if o.ShippingAddressID != "" && o.ShippingAddressID != o.BillingAddressID {
		keys = append(keys, ixEntry("address", o.ShippingAddressID, o.Seq))
	}
	return keys
}

// IndexKeys: a price by its SKU.
func (p *Price) IndexKeys() []string { return []string{ixEntry("sku", p.SkuID, p.Seq)} }

// IndexKeys: a SKU by its code.
func (s *Sku) IndexKeys() []string { return []string{ixEntry("code", s.A.Code, s.Seq)} }

// lookup is scan restricted to the records indexed under name=value: its
// cost follows the matches, not the collection. keep must hold the whole
// condition (the index key included): a collection not indexed yet (an
// older data file, until its first write) is scanned with it.
func lookup[T any, PT interface {
	*T
	model
}](c *call, coll, name, value string, keep func(PT) bool) ([]PT, error) {
	var out []PT
	err := c.tx.Lookup(coll, ixKey(name, value), false, func(_ string, raw []byte) (bool, error) {
		var v T
		if err := gojson.Unmarshal(raw, &v); err != nil {
			return false, err
		}
		if p := PT(&v); keep(p) {
			out = append(out, p)
		}
		return true, nil
	})
	if errors.Is(err, store.ErrNoIndex) {
		return scan(c, coll, keep)
	}
	return out, err
}
