package multisafepay

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Money is int64 minor units inside; the cart speaks major units without VAT
// (unit_price) and fractions for tax rates, so cart arithmetic is exact
// (big.Rat) and rounds once, at the end.

// supportedCurrencies are the currencies MultiSafepay processes.
var supportedCurrencies = setOf("AED AUD BGN BRL CAD CHF CLP CNY COP CZK DKK EUR GBP HKD HRK HUF ILS INR ISK JPY KRW MXN MYR NOK NZD PEN PHP PLN RON RUB SEK SGD THB TRY TWD UAH USD VEF ZAR")

// zeroDecimal currencies have no minor unit.
var zeroDecimal = setOf("CLP ISK JPY KRW")

// countries are the ISO 3166-1 alpha-2 codes.
var countries = setOf(`AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ
FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT
JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP
MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE
RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW`)

func setOf(s string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(s) {
		m[f] = true
	}
	return m
}

// normCurrency upper-cases a currency code and says whether MultiSafepay takes it.
func normCurrency(s string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(s))
	return c, supportedCurrencies[c]
}

// validCountry accepts an ISO 3166-1 alpha-2 code in any case.
func validCountry(s string) bool { return countries[strings.ToUpper(s)] }

func exponent(currency string) int {
	if zeroDecimal[currency] {
		return 0
	}
	return 2
}

// parseMinor reads an amount in minor units given as a JSON number or a
// numeric string ("10000"); clients send both.
func parseMinor(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, true
	}
	// 10000.0 is an integer too.
	r, ok := parseDecimal(s)
	if !ok || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return r.Num().Int64(), true
}

// parseDecimal reads a decimal number ("100", "8.2644", "-10", "1e2").
func parseDecimal(s string) (*big.Rat, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "/ ") || len(s) > 40 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// parseBool reads MultiSafepay's loose booleans: true, "true", "1", 1.
func parseBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// toMinor converts major units to minor units, rounding half away from zero.
func toMinor(major *big.Rat, currency string) int64 {
	scaled := new(big.Rat).Mul(major, new(big.Rat).SetInt(pow10(exponent(currency))))
	return roundRat(scaled)
}

func pow10(n int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil) }

func roundRat(r *big.Rat) int64 {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	twice := new(big.Int).Mul(new(big.Int).Abs(m), big.NewInt(2))
	if twice.Cmp(r.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	return q.Int64()
}

// formatMinor renders minor units as major units with the currency's decimals ("100.00").
func formatMinor(minor int64, currency string) string {
	e := exponent(currency)
	r := new(big.Rat).SetFrac(big.NewInt(minor), pow10(e))
	return r.FloatString(e)
}

// formatDecimal renders a decimal with at least two decimals and no more than
// it needs (up to ten): "100" -> "100.00", "8.2644" -> "8.2644", 0.21 -> "0.21".
func formatDecimal(r *big.Rat) string {
	for d := 2; d < 10; d++ {
		scaled := new(big.Rat).Mul(r, new(big.Rat).SetInt(pow10(d)))
		if scaled.IsInt() {
			return r.FloatString(d)
		}
	}
	return r.FloatString(10)
}

// CartItem is one shopping_cart line as stored.
type CartItem struct {
	Name             string  `json:"name"`
	Description      string  `json:"description,omitempty"`
	UnitPrice        string  `json:"unit_price"` // major units, VAT excluded, as the merchant sent it
	Quantity         int64   `json:"quantity"`
	MerchantItemID   string  `json:"merchant_item_id,omitempty"`
	TaxTableSelector string  `json:"tax_table_selector,omitempty"`
	Currency         string  `json:"currency,omitempty"`
	Image            string  `json:"image,omitempty"`
	ProductURL       string  `json:"product_url,omitempty"`
	Weight           *Weight `json:"weight,omitempty"`
}

// Weight of a cart line.
type Weight struct {
	Unit  string `json:"unit"`
	Value string `json:"value"`
}

// TaxTables is checkout_options.tax_tables.
type TaxTables struct {
	Default   TaxDefault `json:"default"`
	Alternate []TaxTable `json:"alternate,omitempty"`
}

// TaxDefault is the rate for lines without a tax_table_selector.
type TaxDefault struct {
	Rate          string `json:"rate"`
	ShippingTaxed bool   `json:"shipping_taxed"`
}

// TaxTable is a named (alternate) table that lines select.
type TaxTable struct {
	Name       string    `json:"name"`
	Standalone bool      `json:"standalone"`
	Rules      []TaxRule `json:"rules"`
}

// TaxRule is a rate, optionally for one country only.
type TaxRule struct {
	Rate    string `json:"rate"`
	Country string `json:"country,omitempty"`
}

// validRate accepts a tax rate as a fraction: 0.21, not 21.
func validRate(s string) (*big.Rat, bool) {
	r, ok := parseDecimal(s)
	if !ok || r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, false
	}
	return r, true
}

