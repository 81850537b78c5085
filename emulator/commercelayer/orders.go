package commercelayer

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// orderWritable are the order attributes a client may set.
var orderWritable = []string{"number", "customer_email", "language_code", "guest", "cart_url", "return_url", "terms_url", "privacy_url",
	"coupon_code", "gift_card_code", "freight_taxable", "payment_method_taxable"}

// orderAmounts are the amount triples an order shows.
var orderAmounts = []string{"subtotal_amount", "shipping_amount", "payment_method_amount", "discount_amount", "adjustment_amount",
	"gift_card_amount", "total_tax_amount", "subtotal_tax_amount", "shipping_tax_amount", "payment_method_tax_amount",
	"adjustment_tax_amount", "total_amount", "total_taxable_amount", "subtotal_taxable_amount", "shipping_taxable_amount",
	"payment_method_taxable_amount", "adjustment_taxable_amount", "total_amount_with_taxes", "fees_amount", "duty_amount", "place_total_amount"}

// Triggers a sales channel may not send.
// (the model's prohibited_for_sales_channels flags add the rest).
var integrationOnlyTriggers = []string{"_approve", "_approve_and_capture", "_capture", "_refund", "_cancel"}

func (cl *CommerceLayer) orderKind() *kind {
	extra := append(amountNames(orderAmounts...), "editable", "skus_count", "line_item_options_count", "shipments_count", "tax_calculations_count")
	return &kind{
		res: resource("orders", attributeNames(OrderAttrs{}, extra...),
			[]string{"number", "status", "payment_status", "fulfillment_status", "guest", "customer_email", "language_code", "currency_code",
				"tax_included", "country_code", "coupon_code", "token", "total_amount_cents", "total_amount_with_taxes_cents", "subtotal_amount_cents",
				"placed_at", "approved_at", "cancelled_at", "market_id", "market_code", "market_name", "customer_id", "customer_email",
				"line_items_sku_code", "payment_method_payment_source_type"},
			[]string{"number", "status", "payment_status", "fulfillment_status", "customer_email", "currency_code", "total_amount_cents",
				"total_amount_with_taxes_cents", "placed_at", "approved_at", "cancelled_at"},
			toOne("market", "markets"), toOne("customer", "customers"), toOne("shipping_address", "addresses"),
			toOne("billing_address", "addresses"), toMany("available_payment_methods", "payment_methods"),
			toOne("payment_method", "payment_methods"), jsonapi.Rel{Name: "payment_source"},
			toMany("line_items", "line_items"), toMany("shipments", "shipments"),
			toMany("authorizations", "authorizations"), toMany("captures", "captures"), toMany("voids", "voids"), toMany("refunds", "refunds")),
		newRec:       func() model { return &Order{} },
		sales:        []op{opCreate, opRead, opUpdate},
		ownerOps:     []op{opList},
		owned:        func(c *call, m model) bool { return m.(*Order).CustomerID == c.tok.customerID() },
		guestsSeeAll: true,
		object:       func(c *call, m model) *jsonapi.Object { return c.orderObject(m.(*Order)) },
		create:       func(c *call, in *input) (string, error) { return c.createOrder(in) },
		update:       func(c *call, id string, in *input) error { return c.updateOrder(id, in) },
		destroy:      func(c *call, id string) error { return c.deleteOrder(id) },
	}
}

