package commercelayer

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

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
	After     bool   // symbol after the number ("57,00 kr")
	zero      string // the formatted zero, made once: most of a cart's amounts are zero
}

var currencyFormats = map[string]currencyFormat{
	"EUR": {Symbol: "€", Exponent: 2, Decimal: ",", Thousands: "."},
	"USD": {Symbol: "$", Exponent: 2, Decimal: ".", Thousands: ","},
	"GBP": {Symbol: "£", Exponent: 2, Decimal: ".", Thousands: ","},
	"CHF": {Symbol: "CHF ", Exponent: 2, Decimal: ".", Thousands: "'"},
	"SEK": {Symbol: " kr", Exponent: 2, Decimal: ",", Thousands: " ", After: true},
	"NOK": {Symbol: " kr", Exponent: 2, Decimal: ",", Thousands: " ", After: true},
	"DKK": {Symbol: " kr.", Exponent: 2, Decimal: ",", Thousands: ".", After: true},
	"PLN": {Symbol: " zł", Exponent: 2, Decimal: ",", Thousands: " ", After: true},
	"AUD": {Symbol: "$", Exponent: 2, Decimal: ".", Thousands: ","},
	"CAD": {Symbol: "$", Exponent: 2, Decimal: ".", Thousands: ","},
	"JPY": {Symbol: "¥", Exponent: 0, Thousands: ","},
}

func init() {
	for code, f := range currencyFormats {
		f.zero = f.format(0)
		currencyFormats[code] = f
	}
}

func formatOf(code string) currencyFormat {
	if f, ok := currencyFormats[code]; ok {
		return f
	}
	if f, ok := currencyFormats[strings.ToUpper(code)]; ok {
		return f
	}
	return currencyFormat{Symbol: strings.ToUpper(code) + " ", Exponent: 2, Decimal: ".", Thousands: ","}
}

// FormatAmount is the formatted_ form of an amount in minor units.
func FormatAmount(cents int64, code string) string {
	f := formatOf(code)
	return f.format(cents)
}

func (f *currencyFormat) format(cents int64) string {
	if cents == 0 && f.zero != "" {
		return f.zero
	}
	neg := cents < 0
	if neg {
		cents = -cents
	}
	unit := int64(1)
	for i := 0; i < f.Exponent; i++ {
		unit *= 10
	}
	// Built in one buffer on the stack: the string is the one allocation
	// (an order's document formats some forty amounts).
	var buf [64]byte
	var digits [24]byte
	b := buf[:0]
	if neg {
		b = append(b, '-')
	}
	if !f.After {
		b = append(b, f.Symbol...)
	}
	whole := strconv.AppendInt(digits[:0], cents/unit, 10)
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b = append(b, f.Thousands...)
		}
		b = append(b, d)
	}
	if f.Exponent > 0 {
		frac := strconv.AppendInt(digits[:0], cents%unit, 10)
		b = append(b, f.Decimal...)
		for i := len(frac); i < f.Exponent; i++ {
			b = append(b, '0')
		}
		b = append(b, frac...)
	}
	if f.After {
		b = append(b, f.Symbol...)
	}
	return string(b)
}

// AmountFloat is the _float form of an amount in minor units.
func AmountFloat(cents int64, code string) float64 {
	f := formatOf(code)
	return f.float(cents)
}

func (f *currencyFormat) float(cents int64) float64 {
	unit := 1.0
	for i := 0; i < f.Exponent; i++ {
		unit *= 10
	}
	return float64(cents) / unit // one division: the nearest float to the decimal
}

// putAmount writes the triple <base>_cents, <base>_float, formatted_<base>.
func putAmount(attrs map[string]any, base string, cents int64, code string) {
	a := amountsIn(mapSink(attrs), code)
	a.put(base, cents)
}

// amounts writes the triples of one currency's amounts into attrs, its
// format looked up once (an order has twenty-one).
type amounts struct {
	attrs attrSink
	f     currencyFormat
}

func amountsIn(attrs attrSink, code string) amounts {
	return amounts{attrs, formatOf(code)}
}

