package multisafepay

import (
	"encoding/json"
	"html"
	"math/big"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // MultiSafepay stamps times in Amsterdam local time, whatever the host has
)

// amsterdam is the zone of MultiSafepay's timestamps ("2021-11-15T16:10:47").
var amsterdam = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.UTC
	}
	return loc
}()

const stampLayout = "2006-01-02T15:04:05"

func stamp(t time.Time) string { return t.In(amsterdam).Format(stampLayout) }

func stampPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := stamp(*t)
	return &s
}

// null renders "" (or 0) as JSON null, as MultiSafepay does for unset
// fields.
func null[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

var integerText = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,17})$`)
var decimalText = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,10})?$`)

// numberish renders numeric text as a JSON number (merchant_item_id "1111"
// comes back as 1111), anything else as a string.
func numberish(s string, re *regexp.Regexp) any {
	if re.MatchString(s) {
		return json.Number(s)
	}
	return s
}

// orderJSON is the order object of GET /orders/{id} and of notifications;
// fields in the vendor's (alphabetical) order.
type orderJSON struct {
	Amount              int64                `json:"amount"`
	AmountRefunded      int64                `json:"amount_refunded"`
	CheckoutOptions     *checkoutOptionsJSON `json:"checkout_options,omitempty"`
	Completed           *string              `json:"completed,omitempty"`
	Costs               []any                `json:"costs"`
	Created             string               `json:"created"`
	Currency            string               `json:"currency"`
	CustomInfo          customInfoJSON       `json:"custom_info"`
	Customer            customerJSON         `json:"customer"`
	Description         string               `json:"description"`
	Fastcheckout        string               `json:"fastcheckout"`
	FinancialStatus     string               `json:"financial_status"`
	Items               *string              `json:"items"`
	Modified            string               `json:"modified"`
	OrderAdjustment     *orderAdjustmentJSON `json:"order_adjustment,omitempty"`
	OrderID             string               `json:"order_id"`
	OrderTotal          *string              `json:"order_total,omitempty"`
	PaymentDetails      map[string]any       `json:"payment_details"`
	PaymentMethods      []paymentMethodUsed  `json:"payment_methods"`
	Reason              string               `json:"reason"`
	ReasonCode          string               `json:"reason_code"`
	RelatedTransactions []relatedJSON        `json:"related_transactions"`
	ShoppingCart        *shoppingCartJSON    `json:"shopping_cart,omitempty"`
	Status              string               `json:"status"`
	TransactionID       int64                `json:"transaction_id"`
	Var1                *string              `json:"var1"`
	Var2                *string              `json:"var2"`
	Var3                *string              `json:"var3"`
}

// directOrderJSON answers a direct order: the order plus where to pay.
type directOrderJSON struct {
	orderJSON
	QRURL      string `json:"qr_url"`
	PaymentURL string `json:"payment_url"`
}

type customInfoJSON struct {
	Custom1 *string `json:"custom_1"`
	Custom2 *string `json:"custom_2"`
	Custom3 *string `json:"custom_3"`
}

type customerJSON struct {
	Address1    *string `json:"address1"`
	Address2    *string `json:"address2"`
	City        *string `json:"city"`
	Country     *string `json:"country"`
	CountryName *string `json:"country_name"`
	Email       string  `json:"email"`
	FirstName   *string `json:"first_name"`
	HouseNumber *string `json:"house_number"`
	LastName    *string `json:"last_name"`
	Locale      string  `json:"locale"`
	Phone1      *string `json:"phone1"`
	Phone2      string  `json:"phone2"`
	State       *string `json:"state"`
	ZipCode     *string `json:"zip_code"`
}

type orderAdjustmentJSON struct {
	TotalAdjustment string `json:"total_adjustment"`
	TotalTax        string `json:"total_tax"`
}

type paymentMethodUsed struct {
	Amount                int64  `json:"amount"`
	Currency              string `json:"currency"`
	Description           string `json:"description"`
	ExternalTransactionID string `json:"external_transaction_id"`
	PaymentDescription    string `json:"payment_description"`
	Status                string `json:"status"`
	Type                  string `json:"type"`
}

type relatedJSON struct {
	Amount          int64  `json:"amount"`
	Costs           []any  `json:"costs"`
	Created         string `json:"created"`
	Currency        string `json:"currency"`
	Description     string `json:"description"`
	FinancialStatus string `json:"financial_status"`
	Modified        string `json:"modified"`
	OrderID         string `json:"order_id"`
	Status          string `json:"status"`
	TransactionID   int64  `json:"transaction_id"`
	Type            string `json:"type"`
}

type shoppingCartJSON struct {
	Items []cartItemJSON `json:"items"`
}

