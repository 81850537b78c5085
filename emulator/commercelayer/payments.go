package commercelayer

import (
	"context"
	"fmt"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/klarnaapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Payment operations run in three steps: read and check in a transaction,
// call the gateway (the Klarna emulator) outside any transaction, then write
// the outcome in one transaction. A Klarna order whose write fails is
// cancelled again.

// klarnaStep is the one way capture, refund and void reach Klarna: do
// calls Klarna (skipped when the order's payment source is not a placed
// Klarna order), then write records the outcome here with Klarna's id. When
// the write fails, do's undo reverses the Klarna side (a capture is refunded
// again), so the two sides keep the same money; what Klarna cannot take
// back (a refund, a cancelled order) is logged for the operator.
func (c *call) klarnaStep(op string, kp *KlarnaPayment, do func(*KlarnaPayment) (string, func() error, error), write func(gw string) error) error {
	var gw string
	var undo func() error
	if kp != nil && kp.KlarnaOrderID != "" {
		var err error
		if gw, undo, err = do(kp); err != nil {
			return err
		}
		// Klarna has acted: recording it here (or undoing it) must not be
		// cut short by the client going away.
		c.r = c.r.WithContext(context.WithoutCancel(c.r.Context()))
	}
	err := write(gw)
	if err == nil || kp == nil || kp.KlarnaOrderID == "" {
		return err
	}
	if undo == nil {
		c.cl.p.Log.Error("commercelayer: Klarna "+op+" done but not recorded here", "org", c.org, "klarna_order", kp.KlarnaOrderID, "err", err)
		return err
	}
	if uerr := undo(); uerr != nil {
		c.cl.p.Log.Error("commercelayer: Klarna "+op+" could not be undone", "org", c.org, "klarna_order", kp.KlarnaOrderID, "err", uerr)
	}
	return err
}

// sourceOf reads the order's payment source: the Klarna payment when it is
// one (nil otherwise).
func (c *call) klarnaSource(o *Order) (*KlarnaPayment, error) {
	if o.PaymentSource == nil || o.PaymentSource.Type != "klarna_payments" {
		return nil, nil
	}
	kp := &KlarnaPayment{}
	return kp, c.get("klarna_payments", o.PaymentSource.ID, kp)
}

func paymentMethodType(o *Order) string {
	if o.PaymentSource == nil {
		return ""
	}
	return o.PaymentSource.Type
}

// newTransaction records a succeeded transaction of the order.
func (c *call) newTransaction(o *Order, typ string, amount int64, referenceID, gatewayID string, token *string) (*Transaction, error) {
	t := &Transaction{OrderID: o.ID, PaymentSource: o.PaymentSource, ReferenceID: referenceID}
	var err error
	if t.Base, err = c.newBase(typ); err != nil {
		return nil, err
	}
	o.TxCount++
	t.A.Number = fmt.Sprintf("%s/T/%03d", o.A.Number, o.TxCount)
	t.A.Type, t.A.PaymentMethodType, t.A.CurrencyCode = typ, paymentMethodType(o), o.A.CurrencyCode
	t.A.AmountCents, t.A.Succeeded, t.A.Message, t.A.Token = amount, true, strp("Accepted"), token
	if gatewayID == "" {
		gatewayID = c.newHex(24)
	}
	t.A.GatewayTransactionID = &gatewayID
	c.emit(typ+".create", typ, t.ID)
	return t, c.put(typ, t)
}

// placeOrder is the _place trigger; authAmount (from
// _authorization_amount_cents) authorizes less than the total: the order is
// then partially_authorized.
func (c *call) placeOrder(id string, authAmount *int64) error {
	kp, purchase, err := c.placeable(id, authAmount)
	if err != nil {
		return err
	}
	// Klarna places its order outside our transaction; if ours then fails,
	// Klarna's is cancelled again.
	var placed *klarnaapi.PlacedOrder
	if kp != nil {
		res, err := c.cl.kl.PlaceOrder(c.r.Context(), kp.KlarnaTenant, deref(kp.A.AuthToken), klarnaapi.OrderRequest{Purchase: purchase}, platform.BaseURL(c.r))
		if err != nil {
			return klarnaFailure(err, jsonapi.RelationshipPointer("payment_source"))
		}
		placed = &res
		// Klarna's order exists: recording it here (or cancelling it) must
		// not be cut short by the client going away.
		c.r = c.r.WithContext(context.WithoutCancel(c.r.Context()))
	}
	var autoCapture bool
	err = c.update(func() error {
		var err error
		autoCapture, err = c.commitPlace(id, authAmount, placed)
		return err
	})
	if err != nil {
		if placed != nil {
			if cerr := c.cl.kl.CancelOrder(c.r.Context(), kp.KlarnaTenant, placed.OrderID); cerr != nil {
				c.cl.p.Log.Error("commercelayer: cancelling the Klarna order of a failed _place", "order", placed.OrderID, "err", cerr)
			}
		}
		return err
	}
	if autoCapture {
		return c.capture(id, "", nil)
	}
	return nil
}

// placeable checks, reading only, that the order may be placed, and returns
// its Klarna payment (nil when none is to be placed) and the purchase to
// place it with.
func (c *call) placeable(id string, authAmount *int64) (kp *KlarnaPayment, purchase klarnaapi.Purchase, err error) {
	err = c.view(func() error {
		o := &Order{}
		if err := c.get("orders", id, o); err != nil {
			return err
		}
		if _, err := o.state().Next(evPlace, false); err != nil {
			return err
		}
		pc, err := c.placeCheck(o)
		if err != nil {
			return err
		}
		if err := PlaceErrors(pc); err != nil {
			return err
		}
		if err := c.checkStock(o, false); err != nil {
			return err
		}
		if authAmount != nil && (*authAmount <= 0 || *authAmount > o.T.TotalWithTaxes) {
			return amountError("_authorization_amount_cents", o.T.TotalWithTaxes)
		}
		if o.T.TotalWithTaxes > 0 {
			if kp, err = c.klarnaSource(o); err != nil || kp == nil {
				return err
			}
			purchase, err = c.klarnaPurchase(o)
			return err
		}
		return nil
	})
	return kp, purchase, err
}

// commitPlace places the order in the transaction, checking again what may
// have changed since placeable: stock is taken, the gift card redeemed,
// shipments made upcoming, the payment authorized. It reports whether the
// payment method captures at once.
func (c *call) commitPlace(id string, authAmount *int64, placed *klarnaapi.PlacedOrder) (autoCapture bool, err error) {
	o := &Order{}
	if err := c.get("orders", id, o); err != nil {
		return false, err
	}
	pc, err := c.placeCheck(o)
	if err != nil {
		return false, err
	}
	if err := PlaceErrors(pc); err != nil {
		return false, err
	}
	next, err := o.state().Next(evPlace, o.T.TotalWithTaxes == 0)
	if err != nil {
		return false, err
	}
	if !pc.NeedsShipping {
		next.Fulfillment = fulfillNotRequired
	}
	authorized := o.T.TotalWithTaxes
	if authAmount != nil && *authAmount < authorized {
		authorized, next.Payment = *authAmount, payPartiallyAuthorized
	}
	if err := c.checkStock(o, true); err != nil {
		return false, err
	}
	if err := c.redeemGiftCard(o); err != nil {
		return false, err
	}
	o.setState(next, c.now)
	o.A.PlacedAt, o.PlaceTotal = tsPtr(c.now), o.T.TotalWithTaxes
	c.touch(o)
	shipments, err := lookup(c, "shipments", "order", o.ID, func(s *Shipment) bool { return s.OrderID == o.ID })
	if err != nil {
		return false, err
	}
	for _, s := range shipments {
		s.A.Status = "upcoming"
		if err := c.put("shipments", s); err != nil {
			return false, err
		}
	}
	if err := c.countCustomerOrder(o); err != nil {
		return false, err
	}
	c.emit("orders.place", "orders", o.ID)
	if o.T.TotalWithTaxes > 0 {
		if autoCapture, err = c.authorizePlaced(o, placed, authorized); err != nil {
			return false, err
		}
	}
	return autoCapture, c.put("orders", o)
}

// authorizePlaced records the authorization of a placed order: Klarna's
// order on its payment source, or the source's own type.
func (c *call) authorizePlaced(o *Order, placed *klarnaapi.PlacedOrder, authorized int64) (autoCapture bool, err error) {
	var gw string
	var token *string
	if placed != nil {
		kp, err := c.klarnaSource(o)
		if err != nil || kp == nil {
			return false, orderError("the Klarna payment changed while placing")
		}
		gw, token = placed.OrderID, kp.A.AuthToken
		details := map[string]any{"order_id": placed.OrderID, "fraud_status": placed.FraudStatus}
		instrument := map[string]any{"issuer_type": "klarna"}
		if pm := placed.AuthorizedPaymentMethod; pm != nil {
			details["authorized_payment_method"] = pm
			instrument["card_type"] = pm.Type
		}
		o.A.PaymentSourceDetails = map[string]any{"type": "klarna_payment", "klarna_id": placed.OrderID, "payment_method_details": details}
		kp.KlarnaOrderID, kp.A.PaymentInstrument = placed.OrderID, instrument
		c.touch(kp)
		if err := c.put("klarna_payments", kp); err != nil {
			return false, err
		}
	} else if o.PaymentSource != nil {
		o.A.PaymentSourceDetails = map[string]any{"type": singular(o.PaymentSource.Type)}
	}
	if _, err := c.newTransaction(o, "authorizations", authorized, "", gw, token); err != nil {
		return false, err
	}
	c.emit("orders.authorize", "orders", o.ID)
	var pm PaymentMethod
	if c.tx.Get("payment_methods", o.PaymentMethodID, &pm) == nil {
		autoCapture = pm.A.AutoCapture
	}
	return autoCapture, nil
}

// commitVoid records the void (and the cancellation) in the transaction.
func (c *call) commitVoid(orderID, authID string, hasAuth, cancel bool) error {
	o := &Order{}
	if err := c.get("orders", orderID, o); err != nil {
		return err
	}
	if hasAuth {
		a, err := c.pickTransaction(o, "authorizations", authID, authBalance)
		if err != nil || a == nil {
			return orderError("the authorization changed while voiding")
		}
		bal := authBalance(a)
		if _, err := c.newTransaction(o, "voids", bal, a.ID, "", a.A.Token); err != nil {
			return err
		}
		a.Voided += bal
		c.touch(a)
		if err := c.put("authorizations", a); err != nil {
			return err
		}
	}
	ev := evVoid
	if cancel {
		ev = evCancel
	}
	next, err := o.state().Next(ev, false)
	if err != nil {
		return err
	}
	o.setState(next, c.now)
	c.touch(o)
	if cancel {
		o.A.CancelledAt = tsPtr(c.now)
		shipments, err := lookup(c, "shipments", "order", o.ID, func(s *Shipment) bool { return s.OrderID == o.ID })
		if err != nil {
			return err
		}
		for _, s := range shipments {
			s.A.Status = "cancelled"
			if err := c.put("shipments", s); err != nil {
				return err
			}
		}
		c.emit("orders.cancel", "orders", o.ID)
	}
	if next.Payment == payVoided {
		c.emit("orders.void", "orders", o.ID)
	}
	return c.put("orders", o)
}

// commitCapture records the capture of amt (gw: Klarna's capture id) in
// the transaction and moves the order's payment status.
func (c *call) commitCapture(orderID, authID string, amt int64, gw string) error {
	o := &Order{}
	if err := c.get("orders", orderID, o); err != nil {
		return err
	}
	a, err := c.pickTransaction(o, "authorizations", authID, authBalance)
	if err != nil || a == nil {
		return orderError("the authorization changed while capturing")
	}
	if _, err := c.newTransaction(o, "captures", amt, a.ID, gw, a.A.Token); err != nil {
		return err
	}
	a.Captured += amt
	c.touch(a)
	if err := c.put("authorizations", a); err != nil {
		return err
	}
	ev := evCapture
	if authBalance(a) > 0 {
		ev = evPartialCapture
	}
	next, err := o.state().Next(ev, false)
	if err != nil {
		return err
	}
	o.setState(next, c.now)
	if o.A.ApprovedAt == nil {
		o.A.ApprovedAt = tsPtr(c.now)
	}
	c.touch(o)
	if next.Payment == payPaid {
		c.emit("orders.pay", "orders", o.ID)
	}
	return c.put("orders", o)
}

// commitRefund records the refund of amt (gw: Klarna's refund id) in the
// transaction; a refund of everything left refunds the order.
func (c *call) commitRefund(orderID, captureID string, amt int64, gw string) error {
	o := &Order{}
	if err := c.get("orders", orderID, o); err != nil {
		return err
	}
	cp, err := c.pickTransaction(o, "captures", captureID, captureBalance)
	if err != nil || cp == nil {
		return orderError("the capture changed while refunding")
	}
	if _, err := c.newTransaction(o, "refunds", amt, cp.ID, gw, cp.A.Token); err != nil {
		return err
	}
	cp.Refunded += amt
	c.touch(cp)
	if err := c.put("captures", cp); err != nil {
		return err
	}
	// A full refund: everything captured is refunded and nothing is left to capture.
	captures, err := lookup(c, "captures", "order", o.ID, func(t *Transaction) bool { return t.OrderID == o.ID })
	if err != nil {
		return err
	}
	left := int64(0)
	for _, t := range captures {
		left += captureBalance(t)
	}
	auths, err := lookup(c, "authorizations", "order", o.ID, func(t *Transaction) bool { return t.OrderID == o.ID })
	if err != nil {
		return err
	}
	for _, a := range auths {
		left += authBalance(a)
	}
	ev := evPartialRefund
	if left == 0 {
		ev = evRefund
	}
	next, err := o.state().Next(ev, false)
	if err != nil {
		return err
	}
	o.setState(next, c.now)
	if next.Status == statusCancelled && o.A.CancelledAt == nil {
		o.A.CancelledAt = tsPtr(c.now)
	}
	c.touch(o)
	c.emit("orders.refund", "orders", o.ID)
	return c.put("orders", o)
}

func singular(typ string) string {
	if len(typ) > 1 && typ[len(typ)-1] == 's' {
		return typ[:len(typ)-1]
	}
	return typ
}

// countCustomerOrder moves the customer's status on: prospect, acquired, repeat.
func (c *call) countCustomerOrder(o *Order) error {
	if o.CustomerID == "" {
		return nil
	}
	cu := &Customer{}
	if err := c.get("customers", o.CustomerID, cu); err != nil {
		return nil // a deleted customer does not stop the order
	}
	cu.A.TotalOrdersCount++
	cu.A.Status = "acquired"
	if cu.A.TotalOrdersCount > 1 {
		cu.A.Status = "repeat"
	}
	c.touch(cu)
	return c.put("customers", cu)
}

// approveOrder is the _approve trigger.
func (c *call) approveOrder(id string) error {
	return c.update(func() error {
		o := &Order{}
		if err := c.get("orders", id, o); err != nil {
			return err
		}
		next, err := o.state().Next(evApprove, false)
		if err != nil {
			return err
		}
		o.setState(next, c.now)
		o.A.ApprovedAt = tsPtr(c.now)
		c.touch(o)
		c.emit("orders.approve", "orders", o.ID)
		return c.put("orders", o)
	})
}

// authBalance is what an authorization still holds.
func authBalance(a *Transaction) int64 { return a.A.AmountCents - a.Captured - a.Voided }

// pickTransaction finds the order's transaction of typ with id, or its
// latest one with something left.
func (c *call) pickTransaction(o *Order, typ, id string, left func(*Transaction) int64) (*Transaction, error) {
	ts, err := lookup(c, typ, "order", o.ID, func(t *Transaction) bool { return t.OrderID == o.ID && t.A.Succeeded })
	if err != nil {
		return nil, err
	}
	for i := len(ts) - 1; i >= 0; i-- {
		if (id == "" && left(ts[i]) > 0) || ts[i].ID == id {
			return ts[i], nil
		}
	}
	return nil, nil
}

// amountTrigger is a trigger that moves money out of one transaction: a
// capture of an authorization, a refund of a capture.
type amountTrigger struct {
	typ        string // the transactions it acts on
	name       string // the trigger attribute
	nothing    string // the error when nothing is left
	amountAttr string
	left       func(*Transaction) int64
}

var (
	captureTrigger = amountTrigger{"authorizations", "_capture", "there is nothing to capture", "_capture_amount_cents", authBalance}
	refundTrigger  = amountTrigger{"captures", "_refund", "there is nothing to refund", "_refund_amount_cents", captureBalance}
)

// triggerAmount picks the transaction tr acts on (id, or the order's latest
// with something left) and the amount: all that is left when amount is nil,
// else amount, which must be within it.
func (c *call) triggerAmount(o *Order, tr amountTrigger, id string, amount *int64) (*Transaction, int64, error) {
	t, err := c.pickTransaction(o, tr.typ, id, tr.left)
	if err != nil {
		return nil, 0, err
	}
	if t == nil || tr.left(t) <= 0 {
		return nil, 0, jsonapi.Validation(jsonapi.AttributePointer(tr.name), tr.name, tr.nothing, "invalid")
	}
	amt := tr.left(t)
	if amount != nil {
		if *amount <= 0 || *amount > amt {
			return nil, 0, amountError(tr.amountAttr, amt)
		}
		amt = *amount
	}
	return t, amt, nil
}

// amountError is a 422 on a trigger amount.
func amountError(attr string, max int64) error {
	return jsonapi.Validation(jsonapi.AttributePointer(attr), attr, fmt.Sprintf("must be greater than 0 and less than or equal to %d", max), "less_than_or_equal_to")
}

// capture captures an authorization (the order's latest when authID is
// empty) for amount (all that is left when nil).
func (c *call) capture(orderID, authID string, amount *int64) error {
	var kp *KlarnaPayment
	var amt int64
	var full bool
	err := c.view(func() error {
		o := &Order{}
		if err := c.get("orders", orderID, o); err != nil {
			return err
		}
		a, n, err := c.triggerAmount(o, captureTrigger, authID, amount)
		if err != nil {
			return err
		}
		amt, full = n, n == authBalance(a)
		ev := evCapture
		if !full || a.Captured > 0 {
			ev = evPartialCapture
		}
		if _, err := o.state().Next(ev, false); err != nil {
			return err
		}
		kp, err = c.klarnaSource(o)
		return err
	})
	if err != nil {
		return err
	}
	do := func(kp *KlarnaPayment) (string, func() error, error) {
		cp, err := c.cl.kl.Capture(c.r.Context(), kp.KlarnaTenant, kp.KlarnaOrderID, klarnaapi.CaptureRequest{CapturedAmount: amt})
		if err != nil {
			return "", nil, klarnaFailure(err, jsonapi.AttributePointer("_capture"))
		}
		undo := func() error { // give the money back: Klarna has no uncapture
			_, err := c.cl.kl.Refund(context.WithoutCancel(c.r.Context()), kp.KlarnaTenant, kp.KlarnaOrderID, klarnaapi.RefundRequest{RefundedAmount: amt})
			return err
		}
		return cp.CaptureID, undo, nil
	}
	return c.klarnaStep("capture", kp, do, func(gw string) error {
		return c.update(func() error { return c.commitCapture(orderID, authID, amt, gw) })
	})
}

func captureBalance(t *Transaction) int64 { return t.A.AmountCents - t.Refunded }

// refund refunds a capture (the order's latest with something left when
// captureID is empty) for amount (all that is left when nil).
func (c *call) refund(orderID, captureID string, amount *int64) error {
	var kp *KlarnaPayment
	var amt int64
	err := c.view(func() error {
		o := &Order{}
		if err := c.get("orders", orderID, o); err != nil {
			return err
		}
		_, n, err := c.triggerAmount(o, refundTrigger, captureID, amount)
		if err != nil {
			return err
		}
		amt = n
		if _, err := o.state().Next(evPartialRefund, false); err != nil {
			return err
		}
		kp, err = c.klarnaSource(o)
		return err
	})
	if err != nil {
		return err
	}
	do := func(kp *KlarnaPayment) (string, func() error, error) {
		rf, err := c.cl.kl.Refund(c.r.Context(), kp.KlarnaTenant, kp.KlarnaOrderID, klarnaapi.RefundRequest{RefundedAmount: amt})
		if err != nil {
			return "", nil, klarnaFailure(err, jsonapi.AttributePointer("_refund"))
		}
		return rf.RefundID, nil, nil // a refund cannot be taken back
	}
	return c.klarnaStep("refund", kp, do, func(gw string) error {
		return c.update(func() error { return c.commitRefund(orderID, captureID, amt, gw) })
	})
}

// cancelOrder is the _cancel trigger: the authorization is voided (at
// Klarna the order is cancelled) and the order cancelled.
func (c *call) cancelOrder(id string) error {
	return c.void(id, "", true)
}

// void voids what an authorization still holds; cancel also cancels the order.
func (c *call) void(orderID, authID string, cancel bool) error {
	var kp *KlarnaPayment
	var hasAuth bool
	err := c.view(func() error {
		o := &Order{}
		if err := c.get("orders", orderID, o); err != nil {
			return err
		}
		ev := evVoid
		if cancel {
			ev = evCancel
		}
		if _, err := o.state().Next(ev, false); err != nil {
			return err
		}
		a, err := c.pickTransaction(o, "authorizations", authID, authBalance)
		if err != nil {
			return err
		}
		if a != nil && a.Captured > 0 {
			return jsonapi.Validation(jsonapi.AttributePointer("_void"), "_void", "is not allowed on a captured authorization", "invalid")
		}
		hasAuth = a != nil && authBalance(a) > 0
		if !hasAuth && !cancel {
			return jsonapi.Validation(jsonapi.AttributePointer("_void"), "_void", "there is nothing to void", "invalid")
		}
		kp, err = c.klarnaSource(o)
		return err
	})
	if err != nil {
		return err
	}
	if !hasAuth {
		kp = nil // nothing held at Klarna to release
	}
	do := func(kp *KlarnaPayment) (string, func() error, error) {
		if err := c.cl.kl.CancelOrder(c.r.Context(), kp.KlarnaTenant, kp.KlarnaOrderID); err != nil {
			return "", nil, klarnaFailure(err, jsonapi.AttributePointer("_cancel"))
		}
		return "", nil, nil // a cancelled Klarna order stays cancelled
	}
	return c.klarnaStep("void", kp, do, func(string) error {
		return c.update(func() error { return c.commitVoid(orderID, authID, hasAuth, cancel) })
	})
}
