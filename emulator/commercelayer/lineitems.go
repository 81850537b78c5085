package commercelayer

import (
	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// ---- Line items -----------------------------------------------------------

func (cl *CommerceLayer) lineItemKind() *kind {
	return &kind{
		res: resource("line_items", attributeNames(LineItem{}.A,
			amountNames("unit_amount", "compare_at_amount", "options_amount", "discount", "total_amount", "tax_amount")...),
			[]string{"sku_code", "item_type", "name", "quantity", "total_amount_cents", "order_id", "order_number"},
			[]string{"sku_code", "item_type", "name", "quantity", "total_amount_cents"},
			toOne("order", "orders"), jsonapi.Rel{Name: "item"}, toOne("sku", "skus")),
		newRec:       func() model { return &LineItem{} },
		sales:        []op{opCreate, opRead, opUpdate, opDelete},
		owned:        func(c *call, m model) bool { return c.ownsOrder(m.(*LineItem).OrderID) },
		guestsSeeAll: true,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*LineItem)
			cur := r.A.CurrencyCode
			skuID := ""
			if r.A.ItemType == itemSkus {
				skuID = r.ItemID
			}
			obj := c.object("line_items", &r.Base, r.A, nil, links{
				"order": func() []jsonapi.Ref { return one("orders", r.OrderID) },
				"item":  func() []jsonapi.Ref { return one(r.A.ItemType, r.ItemID) },
				"sku":   func() []jsonapi.Ref { return one("skus", skuID) },
			})
			// the six amounts, over the record's attributes (as orderObject's)
			a := amountsIn(obj.Attrs, cur)
			a.put("unit_amount", r.A.UnitAmountCents)
			a.put("compare_at_amount", storedCents(&r.Base, "compare_at_amount_cents", r.A.UnitAmountCents))
			a.put("options_amount", storedCents(&r.Base, "options_amount_cents", 0))
			a.put("discount", 0)
			a.put("total_amount", r.TotalCents)
			a.put("tax_amount", r.TaxCents)
			return obj
		},
		create:  func(c *call, in *input) (string, error) { return c.createLineItem(in) },
		update:  func(c *call, id string, in *input) error { return c.updateLineItem(id, in, false) },
		destroy: func(c *call, id string) error { return c.updateLineItem(id, nil, true) },
	}
}

// ownsOrder tells whether the token sees the order (a customer's token sees
// its own orders; a guest sales channel any order it knows the id of).
func (c *call) ownsOrder(orderID string) bool {
	cust := c.tok.customerID()
	if cust == "" || c.tx == nil {
		return true
	}
	var o Order
	return c.tx.Get("orders", orderID, &o) == nil && o.CustomerID == cust
}

// editableOrder loads the order a line item or shipment change touches.
func (c *call) editableOrder(id, pointer string) (*Order, error) {
	o := &Order{}
	if err := c.get("orders", id, o); err != nil {
		return nil, err
	}
	if !c.ownsOrder(id) {
		return nil, relNotFound("order", id)
	}
	if !o.state().Editable() {
		return nil, jsonapi.Validation(pointer, "order", "is not editable", "not_editable")
	}
	return o, nil
}