func (c *call) orderObject(o *Order) *jsonapi.Object {
	cur := o.A.CurrencyCode
	t := o.T
	amounts := [...]struct {
		name  string
		cents int64
	}{
		{"subtotal_amount", t.Subtotal}, {"shipping_amount", t.Shipping}, {"payment_method_amount", t.PaymentMethod},
		{"discount_amount", t.Discount}, {"adjustment_amount", t.Adjustment}, {"gift_card_amount", t.GiftCard},
		{"total_tax_amount", t.TotalTax}, {"subtotal_tax_amount", t.SubtotalTax}, {"shipping_tax_amount", t.ShippingTax},
		{"payment_method_tax_amount", t.PaymentMethodTax}, {"adjustment_tax_amount", 0}, {"total_amount", t.Total},
		{"total_taxable_amount", t.TotalTaxable}, {"subtotal_taxable_amount", t.SubtotalTaxable}, {"shipping_taxable_amount", t.ShippingTaxable},
		{"payment_method_taxable_amount", t.PaymentMethodTaxable}, {"adjustment_taxable_amount", 0},
		{"total_amount_with_taxes", t.TotalWithTaxes}, {"fees_amount", 0}, {"duty_amount", 0}, {"place_total_amount", o.PlaceTotal},
	}
	byOrder := func(coll string) func() []jsonapi.Ref {
		return func() []jsonapi.Ref {
			ts, _ := lookup(c, coll, "order", o.ID, func(x *Transaction) bool { return x.OrderID == o.ID })
			return refs(coll, ts)
		}
	}
	shipments := func() []jsonapi.Ref {
		ss, _ := lookup(c, "shipments", "order", o.ID, func(s *Shipment) bool { return s.OrderID == o.ID })
		return refs("shipments", ss)
	}
	obj := c.object("orders", &o.Base, o.A, nil, links{
		"market":           func() []jsonapi.Ref { return one("markets", o.MarketID) },
		"customer":         func() []jsonapi.Ref { return one("customers", o.CustomerID) },
		"shipping_address": func() []jsonapi.Ref { return one("addresses", o.ShippingAddressID) },
		"billing_address":  func() []jsonapi.Ref { return one("addresses", o.BillingAddressID) },
		"payment_method":   func() []jsonapi.Ref { return one("payment_methods", o.PaymentMethodID) },
		"payment_source": func() []jsonapi.Ref {
			if o.PaymentSource == nil {
				return nil
			}
			return []jsonapi.Ref{*o.PaymentSource}
		},
		"available_payment_methods": func() []jsonapi.Ref {
			pms, _ := c.availablePaymentMethods(o)
			return refs("payment_methods", pms)
		},
		"line_items": func() []jsonapi.Ref {
			ls, _ := c.lineItems(o.ID)
			return refs("line_items", ls)
		},
		"shipments": shipments,
		"transactions": func() []jsonapi.Ref {
			var out []jsonapi.Ref
			for _, coll := range []string{"authorizations", "captures", "voids", "refunds"} {
				out = append(out, byOrder(coll)()...)
			}
			return out
		},
		"authorizations": byOrder("authorizations"), "captures": byOrder("captures"),
		"voids": byOrder("voids"), "refunds": byOrder("refunds"),
	})
	// What the record does not hold, written over the object's attributes
	// (the map it is rendered from: no second map to copy in).
	m := obj.Attrs
	m.Set("editable", o.state().Editable())
	m.Set("skus_count", t.SkusCount)
	m.Set("line_item_options_count", 0)
	m.Set("tax_calculations_count", 0)
	a := amountsIn(m, cur)
	for _, x := range amounts {
		a.put(x.name, x.cents)
	}
	m.Set("shipments_count", len(shipments()))
	if c.placing == o.ID {
		m.Set("status", statusPlacing)
	}
	return obj
}

// availablePaymentMethods are the enabled payment methods of the order's
// market and currency.
func (c *call) availablePaymentMethods(o *Order) ([]*PaymentMethod, error) {
	return scan(c, "payment_methods", func(p *PaymentMethod) bool {
		return p.MarketID == o.MarketID && p.A.CurrencyCode == o.A.CurrencyCode && p.A.DisabledAt == nil
	})
}

func (c *call) lineItems(orderID string) ([]*LineItem, error) {
	return lookup(c, "line_items", "order", orderID, func(l *LineItem) bool { return l.OrderID == orderID })
}

func errNotEditable() *jsonapi.Error {
	return jsonapi.Validation(jsonapi.AttributePointer("status"), "status", "is not editable", "not_editable")
}

// createOrder is POST /api/orders: a draft in the token's market (or the
// market relationship), with the token's customer when it has one.
func (c *call) createOrder(in *input) (string, error) {
	var id string
	err := c.update(func() error {
		marketID, set, err := c.relID(in, "market", "markets")
		if err != nil {
			return err
		}
		if m := c.tok.marketID(); m != "" && (!set || c.tok.isSalesChannel()) {
			marketID = m
		}
		if marketID == "" {
			return jsonapi.Validation(jsonapi.RelationshipPointer("market"), "market", "can't be blank", "blank")
		}
		var market Market
		if err := c.get("markets", marketID, &market); err != nil {
			return err
		}
		var pl PriceList
		if err := c.get("price_lists", market.PriceListID, &pl); err != nil {
			return err
		}
		o := &Order{MarketID: marketID}
		if o.Base, err = c.newBase("orders"); err != nil {
			return err
		}
		o.A.Number = strconv.FormatUint(o.Seq-1_000_000+10000, 10)
		o.A.Status, o.A.PaymentStatus, o.A.FulfillmentStatus = statusDraft, payUnpaid, fulfillUnfulfilled
		o.A.CurrencyCode, o.A.TaxIncluded, o.A.FreightTaxable = pl.A.CurrencyCode, pl.A.TaxIncluded, true
		o.A.LanguageCode = strp(market.LanguageCode)
		o.A.Token = c.newHex(32)
		o.A.CheckoutURL = strp(strings.TrimSuffix(c.base, "/api") + "/checkout/" + o.A.Token)
		o.A.PaymentSourceDetails = nil
		if err := c.editOrder(o, in); err != nil {
			return err
		}
		if err := c.setCodes(o, in); err != nil {
			return err
		}
		if cust := c.tok.customerID(); cust != "" && o.CustomerID == "" {
			var cu Customer
			if err := c.get("customers", cust, &cu); err == nil {
				o.CustomerID, o.A.CustomerEmail = cu.ID, &cu.A.Email
			}
		}
		if err := c.refresh(o); err != nil {
			return err
		}
		id = o.ID
		c.emit("orders.create", "orders", o.ID)
		return nil
	})
	return id, err
}

