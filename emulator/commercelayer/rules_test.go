package commercelayer

import (
	"errors"
	"reflect"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

func TestFormatAmount(t *testing.T) {
	cases := []struct {
		cents int64
		code  string
		want  string
		float float64
	}{
		{5700, "EUR", "€57,00", 57},
		{123456, "EUR", "€1.234,56", 1234.56},
		{-500, "EUR", "-€5,00", -5},
		{5, "USD", "$0.05", 0.05},
		{123456789, "USD", "$1,234,567.89", 1234567.89},
		{0, "GBP", "£0.00", 0},
		{9900, "SEK", "99,00 kr", 99},
		{1500, "JPY", "¥1,500", 1500},
		{100, "XYZ", "XYZ 1.00", 1},
		// zero is made once per known currency (currencyFormat.zero)
		{0, "SEK", "0,00 kr", 0}, {0, "JPY", "¥0", 0}, {0, "eur", "€0,00", 0}, {0, "XYZ", "XYZ 0.00", 0},
	}
	for _, c := range cases {
		if got := FormatAmount(c.cents, c.code); got != c.want {
			t.Errorf("FormatAmount(%d,%s) = %q, want %q", c.cents, c.code, got, c.want)
		}
		if got := AmountFloat(c.cents, c.code); got != c.float {
			t.Errorf("AmountFloat(%d,%s) = %v, want %v", c.cents, c.code, got, c.float)
		}
	}
}

func TestComputeTotals(t *testing.T) {
	lines := []AmountLine{
		{Type: itemSkus, Quantity: 2, UnitCents: 2500},
		{Type: itemSkus, Quantity: 1, UnitCents: 1290},
		{Type: itemShipments, Quantity: 1, UnitCents: 700},
		{Type: itemPaymentMethods, Quantity: 1, UnitCents: 100},
	}
	cases := []struct {
		name string
		tax  TaxPolicy
		want Totals
	}{
		{"no tax yet", TaxPolicy{}, Totals{Subtotal: 6290, Shipping: 700, PaymentMethod: 100, Total: 7090, TotalWithTaxes: 7090,
			SubtotalTaxable: 6290, ShippingTaxable: 700, PaymentMethodTaxable: 100, TotalTaxable: 7090, SkusCount: 3}},
		// 22% included: 5000 -> tax 902 (5000-4098), 1290 -> 233 (1290-1057), 700 -> 126 (700-574), 100 not taxed.
		{"EU, tax included", TaxPolicy{RateBP: 2200, Included: true, Freight: true}, Totals{
			Subtotal: 6290, Shipping: 700, PaymentMethod: 100, SubtotalTax: 1135, ShippingTax: 126, TotalTax: 1261,
			SubtotalTaxable: 5155, ShippingTaxable: 574, PaymentMethodTaxable: 100, TotalTaxable: 5829,
			Total: 7090, TotalWithTaxes: 7090, SkusCount: 3}},
		// 8.875% on top: 5000 -> 444 (443.75), 1290 -> 114 (114.49), 700 -> 62 (62.125), 100 -> 9 (8.875).
		// 8.88% on top of everything: 5000 -> 444, 1290 -> 115 (114.55), 700 -> 62 (62.16), 100 -> 9 (8.88).
		{"US, tax on top, everything taxed", TaxPolicy{RateBP: 888, Included: false, Freight: true, PaymentMethod: true}, Totals{
			Subtotal: 6290, Shipping: 700, PaymentMethod: 100, SubtotalTax: 559, ShippingTax: 62, PaymentMethodTax: 9, TotalTax: 630,
			SubtotalTaxable: 6290, ShippingTaxable: 700, PaymentMethodTaxable: 100, TotalTaxable: 7090,
			Total: 7090, TotalWithTaxes: 7720, SkusCount: 3}},
	}
	for _, c := range cases {
		got := ComputeTotals(lines, c.tax)
		got.Lines = nil
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
	// Each line's tax, as Klarna will check it (within 1 of total-total*10000/(10000+rate)).
	got := ComputeTotals(lines, TaxPolicy{RateBP: 2200, Included: true, Freight: true})
	for i, la := range got.Lines[:3] {
		want := la.Total - la.Total*10000/12200
		if d := la.Tax - want; d < -1 || d > 1 {
			t.Errorf("line %d tax %d, Klarna expects about %d", i, la.Tax, want)
		}
	}
}

func TestOrderStateMachine(t *testing.T) {
	draft := OrderState{statusDraft, payUnpaid, fulfillUnfulfilled}
	pending := OrderState{statusPending, payUnpaid, fulfillUnfulfilled}
	placed := OrderState{statusPlaced, payAuthorized, fulfillUnfulfilled}
	approved := OrderState{statusApproved, payAuthorized, fulfillInProgress}
	paid := OrderState{statusApproved, payPaid, fulfillInProgress}
	cases := []struct {
		from  OrderState
		event string
		free  bool
		want  OrderState
		err   bool
	}{
		{pending, evPlace, false, placed, false},
		{pending, evPlace, true, OrderState{statusPlaced, payFree, fulfillUnfulfilled}, false},
		{draft, evPlace, false, placed, false},
		{placed, evPlace, false, placed, true},
		{pending, evApprove, false, pending, true},
		{placed, evApprove, false, approved, false},
		{placed, evCancel, false, OrderState{statusCancelled, payVoided, fulfillUnfulfilled}, false},
		{paid, evCancel, false, paid, true},
		{pending, evCancel, false, pending, true},
		{placed, evCapture, false, OrderState{statusApproved, payPaid, fulfillInProgress}, false},
		{approved, evCapture, false, paid, false},
		{placed, evPartialCapture, false, OrderState{statusApproved, payPartiallyPaid, fulfillInProgress}, false},
		{paid, evCapture, false, paid, true},
		{pending, evCapture, false, pending, true},
		{paid, evPartialRefund, false, OrderState{statusApproved, payPartiallyRefunded, fulfillInProgress}, false},
		{paid, evRefund, false, OrderState{statusCancelled, payRefunded, fulfillInProgress}, false},
		{placed, evRefund, false, placed, true},
		{placed, evVoid, false, OrderState{statusPlaced, payVoided, fulfillUnfulfilled}, false},
		{paid, evVoid, false, paid, true},
	}
	for _, c := range cases {
		got, err := c.from.Next(c.event, c.free)
		if (err != nil) != c.err {
			t.Errorf("%v --%s--> err %v", c.from, c.event, err)
			continue
		}
		if got != c.want {
			t.Errorf("%v --%s--> %v, want %v", c.from, c.event, got, c.want)
		}
		var e *jsonapi.Error
		if err != nil && (!errors.As(err, &e) || e.Code != "VALIDATION_ERROR" || e.Pointer != "/data/attributes/status") {
			t.Errorf("transition error %v", err)
		}
	}
	if got := draft.settle(true, 1); got.Status != statusPending {
		t.Errorf("settle: %v", got)
	}
	if got := pending.settle(true, 0); got.Status != statusDraft {
		t.Errorf("settle back: %v", got)
	}
	if got := placed.settle(false, 0); got != placed {
		t.Errorf("settle on placed: %v", got)
	}
}

func TestPlaceErrors(t *testing.T) {
	ready := PlaceCheck{CustomerEmail: "a@b.c", SkusCount: 1, HasBillingAddress: true, HasShippingAddress: true, NeedsShipping: true,
		Total: 100, HasPaymentMethod: true, HasPaymentSource: true, SourceApproved: true}
	if err := PlaceErrors(ready); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		edit    func(c *PlaceCheck)
		code    string
		pointer string
	}{
		{"no items", func(c *PlaceCheck) { c.SkusCount = 0 }, "VALIDATION_ERROR", "/data/relationships/line_items"},
		{"no email", func(c *PlaceCheck) { c.CustomerEmail = " " }, "VALIDATION_ERROR", "/data/attributes/customer_email"},
		{"no billing", func(c *PlaceCheck) { c.HasBillingAddress = false }, "VALIDATION_ERROR", "/data/relationships/billing_address"},
		{"no shipping", func(c *PlaceCheck) { c.HasShippingAddress = false }, "VALIDATION_ERROR", "/data/relationships/shipping_address"},
		{"no shipping method", func(c *PlaceCheck) { c.ShipmentsWithoutRate = 1 }, "VALIDATION_ERROR", "/data/relationships/shipments"},
		{"no payment method", func(c *PlaceCheck) { c.HasPaymentMethod = false }, "VALIDATION_ERROR", "/data/relationships/payment_method"},
		{"no payment source", func(c *PlaceCheck) { c.HasPaymentSource = false }, "VALIDATION_ERROR", "/data/relationships/payment_source"},
		{"mismatched amounts", func(c *PlaceCheck) { c.MismatchedAmounts = true }, "VALIDATION_ERROR", "/data/relationships/payment_source"},
		{"not approved", func(c *PlaceCheck) { c.SourceApproved = false }, "PAYMENT_NOT_APPROVED_FOR_EXECUTION", "/data/relationships/payment_source"},
	}
	for _, c := range cases {
		in := ready
		c.edit(&in)
		err := PlaceErrors(in)
		var es jsonapi.Errors
		if !errors.As(err, &es) || len(es) != 1 || es[0].Code != c.code || es[0].Pointer != c.pointer || es[0].Status != 422 {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// Nothing to ship and nothing to pay: no address for shipping, no payment needed.
	digitalFree := PlaceCheck{CustomerEmail: "a@b.c", SkusCount: 1, HasBillingAddress: true}
	if err := PlaceErrors(digitalFree); err != nil {
		t.Error(err)
	}
}

func TestShipmentNext(t *testing.T) {
	for _, c := range []struct {
		from, trigger string
		approved      bool
		want          string
		ok            bool
	}{
		{"draft", "_upcoming", false, "upcoming", true},
		{"upcoming", "_on_hold", false, "on_hold", true},
		{"upcoming", "_picking", false, "upcoming", false}, // the order is not approved yet
		{"upcoming", "_picking", true, "picking", true},
		{"picking", "_packing", true, "packing", true},
		{"packing", "_ready_to_ship", true, "ready_to_ship", true},
		{"ready_to_ship", "_ship", true, "shipped", true},
		{"shipped", "_deliver", true, "delivered", true},
		{"shipped", "_cancel", true, "shipped", false},
		{"upcoming", "_ship", true, "upcoming", false},
		{"picking", "_cancel", true, "cancelled", true},
	} {
		got, err := ShipmentNext(c.from, c.trigger, c.approved)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("%s %s approved=%v: %s, %v; want %s ok=%v", c.from, c.trigger, c.approved, got, err, c.want, c.ok)
		}
	}
}

func TestFulfillment(t *testing.T) {
	for _, c := range []struct {
		cur  string
		ss   []string
		want string
	}{
		{"in_progress", []string{"upcoming"}, "in_progress"},
		{"unfulfilled", []string{"picking"}, "in_progress"},
		{"in_progress", []string{"shipped", "cancelled"}, "fulfilled"},
		{"in_progress", []string{"shipped", "packing"}, "in_progress"},
		{"in_progress", []string{"delivered"}, "fulfilled"},
		{"not_required", nil, "not_required"},
		{"in_progress", []string{"cancelled"}, "in_progress"},
	} {
		if got := Fulfillment(c.cur, c.ss); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.cur, c.ss, got, c.want)
		}
	}
}

