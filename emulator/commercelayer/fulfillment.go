package commercelayer

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// ---- Authorizing after placing ---------------------------------------------

// authorize is the order's _authorize: a placed order whose payment is not
// (fully) authorized gets an authorization for amount (default: what is not
// authorized yet). The payment source is not asked again: this emulates a
// gateway that accepts the new authorization.
func (c *call) authorize(id string, amount *int64) error {
	return c.update(func() error {
		o := &Order{}
		if err := c.get("orders", id, o); err != nil {
			return err
		}
		auths, err := lookup(c, "authorizations", "order", id, func(t *Transaction) bool { return t.OrderID == id && t.A.Succeeded })
		if err != nil {
			return err
		}
		held := int64(0)
		for _, a := range auths {
			held += authBalance(a) + a.Captured
		}
		left := o.PlaceTotal - held
		if left <= 0 {
			left = o.PlaceTotal
		}
		amt := left
		if amount != nil {
			if *amount <= 0 || *amount > left {
				return amountError("_authorization_amount_cents", left)
			}
			amt = *amount
		}
		ev := evAuthorize
		if amt < left {
			ev = evPartialAuth
		}
		next, err := o.state().Next(ev, false)
		if err != nil {
			return err
		}
		o.setState(next, c.now)
		var token *string
		if kp, err := c.klarnaSource(o); err == nil && kp != nil {
			token = kp.A.AuthToken
		}
		if _, err := c.newTransaction(o, "authorizations", amt, "", "", token); err != nil {
			return err
		}
		c.touch(o)
		c.emit("orders.authorize", "orders", o.ID)
		return c.put("orders", o)
	})
}

// ---- Fulfillment ------------------------------------------------------------

// fulfillOrder is the order's _fulfill: an approved order is fulfilled.
func (c *call) fulfillOrder(id string) error {
	return c.update(func() error {
		o := &Order{}
		if err := c.get("orders", id, o); err != nil {
			return err
		}
		if err := c.moveOrder(o, evFulfill, "orders.fulfill"); err != nil {
			return err
		}
		c.touch(o)
		return c.put("orders", o)
	})
}

// shipmentStatusTrigger applies the status triggers of a shipment update,
// stamps <status>_at, and moves the order's fulfillment_status on.
func (c *call) shipmentStatusTrigger(s *Shipment, in *input) error {
	for _, tr := range shipmentTriggers {
		if !in.flag(tr) {
			continue
		}
		if c.tok.isSalesChannel() {
			return errAccessDenied // fulfilling is the back office's
		}
		var o Order
		if err := c.get("orders", s.OrderID, &o); err != nil {
			return err
		}
		next, err := ShipmentNext(s.A.Status, tr, o.A.Status == statusApproved)
		if err != nil {
			return err
		}
		s.A.Status = next
		if a := clModel.Get("shipments").Attr(next + "_at"); a != nil && a.Fetch {
			if s.Extra == nil {
				s.Extra = map[string]any{}
			}
			s.Extra[next+"_at"] = timestamp(c.now)
		}
		c.emit("shipments."+strings.TrimPrefix(tr, "_"), "shipments", s.ID)
	}
	return nil
}

// settleFulfillment moves an order's fulfillment_status from its shipments.
func (c *call) settleFulfillment(orderID string) error {
	o := &Order{}
	if err := c.get("orders", orderID, o); err != nil {
		return err
	}
	ss, err := lookup(c, "shipments", "order", orderID, func(s *Shipment) bool { return s.OrderID == orderID })
	if err != nil {
		return err
	}
	statuses := make([]string, len(ss))
	for i, s := range ss {
		statuses[i] = s.A.Status
	}
	f := Fulfillment(o.A.FulfillmentStatus, statuses)
	if f == o.A.FulfillmentStatus {
		return nil
	}
	st := o.state()
	st.Fulfillment = f
	o.setState(st, c.now)
	c.touch(o)
	if f == fulfillFulfilled {
		c.emit("orders.fulfill", "orders", o.ID)
	}
	return c.put("orders", o)
}