// editOrder applies attributes, relationships and the address triggers of
// a create or update (no payment triggers).
func (c *call) editOrder(o *Order, in *input) error {
	if err := overlay(&o.Base, &o.A, in, orderWritable...); err != nil {
		return err
	}
	if err := c.editCustomer(o, in); err != nil {
		return err
	}
	for _, rel := range []struct {
		name string
		dst  *string
	}{{"shipping_address", &o.ShippingAddressID}, {"billing_address", &o.BillingAddressID}} {
		id, set, err := c.relID(in, rel.name, "addresses")
		if err != nil {
			return err
		}
		if set {
			*rel.dst = id
		}
	}
	if err := c.editPaymentMethod(o, in); err != nil {
		return err
	}
	if _, set := in.Rels["payment_source"]; set {
		if err := c.setPaymentSourceRel(o, in.Rels["payment_source"]); err != nil {
			return err
		}
	}
	if err := c.addressShortcuts(o, in); err != nil {
		return err
	}
	if in.flag("_nullify_payment_source") {
		c.nullifyPaymentSource(o)
	}
	return nil
}

// editCustomer: customer_email finds (or makes) the customer, a customer
// relationship brings its email.
func (c *call) editCustomer(o *Order, in *input) error {
	if in.has("customer_email") {
		email := strings.TrimSpace(deref(o.A.CustomerEmail))
		if email == "" {
			o.A.CustomerEmail, o.CustomerID = nil, ""
		} else {
			if !strings.Contains(email, "@") {
				return jsonapi.Validation(jsonapi.AttributePointer("customer_email"), "customer_email", "is invalid", "invalid")
			}
			cu, err := c.customerByEmail(email)
			if err != nil {
				return err
			}
			o.CustomerID, o.A.CustomerEmail = cu.ID, &email
		}
	}
	id, set, err := c.relID(in, "customer", "customers")
	if err != nil || !set {
		return err
	}
	o.CustomerID = id
	var cu Customer
	if id != "" && c.get("customers", id, &cu) == nil {
		o.A.CustomerEmail = &cu.A.Email
	}
	return nil
}

// editPaymentMethod sets a payment method available to the order; a new
// one needs a new payment source.
func (c *call) editPaymentMethod(o *Order, in *input) error {
	id, set, err := c.relID(in, "payment_method", "payment_methods")
	if err != nil || !set || id == o.PaymentMethodID {
		return err
	}
	if id != "" {
		pms, err := c.availablePaymentMethods(o)
		if err != nil {
			return err
		}
		ok := false
		for _, pm := range pms {
			ok = ok || pm.ID == id
		}
		if !ok {
			return jsonapi.Validation(jsonapi.RelationshipPointer("payment_method"), "payment_method", "is not available for this order", "not_available")
		}
	}
	o.PaymentMethodID = id
	c.nullifyPaymentSource(o)
	return nil
}

// addressShortcuts: the address clone triggers first, then the same-as
// triggers.
func (c *call) addressShortcuts(o *Order, in *input) error {
	for _, cl := range []struct {
		attr string
		dst  *string
	}{{"_billing_address_clone_id", &o.BillingAddressID}, {"_shipping_address_clone_id", &o.ShippingAddressID}} {
		src := in.str(cl.attr)
		if src == nil {
			continue
		}
		id, err := c.cloneAddress(*src, cl.attr)
		if err != nil {
			return err
		}
		*cl.dst = id
	}
	if in.flag("_billing_address_same_as_shipping") {
		if o.ShippingAddressID == "" {
			return jsonapi.Validation(jsonapi.RelationshipPointer("shipping_address"), "shipping_address", "can't be blank", "blank")
		}
		o.BillingAddressID = o.ShippingAddressID
	}
	if in.flag("_shipping_address_same_as_billing") {
		if o.BillingAddressID == "" {
			return jsonapi.Validation(jsonapi.RelationshipPointer("billing_address"), "billing_address", "can't be blank", "blank")
		}
		o.ShippingAddressID = o.BillingAddressID
	}
	return nil
}

// cloneAddress copies an address into a new record.
func (c *call) cloneAddress(id, attr string) (string, error) {
	var a Address
	if err := c.tx.Get("addresses", id, &a); err != nil {
		e := recordNotFound(id)
		e.Pointer = jsonapi.AttributePointer(attr)
		return "", e
	}
	b, err := c.newBase("addresses")
	if err != nil {
		return "", err
	}
	clone := Address{Base: b, A: a.A}
	return clone.ID, c.put("addresses", &clone)
}