func TestOrderTriggerEvents(t *testing.T) {
	placed := OrderState{statusPlaced, payAuthorized, fulfillUnfulfilled}
	if s, err := placed.Next(evStartEditing, false); err != nil || s.Status != statusEditing || !s.Editable() {
		t.Errorf("start editing: %v %v", s, err)
	}
	if _, err := (OrderState{statusApproved, payPaid, fulfillInProgress}).Next(evStartEditing, false); err == nil {
		t.Error("a paid order cannot be edited")
	}
	if s, err := (OrderState{statusEditing, payAuthorized, fulfillUnfulfilled}).Next(evStopEditing, false); err != nil || s.Status != statusPlaced {
		t.Errorf("stop editing: %v %v", s, err)
	}
	if s, err := (OrderState{statusPlaced, payPartiallyAuthorized, fulfillUnfulfilled}).Next(evAuthorize, false); err != nil || s.Payment != payAuthorized {
		t.Errorf("authorize: %v %v", s, err)
	}
	if s, err := (OrderState{statusPlaced, payPartiallyAuthorized, fulfillUnfulfilled}).Next(evCapture, false); err != nil || s.Payment != payPaid {
		t.Errorf("capture a partial authorization: %v %v", s, err)
	}
	if s, err := (OrderState{statusApproved, payPaid, fulfillInProgress}).Next(evFulfill, false); err != nil || s.Fulfillment != fulfillFulfilled {
		t.Errorf("fulfill: %v %v", s, err)
	}
	if _, err := placed.Next(evFulfill, false); err == nil {
		t.Error("a placed order is not fulfilled before approval")
	}
	if s := (OrderState{statusEditing, payAuthorized, fulfillUnfulfilled}).settle(false, 0); s.Status != statusEditing {
		t.Errorf("settle keeps editing: %v", s)
	}
}