func (a *amounts) put(base string, cents int64) {
	float, formatted := a.f.float(cents), a.f.format(cents)
	if at, ok := a.attrs.(*jsonapi.Attrs); ok {
		if p := amountPositions(at.Resource(), base); p[0] >= 0 && p[1] >= 0 && p[2] >= 0 {
			at.SetAt(p[0], cents)
			at.SetAt(p[1], float)
			at.SetAt(p[2], formatted)
			return
		}
	}
	k := amountKeys(base)
	a.attrs.Set(k[0], cents)
	a.attrs.Set(k[1], float)
	a.attrs.Set(k[2], formatted)
}

// amountPositions are the positions of an amount's three names among a
// type's (jsonapi.Resource.Pos; -1 for a name the type lacks), found once
// per type and amount: one lookup a put instead of four.
func amountPositions(res *jsonapi.Resource, base string) *[3]int {
	key := amountPosKey{res, base}
	if p, ok := amountPos.Load(key); ok {
		return p.(*[3]int)
	}
	k := amountKeys(base)
	p, _ := amountPos.LoadOrStore(key, &[3]int{res.Pos(k[0]), res.Pos(k[1]), res.Pos(k[2])})
	return p.(*[3]int)
}

type amountPosKey struct {
	res  *jsonapi.Resource
	base string
}

var amountPos sync.Map // amountPosKey -> *[3]int

// amountKeyNames holds each amount's three attribute names, made once (not
// three concatenations per amount of every document). A sync.Map: every
// document reads it, from every request at once, and it is written once
// per amount's name.
var amountKeyNames sync.Map // base -> *[3]string

func amountKeys(base string) *[3]string {
	if k, ok := amountKeyNames.Load(base); ok {
		return k.(*[3]string)
	}
	k, _ := amountKeyNames.LoadOrStore(base, &[3]string{base + "_cents", base + "_float", "formatted_" + base})
	return k.(*[3]string)
}

// ---- Order amounts --------------------------------------------------------

// Line item types.
const (
	itemSkus           = "skus"
	itemShipments      = "shipments"
	itemPaymentMethods = "payment_methods"
	itemGiftCards      = "gift_cards"
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
		case itemGiftCards:
			t.GiftCard -= total // the line is negative, the amount positive
		default:
			if strings.HasSuffix(l.Type, "_promotions") {
				t.Discount += total // negative
			}
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
	statusEditing   = "editing"
	statusPlacing   = "placing"
	statusPlaced    = "placed"
	statusApproved  = "approved"
	statusCancelled = "cancelled"
)

// Payment statuses.
const (
	payUnpaid              = "unpaid"
	payAuthorized          = "authorized"
	payPartiallyAuthorized = "partially_authorized"
	payPaid                = "paid"
	payPartiallyPaid       = "partially_paid"
	payVoided              = "voided"
	payRefunded            = "refunded"
	payPartiallyRefunded   = "partially_refunded"
	payFree                = "free"
)

