package klarna

import (
	"encoding/base64"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/fixtures"
)

func testMarkets(t *testing.T) *Markets {
	t.Helper()
	m, err := loadMarkets(fixtures.FS)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMarketsFixtureHasTheTwentySixMarkets(t *testing.T) {
	m := testMarkets(t)
	if len(m.byCountry) != 26 {
		t.Fatalf("markets: %d, want 26", len(m.byCountry))
	}
	for c, mk := range m.byCountry {
		if len(mk.Categories) == 0 || len(mk.Locales) == 0 || len(mk.Currency) != 3 {
			t.Errorf("%s: incomplete market %+v", c, mk)
		}
	}
	cats := m.categoriesFor("se")
	if len(cats) != 1 || cats[0].Identifier != "klarna" || cats[0].Name != "Pay with Klarna" ||
		!strings.HasPrefix(cats[0].AssetURLs.Standard, "https://x.klarnacdn.net/") {
		t.Errorf("SE categories: %+v", cats)
	}
	if got := m.paymentMethod("US", "pay_later"); got.Type != "fixed_amount" || got.NumberOfInstallments != 4 {
		t.Errorf("US pay_later: %+v", got)
	}
	if got := m.paymentMethod("SE", "klarna"); got.Type != "invoice" || got.NumberOfDays != 30 {
		t.Errorf("SE klarna: %+v", got)
	}
}

func TestCheckMarket(t *testing.T) {
	m := testMarkets(t)
	tests := []struct {
		country, currency, locale string
		want                      []string
	}{
		{"SE", "SEK", "sv-SE", nil},
		{"se", "sek", "EN-se", nil},
		{"CH", "CHF", "it-CH", nil},
		{"US", "USD", "es-US", nil},
		{"SE", "EUR", "sv-SE", []string{"purchase_currency"}},
		{"SE", "SEK", "de-DE", []string{"locale"}},
		{"DE", "SEK", "en-US", []string{"purchase_currency", "locale"}},
		{"XX", "EUR", "en-US", []string{"purchase_country"}},
		{"GB", "GBP", "", nil}, // no locale: not checked here (sessions default it to en-US first)
	}
	for _, tt := range tests {
		if got := m.checkMarket(tt.country, tt.currency, tt.locale); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("checkMarket(%s,%s,%s) = %v, want %v", tt.country, tt.currency, tt.locale, got, tt.want)
		}
	}
}

func TestLineTax(t *testing.T) {
	tests := []struct{ total, rate, want int64 }{
		{10000, 2500, 2000},
		{12500, 2500, 2500},
		{9500, 2500, 1900},
		{999, 0, 0},
		{-500, 2500, -100},
		{1000, 1900, 160}, // 1000 - 840.34 = 159.66
	}
	for _, tt := range tests {
		if got := lineTax(tt.total, tt.rate); got != tt.want {
			t.Errorf("lineTax(%d, %d) = %d, want %d", tt.total, tt.rate, got, tt.want)
		}
	}
}

func line(qty, price, discount, rate, tax int64) OrderLine {
	return OrderLine{Type: "physical", Name: "Item", Quantity: qty, UnitPrice: price, TotalDiscountAmount: discount,
		TotalAmount: qty*price - discount, TaxRate: rate, TotalTaxAmount: tax}
}

