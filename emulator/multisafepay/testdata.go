package multisafepay

import (
	"strings"
	"time"
)

// MultiSafepay's test data (its testing page; docs/multisafepay.md lists every
// row beside the vendor's table): the values that decide a payment in the
// test environment, in a direct order's gateway_info or entered on the
// payment page, and when each outcome happens on the virtual clock.

// pspEncodingEmail switches an order to the 16-digit transaction id format.
const pspEncodingEmail = "enable-pspid-encoding@multisafepay.com"

// step is a later status change: After the previous one.
type step struct {
	After     time.Duration
	Status    string
	Financial string
	Reason    string
}

// testOutcome is what test data decides.
type testOutcome struct {
	Now    string // outcome at once; "" leaves the order initialized
	Reason string
	Steps  []step // then, one after another
	// Refused is a payment page error (an unknown gift card number).
	Refused string
}

func (t testOutcome) decided() bool { return t.Now != "" || len(t.Steps) > 0 || t.Refused != "" }

func later(after time.Duration, status, financial, reason string) step {
	return step{After: after, Status: status, Financial: financial, Reason: reason}
}

const (
	reason3DS   = "3D Secure authentication failed"
	reasonFunds = "Insufficient funds"
)

// Cards (any scheme; the card gateways and the payment page of Bancontact).
// Numbers not listed complete.
var testCards = map[string]testOutcome{
	// Completed (3D enrolled).
	"374500000000015":     {Now: outcomeCompleted},
	"6799990000000000011": {Now: outcomeCompleted},
	"5500000000000004":    {Now: outcomeCompleted},
	"4111111111111111":    {Now: outcomeCompleted},
	"4761340000000019":    {Now: outcomeCompleted},
	// Uncleared, after 3 minutes void (Visa 4917..., Amex 3787...) or completed (Visa 4462...).
	"4917300000000008": {Now: outcomeUncleared, Steps: []step{later(3*time.Minute, stVoid, stVoid, "rejected after review")}},
	"378734493671000":  {Now: outcomeUncleared, Steps: []step{later(3*time.Minute, stVoid, stVoid, "rejected after review")}},
	"4462000000000003": {Now: outcomeUncleared, Steps: []step{later(3*time.Minute, stCompleted, stCompleted, "")}},
	// Declined.
	"374200000000004":  {Now: outcomeDeclined, Reason: reason3DS},
	"4012001037461114": {Now: outcomeDeclined, Reason: reason3DS},
	"4012001038488884": {Now: outcomeDeclined, Reason: reasonFunds},
}

// Bancontact cards (payment page only: Bancontact takes no direct orders).
var bancontactCards = map[string]testOutcome{
	"67034500054620008": {Now: outcomeCompleted},
	"67039902990000045": {Now: outcomeDeclined, Reason: reason3DS},
	"67039902990000011": {Now: outcomeDeclined, Reason: reasonFunds},
}

// SEPA Direct Debit IBANs: initiated, then after 2 minutes the outcome (for
// ...3 and ...4 uncleared first, then one more minute to the end). Other
// IBANs behave like ...1.
var directDebitIBANs = map[string]testOutcome{
	"NL87ABNA0000000001": {Steps: []step{later(2*time.Minute, stCompleted, stCompleted, "")}},
	"NL87ABNA0000000002": {Steps: []step{later(2*time.Minute, stDeclined, stDeclined, "direct debit rejected")}},
	"NL87ABNA0000000003": {Steps: []step{later(2*time.Minute, stUncleared, stUncleared, ""), later(time.Minute, stCompleted, stCompleted, "")}},
	"NL87ABNA0000000004": {Steps: []step{later(2*time.Minute, stUncleared, stUncleared, ""), later(time.Minute, stDeclined, stDeclined, "direct debit rejected")}},
}

// Bank transfer IBANs (entered on the payment page): initiated, then after 2
// minutes the outcome; any other IBAN expires after 5 days.
var bankTransferIBANs = map[string]testOutcome{
	"NL87ABNA0000000001": {Steps: []step{later(2*time.Minute, stCompleted, stCompleted, "")}},
	"NL87ABNA0000000002": {Steps: []step{later(2*time.Minute, stExpired, stExpired, "")}},
	"NL87ABNA0000000004": {Steps: []step{later(2*time.Minute, stDeclined, stDeclined, "")}},
}

var bankTransferOther = testOutcome{Steps: []step{later(5*24*time.Hour, stExpired, stExpired, "")}}

