package multisafepay

import (
	"time"
)

// Order statuses (status) and transaction statuses (financial_status).
const (
	stInitialized     = "initialized"
	stCompleted       = "completed"
	stUncleared       = "uncleared"
	stDeclined        = "declined"
	stCancelled       = "cancelled"
	stVoid            = "void"
	stExpired         = "expired"
	stRefunded        = "refunded"
	stPartialRefunded = "partial_refunded"
	stReserved        = "reserved"
	stShipped         = "shipped"
	stChargeback      = "chargeback"
)

// Order types.
const (
	typeRedirect    = "redirect"
	typeDirect      = "direct"
	typePaymentLink = "paymentlink"
	typeCheckout    = "checkout" // FastCheckout: answered like a redirect
)

// Outcomes a person (or a test) picks on the payment page.
const (
	outcomeCompleted = "completed"
	outcomeUncleared = "uncleared"
	outcomeDeclined  = "declined"
	outcomeCancelled = "cancelled"
	outcomeExpired   = "expired"
)

var outcomes = []string{outcomeCompleted, outcomeUncleared, outcomeDeclined, outcomeCancelled, outcomeExpired}

// Order is a MultiSafepay order (one payment transaction) as stored.
type Order struct {
	OrderID            string            `json:"order_id"`
	TransactionID      int64             `json:"transaction_id"`
	Type               string            `json:"type"`
	Gateway            string            `json:"gateway,omitempty"` // "" until the customer picks one
	GatewayName        string            `json:"gateway_name,omitempty"`
	Currency           string            `json:"currency"`
	Amount             int64             `json:"amount"`
	AmountRefunded     int64             `json:"amount_refunded"`
	Description        string            `json:"description"`
	Vars               [3]string         `json:"vars"`
	Items              string            `json:"items,omitempty"`
	CustomInfo         [3]string         `json:"custom_info"`
	NotificationURL    string            `json:"notification_url,omitempty"`
	NotificationMethod string            `json:"notification_method,omitempty"`
	RedirectURL        string            `json:"redirect_url,omitempty"`
	CancelURL          string            `json:"cancel_url,omitempty"`
	Customer           Address           `json:"customer"`
	Delivery           *Address          `json:"delivery,omitempty"`
	GatewayInfo        map[string]string `json:"gateway_info,omitempty"`
	Cart               []CartItem        `json:"cart,omitempty"`
	Tax                *TaxTables        `json:"tax,omitempty"`
	Totals             *CartTotals       `json:"totals,omitempty"`
	Status             string            `json:"status"`
	FinancialStatus    string            `json:"financial_status"`
	Reason             string            `json:"reason,omitempty"`
	Created            time.Time         `json:"created"`
	Modified           time.Time         `json:"modified"`
	Completed          *time.Time        `json:"completed,omitempty"`
	SessionID          string            `json:"session_id"`
	PaymentURL         string            `json:"payment_url"`
	ExternalID         string            `json:"external_id"`
	// ExpiresAt is when an unfinished transaction expires.
	ExpiresAt time.Time `json:"expires_at"`
	// Pending is a test outcome that settles later (cards, direct debit).
	Pending *Transition `json:"pending,omitempty"`
	// ShipBy is when an authorized, unshipped Klarna order expires;
	// ShipLimit caps extend_expiration.
	ShipBy        time.Time     `json:"ship_by,omitempty"`
	ShipLimit     time.Time     `json:"ship_limit,omitempty"`
	ShipExtension time.Duration `json:"ship_extension,omitempty"`
	Shipping      *Shipping     `json:"shipping,omitempty"`
	// Manual capture of card payments.
	ManualCapture      bool      `json:"manual_capture,omitempty"`
	CaptureExpiry      time.Time `json:"capture_expiry,omitempty"`
	CaptureRemain      int64     `json:"capture_remain,omitempty"`
	Captures           []Capture `json:"captures,omitempty"`
	Refunds            []Refund  `json:"refunds,omitempty"`
	StatusBeforeRefund string    `json:"status_before_refund,omitempty"`
	ExcludeOrder       bool      `json:"exclude_order,omitempty"`
	// Recurring payments: the model, and the token used or left behind.
	RecurringModel string `json:"recurring_model,omitempty"`
	RecurringID    string `json:"recurring_id,omitempty"`
	RecurringFlow  string `json:"recurring_flow,omitempty"`
	// CaptureOf names the manual-capture order a partial capture took from.
	CaptureOf string `json:"capture_of,omitempty"`
	// Chargeback is the chargeback transaction of a disputed payment.
	Chargeback *Refund `json:"chargeback,omitempty"`
}