// setPaymentSourceRel links an existing payment source of this order.
func (c *call) setPaymentSourceRel(o *Order, rel relInput) error {
	if rel.Null || len(rel.Refs) == 0 {
		c.nullifyPaymentSource(o)
		return nil
	}
	ref := rel.Refs[0]
	if !in_(ref.Type, paymentSourceTypes) {
		return jsonapi.Validation(jsonapi.RelationshipPointer("payment_source"), "payment_source", "is invalid", "invalid")
	}
	if !c.exists(ref.Type, ref.ID) {
		return relNotFound("payment_source", ref.ID)
	}
	o.PaymentSource = &ref
	return nil
}

// nullifyPaymentSource detaches the payment source, as Commerce Layer does
// when the cart or the payment method changes.
func (c *call) nullifyPaymentSource(o *Order) {
	o.PaymentSource = nil
	o.A.PaymentSourceDetails = nil
}

// updateOrder is PATCH /api/orders/{id}: edits and address triggers first
// (one transaction), then the payment triggers in Commerce Layer's order.
func (c *call) updateOrder(id string, in *input) error {
	if c.tok.isSalesChannel() {
		for _, t := range integrationOnlyTriggers {
			if in.has(t) {
				return errAccessDenied
			}
		}
	}
	if hasEdits(in) {
		if err := c.update(func() error { return c.editOrderTx(id, in) }); err != nil {
			return err
		}
	}
	return c.runPaymentTriggers(id, in)
}

// hasEdits: anything besides the payment triggers (attributes, edit
// triggers, relationships).
func hasEdits(in *input) bool {
	for name := range in.Attrs {
		if !in_(name, paymentTriggers) {
			return true
		}
	}
	return len(in.Rels) > 0
}

// editOrderTx applies the edits and the edit triggers in one transaction:
// start editing, the edits themselves, codes and tags, the refresh
// triggers, pending, archiving, then the order is recomputed, and stop
// editing last.
func (c *call) editOrderTx(id string, in *input) error {
	o := &Order{}
	if err := c.get("orders", id, o); err != nil {
		return err
	}
	if in.flag("_start_editing") {
		if err := c.moveOrder(o, evStartEditing, "orders.start_editing"); err != nil {
			return err
		}
	}
	if !onlyCommon(in) && !o.state().Editable() {
		return errNotEditable()
	}
	if err := c.editOrder(o, in); err != nil {
		return err
	}
	if err := c.setCodes(o, in); err != nil {
		return err
	}
	if err := c.applyTags(&o.Base, in); err != nil {
		return err
	}
	if err := c.editTriggers(o, in); err != nil {
		return err
	}
	c.touch(o)
	if err := c.refresh(o); err != nil {
		return err
	}
	if in.flag("_stop_editing") {
		if err := c.moveOrder(o, evStopEditing, "orders.stop_editing"); err != nil {
			return err
		}
		return c.put("orders", o)
	}
	return nil
}

// editTriggers are the triggers that change the order without paying:
// _refresh, _refresh_prices, _pending, _archive, _unarchive and
// _fix_payment_source.
func (c *call) editTriggers(o *Order, in *input) error {
	if in.flag("_refresh") && o.state().Editable() {
		c.nullifyPaymentSource(o)
		o.A.RefreshedAt = tsPtr(c.now)
	}
	if in.flag("_refresh_prices") && o.state().Editable() {
		if err := c.refreshPrices(o); err != nil {
			return err
		}
		o.A.RefreshedAt = tsPtr(c.now)
	}
	if in.flag("_pending") {
		if err := c.moveOrder(o, evPending, "orders.pending"); err != nil {
			return err
		}
	}
	if in.flag("_archive") {
		o.A.ArchivedAt = tsPtr(c.now)
		c.emit("orders.archive", "orders", o.ID)
	}
	if in.flag("_unarchive") {
		o.A.ArchivedAt = nil
		c.emit("orders.unarchive", "orders", o.ID)
	}
	if in.flag("_fix_payment_source") && o.A.Status == statusPlacing {
		o.A.Status = statusPlaced
		c.emit("orders.payment_source_fixed", "orders", o.ID)
	}
	return nil
}

// runPaymentTriggers runs the payment triggers in Commerce Layer's order,
// each in its own steps: place, cancel or authorize, approve, capture,
// refund, fulfill.
func (c *call) runPaymentTriggers(id string, in *input) error {
	var authAmount *int64
	if n, ok := in.int("_authorization_amount_cents"); ok {
		authAmount = &n
	}
	switch {
	case in.flag("_place"):
		if err := c.placeOrder(id, authAmount); err != nil {
			return err
		}
		async, err := c.asyncPlace(id)
		if err != nil {
			return err
		}
		if async {
			c.placing = id // the answer shows it placing, as an asynchronous place does
		}
	case in.flag("_cancel"):
		return c.cancelOrder(id)
	case in.flag("_authorize"):
		if err := c.authorize(id, authAmount); err != nil {
			return err
		}
	}
	if in.flag("_approve") || in.flag("_approve_and_capture") {
		if err := c.approveOrder(id); err != nil {
			return err
		}
	}
	if in.flag("_capture") || in.flag("_approve_and_capture") {
		if err := c.capture(id, "", nil); err != nil {
			return err
		}
	}
	if in.flag("_refund") {
		if err := c.refundAll(id); err != nil {
			return err
		}
	}
	if in.flag("_fulfill") {
		return c.fulfillOrder(id)
	}
	return nil
}