func TestApplyPromotions(t *testing.T) {
	promos := []Promotion{
		{ID: "p", Kind: promoPercentage, Percentage: 10, Coupons: []string{"SAVE10"}},
		{ID: "f", Kind: promoFixedAmount, FixedCents: 300},
		{ID: "s", Kind: promoFreeShipping},
	}
	ds, free := ApplyPromotions(promos, 5800, "")
	if !free || len(ds) != 2 || ds[0].Cents != -300 {
		t.Errorf("no coupon: %v %v", ds, free)
	}
	ds, _ = ApplyPromotions(promos, 5800, "SAVE10")
	if len(ds) != 3 || ds[0].Cents != -580 || ds[1].Cents != -300 {
		t.Errorf("with the coupon: %v", ds)
	}
	// A discount never takes the subtotal below zero.
	ds, _ = ApplyPromotions([]Promotion{{ID: "f", Kind: promoFixedAmount, FixedCents: 900}}, 500, "")
	if len(ds) != 1 || ds[0].Cents != -500 {
		t.Errorf("capped: %v", ds)
	}
	tot := ComputeTotals([]AmountLine{{Type: itemSkus, Quantity: 1, UnitCents: 5800}, {Type: promoPercentage, Quantity: 1, UnitCents: -580},
		{Type: itemGiftCards, Quantity: 1, UnitCents: -1000}}, TaxPolicy{RateBP: 2200, Included: true})
	if tot.Discount != -580 || tot.GiftCard != 1000 || tot.Total != 4220 {
		t.Errorf("totals: %+v", tot)
	}
}

func TestStockShortagesAndZipCodes(t *testing.T) {
	if got := StockShortages(map[string]int64{"A": 2, "B": 1, "C": 5}, map[string]int64{"A": 1, "B": 1}); len(got) != 1 || got[0] != "A" {
		t.Errorf("shortages: %v", got)
	}
	if !NeedsZipCode("IT") || !NeedsZipCode("us") || NeedsZipCode("HK") || NeedsZipCode(" ie ") {
		t.Error("zip code countries")
	}
}
