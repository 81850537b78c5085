package multisafepay

import (
	"strings"
	"time"
)

// MultiSafepay's test data: the values that decide a direct order in the
// test environment (docs/multisafepay.md lists them).

// pspEncodingEmail switches an order to the 16-digit transaction id format.
const pspEncodingEmail = "enable-pspid-encoding@multisafepay.com"

// testOutcome is what test data decides for a direct order.
type testOutcome struct {
	Now    string // outcome at creation; "" leaves the order to the payment page
	Reason string
	// Then, After later, the order moves on by itself.
	After      time.Duration
	Then       string
	ThenFin    string
	ThenReason string
}

// Cards of the test environment.
var testCards = map[string]testOutcome{
	"4111111111111111": {Now: outcomeCompleted},
	"4917300000000008": {Now: outcomeUncleared, After: 3 * time.Minute, Then: stVoid, ThenFin: stVoid, ThenReason: "rejected after review"},
	"4462000000000003": {Now: outcomeUncleared, After: 3 * time.Minute, Then: stCompleted, ThenFin: stCompleted},
	"4012001037461114": {Now: outcomeDeclined, Reason: "3D Secure authentication failed"},
	"4012001038488884": {Now: outcomeDeclined, Reason: "Insufficient funds"},
}

// Direct debit IBANs of the test environment; other IBANs behave like ...0001.
var testIBANs = map[string]testOutcome{
	"NL87ABNA0000000001": {After: 2 * time.Minute, Then: stCompleted, ThenFin: stCompleted},
	"NL87ABNA0000000002": {After: 2 * time.Minute, Then: stDeclined, ThenFin: stDeclined, ThenReason: "direct debit rejected"},
	"NL87ABNA0000000003": {Now: outcomeUncleared, After: 2 * time.Minute, Then: stCompleted, ThenFin: stCompleted},
	"NL87ABNA0000000004": {Now: outcomeUncleared, After: 2 * time.Minute, Then: stDeclined, ThenFin: stDeclined, ThenReason: "direct debit rejected"},
}

func compact(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// email is the address a credit check would use.
func (o *Order) email() string {
	if e := o.GatewayInfo["email"]; e != "" {
		return strings.ToLower(e)
	}
	return strings.ToLower(o.Customer.Email)
}

func (o *Order) zipCode() string {
	if o.Delivery != nil && o.Delivery.ZipCode != "" {
		return compact(o.Delivery.ZipCode)
	}
	return compact(o.Customer.ZipCode)
}

// directOutcome reads the test data of a direct order.
func directOutcome(o *Order, g *Gateway) testOutcome {
	gi := o.GatewayInfo
	switch {
	case g.ID == "KLARNA":
		// Klarna's playground addresses: customer+nl@klarna.com approves,
		// customer+nl+denied@klarna.com is denied; others go to the page.
		e := o.email()
		if strings.HasPrefix(e, "customer") && strings.HasSuffix(e, "@klarna.com") {
			if strings.Contains(e, "+denied@") {
				return testOutcome{Now: outcomeDeclined, Reason: "Klarna denied the purchase"}
			}
			return testOutcome{Now: outcomeCompleted}
		}
	case g.ID == "IN3":
		switch birthday, zip := gi["birthday"], o.zipCode(); {
		case birthday == "1999-01-01" && zip == "1234AB":
			return testOutcome{Now: outcomeCompleted}
		case birthday == "2000-01-01" && zip == "1111AB":
			return testOutcome{Now: outcomeDeclined, Reason: "in3 declined the credit check"}
		}
	case g.ID == "AFTERPAY":
		if o.email() == "rejection@afterpay.nl" {
			return testOutcome{Now: outcomeDeclined, Reason: "Riverty declined the credit check"}
		}
		return testOutcome{Now: outcomeCompleted}
	case g.Card:
		n := compact(gi["card_number"])
		if n == "" {
			return testOutcome{}
		}
		if t, found := testCards[n]; found {
			return t
		}
		return testOutcome{Now: outcomeCompleted}
	case g.DirectDebit:
		iban := compact(gi["account_id"])
		if iban == "" {
			return testOutcome{}
		}
		if t, found := testIBANs[iban]; found {
			return t
		}
		return testIBANs["NL87ABNA0000000001"]
	}
	return testOutcome{}
}