// paymentTriggers run after the edits, each in its own steps.
var paymentTriggers = []string{"_place", "_cancel", "_approve", "_approve_and_capture", "_capture", "_refund", "_authorize",
	"_authorization_amount_cents", "_fulfill"}

// moveOrder applies a status event to o and fires topic.
func (c *call) moveOrder(o *Order, event, topic string) error {
	next, err := o.state().Next(event, false)
	if err != nil {
		return err
	}
	o.setState(next, c.now)
	c.emit(topic, "orders", o.ID)
	return nil
}

// refreshPrices reprices the order's SKU line items from its market's price list.
func (c *call) refreshPrices(o *Order) error {
	var market Market
	if err := c.get("markets", o.MarketID, &market); err != nil {
		return err
	}
	lines, err := c.lineItems(o.ID)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if l.A.ItemType != itemSkus {
			continue
		}
		ps, err := lookup(c, "prices", "sku", l.ItemID, func(p *Price) bool { return p.SkuID == l.ItemID && p.PriceListID == market.PriceListID })
		if err != nil {
			return err
		}
		if len(ps) > 0 && ps[0].A.AmountCents != l.A.UnitAmountCents {
			l.A.UnitAmountCents = ps[0].A.AmountCents
			c.touch(l)
			if err := c.put("line_items", l); err != nil {
				return err
			}
		}
	}
	return nil
}

// asyncPlace tells whether the order asked to be placed asynchronously.
func (c *call) asyncPlace(id string) (bool, error) {
	async := false
	err := c.view(func() error {
		var o Order
		if err := c.get("orders", id, &o); err != nil {
			return err
		}
		async, _ = o.Extra["place_async"].(bool)
		return nil
	})
	return async, err
}

