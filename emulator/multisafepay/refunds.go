package multisafepay

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// refundRequest is the body of POST /orders/{order_id}/refunds.
type refundRequest struct {
	Currency      text `json:"currency"`
	Amount        text `json:"amount"`
	Description   text `json:"description"`
	RefundOrderID text `json:"refund_order_id"`
	Var1          text `json:"var1"`
	Var2          text `json:"var2"`
	Var3          text `json:"var3"`
	CheckoutData  *struct {
		Items []itemRequest `json:"items"`
	} `json:"checkout_data"`
}

// sameAmountWindow: MultiSafepay refuses the same refund amount twice in it.
const sameAmountWindow = 5 * time.Minute

// refundableAmount is what can still go back: the amount (or, for manual
// capture, what was captured) less what was refunded.
func (o *Order) refundableAmount() int64 {
	paid := o.Amount
	if o.ManualCapture {
		paid = 0 // captured on this order (a full capture); partial ones refund from their own orders
		for _, c := range o.Captures {
			if c.OrderID == o.OrderID {
				paid += c.Amount
			}
		}
	}
	return paid - o.AmountRefunded
}

// refund applies the refund rules (1034 and friends) and records a reserved
// refund with transaction id id.
func (o *Order) refund(req refundRequest, id int64, now time.Time) (*Refund, *Error) {
	if !o.refundable() {
		if o.Status == stRefunded {
			return nil, errRefund("the order is already fully refunded")
		}
		return nil, errRefund(fmt.Sprintf("an order that is %s cannot be refunded", o.Status))
	}
	remaining := o.refundableAmount()
	rf := &Refund{ID: id, OrderID: o.OrderID, Status: stReserved, Created: now, Modified: now, ProcessAt: refundProcessAt(now)}
	currency := req.Currency.String()
	if req.CheckoutData != nil {
		amount, items, err := o.checkoutDataRefund(req.CheckoutData.Items)
		if err != nil {
			return nil, err
		}
		rf.Amount, rf.Items = amount, items
		if currency == "" {
			currency = o.Currency
		}
	} else {
		if currency == "" {
			return nil, errMissing("currency")
		}
		a := req.Amount.String()
		amount, good := parseMinor(a)
		switch {
		case a == "" || (good && amount == 0):
			amount = remaining // amount omitted or 0: refund everything left
		case !good || amount < 0:
			return nil, errAmount("Invalid amount")
		}
		rf.Amount = amount
	}
	if c, _ := normCurrency(currency); c != o.Currency {
		return nil, errCurrency()
	}
	rf.Currency = o.Currency
	switch {
	case rf.Amount <= 0:
		return nil, errRefund("nothing left to refund")
	case rf.Amount > remaining:
		return nil, errRefund(fmt.Sprintf("the amount %d exceeds the refundable %d", rf.Amount, remaining))
	}
	for _, prev := range o.Refunds {
		if prev.Status != stVoid && prev.Amount == rf.Amount && now.Sub(prev.Created) < sameAmountWindow {
			return nil, errRefund("the same amount was refunded less than 5 minutes ago")
		}
	}
	rf.Description = strings.TrimSpace(string(req.Description))
	if utf8.RuneCountInString(rf.Description) > 200 {
		return nil, errDescription()
	}
	if ro := req.RefundOrderID.String(); ro != "" {
		if utf8.RuneCountInString(ro) > 50 {
			return nil, errOrderIDInvalid("Invalid transaction ID: refund_order_id is longer than 50 characters")
		}
		rf.OrderID = ro
	}
	rf.Vars = [3]string{string(req.Var1), string(req.Var2), string(req.Var3)}
	if o.AmountRefunded == 0 {
		o.StatusBeforeRefund = o.Status
	}
	o.AmountRefunded += rf.Amount
	o.Status = o.refundedStatus()
	o.Modified = now
	o.Refunds = append(o.Refunds, *rf)
	return rf, nil
}

