package multisafepay

import (
	"testing"
)

func TestParseMinor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"10000", 10000, true},
		{" 10000 ", 10000, true},
		{"10000.0", 10000, true},
		{"0", 0, true},
		{"-5", -5, true},
		{"", 0, false},
		{"10.5", 0, false},
		{"abc", 0, false},
		{"1/2", 0, false},
	} {
		got, ok := parseMinor(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseMinor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"100", "100.00"}, {"8.2644", "8.2644"}, {"0", "0.00"}, {"0.21", "0.21"}, {"-10", "-10.00"}, {"1e2", "100.00"}, {"0.095", "0.095"},
	} {
		r, ok := parseDecimal(tc.in)
		if !ok {
			t.Fatalf("parseDecimal(%q) failed", tc.in)
		}
		if got := formatDecimal(r); got != tc.want {
			t.Errorf("formatDecimal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := formatMinor(10000, "EUR"); got != "100.00" {
		t.Errorf("formatMinor EUR = %q", got)
	}
	if got := formatMinor(1234, "JPY"); got != "1234" {
		t.Errorf("formatMinor JPY = %q", got)
	}
	if got := formatMinor(-5, "EUR"); got != "-0.05" {
		t.Errorf("formatMinor negative = %q", got)
	}
}

func TestRounding(t *testing.T) {
	for _, tc := range []struct {
		major string
		want  int64
	}{{"1.005", 101}, {"1.004", 100}, {"-1.005", -101}, {"12.1", 1210}, {"0.125", 13}} {
		r, _ := parseDecimal(tc.major)
		if got := toMinor(r, "EUR"); got != tc.want {
			t.Errorf("toMinor(%s) = %d, want %d", tc.major, got, tc.want)
		}
	}
}

// seedTax is the seed's tax tables: default 0, alternates "none" and "FEE" at 0.
func seedTax() *TaxTables {
	return &TaxTables{Default: TaxDefault{Rate: "0"}, Alternate: []TaxTable{
		{Name: "none", Rules: []TaxRule{{Rate: "0"}}},
		{Name: "FEE", Rules: []TaxRule{{Rate: "0"}}},
	}}
}

func vatTax() *TaxTables {
	return &TaxTables{Default: TaxDefault{Rate: "0.21"}, Alternate: []TaxTable{
		{Name: "low", Rules: []TaxRule{{Rate: "0.09", Country: "NL"}, {Rate: "0.06", Country: "BE"}, {Rate: "0.07"}}},
		{Name: "none", Rules: []TaxRule{{Rate: "0"}}},
	}}
}

func TestCheckCart(t *testing.T) {
	seedItem := CartItem{Name: "Test", UnitPrice: "100", Quantity: 1, MerchantItemID: "1111", TaxTableSelector: "none"}
	for _, tc := range []struct {
		name     string
		items    []CartItem
		tax      *TaxTables
		country  string
		amount   int64
		code     int
		total    int64
		totalTax int64
	}{
		{name: "seed cart", items: []CartItem{seedItem}, tax: seedTax(), country: "NL", amount: 10000, total: 10000},
		{name: "seed cart, amount off by one", items: []CartItem{seedItem}, tax: seedTax(), amount: 10001, code: 1027},
		{name: "default 21%: 10 x 8.2644 + tax = 100.00", items: []CartItem{{Name: "a", UnitPrice: "8.2644", Quantity: 10}}, tax: vatTax(), amount: 10000, total: 10000, totalTax: 1736},
		{name: "country rule NL 9%", items: []CartItem{{Name: "a", UnitPrice: "10", Quantity: 1, TaxTableSelector: "low"}}, tax: vatTax(), country: "NL", amount: 1090, total: 1090, totalTax: 90},
		{name: "country rule BE 6%", items: []CartItem{{Name: "a", UnitPrice: "10", Quantity: 1, TaxTableSelector: "low"}}, tax: vatTax(), country: "BE", amount: 1060, total: 1060, totalTax: 60},
		{name: "rule without country otherwise", items: []CartItem{{Name: "a", UnitPrice: "10", Quantity: 1, TaxTableSelector: "low"}}, tax: vatTax(), country: "DE", amount: 1070, total: 1070, totalTax: 70},
		{name: "discount line", items: []CartItem{{Name: "a", UnitPrice: "50", Quantity: 2}, {Name: "coupon", UnitPrice: "-10", Quantity: 1}}, tax: nil, amount: 9000, total: 9000},
		{name: "no tax tables: no tax", items: []CartItem{seedItem}, tax: nil, amount: 10000, total: 10000},
		{name: "empty cart", items: nil, tax: seedTax(), amount: 10000, code: 1016},
		{name: "bad price", items: []CartItem{{Name: "a", UnitPrice: "ten", Quantity: 1}}, amount: 1000, code: 1031},
		{name: "zero quantity", items: []CartItem{{Name: "a", UnitPrice: "10", Quantity: 0}}, amount: 1000, code: 1031},
		{name: "two currencies", items: []CartItem{{Name: "a", UnitPrice: "5", Quantity: 1, Currency: "EUR"}, {Name: "b", UnitPrice: "5", Quantity: 1, Currency: "GBP"}}, amount: 1000, code: 1025},
		{name: "cart currency differs", items: []CartItem{{Name: "a", UnitPrice: "10", Quantity: 1, Currency: "GBP"}}, amount: 1000, code: 1026},
		{name: "unknown item currency", items: []CartItem{{Name: "a", UnitPrice: "10", Quantity: 1, Currency: "XXX"}}, amount: 1000, code: 1030},
		{name: "custom rate as percent", items: []CartItem{seedItem}, tax: &TaxTables{Default: TaxDefault{Rate: "0"}, Alternate: []TaxTable{{Name: "none", Rules: []TaxRule{{Rate: "21"}}}}}, amount: 10000, code: 1028},
		{name: "default rate as percent", items: []CartItem{seedItem}, tax: &TaxTables{Default: TaxDefault{Rate: "21"}}, amount: 10000, code: 1029},
		{name: "unknown tax table", items: []CartItem{{Name: "a", UnitPrice: "10", Quantity: 1, TaxTableSelector: "nope"}}, tax: seedTax(), amount: 1000, code: 1029},
	} {
		t.Run(tc.name, func(t *testing.T) {
			totals, err := checkCart(tc.items, tc.tax, tc.country, "EUR", tc.amount)
			if tc.code != 0 {
				if err == nil || err.Code != tc.code {
					t.Fatalf("got %v, want code %d", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected %v", err)
			}
			if totals.Total != tc.total || totals.Tax != tc.totalTax {
				t.Errorf("totals %+v, want total %d tax %d", totals, tc.total, tc.totalTax)
			}
		})
	}
}

func TestCurrencyAndCountry(t *testing.T) {
	if c, ok := normCurrency("eur"); !ok || c != "EUR" {
		t.Errorf("normCurrency(eur) = %q %v", c, ok)
	}
	if _, ok := normCurrency("XYZ"); ok {
		t.Error("XYZ accepted")
	}
	if !validCountry("nl") || validCountry("XX") || validCountry("") {
		t.Error("validCountry wrong")
	}
}
