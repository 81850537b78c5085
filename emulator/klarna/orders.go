package klarna

import (
	"fmt"
	"net/http"
	"time"
)

// The Order Management order: its state machine and amounts, as plain Go.
// Handlers and the Go API load an orderRecord, call one of these methods with
// the tenant's time and save it.

// Order statuses.
const (
	StatusAuthorized   = "AUTHORIZED"
	StatusPartCaptured = "PART_CAPTURED"
	StatusCaptured     = "CAPTURED"
	StatusCancelled    = "CANCELLED"
	StatusExpired      = "EXPIRED"
	StatusClosed       = "CLOSED"
)

// InitialPaymentMethod is how the customer chose to pay.
type InitialPaymentMethod struct {
	Type                 string `json:"type"`
	Description          string `json:"description,omitempty"`
	NumberOfInstallments int64  `json:"number_of_installments,omitempty"`
}

// Order is an order as Order Management returns it.
type Order struct {
	OrderID                   string                `json:"order_id"`
	Status                    string                `json:"status"`
	FraudStatus               string                `json:"fraud_status"`
	OrderAmount               int64                 `json:"order_amount"`
	OriginalOrderAmount       int64                 `json:"original_order_amount"`
	CapturedAmount            int64                 `json:"captured_amount"`
	RefundedAmount            int64                 `json:"refunded_amount"`
	RemainingAuthorizedAmount int64                 `json:"remaining_authorized_amount"`
	PurchaseCountry           string                `json:"purchase_country"`
	PurchaseCurrency          string                `json:"purchase_currency"`
	Locale                    string                `json:"locale"`
	OrderLines                []OrderLine           `json:"order_lines"`
	MerchantReference1        string                `json:"merchant_reference1,omitempty"`
	MerchantReference2        string                `json:"merchant_reference2,omitempty"`
	MerchantData              string                `json:"merchant_data,omitempty"`
	KlarnaReference           string                `json:"klarna_reference"`
	CreatedAt                 time.Time             `json:"created_at"`
	ExpiresAt                 time.Time             `json:"expires_at"`
	BillingAddress            *Address              `json:"billing_address,omitempty"`
	ShippingAddress           *Address              `json:"shipping_address,omitempty"`
	Customer                  *Customer             `json:"customer,omitempty"`
	InitialPaymentMethod      *InitialPaymentMethod `json:"initial_payment_method,omitempty"`
	Captures                  []Capture             `json:"captures"`
	Refunds                   []Refund              `json:"refunds"`
	ShippingInfo              []ShippingInfo        `json:"shipping_info"`
}

// orderRecord is a stored order. Status holds AUTHORIZED, PART_CAPTURED,
// CAPTURED, CANCELLED or CLOSED; EXPIRED (and CLOSED by expiry) are computed
// on read from ExpiresAt, so a clock jump shows at once.
type orderRecord struct {
	Order
	// PaymentMethod is what create order reported as authorized_payment_method.
	PaymentMethod AuthorizedPaymentMethod `json:"payment_method"`
	AutoCapture   bool                    `json:"auto_capture,omitempty"`
	Acknowledged  bool                    `json:"acknowledged,omitempty"`
	// Review is the fraud decision (ACCEPTED or REJECTED) a PENDING order waits for.
	Review          string        `json:"review,omitempty"`
	SessionID       string        `json:"session_id,omitempty"`
	CustomerTokenID string        `json:"customer_token_id,omitempty"`
	MerchantURLs    *MerchantURLs `json:"merchant_urls,omitempty"`
}

// status is the order's status at now.
func (o *orderRecord) status(now time.Time) string {
	if (o.Status == StatusAuthorized || o.Status == StatusPartCaptured) && !now.Before(o.ExpiresAt) {
		if o.CapturedAmount > 0 {
			return StatusClosed // the rest of the authorization lapsed
		}
		return StatusExpired
	}
	return o.Status
}

// remaining is what may still be captured at now.
func (o *orderRecord) remaining(now time.Time) int64 {
	switch o.status(now) {
	case StatusAuthorized, StatusPartCaptured:
		return o.OrderAmount - o.CapturedAmount
	}
	return 0
}