// createShipment is POST /api/shipments: another shipment of an order.
func (c *call) createShipment(in *input) (string, error) {
	var id string
	err := c.update(func() error {
		orderID, err := c.requiredRelID(in, "order", "orders")
		if err != nil {
			return err
		}
		o := &Order{}
		if err := c.get("orders", orderID, o); err != nil {
			return err
		}
		if o.A.Status == statusCancelled {
			return jsonapi.Validation(jsonapi.RelationshipPointer("order"), "order", "is cancelled", "invalid")
		}
		n, err := lookup(c, "shipments", "order", orderID, func(s *Shipment) bool { return s.OrderID == orderID })
		if err != nil {
			return err
		}
		s := &Shipment{OrderID: orderID}
		if s.Base, err = c.newBase("shipments"); err != nil {
			return err
		}
		s.A.Number, s.A.Status, s.A.CurrencyCode = fmt.Sprintf("%s/S/%03d", o.A.Number, len(n)+1), shipDraft, o.A.CurrencyCode
		if !o.state().Editable() {
			s.A.Status = shipUpcoming
		}
		if err := overlay(&s.Base, &s.A, in, "number", "selected_rate_id"); err != nil {
			return err
		}
		id = s.ID
		c.emit("shipments.create", "shipments", s.ID)
		return c.put("shipments", s)
	})
	return id, err
}

// deleteShipment is DELETE /api/shipments/{id}: one not yet being worked on.
func (c *call) deleteShipment(id string) error {
	return c.update(func() error {
		s := &Shipment{}
		if err := c.get("shipments", id, s); err != nil {
			return err
		}
		if !in(s.A.Status, shipDraft, shipUpcoming, shipCancelled) {
			return &jsonapi.Error{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_ERROR", Title: "cannot be deleted",
				Detail: "status - a shipment being fulfilled cannot be deleted", Pointer: jsonapi.AttributePointer("status"),
				Meta: map[string]any{"error": "not_deletable"}}
		}
		c.emit("shipments.destroy", "shipments", id)
		if err := c.flushEvents(); err != nil {
			return err
		}
		c.events = nil
		return c.del("shipments", id)
	})
}

// ---- Stock --------------------------------------------------------------------

// checkStock refuses to place an order that needs more of a tracked SKU
// than its stock items hold (OUT_OF_STOCK); with take, the quantities are
// taken off the stock items.
func (c *call) checkStock(o *Order, take bool) error {
	lines, err := c.lineItems(o.ID)
	if err != nil {
		return err
	}
	need := map[string]int64{}
	for _, l := range lines {
		if l.A.ItemType == itemSkus && l.A.SkuCode != nil {
			need[*l.A.SkuCode] += l.A.Quantity
		}
	}
	if len(need) == 0 {
		return nil
	}
	items, err := scan(c, "stock_items", func(r *Record) bool { return need[c.stockItemSku(r)] > 0 })
	if err != nil {
		return err
	}
	stock := map[string]int64{}
	for _, it := range items {
		stock[c.stockItemSku(it)] += extraInt(&it.Base, "quantity")
	}
	if short := StockShortages(need, stock); len(short) > 0 {
		return &jsonapi.Error{Status: http.StatusUnprocessableEntity, Code: "OUT_OF_STOCK", Title: "Out of stock",
			Detail: "line_items - " + strings.Join(short, ", ") + " is out of stock", Pointer: jsonapi.RelationshipPointer("line_items"),
			Meta: map[string]any{"error": "out_of_stock", "sku_codes": short}}
	}
	if !take {
		return nil
	}
	for _, it := range items {
		code := c.stockItemSku(it)
		q := extraInt(&it.Base, "quantity")
		t := min(q, need[code])
		if t <= 0 {
			continue
		}
		need[code] -= t
		it.Extra["quantity"] = float64(q - t)
		c.touch(it)
		if err := c.put("stock_items", it); err != nil {
			return err
		}
	}
	return nil
}

// stockItemSku is a stock item's SKU code: its sku_code, else its SKU's.
func (c *call) stockItemSku(r *Record) string {
	if code := extraString(&r.Base, "sku_code"); code != "" {
		return code
	}
	if id := relID(&r.Base, "sku"); id != "" {
		var s Sku
		if c.tx.Get("skus", id, &s) == nil {
			return s.A.Code
		}
	}
	return ""
}