// refundAll is the order's _refund: every capture's balance is refunded.
func (c *call) refundAll(id string) error {
	for i := 0; ; i++ {
		err := c.refund(id, "", nil)
		if err != nil && i > 0 && nothingToRefund(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if i > 100 {
			return nil
		}
	}
}

func nothingToRefund(err error) bool {
	var e *jsonapi.Error
	return errors.As(err, &e) && e.Pointer == jsonapi.AttributePointer("_refund") && e.Code == "VALIDATION_ERROR" &&
		strings.Contains(e.Detail, "nothing to refund")
}

// deleteOrder is DELETE /api/orders/{id}: only an order not yet placed.
func (c *call) deleteOrder(id string) error {
	return c.update(func() error {
		o := &Order{}
		if err := c.get("orders", id, o); err != nil {
			return err
		}
		if !in(o.A.Status, statusDraft, statusPending) {
			return jsonapi.Validation(jsonapi.AttributePointer("status"), "status", "only draft and pending orders can be deleted", "not_deletable")
		}
		lines, err := c.lineItems(id)
		if err != nil {
			return err
		}
		for _, l := range lines {
			if err := c.del("line_items", l.ID); err != nil {
				return err
			}
		}
		ss, err := lookup(c, "shipments", "order", id, func(s *Shipment) bool { return s.OrderID == id })
		if err != nil {
			return err
		}
		for _, s := range ss {
			if err := c.del("shipments", s.ID); err != nil {
				return err
			}
		}
		c.emit("orders.destroy", "orders", id)
		if err := c.flushEvents(); err != nil {
			return err
		}
		c.events = nil
		return c.del("orders", id)
	})
}

// notEditing are what a placed order takes: references, metadata and the
// triggers that change no cart.
var notEditing = append([]string{"reference", "reference_origin", "metadata", "_archive", "_unarchive", "_update_taxes", "_refresh",
	"_validate", "_start_editing", "_stop_editing", "_add_tags", "_remove_tags", "_fix_payment_source", "_commit_invoice",
	"_refund_invoice", "_reset_circuit", "_create_subscriptions", "_save_payment_source_to_customer_wallet",
	"_save_shipping_address_to_customer_address_book", "_save_billing_address_to_customer_address_book"}, paymentTriggers...)

// onlyCommon tells an update that touches nothing but reference, metadata
// and non-editing triggers (allowed on placed orders).
func onlyCommon(in *input) bool {
	if len(in.Rels) > 0 {
		return false
	}
	for name := range in.Attrs {
		if !in_(name, notEditing) {
			return false
		}
	}
	return true
}

// refresh recomputes an editable order: shipments, the shipping and payment
// method line items, taxes, totals and the draft/pending status; then saves
// it and its line items.
func (c *call) refresh(o *Order) error { return c.refreshWith(o, nil) }

// refreshWith is refresh with a line item of o changed (or new) in this call
// and not saved yet: it stands in for the stored one, or comes last when new
// (its sequence is the newest), and is saved once, with its totals, instead
// of saved, read back and saved again.
func (c *call) refreshWith(o *Order, changed *LineItem) error {
	if !o.state().Editable() {
		if changed != nil {
			if err := c.put("line_items", changed); err != nil {
				return err
			}
		}
		return c.put("orders", o)
	}
	var market Market
	if err := c.get("markets", o.MarketID, &market); err != nil {
		return err
	}
	lines, err := c.refreshLines(o.ID)
	if err != nil {
		return err
	}
	if changed != nil {
		lines = withLine(lines, changed)
	}
	loaded := make(map[*LineItem]lineState, len(lines))
	for _, l := range lines {
		if l != changed { // not loaded: saved whatever its state
			loaded[l] = stateOf(l)
		}
	}
	skuLines, shippable, subtotal := c.tallySkus(lines)
	shipments, err := c.syncShipments(o, shippable)
	if err != nil {
		return err
	}
	want, gift, err := c.costLines(o, shipments, subtotal)
	if err != nil {
		return err
	}
	all, err := c.syncCostLines(o, lines, skuLines, want)
	if err != nil {
		return err
	}
	policy := c.taxPolicy(o, &market)
	if err := c.total(o, all, loaded, policy, gift); err != nil {
		return err
	}
	prev := o.A.Status
	o.setState(o.state().settle(o.CustomerID != "" || deref(o.A.CustomerEmail) != "", o.T.SkusCount), c.now)
	if prev == statusDraft && o.A.Status == statusPending {
		c.emit("orders.pending", "orders", o.ID)
	}
	return c.put("orders", o)
}

// refreshLines are an order's lines, in creation order: what a refresh
// reads of them from their entries in the order index (IndexValue), or the
// records where an entry keeps nothing yet (written before the digests) or
// the collection is not indexed yet.
func (c *call) refreshLines(orderID string) ([]*LineItem, error) {
	var out []*LineItem
	var r lineReader
	err := c.tx.LookupCovered("line_items", ixKey("order", orderID), func(id, value []byte) (bool, error) {
		if l, ok := r.read(value); ok {
			if l.OrderID == orderID && l.ID == string(id) {
				out = append(out, l)
			}
			return true, nil
		}
		l := &LineItem{}
		err := c.tx.Get("line_items", string(id), l)
		if errors.Is(err, store.ErrNotFound) {
			return true, nil // an entry without its record: skipped, as Lookup does
		}
		if err != nil {
			return false, err
		}
		if l.OrderID == orderID {
			out = append(out, l)
		}
		return true, nil
	})
	if errors.Is(err, store.ErrNoIndex) {
		return c.lineItems(orderID)
	}
	return out, err
}

// saveRefreshed saves a line a refresh read (refreshLines: perhaps only its
// digest) and changed: the stored record with what a refresh changes.
func (c *call) saveRefreshed(l *LineItem) error {
	full := &LineItem{}
	if err := c.get("line_items", l.ID, full); err != nil {
		return err
	}
	full.UpdatedAt = l.UpdatedAt
	full.A.Quantity, full.A.UnitAmountCents, full.A.Name, full.A.TaxRate = l.A.Quantity, l.A.UnitAmountCents, l.A.Name, l.A.TaxRate
	full.TotalCents, full.TaxCents = l.TotalCents, l.TaxCents
	return c.put("line_items", full)
}

// withLine is lines (an order's, in creation order) with l in place of
// the stored line of its id, or after them when none has it.
func withLine(lines []*LineItem, l *LineItem) []*LineItem {
	for i, stored := range lines {
		if stored.ID == l.ID {
			lines[i] = l
			return lines
		}
	}
	return append(lines, l)
}

// tallySkus picks the SKU lines, with how many units ship and their subtotal.
func (c *call) tallySkus(lines []*LineItem) (skuLines []*LineItem, shippable, subtotal int64) {
	ships := map[string]bool{} // by SKU id: a cart holds a few SKUs, often on several lines
	for _, l := range lines {
		if l.A.ItemType != itemSkus {
			continue
		}
		skuLines = append(skuLines, l)
		subtotal += l.A.Quantity * l.A.UnitAmountCents
		ship, known := ships[l.ItemID]
		if !known {
			var s struct { // all a tally reads of a SKU
				A struct {
					DoNotShip bool `json:"do_not_ship"`
				} `json:"attributes"`
			}
			ship = c.tx.Get("skus", l.ItemID, &s) == nil && !s.A.DoNotShip
			ships[l.ItemID] = ship
		}
		if ship {
			shippable += l.A.Quantity
		}
	}
	return skuLines, shippable, subtotal
}

// lineState is what an order's refresh may change on a line item it read:
// a line whose state is as read is not encoded and saved again.
type lineState struct {
	quantity, unit, total, tax int64
	name, updated              string
	taxRate                    float64
	hasName, hasTaxRate        bool
}

func stateOf(l *LineItem) lineState {
	s := lineState{quantity: l.A.Quantity, unit: l.A.UnitAmountCents, total: l.TotalCents, tax: l.TaxCents, updated: l.UpdatedAt}
	if l.A.Name != nil {
		s.name, s.hasName = *l.A.Name, true
	}
	if l.A.TaxRate != nil {
		s.taxRate, s.hasTaxRate = *l.A.TaxRate, true
	}
	return s
}

// syncShipments keeps one shipment once there is something to ship and
// somewhere to ship it, and none otherwise.
func (c *call) syncShipments(o *Order, shippable int64) ([]*Shipment, error) {
	shipments, err := lookup(c, "shipments", "order", o.ID, func(s *Shipment) bool { return s.OrderID == o.ID })
	if err != nil {
		return nil, err
	}
	if shippable == 0 || o.ShippingAddressID == "" {
		for _, s := range shipments {
			if err := c.del("shipments", s.ID); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	if len(shipments) == 0 {
		s := &Shipment{OrderID: o.ID}
		if s.Base, err = c.newBase("shipments"); err != nil {
			return nil, err
		}
		s.A.Number, s.A.Status = o.A.Number+"/S/001", "draft"
		shipments = append(shipments, s)
	}
	for _, s := range shipments {
		s.A.SkusCount, s.A.CurrencyCode = shippable, o.A.CurrencyCode
		if err := c.put("shipments", s); err != nil {
			return nil, err
		}
	}
	return shipments, nil
}

// costLines are the line items the order should carry besides its SKUs,
// by item type and id: the discounts it qualifies for, its gift card, and
// the costs of its shipping and payment methods.
func (c *call) costLines(o *Order, shipments []*Shipment, subtotal int64) (map[string]autoLine, *Record, error) {
	discounts, freeShipping, err := c.orderPromotions(o, subtotal)
	if err != nil {
		return nil, nil, err
	}
	gift, err := c.giftCardByCode(deref(o.A.GiftCardCode), o.A.CurrencyCode)
	if err != nil {
		return nil, nil, err
	}
	want := map[string]autoLine{}
	for _, d := range discounts {
		if d.Cents != 0 {
			want[d.Kind+"/"+d.PromotionID] = autoLine{itemType: d.Kind, itemID: d.PromotionID, name: d.Name, unit: d.Cents}
		}
	}
	if gift != nil {
		want[itemGiftCards+"/"+gift.ID] = autoLine{itemType: itemGiftCards, itemID: gift.ID, name: "Gift card"}
	}
	for _, s := range shipments {
		if s.ShippingMethodID == "" {
			continue
		}
		var sm ShippingMethod
		if err := c.get("shipping_methods", s.ShippingMethodID, &sm); err != nil {
			return nil, nil, err
		}
		cost := sm.A.PriceAmountCents
		if sm.A.FreeOverAmountCents != nil && subtotal >= *sm.A.FreeOverAmountCents || freeShipping {
			cost = 0
		}
		want[itemShipments+"/"+s.ID] = autoLine{itemType: itemShipments, itemID: s.ID, name: sm.A.Name, unit: cost}
	}
	if o.PaymentMethodID != "" {
		var pm PaymentMethod
		if err := c.get("payment_methods", o.PaymentMethodID, &pm); err != nil {
			return nil, nil, err
		}
		if pm.A.PriceAmountCents > 0 {
			want[itemPaymentMethods+"/"+pm.ID] = autoLine{itemType: itemPaymentMethods, itemID: pm.ID, name: pm.A.Name, unit: pm.A.PriceAmountCents}
		}
	}
	return want, gift, nil
}

// syncCostLines updates, deletes and adds the order's non-SKU lines to
// match want, and returns every line, SKUs first (new lines not yet saved).
func (c *call) syncCostLines(o *Order, lines, skuLines []*LineItem, want map[string]autoLine) ([]*LineItem, error) {
	all := append([]*LineItem{}, skuLines...)
	for _, l := range lines {
		if l.A.ItemType == itemSkus {
			continue
		}
		key := l.A.ItemType + "/" + l.ItemID
		w, ok := want[key]
		if !ok {
			if err := c.del("line_items", l.ID); err != nil {
				return nil, err
			}
			continue
		}
		delete(want, key)
		l.A.UnitAmountCents, l.A.Name = w.unit, &w.name
		all = append(all, l)
	}
	for _, key := range jsonapi.SortedKeys(want) {
		w := want[key]
		l := &LineItem{OrderID: o.ID, ItemID: w.itemID}
		var err error
		if l.Base, err = c.newBase("line_items"); err != nil {
			return nil, err
		}
		l.A.ItemType, l.A.Quantity, l.A.UnitAmountCents, l.A.Name, l.A.CurrencyCode = w.itemType, 1, w.unit, &w.name, o.A.CurrencyCode
		all = append(all, l)
	}
	return all, nil
}

// taxPolicy is how the order is taxed: the market's rate for the shipping
// (else billing) country, once known. It sets the order's country and rate.
func (c *call) taxPolicy(o *Order, market *Market) TaxPolicy {
	country := ""
	for _, id := range []string{o.ShippingAddressID, o.BillingAddressID} {
		var a Address
		if id != "" && c.tx.Get("addresses", id, &a) == nil {
			country = a.A.CountryCode
			break
		}
	}
	policy := TaxPolicy{Included: o.A.TaxIncluded, Freight: o.A.FreightTaxable, PaymentMethod: o.A.PaymentMethodTaxable}
	o.A.CountryCode, o.A.TaxRate = strp(country), nil
	if country != "" {
		policy.RateBP = market.DefaultTaxRate
		if r, ok := market.TaxRates[country]; ok {
			policy.RateBP = r
		}
		rate := float64(policy.RateBP) / 10000
		o.A.TaxRate = &rate
	}
	return policy
}

// total computes the order's totals over all its lines (the gift card
// paying what it can of the rest) and saves each line with its share (a
// line read as loaded holds that is unchanged is not saved again; one read
// is saved through saveRefreshed).
func (c *call) total(o *Order, all []*LineItem, loaded map[*LineItem]lineState, policy TaxPolicy, gift *Record) error {
	amounts := make([]AmountLine, len(all))
	for i, l := range all {
		amounts[i] = AmountLine{Type: l.A.ItemType, Quantity: l.A.Quantity, UnitCents: l.A.UnitAmountCents}
	}
	o.T = ComputeTotals(amounts, policy)
	if gift != nil {
		for i, l := range all {
			if l.A.ItemType == itemGiftCards {
				l.A.UnitAmountCents = -min(giftBalance(gift), o.T.TotalWithTaxes)
				amounts[i].UnitCents = l.A.UnitAmountCents
			}
		}
		o.T = ComputeTotals(amounts, policy)
	}
	var rate *float64 // one for every taxed line (nothing writes through it)
	for i, l := range all {
		l.TotalCents, l.TaxCents = o.T.Lines[i].Total, o.T.Lines[i].Tax
		l.A.TaxRate = nil
		if l.TaxCents > 0 {
			if rate == nil {
				rate = new(float64(policy.RateBP) / 10000)
			}
			l.A.TaxRate = rate
		}
		was, ok := loaded[l]
		if ok && was == stateOf(l) {
			continue
		}
		var err error
		if ok {
			err = c.saveRefreshed(l) // read by refreshLines
		} else {
			err = c.put("line_items", l)
		}
		if err != nil {
			return err
		}
	}
	o.T.Lines = nil
	return nil
}

// autoLine is a line item the order keeps for a cost (shipping, payment method).
type autoLine struct {
	itemType, itemID, name string
	unit                   int64
}

// refreshOrdersUsing refreshes the editable orders that use an address (its
// country sets the tax rate).
func (c *call) refreshOrdersUsing(addressID string) error {
	os, err := lookup(c, "orders", "address", addressID, func(o *Order) bool {
		return (o.BillingAddressID == addressID || o.ShippingAddressID == addressID) && o.state().Editable()
	})
	if err != nil {
		return err
	}
	for _, o := range os {
		if err := c.refresh(o); err != nil {
			return err
		}
	}
	return nil
}

// placeCheck gathers what placing depends on.
func (c *call) placeCheck(o *Order) (PlaceCheck, error) {
	pc := PlaceCheck{CustomerEmail: deref(o.A.CustomerEmail), SkusCount: o.T.SkusCount, HasBillingAddress: o.BillingAddressID != "",
		HasShippingAddress: o.ShippingAddressID != "", Total: o.T.TotalWithTaxes, HasPaymentMethod: o.PaymentMethodID != "",
		HasPaymentSource: o.PaymentSource != nil, SourceApproved: true}
	lines, err := c.lineItems(o.ID)
	if err != nil {
		return pc, err
	}
	for _, l := range lines {
		var s Sku
		if l.A.ItemType == itemSkus && c.tx.Get("skus", l.ItemID, &s) == nil && !s.A.DoNotShip {
			pc.NeedsShipping = true
		}
	}
	shipments, err := lookup(c, "shipments", "order", o.ID, func(s *Shipment) bool { return s.OrderID == o.ID && s.ShippingMethodID == "" })
	if err != nil {
		return pc, err
	}
	pc.ShipmentsWithoutRate = len(shipments)
	if o.PaymentSource != nil && o.PaymentSource.Type == "klarna_payments" {
		var kp KlarnaPayment
		if err := c.get("klarna_payments", o.PaymentSource.ID, &kp); err != nil {
			return pc, err
		}
		pc.MismatchedAmounts = kp.SessionAmount != o.T.TotalWithTaxes
		pc.SourceApproved = deref(kp.A.AuthToken) != ""
	}
	return pc, nil
}

// orderError is a 422 about the order as a whole.
func orderError(detail string) *jsonapi.Error {
	return &jsonapi.Error{Status: http.StatusUnprocessableEntity, Code: "VALIDATION_ERROR", Title: detail,
		Detail: "base - " + detail, Pointer: "/data", Meta: map[string]any{"error": "invalid"}}
}