// Transition is a status change due at a time.
type Transition struct {
	At        time.Time `json:"at"`
	Status    string    `json:"status"`
	Financial string    `json:"financial"`
	Reason    string    `json:"reason,omitempty"`
	// Next follows this one (test data with two timed steps).
	Next *Transition `json:"next,omitempty"`
}

// Shipping is what the merchant told on PATCH status shipped.
type Shipping struct {
	TrackTraceCode string     `json:"tracktrace_code,omitempty"`
	TrackTraceURL  string     `json:"tracktrace_url,omitempty"`
	Carrier        string     `json:"carrier,omitempty"`
	ShipDate       string     `json:"ship_date,omitempty"`
	InvoiceID      string     `json:"invoice_id,omitempty"`
	InvoiceURL     string     `json:"invoice_url,omitempty"`
	PONumber       string     `json:"po_number,omitempty"`
	Reason         string     `json:"reason,omitempty"`
	At             time.Time  `json:"at"`
	Shipments      []Shipment `json:"shipments,omitempty"`
}

// Shipment is a partial shipment with its own transaction id.
type Shipment struct {
	TransactionID int64     `json:"transaction_id"`
	Amount        int64     `json:"amount"`
	At            time.Time `json:"at"`
}

// Capture is a (partial) capture of a manual-capture authorization.
type Capture struct {
	TransactionID int64     `json:"transaction_id"`
	OrderID       string    `json:"order_id"`
	Amount        int64     `json:"amount"`
	At            time.Time `json:"at"`
}

// Refund is a refund of an order; its ID is also its transaction id.
type Refund struct {
	ID          int64      `json:"id"`
	OrderID     string     `json:"order_id"`
	Amount      int64      `json:"amount"`
	Currency    string     `json:"currency"`
	Description string     `json:"description,omitempty"`
	Vars        [3]string  `json:"vars"`
	Status      string     `json:"status"` // reserved, completed, void
	Created     time.Time  `json:"created"`
	ProcessAt   time.Time  `json:"process_at"` // reserved until then
	Modified    time.Time  `json:"modified"`
	Items       []CartItem `json:"items,omitempty"`
}

// refundProcessAt: a refund stays reserved (and can be voided) until
// midnight, Amsterdam time, of the day it was made on the tenant's virtual
// clock; then it is processed (the vendor's refunds page).
func refundProcessAt(now time.Time) time.Time {
	t := now.In(amsterdam)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, amsterdam)
}

// refundStatus is the refund's status at now: reserved refunds are processed
// once their time comes (computed on read, nothing to notify).
func (r *Refund) status(now time.Time) string {
	if r.Status == stReserved && !now.Before(r.ProcessAt) {
		return stCompleted
	}
	return r.Status
}

func (r *Refund) modified(now time.Time) time.Time {
	if r.Status == stReserved && !now.Before(r.ProcessAt) {
		return r.ProcessAt
	}
	return r.Modified
}

// setStatus changes the status pair at time at.
func (o *Order) setStatus(status, financial, reason string, at time.Time) {
	o.Status, o.FinancialStatus, o.Reason = status, financial, reason
	o.Modified = at
	if status == stCompleted && o.Completed == nil {
		c := at
		o.Completed = &c
	}
}