// checkoutDataRefund prices a BNPL refund: the request lists the cart with
// copies of the refunded lines made negative (unit_price or quantity); the
// refund is what the negative lines are worth, tax included.
func (o *Order) checkoutDataRefund(lines []itemRequest) (int64, []CartItem, *Error) {
	if o.Cart == nil {
		return 0, nil, errRefund("the order has no shopping cart to refund from")
	}
	items, err := toCart(lines, true)
	if err != nil {
		return 0, nil, err
	}
	known := map[string]bool{}
	for _, it := range o.Cart {
		known[it.MerchantItemID] = true
	}
	var negative []CartItem
	for _, it := range items {
		price, _ := parseDecimal(it.UnitPrice)
		if price.Sign()*sign(it.Quantity) >= 0 {
			continue
		}
		if !known[it.MerchantItemID] {
			return 0, nil, errRefund(fmt.Sprintf("item %q is not in the order", it.MerchantItemID))
		}
		negative = append(negative, it)
	}
	if len(negative) == 0 {
		return 0, nil, errRefund("checkout_data has no refunded (negative) items")
	}
	totals, err := priceCart(negative, o.Tax, o.country(), o.Currency)
	if err != nil {
		return 0, nil, err
	}
	return -totals.Total, negative, nil
}

func sign(n int64) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// voidRefund cancels a refund that is still reserved.
func (o *Order) voidRefund(id int64, now time.Time) *Error {
	for i := range o.Refunds {
		rf := &o.Refunds[i]
		if rf.ID != id {
			continue
		}
		if st := rf.status(now); st != stReserved {
			return errRefund(fmt.Sprintf("refund %d is %s; only a reserved refund can be voided", id, st))
		}
		rf.Status, rf.Modified = stVoid, now
		o.AmountRefunded -= rf.Amount
		o.Status = o.refundedStatus()
		o.Modified = now
		return nil
	}
	return newError(http.StatusNotFound, 1006, "Invalid transaction ID: no refund %d on this order", id)
}

// createRefund is POST /orders/{order_id}/refunds.
func (m *MultiSafepay) createRefund(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var req refundRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	var rf *Refund
	_, err := m.change(r.Context(), tenant, platform.PathVar(r, "order_id"), func(tx *store.Tx, o *Order, now time.Time) (bool, error) {
		g, _ := m.cat.Gateway(o.Gateway)
		if g != nil && g.ShipBeforeRefund && o.Shipping == nil && o.Status == stCompleted {
			// Klarna and in3: ship first (the testing page).
			return false, errRefund("ship the order (PATCH status shipped) before refunding it")
		}
		id, err := m.newTransactionID(tx, false)
		if err != nil {
			return false, err
		}
		var rerr *Error
		if rf, rerr = o.refund(req, id, now); rerr != nil {
			return false, rerr
		}
		if g != nil && g.BNPL && o.FinancialStatus == stUncleared {
			// A BNPL refund settles the transaction: completed.
			o.FinancialStatus = stCompleted
		}
		return true, putPSP(tx, id, pspRef{OrderID: o.OrderID, Kind: "refund"})
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"order_id": rf.OrderID, "refund_id": rf.ID, "transaction_id": rf.ID})
}