// checkTaxTables reports 1029 for a bad default rate and 1028 for a bad
// custom (alternate) rate.
func checkTaxTables(t *TaxTables) *Error {
	if t == nil {
		return nil
	}
	if _, ok := validRate(t.Default.Rate); !ok {
		return errCart(1029, fmt.Sprintf("Incorrect item tax rate: default rate %q is not a fraction between 0 and 1", t.Default.Rate))
	}
	for _, tab := range t.Alternate {
		for _, rule := range tab.Rules {
			if _, ok := validRate(rule.Rate); !ok {
				return errCart(1028, fmt.Sprintf("Incorrect custom tax rate: rate %q of tax table %q is not a fraction between 0 and 1", rule.Rate, tab.Name))
			}
		}
	}
	return nil
}

// rateFor finds the tax rate of a line: its selected alternate table (the
// rule for the country, else the rule without a country), or the default.
func rateFor(it CartItem, t *TaxTables, country string) (*big.Rat, *Error) {
	if t == nil {
		return new(big.Rat), nil
	}
	def, _ := validRate(t.Default.Rate)
	if def == nil {
		def = new(big.Rat)
	}
	if it.TaxTableSelector == "" {
		return def, nil
	}
	for _, tab := range t.Alternate {
		if tab.Name != it.TaxTableSelector {
			continue
		}
		var fallback *TaxRule
		for i, rule := range tab.Rules {
			if rule.Country != "" && strings.EqualFold(rule.Country, country) {
				r, _ := validRate(rule.Rate)
				return r, nil
			}
			if rule.Country == "" && fallback == nil {
				fallback = &tab.Rules[i]
			}
		}
		if fallback != nil {
			r, _ := validRate(fallback.Rate)
			return r, nil
		}
		return def, nil
	}
	return nil, errCart(1029, fmt.Sprintf("Incorrect item tax rate: no tax table named %q", it.TaxTableSelector))
}

// CartTotals is what a cart adds up to, in minor units.
type CartTotals struct {
	Total int64 // with tax
	Tax   int64
}

// priceCart adds up Σ unit_price × quantity × (1 + rate) exactly and rounds
// the totals once to the currency's minor unit.
func priceCart(items []CartItem, t *TaxTables, country, currency string) (CartTotals, *Error) {
	net, tax := new(big.Rat), new(big.Rat)
	for _, it := range items {
		price, ok := parseDecimal(it.UnitPrice)
		if !ok {
			return CartTotals{}, errCart(1031, fmt.Sprintf("Incorrect item price: %q", it.UnitPrice))
		}
		rate, err := rateFor(it, t, country)
		if err != nil {
			return CartTotals{}, err
		}
		line := new(big.Rat).Mul(price, new(big.Rat).SetInt64(it.Quantity))
		net.Add(net, line)
		tax.Add(tax, new(big.Rat).Mul(line, rate))
	}
	total := new(big.Rat).Add(net, tax)
	return CartTotals{Total: toMinor(total, currency), Tax: toMinor(tax, currency)}, nil
}

// checkCart applies the cart rules of an order: prices, quantities, item
// currencies (1025, 1026, 1030, 1031), tax tables (1028, 1029) and that the
// cart with tax adds up to amount (1027).
func checkCart(items []CartItem, t *TaxTables, country, currency string, amount int64) (CartTotals, *Error) {
	if len(items) == 0 {
		return CartTotals{}, errMissing("shopping_cart.items")
	}
	seen := map[string]bool{}
	for _, it := range items {
		if _, ok := parseDecimal(it.UnitPrice); !ok {
			return CartTotals{}, errCart(1031, fmt.Sprintf("Incorrect item price: %q", it.UnitPrice))
		}
		if it.Quantity < 1 {
			return CartTotals{}, errCart(1031, fmt.Sprintf("Incorrect item price: quantity %d of %q", it.Quantity, it.Name))
		}
		if it.Currency != "" {
			if !supportedCurrencies[it.Currency] {
				return CartTotals{}, errCart(1030, fmt.Sprintf("Incorrect item currency: %q", it.Currency))
			}
			seen[it.Currency] = true
		}
	}
	if len(seen) > 1 {
		return CartTotals{}, errCart(1025, "Multiple currencies in cart")
	}
	for c := range seen {
		if c != currency {
			return CartTotals{}, errCart(1026, fmt.Sprintf("Cart currency %s differs from order currency %s", c, currency))
		}
	}
	if err := checkTaxTables(t); err != nil {
		return CartTotals{}, err
	}
	totals, err := priceCart(items, t, country, currency)
	if err != nil {
		return CartTotals{}, err
	}
	if totals.Total != amount {
		return CartTotals{}, errCart(1027, fmt.Sprintf("Cart amount (%d) must equal order amount (%d)", totals.Total, amount))
	}
	return totals, nil
}
