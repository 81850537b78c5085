package commercelayer

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// ---- Money ----------------------------------------------------------------

// currencyFormat is how Commerce Layer formats a currency's amounts
// ("€57,00", "$1,234.56").
type currencyFormat struct {
	Symbol    string
	Exponent  int
	Decimal   string
	Thousands string
	After     bool // symbol after the number ("57,00 kr")
}

var currencyFormats = map[string]currencyFormat{
	"EUR": {"€", 2, ",", ".", false},
	"USD": {"$", 2, ".", ",", false},
	"GBP": {"£", 2, ".", ",", false},
	"CHF": {"CHF ", 2, ".", "'", false},
	"SEK": {" kr", 2, ",", " ", true},
	"NOK": {" kr", 2, ",", " ", true},
	"DKK": {" kr.", 2, ",", ".", true},
	"PLN": {" zł", 2, ",", " ", true},
	"AUD": {"$", 2, ".", ",", false},
	"CAD": {"$", 2, ".", ",", false},
	"JPY": {"¥", 0, "", ",", false},
}

func formatOf(code string) currencyFormat {
	if f, ok := currencyFormats[strings.ToUpper(code)]; ok {
		return f
	}
	return currencyFormat{strings.ToUpper(code) + " ", 2, ".", ",", false}
}