// updateRefund is PATCH /orders/{order_id}/refunds/{refund_id} (status void).
func (m *MultiSafepay) updateRefund(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var req struct {
		Status      text `json:"status"`
		Description text `json:"description"`
	}
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	id, perr := strconv.ParseInt(platform.PathVar(r, "refund_id"), 10, 64)
	if perr != nil {
		writeError(w, newError(http.StatusNotFound, 1006, "Invalid transaction ID"))
		return
	}
	if st := strings.ToLower(req.Status.String()); st != stVoid {
		writeError(w, newError(http.StatusBadRequest, 1016, "Invalid data: status must be void"))
		return
	}
	_, err := m.change(r.Context(), tenant, platform.PathVar(r, "order_id"), func(_ *store.Tx, o *Order, now time.Time) (bool, error) {
		if verr := o.voidRefund(id, now); verr != nil {
			return false, verr
		}
		return true, nil
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, struct{}{})
}

// captureRequest is the body of POST /orders/{order_id}/capture.
type captureRequest struct {
	Amount         text `json:"amount"`
	NewOrderID     text `json:"new_order_id"`
	NewOrderStatus text `json:"new_order_status"`
	InvoiceID      text `json:"invoice_id"`
	TrackTraceCode text `json:"tracktrace_code"`
	Carrier        text `json:"carrier"`
	Reason         text `json:"reason"`
	Description    text `json:"description"`
}

// capture takes (part of) a manual-capture authorization. A full capture
// completes the order's transaction; a partial one is a new transaction with
// an order id of its own (new_order_id), returned as split, while the
// original keeps its statuses and the rest stays capturable or cancellable.
func (o *Order) capture(req captureRequest, id int64, now time.Time) (c *Capture, split *Order, err *Error) {
	if !o.authorizedForCapture() {
		return nil, nil, errUnknown(fmt.Sprintf("An order that is %s/%s has no authorization to capture", o.Status, o.FinancialStatus))
	}
	amount, good := parseMinor(req.Amount.String())
	if req.Amount.String() == "" {
		amount, good = o.CaptureRemain, true // the vendor's full-capture example names no amount
	}
	if !good || amount < 1 || amount > o.CaptureRemain {
		return nil, nil, errAmount(fmt.Sprintf("Invalid amount: the authorization has %d left to capture", o.CaptureRemain))
	}
	c = &Capture{TransactionID: id, OrderID: o.OrderID, Amount: amount, At: now}
	if amount == o.Amount && len(o.Captures) == 0 {
		o.FinancialStatus = stCompleted
	} else {
		c.OrderID = req.NewOrderID.String()
		if c.OrderID == "" {
			c.OrderID = fmt.Sprintf("%.40s-capture-%d", o.OrderID, len(o.Captures)+1)
		}
		split = &Order{
			OrderID: c.OrderID, TransactionID: id, Type: o.Type, Gateway: o.Gateway, GatewayName: o.GatewayName,
			Currency: o.Currency, Amount: amount, Description: o.Description, Vars: o.Vars, CustomInfo: o.CustomInfo,
			NotificationURL: o.NotificationURL, NotificationMethod: o.NotificationMethod, Customer: o.Customer,
			Delivery: o.Delivery, GatewayInfo: o.GatewayInfo, Created: now, ExternalID: o.ExternalID, CaptureOf: o.OrderID,
		}
		if d := strings.TrimSpace(string(req.Description)); d != "" {
			split.Description = d
		}
		split.setStatus(stCompleted, stCompleted, "", now)
	}
	o.Captures = append(o.Captures, *c)
	o.CaptureRemain -= amount
	o.Modified = now
	return c, split, nil
}

// cancelAuthorization releases what is left of a manual-capture
// authorization: the order becomes void (its partial captures live on as
// their own orders).
func (o *Order) cancelAuthorization(reason string, now time.Time) *Error {
	if !o.authorizedForCapture() {
		return errUnknown(fmt.Sprintf("An order that is %s/%s has no authorization to cancel", o.Status, o.FinancialStatus))
	}
	o.CaptureRemain = 0
	o.setStatus(stVoid, stVoid, reason, now)
	return nil
}

// captureOrder is POST /orders/{order_id}/capture.
func (m *MultiSafepay) captureOrder(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var req captureRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	var c *Capture
	_, err := m.change(r.Context(), tenant, platform.PathVar(r, "order_id"), func(tx *store.Tx, o *Order, now time.Time) (bool, error) {
		id, err := m.newTransactionID(tx, false)
		if err != nil {
			return false, err
		}
		var split *Order
		var cerr *Error
		c, split, cerr = o.capture(req, id, now)
		if cerr != nil {
			return false, cerr
		}
		if split == nil {
			return false, putPSP(tx, id, pspRef{OrderID: o.OrderID, Kind: "capture"})
		}
		if utf8.RuneCountInString(split.OrderID) > 50 {
			return false, errOrderIDInvalid("Invalid transaction ID: new_order_id is longer than 50 characters")
		}
		if err := orderIDFree(tx, split.OrderID); err != nil {
			return false, err
		}
		if err := putPSP(tx, id, pspRef{OrderID: split.OrderID, Kind: "payment"}); err != nil {
			return false, err
		}
		if err := m.notify(tx, split, now); err != nil {
			return false, err
		}
		return false, save(tx, split)
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"transaction_id": c.TransactionID, "order_id": c.OrderID})
}

// cancelCapture is PATCH /capture/{order_id} {status: cancelled}.
func (m *MultiSafepay) cancelCapture(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var req struct {
		Status text `json:"status"`
		Reason text `json:"reason"`
	}
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if !strings.EqualFold(req.Status.String(), stCancelled) {
		writeError(w, newError(http.StatusBadRequest, 1016, "Invalid data: status must be cancelled"))
		return
	}
	_, err := m.change(r.Context(), tenant, platform.PathVar(r, "order_id"), func(_ *store.Tx, o *Order, now time.Time) (bool, error) {
		if cerr := o.cancelAuthorization(req.Reason.String(), now); cerr != nil {
			return false, cerr
		}
		return false, nil
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, struct{}{})
}