// view is the order as Order Management shows it at now.
func (o *orderRecord) view(now time.Time) Order {
	v := o.Order
	v.Status = o.status(now)
	v.RemainingAuthorizedAmount = o.remaining(now)
	v.OrderLines = nonNil(v.OrderLines)
	v.Captures = make([]Capture, len(o.Captures))
	for i, c := range o.Captures {
		c.OrderLines, c.ShippingInfo = nonNil(c.OrderLines), nonNil(c.ShippingInfo)
		v.Captures[i] = c
	}
	v.Refunds = make([]Refund, len(o.Refunds))
	for i, r := range o.Refunds {
		r.OrderLines = nonNil(r.OrderLines)
		v.Refunds[i] = r
	}
	v.ShippingInfo = nonNil(v.ShippingInfo)
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func notAllowed(code, format string, args ...any) *Error {
	return newError(http.StatusForbidden, code, fmt.Sprintf(format, args...))
}

// statusWord is how messages name a status ("cancelled").
func statusWord(s string) string {
	switch s {
	case StatusCancelled:
		return "cancelled"
	case StatusExpired:
		return "expired"
	case StatusClosed:
		return "closed"
	case StatusCaptured:
		return "fully captured"
	}
	return s
}

// capture takes in.CapturedAmount of the remaining authorization.
func (o *orderRecord) capture(now time.Time, id string, in CaptureRequest) (Capture, error) {
	if in.CapturedAmount <= 0 {
		return Capture{}, badValue("captured_amount")
	}
	if len(in.OrderLines) > 0 && sumTotals(in.OrderLines) != in.CapturedAmount {
		return Capture{}, badValue("order_lines")
	}
	switch st := o.status(now); {
	case st != StatusAuthorized && st != StatusPartCaptured:
		return Capture{}, notAllowed("CAPTURE_NOT_ALLOWED", "Order is %s. Capture not possible.", statusWord(st))
	case o.FraudStatus != FraudAccepted:
		return Capture{}, notAllowed("CAPTURE_NOT_ALLOWED", "Order fraud status is %s. Capture not possible.", o.FraudStatus)
	case in.CapturedAmount > o.remaining(now):
		return Capture{}, notAllowed("CAPTURE_NOT_ALLOWED", "Captured amount is higher than the remaining authorized amount.")
	}
	c := Capture{
		CaptureID: id, KlarnaReference: fmt.Sprintf("%s-%d", o.KlarnaReference, len(o.Captures)+1),
		CapturedAmount: in.CapturedAmount, CapturedAt: now, Description: in.Description, Reference: in.Reference,
		OrderLines: in.OrderLines, BillingAddress: o.BillingAddress, ShippingAddress: o.ShippingAddress,
		ShippingInfo: in.ShippingInfo,
	}
	o.Captures = append(o.Captures, c)
	o.CapturedAmount += c.CapturedAmount
	o.Status = StatusPartCaptured
	if o.CapturedAmount == o.OrderAmount {
		o.Status = StatusCaptured
	}
	return c, nil
}

// refund gives back part of what was captured, oldest capture first.
func (o *orderRecord) refund(now time.Time, id string, in RefundRequest) (Refund, error) {
	if in.RefundedAmount <= 0 {
		return Refund{}, badValue("refunded_amount")
	}
	if len(in.OrderLines) > 0 && sumTotals(in.OrderLines) != in.RefundedAmount {
		return Refund{}, badValue("order_lines")
	}
	switch {
	case o.CapturedAmount == 0:
		return Refund{}, notAllowed("REFUND_NOT_ALLOWED", "Order has no captures")
	case in.RefundedAmount > o.CapturedAmount-o.RefundedAmount:
		return Refund{}, notAllowed("REFUND_NOT_ALLOWED", "Over refund is not allowed")
	}
	left := in.RefundedAmount
	for i := range o.Captures {
		c := &o.Captures[i]
		take := min(left, c.CapturedAmount-c.RefundedAmount)
		c.RefundedAmount += take
		left -= take
	}
	r := Refund{RefundID: id, RefundedAmount: in.RefundedAmount, RefundedAt: now, Description: in.Description, Reference: in.Reference, OrderLines: in.OrderLines}
	o.Refunds = append(o.Refunds, r)
	o.RefundedAmount += r.RefundedAmount
	return r, nil
}

func sumTotals(lines []OrderLine) int64 {
	var s int64
	for _, l := range lines {
		s += l.TotalAmount
	}
	return s
}

// cancel voids an order nothing was captured from.
func (o *orderRecord) cancel(now time.Time) error {
	switch st := o.status(now); st {
	case StatusAuthorized:
		o.Status = StatusCancelled
		return nil
	case StatusPartCaptured, StatusCaptured, StatusClosed:
		return notAllowed("CANCEL_NOT_ALLOWED", "Order has previous captures. Cancel not possible")
	default:
		return notAllowed("CANCEL_NOT_ALLOWED", "Order is %s. Cancel not possible", statusWord(st))
	}
}

// UpdateAuthorizationRequest is PATCH /authorization.
type UpdateAuthorizationRequest struct {
	OrderAmount int64       `json:"order_amount"`
	OrderLines  []OrderLine `json:"order_lines,omitempty"`
	Description string      `json:"description,omitempty"`
}

// updateAuthorization sets a new order amount (and cart).
func (o *orderRecord) updateAuthorization(now time.Time, in UpdateAuthorizationRequest) error {
	if in.OrderAmount < 0 {
		return badValue("order_amount")
	}
	if len(in.OrderLines) > 0 {
		bad, total, _, _ := lineArithmetic(o.PurchaseCountry, in.OrderLines)
		if len(bad) == 0 && total != in.OrderAmount {
			bad = []string{"order_amount"}
		}
		if len(bad) > 0 {
			return badValue(bad...)
		}
	}
	switch st := o.status(now); {
	case st != StatusAuthorized && st != StatusPartCaptured:
		return notAllowed("NOT_ALLOWED", "Order is %s. The authorization cannot be updated.", statusWord(st))
	case in.OrderAmount < o.CapturedAmount:
		return notAllowed("NOT_ALLOWED", "The new order amount is lower than the captured amount.")
	}
	o.OrderAmount = in.OrderAmount
	if len(in.OrderLines) > 0 {
		o.OrderLines = in.OrderLines
	}
	if o.CapturedAmount > 0 && o.CapturedAmount == o.OrderAmount {
		o.Status = StatusCaptured
	}
	return nil
}

// extendAuthorization pushes the expiry to the account's authorization time
// (28 days) from the day of the call, at most 180 days after the order was
// placed. Counting from the day, not the instant, makes two calls on one day
// give the same expiry.
func (o *orderRecord) extendAuthorization(now time.Time) error {
	if st := o.status(now); st != StatusAuthorized && st != StatusPartCaptured {
		return notAllowed("NOT_ALLOWED", "Order is %s. Authorization time cannot be extended.", statusWord(st))
	}
	day := now.UTC().Truncate(24 * time.Hour)
	sinceMidnight := o.CreatedAt.Sub(o.CreatedAt.UTC().Truncate(24 * time.Hour))
	next := day.Add(sinceMidnight).Add(orderAuthLifetime)
	if limit := o.CreatedAt.Add(maxAuthLifetime); next.After(limit) {
		next = limit
	}
	if next.After(o.ExpiresAt) {
		o.ExpiresAt = next
	}
	return nil
}

// releaseRemaining gives up what is left of the authorization.
func (o *orderRecord) releaseRemaining(now time.Time) error {
	switch st := o.status(now); st {
	case StatusPartCaptured:
		o.Status = StatusClosed
	case StatusAuthorized:
		o.Status = StatusCancelled // nothing captured: releasing all of it voids the order
	case StatusCaptured:
		return notAllowed("NOT_ALLOWED", "Order is fully captured. Remaining authorization cannot be released.")
	default:
		return notAllowed("NOT_ALLOWED", "Order is %s. Remaining authorization cannot be released.", statusWord(st))
	}
	return nil
}

// CustomerDetails is PATCH /customer-details.
type CustomerDetails struct {
	ShippingAddress *Address `json:"shipping_address,omitempty"`
	BillingAddress  *Address `json:"billing_address,omitempty"`
}

func (o *orderRecord) updateCustomerDetails(now time.Time, in CustomerDetails) error {
	if st := o.status(now); st == StatusCancelled || st == StatusExpired {
		return notAllowed("NOT_ALLOWED", "Order is %s. Customer details cannot be updated.", statusWord(st))
	}
	if in.ShippingAddress != nil {
		o.ShippingAddress = in.ShippingAddress
	}
	if in.BillingAddress != nil {
		o.BillingAddress = in.BillingAddress
	}
	return nil
}

// MerchantReferences is PATCH /merchant-references.
type MerchantReferences struct {
	MerchantReference1 *string `json:"merchant_reference1,omitempty"`
	MerchantReference2 *string `json:"merchant_reference2,omitempty"`
}

func (o *orderRecord) updateMerchantReferences(now time.Time, in MerchantReferences) error {
	if st := o.status(now); st == StatusCancelled {
		return notAllowed("NOT_ALLOWED", "Order is cancelled. Merchant references cannot be updated.")
	}
	if in.MerchantReference1 != nil {
		o.MerchantReference1 = *in.MerchantReference1
	}
	if in.MerchantReference2 != nil {
		o.MerchantReference2 = *in.MerchantReference2
	}
	return nil
}

// findCapture returns the capture with id.
func (o *orderRecord) findCapture(id string) (*Capture, error) {
	for i := range o.Captures {
		if o.Captures[i].CaptureID == id {
			return &o.Captures[i], nil
		}
	}
	return nil, errNoSuchCapture
}

// DueDateOption is one way to postpone a capture's payment due date.
type DueDateOption struct {
	NumberOfDays int64 `json:"number_of_days"`
	Amount       int64 `json:"amount"`
}

// DueDateOptions answers GET /captures/{id}/extend-due-date-options.
type DueDateOptions struct {
	Currency string          `json:"currency"`
	Options  []DueDateOption `json:"options"`
}

// dueDateOptions are what extending a capture's due date costs the merchant
// (UNCONFIRMED amounts: a flat fee per week, in minor units).
func (o *orderRecord) dueDateOptions() DueDateOptions {
	opts := DueDateOptions{Currency: o.PurchaseCurrency}
	for _, days := range []int64{7, 14, 21, 28} {
		opts.Options = append(opts.Options, DueDateOption{NumberOfDays: days, Amount: days / 7 * 295})
	}
	return opts
}