// Fulfillment statuses.
const (
	fulfillUnfulfilled = "unfulfilled"
	fulfillInProgress  = "in_progress"
	fulfillFulfilled   = "fulfilled"
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
	evPending        = "pending"
	evStartEditing   = "start_editing"
	evStopEditing    = "stop_editing"
	evAuthorize      = "authorize"
	evPartialAuth    = "partial_authorize"
	evFulfill        = "fulfill"
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
		if ok = in(s.Status, statusPlaced, statusApproved) && in(s.Payment, payAuthorized, payPartiallyAuthorized, payFree, payUnpaid, payVoided); ok {
			n.Status = statusCancelled
			if in(s.Payment, payAuthorized, payPartiallyAuthorized) {
				n.Payment = payVoided
			}
		}
	case evCapture, evPartialCapture:
		if ok = in(s.Status, statusPlaced, statusApproved) && in(s.Payment, payAuthorized, payPartiallyAuthorized, payPartiallyPaid); ok {
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
		if ok = in(s.Status, statusPlaced, statusApproved) && in(s.Payment, payAuthorized, payPartiallyAuthorized); ok {
			n.Payment = payVoided
		}
	case evPending:
		if ok = in(s.Status, statusDraft, statusPending); ok {
			n.Status = statusPending
		}
	case evStartEditing:
		// A placed order not yet captured may be edited, then placed again.
		if ok = s.Status == statusPlaced && in(s.Payment, payAuthorized, payPartiallyAuthorized, payUnpaid, payFree); ok {
			n.Status = statusEditing
		}
	case evStopEditing:
		if ok = s.Status == statusEditing; ok {
			n.Status = statusPlaced
		}
	case evAuthorize, evPartialAuth:
		if ok = in(s.Status, statusPlaced, statusApproved) && in(s.Payment, payUnpaid, payVoided, payPartiallyAuthorized); ok {
			n.Payment = payAuthorized
			if event == evPartialAuth {
				n.Payment = payPartiallyAuthorized
			}
		}
	case evFulfill:
		if ok = s.Status == statusApproved && in(s.Fulfillment, fulfillUnfulfilled, fulfillInProgress); ok {
			n.Fulfillment = fulfillFulfilled
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
func (s OrderState) Editable() bool { return in(s.Status, statusDraft, statusPending, statusEditing) }

// settle is the automatic draft <-> pending move: an order is pending once it
// has a customer and something to buy.
func (s OrderState) settle(hasCustomer bool, skus int64) OrderState {
	if !in(s.Status, statusDraft, statusPending) {
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

// ---- Fulfillment ----------------------------------------------------------

// Shipment statuses.
const (
	shipDraft       = "draft"
	shipUpcoming    = "upcoming"
	shipCancelled   = "cancelled"
	shipOnHold      = "on_hold"
	shipPicking     = "picking"
	shipPacking     = "packing"
	shipReadyToShip = "ready_to_ship"
	shipShipped     = "shipped"
	shipDelivered   = "delivered"
)

// shipmentTriggers are the shipment triggers that move its status, in the
// order they are applied when several come together.
var shipmentTriggers = []string{"_upcoming", "_on_hold", "_picking", "_packing", "_ready_to_ship", "_ship", "_deliver", "_cancel"}

// ShipmentNext applies a status trigger to a shipment. Picking and what
// follows need an approved order (its payment is settled); a shipment is
// cancelled with its order, or by _cancel before it ships.
func ShipmentNext(status, trigger string, orderApproved bool) (string, error) {
	from := map[string][]string{
		"_upcoming":      {shipDraft, shipOnHold},
		"_on_hold":       {shipUpcoming, shipPicking, shipPacking, shipReadyToShip},
		"_picking":       {shipUpcoming, shipOnHold},
		"_packing":       {shipPicking, shipOnHold},
		"_ready_to_ship": {shipPacking, shipOnHold},
		"_ship":          {shipReadyToShip},
		"_deliver":       {shipShipped},
		"_cancel":        {shipDraft, shipUpcoming, shipOnHold, shipPicking, shipPacking, shipReadyToShip},
	}
	to := map[string]string{"_upcoming": shipUpcoming, "_on_hold": shipOnHold, "_picking": shipPicking, "_packing": shipPacking,
		"_ready_to_ship": shipReadyToShip, "_ship": shipShipped, "_deliver": shipDelivered, "_cancel": shipCancelled}
	ok := in(status, from[trigger]...)
	if ok && !orderApproved && in(trigger, "_picking", "_packing", "_ready_to_ship", "_ship", "_deliver") {
		ok = false
	}
	if !ok {
		e := jsonapi.Validation(jsonapi.AttributePointer("status"), "status", "Transition is not permitted", "invalid_transition")
		e.Meta["from"], e.Meta["event"] = status, strings.TrimPrefix(trigger, "_")
		return status, e
	}
	return to[trigger], nil
}

// Fulfillment is an order's fulfillment status from its shipments'
// statuses: fulfilled once every shipment not cancelled has shipped, in
// progress once one is being worked on; cur otherwise.
func Fulfillment(cur string, shipments []string) string {
	if cur == fulfillNotRequired || cur == fulfillFulfilled {
		return cur
	}
	live, shipped, working := 0, 0, 0
	for _, s := range shipments {
		if s == shipCancelled {
			continue
		}
		live++
		if in(s, shipShipped, shipDelivered) {
			shipped++
		}
		if in(s, shipPicking, shipPacking, shipReadyToShip, shipShipped, shipDelivered, shipOnHold) {
			working++
		}
	}
	switch {
	case live > 0 && shipped == live:
		return fulfillFulfilled
	case working > 0:
		return fulfillInProgress
	}
	return cur
}

// ---- Addresses ------------------------------------------------------------

// noZipCountries are the countries whose addresses need no zip_code. The
// model says zip_code is required "but for some countries" without naming
// them; this list (UNCONFIRMED) is the countries with no postal code system
// in common address validation data: easy to change here.
var noZipCountries = map[string]bool{
	"AE": true, "AG": true, "AO": true, "AW": true, "BF": true, "BI": true, "BJ": true, "BO": true, "BS": true, "BW": true,
	"BZ": true, "CD": true, "CF": true, "CG": true, "CI": true, "CK": true, "CM": true, "DJ": true, "DM": true, "ER": true,
	"FJ": true, "GA": true, "GD": true, "GH": true, "GM": true, "GQ": true, "GY": true, "HK": true, "IE": true, "JM": true,
	"KI": true, "KM": true, "KN": true, "KP": true, "LC": true, "ML": true, "MO": true, "MR": true, "MW": true, "NR": true,
	"NU": true, "QA": true, "RW": true, "SB": true, "SC": true, "SL": true, "SR": true, "ST": true, "SY": true, "TD": true,
	"TF": true, "TG": true, "TK": true, "TL": true, "TO": true, "TT": true, "TV": true, "UG": true, "VU": true, "YE": true, "ZW": true,
}

// NeedsZipCode tells whether an address in country needs a zip_code.
func NeedsZipCode(country string) bool {
	return !noZipCountries[strings.ToUpper(strings.TrimSpace(country))]
}

// ---- Promotions -----------------------------------------------------------

// Promotion kinds that change an order's totals here.
const (
	promoPercentage   = "percentage_discount_promotions"
	promoFixedAmount  = "fixed_amount_promotions"
	promoFreeShipping = "free_shipping_promotions"
)

// Promotion is an active promotion as the arithmetic sees it.
type Promotion struct {
	ID, Kind, Name string
	Percentage     int64 // percentage_discount_promotions: 0-100
	FixedCents     int64 // fixed_amount_promotions
	// Coupons are the codes that unlock it (through its coupon codes
	// promotion rule); empty: it applies to every order of its market.
	Coupons []string
}

// Discount is what a promotion takes off an order.
type Discount struct {
	PromotionID, Kind, Name string
	Cents                   int64 // negative
}

// ApplyPromotions is the discounts of the promotions an order qualifies for
// (coupon is the order's coupon code), and whether shipping is free. A
// discount never takes the subtotal below zero.
func ApplyPromotions(promos []Promotion, subtotal int64, coupon string) ([]Discount, bool) {
	var out []Discount
	free := false
	left := subtotal
	for _, p := range promos {
		if len(p.Coupons) > 0 && (coupon == "" || !in(coupon, p.Coupons...)) {
			continue
		}
		var cents int64
		switch p.Kind {
		case promoPercentage:
			cents = roundDiv(subtotal*p.Percentage, 100)
		case promoFixedAmount:
			cents = p.FixedCents
		case promoFreeShipping:
			free = true
			out = append(out, Discount{PromotionID: p.ID, Kind: p.Kind, Name: p.Name})
			continue
		}
		cents = min(cents, left)
		if cents <= 0 {
			continue
		}
		left -= cents
		out = append(out, Discount{PromotionID: p.ID, Kind: p.Kind, Name: p.Name, Cents: -cents})
	}
	return out, free
}

// ---- Stock ----------------------------------------------------------------

// StockShortages lists the SKU codes an order needs more of than the stock
// holds. Stock has an entry for each SKU that is tracked; an untracked SKU
// (no stock item anywhere) is never short.
func StockShortages(need map[string]int64, stock map[string]int64) []string {
	var out []string
	for code, qty := range need {
		if have, tracked := stock[code]; tracked && have < qty {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out
}