// FormatAmount is the formatted_ form of an amount in minor units.
func FormatAmount(cents int64, code string) string {
	f := formatOf(code)
	neg := cents < 0
	if neg {
		cents = -cents
	}
	unit := int64(1)
	for i := 0; i < f.Exponent; i++ {
		unit *= 10
	}
	whole := strconv.FormatInt(cents/unit, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(f.Thousands)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if f.Exponent > 0 {
		frac := strconv.FormatInt(cents%unit, 10)
		num += f.Decimal + strings.Repeat("0", f.Exponent-len(frac)) + frac
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if f.After {
		return sign + num + f.Symbol
	}
	return sign + f.Symbol + num
}

// AmountFloat is the _float form of an amount in minor units.
func AmountFloat(cents int64, code string) float64 {
	f := formatOf(code)
	unit := 1.0
	for i := 0; i < f.Exponent; i++ {
		unit *= 10
	}
	return float64(cents) / unit // one division: the nearest float to the decimal
}

// putAmount writes the triple <base>_cents, <base>_float, formatted_<base>.
func putAmount(attrs map[string]any, base string, cents int64, code string) {
	attrs[base+"_cents"] = cents
	attrs[base+"_float"] = AmountFloat(cents, code)
	attrs["formatted_"+base] = FormatAmount(cents, code)
}

// ---- Order amounts --------------------------------------------------------

// Line item types.
const (
	itemSkus           = "skus"
	itemShipments      = "shipments"
	itemPaymentMethods = "payment_methods"
)

// TaxPolicy is how an order is taxed: one rate (basis points, 2200 = 22%)
// for the order's country, prices with or without tax.
type TaxPolicy struct {
	RateBP        int64
	Included      bool
	Freight       bool // shipping costs are taxed
	PaymentMethod bool // payment method costs are taxed
}

// AmountLine is a line item as the arithmetic sees it.
type AmountLine struct {
	Type      string
	Quantity  int64
	UnitCents int64
}

// LineAmounts are a line's computed amounts.
type LineAmounts struct {
	Total, Tax, Taxable int64
}

// Totals are an order's computed amounts, in minor units.
type Totals struct {
	Subtotal, Shipping, PaymentMethod, Discount, Adjustment, GiftCard int64
	SubtotalTax, ShippingTax, PaymentMethodTax, TotalTax              int64
	SubtotalTaxable, ShippingTaxable, PaymentMethodTaxable            int64
	TotalTaxable, Total, TotalWithTaxes                               int64
	SkusCount                                                         int64
	Lines                                                             []LineAmounts
}

// ComputeTotals adds up an order: subtotal (SKU lines), shipping, payment
// method cost and taxes, per line. With tax-inclusive prices a line's tax is
// the part of its total above total/(1+rate); otherwise it is total*rate on
// top, and the total with taxes grows by it.
func ComputeTotals(lines []AmountLine, tax TaxPolicy) Totals {
	var t Totals
	for _, l := range lines {
		total := l.Quantity * l.UnitCents
		taxed := tax.RateBP > 0 &&
			(l.Type == itemSkus || (l.Type == itemShipments && tax.Freight) || (l.Type == itemPaymentMethods && tax.PaymentMethod))
		la := LineAmounts{Total: total, Taxable: total}
		if taxed {
			if tax.Included {
				la.Tax = total - roundDiv(total*10000, 10000+tax.RateBP)
				la.Taxable = total - la.Tax
			} else {
				la.Tax = roundDiv(total*tax.RateBP, 10000)
			}
		}
		t.Lines = append(t.Lines, la)
		switch l.Type {
		case itemSkus:
			t.Subtotal += total
			t.SubtotalTax += la.Tax
			t.SubtotalTaxable += la.Taxable
			t.SkusCount += l.Quantity
		case itemShipments:
			t.Shipping += total
			t.ShippingTax += la.Tax
			t.ShippingTaxable += la.Taxable
		case itemPaymentMethods:
			t.PaymentMethod += total
			t.PaymentMethodTax += la.Tax
			t.PaymentMethodTaxable += la.Taxable
		}
	}
	t.TotalTax = t.SubtotalTax + t.ShippingTax + t.PaymentMethodTax
	t.TotalTaxable = t.SubtotalTaxable + t.ShippingTaxable + t.PaymentMethodTaxable
	t.Total = t.Subtotal + t.Shipping + t.PaymentMethod + t.Discount + t.Adjustment - t.GiftCard
	t.TotalWithTaxes = t.Total
	if !tax.Included {
		t.TotalWithTaxes += t.TotalTax
	}
	return t
}

// roundDiv divides rounding half away from zero (for non-negative a).
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}

// ---- Order state machine --------------------------------------------------

// Order statuses.
const (
	statusDraft     = "draft"
	statusPending   = "pending"
	statusPlaced    = "placed"
	statusApproved  = "approved"
	statusCancelled = "cancelled"
)

// Payment statuses.
const (
	payUnpaid            = "unpaid"
	payAuthorized        = "authorized"
	payPaid              = "paid"
	payPartiallyPaid     = "partially_paid"
	payVoided            = "voided"
	payRefunded          = "refunded"
	payPartiallyRefunded = "partially_refunded"
	payFree              = "free"
)

// Fulfillment statuses.
const (
	fulfillUnfulfilled = "unfulfilled"
	fulfillInProgress  = "in_progress"
	fulfillNotRequired = "not_required"
)

// Order events.
const (
	evPlace          = "place"
	evApprove        = "approve"
	evCancel         = "cancel"
	evCapture        = "capture"
	evPartialCapture = "partial_capture"
	evRefund         = "refund"
	evPartialRefund  = "partial_refund"
	evVoid           = "void"
)

// OrderState is the three statuses of an order.
type OrderState struct {
	Status, Payment, Fulfillment string
}

func in(s string, set ...string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// Next applies an event. free tells a place of a zero-total order.
func (s OrderState) Next(event string, free bool) (OrderState, error) {
	n := s
	ok := false
	switch event {
	case evPlace:
		if ok = in(s.Status, statusDraft, statusPending); ok {
			n.Status, n.Payment = statusPlaced, payAuthorized
			if free {
				n.Payment = payFree
			}
		}
	case evApprove:
		if ok = s.Status == statusPlaced; ok {
			n.Status = statusApproved
			if s.Fulfillment == fulfillUnfulfilled {
				n.Fulfillment = fulfillInProgress
			}
		}
	case evCancel:
		if ok = in(s.Status, statusPlaced, statusApproved) && in(s.Payment, payAuthorized, payFree, payUnpaid, payVoided); ok {
			n.Status = statusCancelled
			if s.Payment == payAuthorized {
				n.Payment = payVoided
			}
		}
	case evCapture, evPartialCapture:
		if ok = in(s.Status, statusPlaced, statusApproved) && in(s.Payment, payAuthorized, payPartiallyPaid); ok {
			n.Status, n.Payment = statusApproved, payPaid
			if event == evPartialCapture {
				n.Payment = payPartiallyPaid
			}
			if s.Fulfillment == fulfillUnfulfilled {
				n.Fulfillment = fulfillInProgress
			}
		}
	case evRefund:
		if ok = in(s.Payment, payPaid, payPartiallyPaid, payPartiallyRefunded); ok {
			n.Status, n.Payment = statusCancelled, payRefunded
		}
	case evPartialRefund:
		if ok = in(s.Payment, payPaid, payPartiallyPaid, payPartiallyRefunded); ok {
			n.Payment = payPartiallyRefunded
		}
	case evVoid:
		if ok = in(s.Status, statusPlaced, statusApproved) && s.Payment == payAuthorized; ok {
			n.Payment = payVoided
		}
	}
	if !ok {
		e := jsonapi.Validation(jsonapi.AttributePointer("status"), "status", "Transition is not permitted", "invalid_transition")
		e.Meta["from"], e.Meta["event"] = s.Status, event
		return s, e
	}
	return n, nil
}

// Editable tells whether line items, addresses and payment can still change.
func (s OrderState) Editable() bool { return in(s.Status, statusDraft, statusPending) }

// settle is the automatic draft <-> pending move: an order is pending once it
// has a customer and something to buy.
func (s OrderState) settle(hasCustomer bool, skus int64) OrderState {
	if !s.Editable() {
		return s
	}
	if hasCustomer && skus > 0 {
		s.Status = statusPending
	} else {
		s.Status = statusDraft
	}
	return s
}

// ---- Place preconditions --------------------------------------------------

// PlaceCheck is what placing an order depends on.
type PlaceCheck struct {
	CustomerEmail        string
	SkusCount            int64
	HasBillingAddress    bool
	HasShippingAddress   bool
	NeedsShipping        bool // some line item ships
	ShipmentsWithoutRate int  // shipments with no shipping method
	Total                int64
	HasPaymentMethod     bool
	HasPaymentSource     bool
	MismatchedAmounts    bool
	SourceApproved       bool // the payment source can be executed (e.g. a Klarna auth_token)
}

// PlaceErrors lists why an order cannot be placed (nil when it can), as
// Commerce Layer's 422 validation errors.
func PlaceErrors(c PlaceCheck) error {
	var errs jsonapi.Errors
	blank := func(ptr, field string) {
		errs = append(errs, jsonapi.Validation(ptr, field, "can't be blank", "blank"))
	}
	if c.SkusCount == 0 {
		blank(jsonapi.RelationshipPointer("line_items"), "line_items")
	}
	if strings.TrimSpace(c.CustomerEmail) == "" {
		blank(jsonapi.AttributePointer("customer_email"), "customer_email")
	}
	if !c.HasBillingAddress {
		blank(jsonapi.RelationshipPointer("billing_address"), "billing_address")
	}
	if c.NeedsShipping && !c.HasShippingAddress {
		blank(jsonapi.RelationshipPointer("shipping_address"), "shipping_address")
	}
	if c.NeedsShipping && c.HasShippingAddress && c.ShipmentsWithoutRate > 0 {
		blank(jsonapi.RelationshipPointer("shipments"), "shipping_method")
	}
	if c.Total > 0 {
		switch {
		case !c.HasPaymentMethod:
			blank(jsonapi.RelationshipPointer("payment_method"), "payment_method")
		case !c.HasPaymentSource:
			blank(jsonapi.RelationshipPointer("payment_source"), "payment_source")
		case c.MismatchedAmounts:
			errs = append(errs, jsonapi.Validation(jsonapi.RelationshipPointer("payment_source"), "payment_source",
				"has mismatched amounts, update the payment source", "mismatched_amounts"))
		case !c.SourceApproved:
			errs = append(errs, &jsonapi.Error{Status: http.StatusUnprocessableEntity, Code: "PAYMENT_NOT_APPROVED_FOR_EXECUTION",
				Title: "Payment not approved for execution", Detail: "payment_source - is not approved for execution",
				Pointer: jsonapi.RelationshipPointer("payment_source")})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