type cartItemJSON struct {
	Cashback         string      `json:"cashback"`
	Currency         string      `json:"currency"`
	Description      string      `json:"description"`
	Image            string      `json:"image"`
	MerchantItemID   any         `json:"merchant_item_id"`
	Name             string      `json:"name"`
	Options          []any       `json:"options"`
	ProductURL       string      `json:"product_url"`
	Quantity         int64       `json:"quantity"`
	TaxTableSelector string      `json:"tax_table_selector"`
	UnitPrice        string      `json:"unit_price"`
	Weight           *weightJSON `json:"weight,omitempty"`
}

type weightJSON struct {
	Unit  string `json:"unit"`
	Value any    `json:"value"`
}

type checkoutOptionsJSON struct {
	Alternate []altTableJSON   `json:"alternate"`
	Default   defaultTableJSON `json:"default"`
}

type altTableJSON struct {
	Name  string     `json:"name"`
	Rules []ruleJSON `json:"rules"`
	// Standalone comes back the way PHP prints a boolean: "" or "1".
	Standalone string `json:"standalone"`
}

type ruleJSON struct {
	Country string `json:"country"`
	Rate    string `json:"rate"`
}

type defaultTableJSON struct {
	Rate          string `json:"rate"`
	ShippingTaxed bool   `json:"shipping_taxed"`
}

func rateText(s string) string {
	r, ok := parseDecimal(s)
	if !ok {
		return s
	}
	return formatDecimal(r)
}

// view renders the order as MultiSafepay shows it at now.
func (o *Order) view(now time.Time) orderJSON {
	v := orderJSON{
		Amount:          o.Amount,
		AmountRefunded:  o.AmountRefunded,
		Completed:       stampPtr(o.Completed),
		Costs:           []any{},
		Created:         stamp(o.Created),
		Currency:        o.Currency,
		CustomInfo:      customInfoJSON{null(o.CustomInfo[0]), null(o.CustomInfo[1]), null(o.CustomInfo[2])},
		Customer:        o.customerView(),
		Description:     o.Description,
		Fastcheckout:    "NO",
		FinancialStatus: o.FinancialStatus,
		Items:           null(o.itemsText()),
		Modified:        stamp(o.Modified),
		OrderID:         o.OrderID,
		PaymentDetails:  o.paymentDetails(),
		PaymentMethods:  []paymentMethodUsed{},
		Reason:          o.Reason,
		ReasonCode:      "",
		Status:          o.Status,
		TransactionID:   o.TransactionID,
		Var1:            null(o.Vars[0]),
		Var2:            null(o.Vars[1]),
		Var3:            null(o.Vars[2]),
	}
	if o.Gateway != "" {
		v.PaymentMethods = append(v.PaymentMethods, paymentMethodUsed{
			Amount: o.Amount, Currency: o.Currency, Description: o.Description, ExternalTransactionID: o.ExternalID,
			PaymentDescription: o.GatewayName, Status: o.FinancialStatus, Type: o.Gateway,
		})
	}
	for i := range o.Refunds {
		rf := &o.Refunds[i]
		st := rf.status(now)
		v.RelatedTransactions = append(v.RelatedTransactions, relatedJSON{
			Amount: rf.Amount, Costs: []any{}, Created: stamp(rf.Created), Currency: rf.Currency, Description: rf.Description,
			FinancialStatus: st, Modified: stamp(rf.modified(now)), OrderID: rf.OrderID, Status: st, TransactionID: rf.ID, Type: "refund",
		})
	}
	if cb := o.Chargeback; cb != nil {
		v.RelatedTransactions = append(v.RelatedTransactions, relatedJSON{
			Amount: cb.Amount, Costs: []any{}, Created: stamp(cb.Created), Currency: cb.Currency, Description: cb.Description,
			FinancialStatus: cb.Status, Modified: stamp(cb.Modified), OrderID: cb.OrderID, Status: cb.Status, TransactionID: cb.ID, Type: "chargeback",
		})
	}
	if o.Cart != nil {
		v.ShoppingCart = o.cartView()
		v.CheckoutOptions = o.checkoutOptionsView()
		totals := CartTotals{}
		if o.Totals != nil {
			totals = *o.Totals
		}
		v.OrderAdjustment = &orderAdjustmentJSON{TotalAdjustment: formatMinor(0, o.Currency), TotalTax: formatMinor(totals.Tax, o.Currency)}
		total := formatMinor(totals.Total, o.Currency)
		v.OrderTotal = &total
	}
	return v
}

func (o *Order) customerView() customerJSON {
	c := o.Customer
	phone := c.Phone
	if phone == "" {
		phone = o.GatewayInfo["phone"]
	}
	if phone == "" && o.Delivery != nil {
		phone = o.Delivery.Phone
	}
	email := c.Email
	if email == "" {
		email = o.GatewayInfo["email"]
	}
	locale := c.Locale
	if locale == "" {
		locale = "en_US"
	}
	return customerJSON{
		Address1: null(c.Address1), Address2: null(c.Address2), City: null(c.City), Country: null(c.Country),
		Email: email, FirstName: null(c.FirstName), HouseNumber: null(c.HouseNumber), LastName: null(c.LastName),
		Locale: locale, Phone1: null(phone), Phone2: "", State: null(c.State), ZipCode: null(c.ZipCode),
	}
}