// createLineItem adds a SKU to an order, priced from the market's price
// list; with _update_quantity the quantity goes onto the order's line for
// the same SKU if there is one.
func (c *call) createLineItem(in *input) (string, error) {
	var id string
	err := c.update(func() error {
		orderID, err := c.requiredRelID(in, "order", "orders")
		if err != nil {
			return err
		}
		o, err := c.editableOrder(orderID, jsonapi.RelationshipPointer("order"))
		if err != nil {
			return err
		}
		sku, err := c.lineItemSku(in)
		if err != nil {
			return err
		}
		var market Market
		if err := c.get("markets", o.MarketID, &market); err != nil {
			return err
		}
		prices, err := lookup(c, "prices", "sku", sku.ID, func(p *Price) bool { return p.SkuID == sku.ID && p.PriceListID == market.PriceListID })
		if err != nil {
			return err
		}
		if len(prices) == 0 {
			return jsonapi.Validation(jsonapi.AttributePointer("sku_code"), "sku_code", "is not sold in the order's market", "not_available")
		}
		qty, _ := in.int("quantity")
		if in.flag("_update_quantity") {
			existing, err := lookup(c, "line_items", "order", o.ID, func(l *LineItem) bool {
				return l.OrderID == o.ID && l.A.ItemType == itemSkus && l.ItemID == sku.ID
			})
			if err != nil {
				return err
			}
			if len(existing) > 0 {
				l := existing[0]
				l.A.Quantity += qty
				c.touch(l)
				id = l.ID
				return c.afterCartChange(o, l)
			}
		}
		l := &LineItem{OrderID: o.ID, ItemID: sku.ID}
		if l.Base, err = c.newBase("line_items"); err != nil {
			return err
		}
		if err := overlay(&l.Base, &l.A, in, "quantity", "name", "image_url"); err != nil {
			return err
		}
		l.A.SkuCode, l.A.ItemType, l.A.CurrencyCode = &sku.A.Code, itemSkus, o.A.CurrencyCode
		l.A.UnitAmountCents = prices[0].A.AmountCents
		if l.A.Name == nil {
			l.A.Name = &sku.A.Name
		}
		if l.A.ImageURL == nil {
			l.A.ImageURL = sku.A.ImageURL
		}
		id = l.ID
		return c.afterCartChange(o, l)
	})
	return id, err
}

// lineItemSku resolves the SKU: sku_code, or the item or sku relationship.
func (c *call) lineItemSku(in *input) (*Sku, error) {
	if code := in.str("sku_code"); code != nil {
		found, err := lookup(c, "skus", "code", *code, func(s *Sku) bool { return s.A.Code == *code })
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, jsonapi.Validation(jsonapi.AttributePointer("sku_code"), "sku_code", "is invalid", "invalid")
		}
		return found[0], nil
	}
	for _, rel := range []string{"item", "sku"} {
		id, set, err := c.relID(in, rel, "skus")
		if err != nil {
			return nil, err
		}
		if set && id != "" {
			s := &Sku{}
			return s, c.get("skus", id, s)
		}
	}
	return nil, jsonapi.Validation(jsonapi.AttributePointer("sku_code"), "item", "can't be blank", "blank")
}

// afterCartChange refreshes the order of a changed line item (nil: one was
// removed), which saves the line once, with its new totals; a new cart needs
// a new payment source.
func (c *call) afterCartChange(o *Order, l *LineItem) error {
	c.nullifyPaymentSource(o)
	c.touch(o)
	return c.refreshWith(o, l)
}

// updateLineItem changes (or removes) a SKU line item.
func (c *call) updateLineItem(id string, in *input, remove bool) error {
	return c.update(func() error {
		l := &LineItem{}
		if err := c.get("line_items", id, l); err != nil {
			return err
		}
		if in != nil && onlyCommon(in) {
			if err := overlay(&l.Base, &l.A, in); err != nil {
				return err
			}
			c.touch(l)
			return c.put("line_items", l)
		}
		o, err := c.editableOrder(l.OrderID, jsonapi.RelationshipPointer("order"))
		if err != nil {
			return err
		}
		if l.A.ItemType != itemSkus {
			return jsonapi.Validation("/data", "item_type", "is managed by the order and cannot be changed", "read_only")
		}
		if remove {
			if err := c.del("line_items", l.ID); err != nil {
				return err
			}
			return c.afterCartChange(o, nil)
		}
		allowed := []string{"quantity", "name", "image_url"}
		if !c.tok.isSalesChannel() {
			allowed = append(allowed, "unit_amount_cents") // a price set from outside
		}
		if err := overlay(&l.Base, &l.A, in, allowed...); err != nil {
			return err
		}
		c.touch(l)
		return c.afterCartChange(o, l)
	})
}

// ---- Shipments ------------------------------------------------------------