// next is the timed transition the order waits for, if any: a pending test
// outcome, expiry of an unfinished transaction, expiry of an unshipped
// Klarna authorization, expiry of a manual-capture authorization.
func (o *Order) next() *Transition {
	switch {
	case o.Pending != nil:
		return o.Pending
	case o.Status == stInitialized && !o.ExpiresAt.IsZero():
		return &Transition{At: o.ExpiresAt, Status: stExpired, Financial: stExpired}
	case o.Status == stCompleted && !o.ShipBy.IsZero() && o.Shipping == nil:
		return &Transition{At: o.ShipBy, Status: stExpired, Financial: stExpired, Reason: "not shipped in time"}
	case o.authorizedForCapture() && !o.CaptureExpiry.IsZero():
		return &Transition{At: o.CaptureExpiry, Status: stVoid, Financial: stVoid, Reason: "authorization expired"}
	}
	return nil
}

// authorizedForCapture: a manual-capture card payment waiting for captures
// (merchants capture when they ship, so a shipped order still counts).
func (o *Order) authorizedForCapture() bool {
	return o.ManualCapture && (o.Status == stCompleted || o.Status == stShipped) && o.CaptureRemain > 0
}

// settle applies every transition due at now, in order, calling changed
// after each. Reads call it on a copy (expiry is computed lazily from the
// stored deadlines); writes and the scheduler persist the result.
func (o *Order) settle(now time.Time, changed func()) {
	for i := 0; i < 10; i++ {
		t := o.next()
		if t == nil || now.Before(t.At) {
			return
		}
		if t == o.Pending {
			o.Pending = t.Next
		}
		o.setStatus(t.Status, t.Financial, t.Reason, t.At)
		if changed != nil {
			changed()
		}
	}
}

// finish applies the customer's outcome (payment page or direct test data).
func (o *Order) finish(g *Gateway, outcome, reason string, at time.Time) {
	switch outcome {
	case outcomeCompleted:
		switch {
		case g.BNPL:
			// Authorized: the money is not collected until shipment
			// (E-Invoicing and Pay After Delivery: uncleared/uncleared).
			st := stCompleted
			if g.Authorized != "" {
				st = g.Authorized
			}
			o.setStatus(st, stUncleared, "", at)
			if g.ShipWindow > 0 {
				o.ShipBy, o.ShipLimit, o.ShipExtension = at.Add(g.ShipWindow), at.Add(g.ShipWindowMax), g.ShipExtension
			}
		case o.ManualCapture && g.Card:
			o.setStatus(stCompleted, stInitialized, "", at)
			o.CaptureRemain = o.Amount
			if g.CaptureExpiry > 0 {
				o.CaptureExpiry = at.Add(g.CaptureExpiry)
			}
		case g != nil && g.PaidFinancial != "":
			// MultiSafepay does not collect the money itself (PayPal, Alipay, Amazon Pay).
			o.setStatus(stCompleted, g.PaidFinancial, "", at)
		default:
			o.setStatus(stCompleted, stCompleted, "", at)
		}
	case outcomeUncleared:
		o.setStatus(stUncleared, stUncleared, reason, at)
	case outcomeDeclined:
		o.setStatus(stDeclined, stDeclined, reason, at)
	case outcomeCancelled:
		if g != nil && g.Cancelled == stDeclined {
			o.setStatus(stDeclined, stDeclined, reason, at)
		} else if g != nil && g.BNPL {
			o.setStatus(stVoid, stVoid, reason, at)
		} else {
			o.setStatus(stVoid, stCancelled, reason, at)
		}
	case outcomeExpired:
		o.setStatus(stExpired, stExpired, reason, at)
	}
}

// refundable tells whether money can go back to the customer.
func (o *Order) refundable() bool {
	switch o.Status {
	case stCompleted, stShipped, stPartialRefunded:
		return !o.ManualCapture || o.FinancialStatus == stCompleted
	}
	return false
}

// refundedStatus recomputes the status after refunds change.
func (o *Order) refundedStatus() string {
	switch {
	case o.AmountRefunded <= 0:
		return o.StatusBeforeRefund
	case o.AmountRefunded >= o.Amount:
		return stRefunded
	}
	return stPartialRefunded
}