// MyBank banks (chosen on the payment page): the outcome after 2 minutes.
var myBankBanks = map[string]testOutcome{
	"Allianz Bank FA SPA":             {Steps: []step{later(2*time.Minute, stCompleted, stCompleted, "")}},
	"Banca di Cesena - Credito Coop.": {Steps: []step{later(2*time.Minute, stDeclined, stDeclined, "")}},
	"Credito Artigiano":               {Steps: []step{later(2*time.Minute, stVoid, stCancelled, "")}},
	"Volksbank - Banca Popolare":      {Steps: []step{later(2*time.Minute, stExpired, stExpired, "")}},
}

// myBankNames in the page's order.
var myBankNames = []string{"Allianz Bank FA SPA", "Banca di Cesena - Credito Coop.", "Credito Artigiano", "Volksbank - Banca Popolare"}

// Gift card numbers and their balances in minor units; other numbers are
// refused ("Invalid card number").
var giftCardBalances = map[string]int64{"111115": 10000, "111112": 500, "111110": 0}

// amountOutcome is MB WAY's and Multibanco's rule: 9.99 and below declined,
// 10.00 to 20.00 completed, above initialized and expired after 84 hours.
func amountOutcome(amount int64) testOutcome {
	switch {
	case amount < 1000:
		return testOutcome{Now: outcomeDeclined, Reason: "amount below 10.00 declines in the test environment"}
	case amount <= 2000:
		return testOutcome{Now: outcomeCompleted}
	}
	return testOutcome{Steps: []step{later(84*time.Hour, stExpired, stExpired, "")}}
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
	case g.ID == "MBWAY" || g.ID == "MULTIBANCO":
		return amountOutcome(o.Amount)
	case g.Card:
		return cardOutcome(testCards, gi["card_number"])
	case g.DirectDebit:
		return ibanOutcome(directDebitIBANs, gi["account_id"], directDebitIBANs["NL87ABNA0000000001"])
	case contains(g.DirectNeeds, "payment_token"):
		// A wallet's payment token (Apple Pay, Google Pay) pays at once.
		if gi["payment_token"] != "" {
			return testOutcome{Now: outcomeCompleted}
		}
	}
	return testOutcome{}
}

func cardOutcome(table map[string]testOutcome, number string) testOutcome {
	n := compact(number)
	if n == "" {
		return testOutcome{}
	}
	if t, found := table[n]; found {
		return t
	}
	return testOutcome{Now: outcomeCompleted}
}

// ibanOutcome is the table's row for an IBAN, other for one it does not
// list; a blank IBAN decides nothing (as a blank card number).
func ibanOutcome(table map[string]testOutcome, iban string, other testOutcome) testOutcome {
	n := compact(iban)
	if n == "" {
		return testOutcome{}
	}
	if t, found := table[n]; found {
		return t
	}
	return other
}

// pageFields are the test data fields the payment page takes.
type pageFields struct {
	CardNumber, IBAN, Bank, Phone string
}

// pageOutcome reads what was entered on the payment page, if anything.
func pageOutcome(o *Order, g *Gateway, f pageFields) testOutcome {
	switch {
	case g.ID == "MISTERCASH" && f.CardNumber != "":
		return cardOutcome(bancontactCards, f.CardNumber)
	case g.Card && f.CardNumber != "":
		return cardOutcome(testCards, f.CardNumber)
	case g.DirectDebit && f.IBAN != "":
		return ibanOutcome(directDebitIBANs, f.IBAN, directDebitIBANs["NL87ABNA0000000001"])
	case g.ID == "BANKTRANS" && f.IBAN != "":
		return ibanOutcome(bankTransferIBANs, f.IBAN, bankTransferOther)
	case g.ID == "MYBANK" && f.Bank != "":
		if t, found := myBankBanks[f.Bank]; found {
			return t
		}
		return testOutcome{Refused: "Choose one of the banks offered."}
	case (g.ID == "MBWAY" || g.ID == "MULTIBANCO") && f.Phone != "":
		return amountOutcome(o.Amount)
	case g.Kind == kindGiftCard && f.CardNumber != "":
		balance, found := giftCardBalances[compact(f.CardNumber)]
		switch {
		case !found:
			return testOutcome{Refused: "Invalid card number"}
		case balance < o.Amount:
			return testOutcome{Refused: "The gift card balance (" + formatMinor(balance, o.Currency) + ") does not cover the amount."}
		}
		return testOutcome{Now: outcomeCompleted}
	}
	return testOutcome{}
}

// apply lets test data decide the order at now: the outcome at once, then
// the later steps as a chain of pending transitions.
func (o *Order) apply(g *Gateway, t testOutcome, now time.Time) {
	if t.Now != "" {
		o.finish(g, t.Now, t.Reason, now)
	}
	var head *Transition
	tail := &head
	at := now
	for _, s := range t.Steps {
		at = at.Add(s.After)
		*tail = &Transition{At: at, Status: s.Status, Financial: s.Financial, Reason: s.Reason}
		tail = &(*tail).Next
	}
	o.Pending = head
}