func (o *Order) paymentDetails() map[string]any {
	d := map[string]any{
		"collecting_flow":         nil,
		"external_transaction_id": null(o.ExternalID),
		"recurring_flow":          null(o.RecurringFlow),
		"recurring_id":            null(o.RecurringID),
		"recurring_model":         null(o.RecurringModel),
		"type":                    null(o.Gateway),
	}
	gi := o.GatewayInfo
	switch {
	case o.Gateway == "IDEAL":
		d["account_holder_name"], d["account_iban"], d["account_id"] = nil, nil, nil
		d["issuer_id"] = null(gi["issuer_id"])
	case o.Gateway == "DIRDEB":
		d["account_holder_name"] = null(gi["account_holder_name"])
		d["account_iban"] = null(maskIBAN(gi["account_id"]))
		d["account_id"] = nil
	case len(gi["card_number"]) >= 4:
		n := gi["card_number"]
		d["last4"] = n[len(n)-4:]
		d["card_expiry_date"] = null(gi["card_expiry_date"])
	}
	if o.ManualCapture {
		d["capture"] = "manual"
		d["capture_expiry"] = nil
		if !o.CaptureExpiry.IsZero() {
			d["capture_expiry"] = stamp(o.CaptureExpiry)
		}
		d["capture_remain"] = o.CaptureRemain
	}
	return d
}

// maskIBAN keeps the last four characters, as POST notifications do.
func maskIBAN(iban string) string {
	if len(iban) <= 4 {
		return iban
	}
	return "*** " + iban[len(iban)-4:]
}

func (o *Order) cartView() *shoppingCartJSON {
	sc := &shoppingCartJSON{Items: []cartItemJSON{}}
	for _, it := range o.Cart {
		price := it.UnitPrice
		if r, ok := parseDecimal(it.UnitPrice); ok {
			price = formatDecimal(r)
		}
		cur := it.Currency
		if cur == "" {
			cur = o.Currency
		}
		item := cartItemJSON{
			Currency: cur, Description: it.Description, Image: it.Image, MerchantItemID: numberish(it.MerchantItemID, integerText),
			Name: it.Name, Options: []any{}, ProductURL: it.ProductURL, Quantity: it.Quantity,
			TaxTableSelector: it.TaxTableSelector, UnitPrice: price,
		}
		if it.Weight != nil {
			item.Weight = &weightJSON{Unit: it.Weight.Unit, Value: numberish(it.Weight.Value, decimalText)}
		}
		sc.Items = append(sc.Items, item)
	}
	return sc
}

func (o *Order) checkoutOptionsView() *checkoutOptionsJSON {
	co := &checkoutOptionsJSON{Alternate: []altTableJSON{}, Default: defaultTableJSON{Rate: "0.00"}}
	if o.Tax == nil {
		return co
	}
	co.Default = defaultTableJSON{Rate: rateText(o.Tax.Default.Rate), ShippingTaxed: o.Tax.Default.ShippingTaxed}
	for _, t := range o.Tax.Alternate {
		a := altTableJSON{Name: t.Name, Rules: []ruleJSON{}}
		if t.Standalone {
			a.Standalone = "1"
		}
		for _, r := range t.Rules {
			a.Rules = append(a.Rules, ruleJSON{Country: r.Country, Rate: rateText(r.Rate)})
		}
		co.Alternate = append(co.Alternate, a)
	}
	return co
}

// itemsText is the merchant's items text, or a table MultiSafepay makes
// from the shopping cart.
func (o *Order) itemsText() string {
	if o.Items != "" || len(o.Cart) == 0 {
		return o.Items
	}
	var b strings.Builder
	b.WriteString(`<table border="0" cellpadding="5" width="100%"><tr><th align="left">Quantity</th><th align="left">Description</th><th align="right">Price</th></tr>`)
	for _, it := range o.Cart {
		price := it.UnitPrice
		if r, ok := parseDecimal(it.UnitPrice); ok {
			price = formatDecimal(new(big.Rat).Mul(r, new(big.Rat).SetInt64(it.Quantity)))
		}
		b.WriteString("<tr><td>")
		b.WriteString(html.EscapeString(big.NewInt(it.Quantity).String()))
		b.WriteString("</td><td>")
		b.WriteString(html.EscapeString(it.Name))
		b.WriteString(`</td><td align="right">`)
		b.WriteString(html.EscapeString(o.Currency + " " + price))
		b.WriteString("</td></tr>")
	}
	b.WriteString("</table>")
	return b.String()
}