func TestCheckLines(t *testing.T) {
	good := line(2, 5000, 500, 2500, 1900) // 9500 incl. 1900 tax
	wrongTotal := good
	wrongTotal.TotalAmount = 10000
	taxOffByTwo := good
	taxOffByTwo.TotalTaxAmount = 1902
	taxOffByOne := good
	taxOffByOne.TotalTaxAmount = 1901
	discount := OrderLine{Type: "discount", Name: "Promo", Quantity: 1, UnitPrice: -1000, TotalAmount: -1000, TaxRate: 2500, TotalTaxAmount: -200}
	noName := good
	noName.Name = " "
	salesTax := OrderLine{Type: "sales_tax", Name: "Tax", Quantity: 1, UnitPrice: 800, TotalAmount: 800}
	usItem := line(1, 10000, 0, 0, 0)
	salesTaxWithRate := salesTax
	salesTaxWithRate.TaxRate = 800
	salesTaxWithRate.TotalTaxAmount = 59

	tests := []struct {
		name             string
		country          string
		amount, orderTax int64
		lines            []OrderLine
		want             []string
	}{
		{"valid", "SE", 9500, 1900, []OrderLine{good}, nil},
		{"line tax within one", "SE", 9500, 1901, []OrderLine{taxOffByOne}, nil},
		{"line tax off by two", "SE", 9500, 1902, []OrderLine{taxOffByTwo}, []string{"order_lines[0].total_tax_amount"}},
		{"line total not quantity*price-discount", "SE", 10000, 1900, []OrderLine{wrongTotal}, []string{"order_lines[0].total_amount"}},
		{"second line named", "SE", 19000, 3800, []OrderLine{good, wrongTotal}, []string{"order_lines[1].total_amount"}},
		{"discount line with negative tax", "SE", 8500, 1700, []OrderLine{good, discount}, nil},
		{"order amount is the sum", "SE", 9400, 1900, []OrderLine{good}, []string{"order_amount"}},
		{"order tax within number of lines", "SE", 19000, 3802, []OrderLine{good, good}, nil},
		{"order tax beyond number of lines", "SE", 19000, 3803, []OrderLine{good, good}, []string{"order_tax_amount"}},
		{"both sums wrong", "SE", 1, 1, []OrderLine{good}, []string{"order_amount", "order_tax_amount"}},
		{"no lines", "SE", 0, 0, nil, []string{"order_lines"}},
		{"blank name", "SE", 9500, 1900, []OrderLine{noName}, []string{"order_lines[0].name"}},
		{"US sales tax line is the order tax", "US", 10800, 800, []OrderLine{usItem, salesTax}, nil},
		{"US order tax must equal the sales tax line", "US", 10800, 0, []OrderLine{usItem, salesTax}, []string{"order_tax_amount"}},
		{"US without sales tax has no tax", "US", 10000, 0, []OrderLine{usItem}, nil},
		{"US sales tax line takes no tax rate", "US", 10800, 800, []OrderLine{usItem, salesTaxWithRate}, []string{"order_lines[1].tax_rate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkLines(tt.country, tt.amount, tt.orderTax, tt.lines); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	many := make([]OrderLine, maxOrderLines+1)
	if got := checkLines("SE", 0, 0, many); !reflect.DeepEqual(got, []string{"order_lines"}) {
		t.Errorf("1001 lines: %v", got)
	}
}

func TestCheckPurchaseMessages(t *testing.T) {
	m := testMarkets(t)
	p := Purchase{PurchaseCountry: "SE", PurchaseCurrency: "SEK", Locale: "sv-SE", OrderAmount: 9500, OrderTaxAmount: 1900,
		OrderLines: []OrderLine{line(2, 5000, 500, 2500, 1900)}}
	if err := m.checkPurchase(&p); err != nil {
		t.Fatalf("valid purchase: %v", err)
	}
	p.OrderLines[0].TotalAmount = 1
	err := m.checkPurchase(&p)
	if err == nil || err.Status != 400 || err.Code != "BAD_VALUE" || !reflect.DeepEqual(err.Messages, []string{"Bad value: order_lines[0].total_amount"}) {
		t.Fatalf("got %+v", err)
	}
	p.PurchaseCurrency = "EUR"
	if err := m.checkPurchase(&p); err == nil || err.Messages[0] != "Bad value: purchase_currency" {
		t.Fatalf("market checked first: %+v", err)
	}
}

func TestMissingBillingFields(t *testing.T) {
	full := &Address{GivenName: "A", FamilyName: "B", Email: "a@b.se", StreetAddress: "S 1", PostalCode: "12345", City: "C", Country: "SE"}
	if got := missingBillingFields(full, "SE"); got != nil {
		t.Errorf("full SE address: %v", got)
	}
	if got := missingBillingFields(full, "US"); !reflect.DeepEqual(got, []string{"billing_address.region"}) {
		t.Errorf("US needs region: %v", got)
	}
	if got := missingBillingFields(nil, "SE"); len(got) != 7 || got[2] != "billing_address.email" {
		t.Errorf("no address: %v", got)
	}
}

func TestFieldPath(t *testing.T) {
	tests := map[string][]string{
		"order_lines[0].total_amount": {"order_lines", "0", "total_amount"},
		"billing_address.postal_code": {"billing_address", "postal_code"},
		"order_lines[12]":             {"order_lines", "12"},
		"purchase_country":            {"purchase_country"},
	}
	for want, ptr := range tests {
		if got := fieldPath(ptr); got != want {
			t.Errorf("fieldPath(%v) = %q, want %q", ptr, got, want)
		}
	}
}

func TestBasicCredentials(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		header, user, pass string
		ok                 bool
	}{
		{"Basic " + b64("PK_TEST_paysandbox:sandbox"), "PK_TEST_paysandbox", "sandbox", true},
		{"basic " + b64("PK1:pa:ss"), "PK1", "pa:ss", true},
		{"Basic " + b64("klarna_test_api_abc"), "klarna_test_api_abc", "", true},
		{"Basic klarna_test_api_Zm9v_YmFy", "klarna_test_api_Zm9v_YmFy", "", true},
		{"Basic 0b1d9815-165e-42e2-8867-35bc03789e00:klarna_test_api_x", "0b1d9815-165e-42e2-8867-35bc03789e00", "klarna_test_api_x", true},
		{"Basic user:password", "", "", false}, // only Klarna API keys may skip base64
		{"", "", "", false},
		{"Bearer " + b64("a:b"), "", "", false},
		{"Basic", "", "", false},
		{"Basic !!!", "", "", false},
		{"Basic " + b64(":secret"), "", "", false},
	}
	for _, tt := range tests {
		user, pass, ok := basicCredentials(tt.header)
		if user != tt.user || pass != tt.pass || ok != tt.ok {
			t.Errorf("basicCredentials(%q) = %q, %q, %v; want %q, %q, %v", tt.header, user, pass, ok, tt.user, tt.pass, tt.ok)
		}
	}
}

func TestJudge(t *testing.T) {
	tests := []struct {
		email, phone string
		want         verdict
	}{
		{"customer@email.se", "", verdict{}},
		{"customer+denied@email.se", "", verdict{Denied: true}},
		{"Customer+Denied@Email.US", "", verdict{Denied: true}},
		{"customer+denied+auth_otp_phone@email.us", "", verdict{Denied: true}},
		{"customer+pend-accept-05@email.us", "", verdict{Review: FraudAccepted, ReviewAfter: 5 * time.Minute}},
		{"customer+pend-reject-30@email.gb", "", verdict{Review: FraudRejected, ReviewAfter: 30 * time.Minute}},
		{"customer+red@email.us", "", verdict{}},
		{"customer@email.us", "+13106354386", verdict{Denied: true}},
		{"customer@email.us", "+13106683312", verdict{}},
	}
	for _, tt := range tests {
		if got := judge(tt.email, tt.phone); got != tt.want {
			t.Errorf("judge(%q, %q) = %+v, want %+v", tt.email, tt.phone, got, tt.want)
		}
	}
}

func TestMatchAuthorized(t *testing.T) {
	auth := Purchase{PurchaseCountry: "SE", PurchaseCurrency: "SEK", OrderAmount: 9500, OrderTaxAmount: 1900,
		OrderLines:     []OrderLine{line(2, 5000, 500, 2500, 1900)},
		BillingAddress: &Address{PostalCode: "12345", City: "Stockholm", Email: "customer@email.se"}}
	same := auth
	if err := matchAuthorized(&auth, &same); err != nil {
		t.Fatalf("same cart: %v", err)
	}
	moved := auth
	moved.BillingAddress = &Address{PostalCode: "99999", City: "stockholm"}
	err := matchAuthorized(&auth, &moved)
	want := &Error{Status: 409, Code: "BAD_VALUE", Messages: []string{"Not matching fields: [billing_address.postal_code]"}}
	if !reflect.DeepEqual(err, want) {
		t.Fatalf("moved: %+v", err)
	}
	more := auth
	more.OrderLines = append([]OrderLine{}, auth.OrderLines[0], auth.OrderLines[0])
	err = matchAuthorized(&auth, &more)
	want = &Error{Status: 409, Code: "BAD_VALUE", Messages: []string{"Not matching fields: [order_lines]", "Incorrect number of items in the cart. Expected: 1, Actual: 2"}}
	if !reflect.DeepEqual(err, want) {
		t.Fatalf("more lines: %+v", err)
	}
	pricier := auth
	pricier.OrderAmount = 9600
	pricier.OrderLines = []OrderLine{line(2, 5050, 500, 2500, 1900)}
	err = matchAuthorized(&auth, &pricier)
	want = &Error{Status: 409, Code: "BAD_VALUE", Messages: []string{"Not matching fields: [order_amount, order_lines[0].unit_price, order_lines[0].total_amount]"}}
	if !reflect.DeepEqual(err, want) {
		t.Fatalf("pricier: %+v", err)
	}
}
