package klarna

import (
	"fmt"
	"io/fs"
	"strings"

	"gopkg.in/yaml.v3"
)

// Markets is fixtures/klarna/markets.yaml: which locales and currency fit each
// purchase country, and which payment method categories a session offers there.
type Markets struct {
	byCountry  map[string]*market
	categories map[string]categoryDef
	assets     AssetURLs
}

type market struct {
	Country    string
	Currency   string
	Locales    []string
	Categories []marketCategory
}

type categoryDef struct {
	Name          string                  `yaml:"name"`
	PaymentMethod AuthorizedPaymentMethod `yaml:"payment_method"`
	TokenType     string                  `yaml:"token_type"`
}

type marketCategory struct {
	Identifier    string                   `yaml:"identifier"`
	Name          string                   `yaml:"name"`
	PaymentMethod *AuthorizedPaymentMethod `yaml:"payment_method"`
}

// loadMarkets reads klarna/markets.yaml from the fixtures file system.
func loadMarkets(fsys fs.FS) (*Markets, error) {
	raw, err := fs.ReadFile(fsys, "klarna/markets.yaml")
	if err != nil {
		return nil, err
	}
	var doc struct {
		AssetURLs  AssetURLs              `yaml:"asset_urls"`
		Categories map[string]categoryDef `yaml:"categories"`
		Markets    []struct {
			Country    string           `yaml:"country"`
			Currency   string           `yaml:"currency"`
			Locales    []string         `yaml:"locales"`
			Categories []marketCategory `yaml:"categories"`
		} `yaml:"markets"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("klarna/markets.yaml: %w", err)
	}
	m := &Markets{byCountry: map[string]*market{}, categories: doc.Categories, assets: doc.AssetURLs}
	for _, mk := range doc.Markets {
		for _, c := range mk.Categories {
			if _, ok := doc.Categories[c.Identifier]; !ok {
				return nil, fmt.Errorf("klarna/markets.yaml: market %s: unknown category %q", mk.Country, c.Identifier)
			}
		}
		m.byCountry[strings.ToUpper(mk.Country)] = &market{Country: strings.ToUpper(mk.Country), Currency: mk.Currency, Locales: mk.Locales, Categories: mk.Categories}
	}
	return m, nil
}

func (m *Markets) market(country string) *market { return m.byCountry[strings.ToUpper(country)] }

// categoriesFor lists what a session in country offers.
func (m *Markets) categoriesFor(country string) []PaymentMethodCategory {
	out := []PaymentMethodCategory{}
	mk := m.market(country)
	if mk == nil {
		return out
	}
	for _, c := range mk.Categories {
		out = append(out, PaymentMethodCategory{Identifier: c.Identifier, Name: m.categoryName(country, c.Identifier), AssetURLs: m.assets})
	}
	return out
}

// categoryName is what a session in country calls category.
func (m *Markets) categoryName(country, category string) string {
	if mk := m.market(country); mk != nil {
		for _, c := range mk.Categories {
			if c.Identifier == category && c.Name != "" {
				return c.Name
			}
		}
	}
	return m.categories[category].Name
}

// paymentMethod is what an order placed with category in country reports.
func (m *Markets) paymentMethod(country, category string) AuthorizedPaymentMethod {
	if mk := m.market(country); mk != nil {
		for _, c := range mk.Categories {
			if c.Identifier == category && c.PaymentMethod != nil {
				return *c.PaymentMethod
			}
		}
	}
	if def, ok := m.categories[category]; ok {
		return def.PaymentMethod
	}
	return AuthorizedPaymentMethod{Type: "invoice", NumberOfDays: 30}
}

// tokenType is the payment_method_type of a customer token made with category.
func (m *Markets) tokenType(category string) string {
	if t := m.categories[category].TokenType; t != "" {
		return t
	}
	return "INVOICE"
}

// checkMarket is the rule no schema expresses: the currency and the locale
// must be the purchase country's.
func (m *Markets) checkMarket(country, currency, locale string) []string {
	mk := m.market(country)
	if mk == nil {
		return []string{"purchase_country"}
	}
	var bad []string
	if !strings.EqualFold(currency, mk.Currency) {
		bad = append(bad, "purchase_currency")
	}
	if locale != "" && !containsFold(mk.Locales, locale) {
		bad = append(bad, "locale")
	}
	return bad
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// Limits from Klarna's order line definition.
const (
	maxOrderLines = 1000
	maxLineAmount = 200_000_000
)

// checkLines applies the order line arithmetic. The amounts are checked as
// Klarna's field descriptions state them:
//
//	total_amount = quantity * unit_price - total_discount_amount
//	total_tax_amount within ±1 of total_amount - total_amount*10000/(10000+tax_rate)
//	order_amount = sum of total_amount
//	order_tax_amount = sum of total_tax_amount, ± the number of lines
//
// except in the US, where tax is a sales_tax line without tax_rate and
// order_tax_amount is that line's total. It returns the rejected field paths.
func checkLines(country string, orderAmount, orderTax int64, lines []OrderLine) []string {
	if len(lines) == 0 || len(lines) > maxOrderLines {
		return []string{"order_lines"}
	}
	bad, sumTotal, sumTax, salesTax := lineArithmetic(country, lines)
	if len(bad) > 0 {
		return bad
	}
	if orderAmount != sumTotal {
		bad = append(bad, "order_amount")
	}
	if strings.EqualFold(country, "US") {
		if orderTax != salesTax {
			bad = append(bad, "order_tax_amount")
		}
	} else if abs(orderTax-sumTax) > int64(len(lines)) {
		bad = append(bad, "order_tax_amount")
	}
	return bad
}

// lineArithmetic checks each line on its own and sums the lines' totals,
// taxes and sales tax lines.
func lineArithmetic(country string, lines []OrderLine) (bad []string, sumTotal, sumTax, salesTax int64) {
	us := strings.EqualFold(country, "US")
	for i, l := range lines {
		at := func(f string) string { return fmt.Sprintf("order_lines[%d].%s", i, f) }
		switch {
		case strings.TrimSpace(l.Name) == "":
			bad = append(bad, at("name"))
		case l.Quantity < 0:
			bad = append(bad, at("quantity"))
		case l.TaxRate < 0 || l.TaxRate > 10000:
			bad = append(bad, at("tax_rate"))
		case l.TotalDiscountAmount < 0:
			bad = append(bad, at("total_discount_amount"))
		case abs(l.UnitPrice) > maxLineAmount:
			bad = append(bad, at("unit_price"))
		case abs(l.TotalAmount) > maxLineAmount || l.TotalAmount != l.Quantity*l.UnitPrice-l.TotalDiscountAmount:
			bad = append(bad, at("total_amount"))
		case us && l.Type == "sales_tax" && l.TaxRate != 0:
			bad = append(bad, at("tax_rate"))
		case abs(l.TotalTaxAmount-lineTax(l.TotalAmount, l.TaxRate)) > 1:
			bad = append(bad, at("total_tax_amount"))
		}
		sumTotal += l.TotalAmount
		sumTax += l.TotalTaxAmount
		if l.Type == "sales_tax" {
			salesTax += l.TotalAmount
		}
	}
	return bad, sumTotal, sumTax, salesTax
}

// lineTax is the tax contained in a tax-inclusive total at rate (two implied
// decimals: 2500 is 25%), rounded half away from zero.
func lineTax(total, rate int64) int64 {
	return total - roundDiv(total*10000, 10000+rate)
}

func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -((-a + b/2) / b)
	}
	return (a + b/2) / b
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// checkPurchase is the whole cart check of create session, update session and
// create order: market fit, then arithmetic.
func (m *Markets) checkPurchase(p *Purchase) *Error {
	if bad := m.checkMarket(p.PurchaseCountry, p.PurchaseCurrency, p.Locale); len(bad) > 0 {
		return badValue(bad...)
	}
	if p.OrderAmount < 0 {
		return badValue("order_amount")
	}
	if p.OrderTaxAmount < 0 {
		return badValue("order_tax_amount")
	}
	if bad := checkLines(p.PurchaseCountry, p.OrderAmount, p.OrderTaxAmount, p.OrderLines); len(bad) > 0 {
		return badValue(bad...)
	}
	return nil
}

// requiredBillingFields are what Klarna's widget makes the customer fill in
// before it authorizes; region only where the market needs it.
func missingBillingFields(a *Address, country string) []string {
	if a == nil {
		a = &Address{}
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"given_name", a.GivenName}, {"family_name", a.FamilyName}, {"email", a.Email},
		{"street_address", a.StreetAddress}, {"postal_code", a.PostalCode}, {"city", a.City}, {"country", a.Country},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, "billing_address."+f.name)
		}
	}
	c := strings.ToUpper(country)
	if (c == "US" || c == "AU") && strings.TrimSpace(a.Region) == "" {
		missing = append(missing, "billing_address.region")
	}
	return missing
}