func (cl *CommerceLayer) shipmentKind() *kind {
	return &kind{
		res: resource("shipments", attributeNames(Shipment{}.A, amountNames("cost_amount")...),
			[]string{"number", "status", "currency_code", "order_id", "order_number", "shipping_method_id", "shipping_method_name"},
			[]string{"number", "status"},
			toOne("order", "orders"), toOne("shipping_method", "shipping_methods"),
			toMany("available_shipping_methods", "shipping_methods"), toOne("shipping_address", "addresses")),
		newRec:       func() model { return &Shipment{} },
		sales:        []op{opRead, opUpdate},
		create:       func(c *call, in *input) (string, error) { return c.createShipment(in) },
		destroy:      func(c *call, id string) error { return c.deleteShipment(id) },
		owned:        func(c *call, m model) bool { return c.ownsOrder(m.(*Shipment).OrderID) },
		guestsSeeAll: true,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*Shipment)
			cost := int64(0)
			var o Order
			// Best effort: an object builder has no error to return, and a
			// shipment whose order cannot be read shows no address or methods.
			_ = c.tx.Get("orders", r.OrderID, &o)
			if ls, err := lookup(c, "line_items", "item", r.ID, func(l *LineItem) bool { return l.A.ItemType == itemShipments && l.ItemID == r.ID }); err == nil && len(ls) > 0 {
				cost = ls[0].TotalCents
			}
			extra := map[string]any{}
			putAmount(extra, "cost_amount", cost, r.A.CurrencyCode)
			return c.object("shipments", &r.Base, r.A, extra, links{
				"order":            func() []jsonapi.Ref { return one("orders", r.OrderID) },
				"shipping_method":  func() []jsonapi.Ref { return one("shipping_methods", r.ShippingMethodID) },
				"shipping_address": func() []jsonapi.Ref { return one("addresses", o.ShippingAddressID) },
				"available_shipping_methods": func() []jsonapi.Ref {
					ms, _ := c.availableShippingMethods(&o)
					return refs("shipping_methods", ms)
				},
			})
		},
		update: func(c *call, id string, in *input) error {
			return c.update(func() error {
				s := &Shipment{}
				if err := c.get("shipments", id, s); err != nil {
					return err
				}
				if err := overlay(&s.Base, &s.A, in, "number", "selected_rate_id"); err != nil {
					return err
				}
				if err := c.shipmentStatusTrigger(s, in); err != nil {
					return err
				}
				if err := c.applyTags(&s.Base, in); err != nil {
					return err
				}
				c.touch(s)
				smID, set, err := c.relID(in, "shipping_method", "shipping_methods")
				if err != nil || !set {
					if err == nil {
						err = c.put("shipments", s)
					}
					if err == nil {
						err = c.settleFulfillment(s.OrderID)
					}
					return err
				}
				o, err := c.editableOrder(s.OrderID, jsonapi.RelationshipPointer("shipping_method"))
				if err != nil {
					return err
				}
				if smID != "" {
					avail, err := c.availableShippingMethods(o)
					if err != nil {
						return err
					}
					ok := false
					for _, m := range avail {
						ok = ok || m.ID == smID
					}
					if !ok {
						return jsonapi.Validation(jsonapi.RelationshipPointer("shipping_method"), "shipping_method", "is not available for this shipment", "not_available")
					}
				}
				s.ShippingMethodID = smID
				if err := c.put("shipments", s); err != nil {
					return err
				}
				c.touch(o)
				return c.refresh(o)
			})
		},
	}
}

// availableShippingMethods are the enabled methods of the order's market and currency.
func (c *call) availableShippingMethods(o *Order) ([]*ShippingMethod, error) {
	return scan(c, "shipping_methods", func(m *ShippingMethod) bool {
		return m.MarketID == o.MarketID && m.A.CurrencyCode == o.A.CurrencyCode && m.A.DisabledAt == nil
	})
}

// storedCents is an amount a client wrote (kept in Base.Extra), or def.
func storedCents(b *Base, name string, def int64) int64 {
	if f, ok := b.Extra[name].(float64); ok {
		return int64(f)
	}
	return def
}
