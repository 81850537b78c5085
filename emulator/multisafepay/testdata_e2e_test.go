package multisafepay_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// Every row of the vendor's test data (its testing page; docs/multisafepay.md
// has the table): the status right away and at each later step, on the
// tenant's virtual clock.

type later struct {
	after             time.Duration
	status, financial string
}

type testRow struct {
	name    string
	gateway string
	amount  int
	// direct: gateway_info of a direct order; page: fields entered on the
	// payment page of a redirect order.
	direct map[string]any
	page   url.Values
	extra  map[string]any // more order fields (customer, delivery...)
	// example: start from a vendor example instead of a bare order.
	example string

	status, financial string // right away
	refused           int    // the page answers this status (the order stays initialized)
	steps             []later
}

func testRows() []testRow {
	card := func(gateway, number string) map[string]any {
		return map[string]any{"card_number": number, "card_holder_name": "Test", "card_expiry_date": "2912", "card_cvc": "123"}
	}
	var rows []testRow
	// Cards.
	for _, c := range []struct{ gateway, number string }{
		{"AMEX", "374500000000015"}, {"MAESTRO", "6799990000000000011"}, {"MASTERCARD", "5500000000000004"},
		{"VISA", "4111111111111111"}, {"VISA", "4761340000000019"},
	} {
		rows = append(rows, testRow{name: "card completed " + c.number, gateway: c.gateway, direct: card(c.gateway, c.number), status: "completed", financial: "completed"})
	}
	rows = append(rows,
		testRow{name: "card 4917300000000008", gateway: "VISA", direct: card("VISA", "4917300000000008"), status: "uncleared", financial: "uncleared",
			steps: []later{{3 * time.Minute, "void", "void"}}},
		testRow{name: "card Amex 378734493671000", gateway: "AMEX", direct: card("AMEX", "378734493671000"), status: "uncleared", financial: "uncleared",
			steps: []later{{3 * time.Minute, "void", "void"}}},
		testRow{name: "card 4462000000000003", gateway: "VISA", direct: card("VISA", "4462000000000003"), status: "uncleared", financial: "uncleared",
			steps: []later{{3 * time.Minute, "completed", "completed"}}},
		testRow{name: "card Amex 374200000000004", gateway: "AMEX", direct: card("AMEX", "374200000000004"), status: "declined", financial: "declined"},
		testRow{name: "card 4012001037461114", gateway: "VISA", direct: card("VISA", "4012001037461114"), status: "declined", financial: "declined"},
		testRow{name: "card 4012001038488884", gateway: "CREDITCARD", direct: card("CREDITCARD", "4012001038488884"), status: "declined", financial: "declined"},
		testRow{name: "card on the page 4917300000000008", gateway: "VISA", page: url.Values{"card_number": {"4917300000000008"}}, status: "uncleared", financial: "uncleared",
			steps: []later{{3 * time.Minute, "void", "void"}}},
		// Bancontact cards, on the payment page.
		testRow{name: "Bancontact 67034500054620008", gateway: "MISTERCASH", page: url.Values{"card_number": {"67034500054620008"}}, status: "completed", financial: "completed"},
		testRow{name: "Bancontact 67039902990000045", gateway: "MISTERCASH", page: url.Values{"card_number": {"67039902990000045"}}, status: "declined", financial: "declined"},
		testRow{name: "Bancontact 67039902990000011", gateway: "MISTERCASH", page: url.Values{"card_number": {"67039902990000011"}}, status: "declined", financial: "declined"},
		// Bank transfer IBANs, on the payment page.
		testRow{name: "bank transfer ...0001", gateway: "BANKTRANS", page: url.Values{"iban": {"NL87ABNA0000000001"}}, status: "initialized", financial: "initialized",
			steps: []later{{2 * time.Minute, "completed", "completed"}}},
		testRow{name: "bank transfer ...0002", gateway: "BANKTRANS", page: url.Values{"iban": {"NL87ABNA0000000002"}}, status: "initialized", financial: "initialized",
			steps: []later{{2 * time.Minute, "expired", "expired"}}},
		testRow{name: "bank transfer ...0004", gateway: "BANKTRANS", page: url.Values{"iban": {"NL87 ABNA 0000 0000 04"}}, status: "initialized", financial: "initialized",
			steps: []later{{2 * time.Minute, "declined", "declined"}}},
		testRow{name: "bank transfer blank IBAN", gateway: "BANKTRANS", page: url.Values{"iban": {" "}, "outcome": {"declined"}}, status: "declined", financial: "declined"},
		testRow{name: "direct debit blank IBAN", gateway: "DIRDEB", page: url.Values{"iban": {" "}, "outcome": {"declined"}}, status: "declined", financial: "declined"},
		testRow{name: "bank transfer other IBAN", gateway: "BANKTRANS", page: url.Values{"iban": {"DE89370400440532013000"}}, status: "initialized", financial: "initialized",
			steps: []later{{5 * 24 * time.Hour, "expired", "expired"}}},
		// SEPA Direct Debit IBANs, direct and on the page.
		testRow{name: "direct debit ...0001", gateway: "DIRDEB", direct: map[string]any{"account_id": "NL87ABNA0000000001", "account_holder_name": "J Janse"},
			status: "initialized", financial: "initialized", steps: []later{{2 * time.Minute, "completed", "completed"}}},
		testRow{name: "direct debit ...0002", gateway: "DIRDEB", direct: map[string]any{"account_id": "NL87ABNA0000000002", "account_holder_name": "J Janse"},
			status: "initialized", financial: "initialized", steps: []later{{2 * time.Minute, "declined", "declined"}}},
		testRow{name: "direct debit ...0003", gateway: "DIRDEB", direct: map[string]any{"account_id": "NL87ABNA0000000003", "account_holder_name": "J Janse"},
			status: "initialized", financial: "initialized", steps: []later{{2 * time.Minute, "uncleared", "uncleared"}, {time.Minute, "completed", "completed"}}},
		testRow{name: "direct debit ...0004", gateway: "DIRDEB", page: url.Values{"iban": {"NL87ABNA0000000004"}},
			status: "initialized", financial: "initialized", steps: []later{{2 * time.Minute, "uncleared", "uncleared"}, {time.Minute, "declined", "declined"}}},
	)
	// MyBank banks, on the payment page.
	for bank, end := range map[string][2]string{
		"Allianz Bank FA SPA": {"completed", "completed"}, "Banca di Cesena - Credito Coop.": {"declined", "declined"},
		"Credito Artigiano": {"void", "cancelled"}, "Volksbank - Banca Popolare": {"expired", "expired"},
	} {
		rows = append(rows, testRow{name: "MyBank " + bank, gateway: "MYBANK", page: url.Values{"bank": {bank}}, status: "initialized", financial: "initialized",
			steps: []later{{2 * time.Minute, end[0], end[1]}}})
	}
	// MB WAY and Multibanco: the amount decides.
	for _, g := range []string{"MBWAY", "MULTIBANCO"} {
		phone := map[string]any{"customer": map[string]any{"phone": "912345678", "country": "PT", "locale": "pt_PT"}}
		rows = append(rows,
			testRow{name: g + " 9.99", gateway: g, amount: 999, direct: map[string]any{}, extra: phone, status: "declined", financial: "declined"},
			testRow{name: g + " 10.00", gateway: g, amount: 1000, direct: map[string]any{}, extra: phone, status: "completed", financial: "completed"},
			testRow{name: g + " 20.00", gateway: g, amount: 2000, direct: map[string]any{}, extra: phone, status: "completed", financial: "completed"},
			testRow{name: g + " 20.01", gateway: g, amount: 2001, direct: map[string]any{}, extra: phone, status: "initialized", financial: "initialized",
				steps: []later{{84 * time.Hour, "expired", "expired"}}},
			testRow{name: g + " 15.00 on the page", gateway: g, amount: 1500, page: url.Values{"phone": {"912345678"}}, status: "completed", financial: "completed"},
		)
	}
	// Gift cards: the balance covers the amount or the page refuses.
	rows = append(rows,
		testRow{name: "gift card 111115 (100 EUR)", gateway: "VVVGIFTCRD", amount: 10000, page: url.Values{"card_number": {"111115"}}, status: "completed", financial: "completed"},
		testRow{name: "gift card 111112 (5 EUR) for 5 EUR", gateway: "BOEKENBON", amount: 500, page: url.Values{"card_number": {"111112"}}, status: "completed", financial: "completed"},
		testRow{name: "gift card 111112 (5 EUR) for 10 EUR", gateway: "BOEKENBON", amount: 1000, page: url.Values{"card_number": {"111112"}}, refused: 400, status: "initialized", financial: "initialized"},
		testRow{name: "gift card 111110 (no balance)", gateway: "WEBSHOPGFT", amount: 100, page: url.Values{"card_number": {"111110"}}, refused: 400, status: "initialized", financial: "initialized"},
		testRow{name: "gift card other number", gateway: "WEBSHOPGFT", amount: 100, page: url.Values{"card_number": {"123456"}}, refused: 400, status: "initialized", financial: "initialized"},
	)
	// BNPL.
	rows = append(rows,
		testRow{name: "in3 1999-01-01 1234AB", example: "in3-direct.json", status: "completed", financial: "uncleared"},
		testRow{name: "in3 2000-01-01 1111AB", example: "in3-direct.json", direct: map[string]any{"birthday": "2000-01-01", "gender": "mr", "phone": "0612345678"},
			extra:  map[string]any{"delivery": map[string]any{"first_name": "T", "last_name": "R", "address1": "Teststraat", "house_number": "1", "zip_code": "1111AB", "city": "Amsterdam", "country": "NL"}},
			status: "declined", financial: "declined"},
		testRow{name: "Riverty rejection@afterpay.nl", example: "riverty.json", direct: map[string]any{"birthday": "1970-07-10", "gender": "mr", "email": "rejection@afterpay.nl"},
			status: "declined", financial: "declined"},
		testRow{name: "Riverty other email", example: "riverty.json", status: "completed", financial: "uncleared"},
		testRow{name: "Klarna customer+nl@klarna.com", example: "klarna-direct.json", direct: map[string]any{"email": "customer+nl@klarna.com"}, status: "completed", financial: "uncleared"},
		testRow{name: "Klarna customer+nl+denied@klarna.com", example: "klarna-direct.json", direct: map[string]any{"email": "customer+nl+denied@klarna.com"}, status: "declined", financial: "declined"},
		testRow{name: "Klarna page", example: "klarna-redirect.json", page: url.Values{"outcome": {"completed"}}, status: "completed", financial: "uncleared"},
		testRow{name: "E-Invoicing page", example: "einvoicing-redirect.json", page: url.Values{"outcome": {"completed"}}, status: "uncleared", financial: "uncleared"},
		testRow{name: "Pay After Delivery page", example: "pad.json", page: url.Values{"outcome": {"completed"}}, status: "uncleared", financial: "uncleared"},
		testRow{name: "Billink success", example: "billink-redirect.json", page: url.Values{"outcome": {"completed"}}, status: "completed", financial: "uncleared"},
		testRow{name: "Billink failure", example: "billink-redirect.json", page: url.Values{"outcome": {"declined"}}, status: "declined", financial: "declined"},
		testRow{name: "Billink cancelled", example: "billink-redirect.json", page: url.Values{"outcome": {"cancelled"}}, status: "void", financial: "void"},
	)
	// Test platform scenarios of the banking methods and wallets.
	for _, s := range []struct{ gateway, outcome, status, financial string }{
		{"IDEAL", "completed", "completed", "completed"}, {"IDEAL", "declined", "declined", "declined"},
		{"IDEAL", "cancelled", "void", "cancelled"}, {"IDEAL", "expired", "expired", "expired"},
		{"BIZUM", "completed", "completed", "completed"}, {"BIZUM", "declined", "declined", "declined"}, {"BIZUM", "cancelled", "declined", "declined"},
		{"BELFIUS", "completed", "completed", "completed"}, {"CBC", "completed", "completed", "completed"}, {"DIRECTBANK", "completed", "completed", "completed"},
		{"TRUSTLY", "completed", "completed", "completed"}, {"DOTPAY", "completed", "completed", "completed"}, {"EPS", "completed", "completed", "completed"},
		{"GIROPAY", "completed", "completed", "completed"}, {"EDENCOM", "completed", "completed", "completed"},
		{"PAYPAL", "completed", "completed", "initialized"}, {"PAYPAL", "cancelled", "void", "cancelled"}, {"PAYPAL", "expired", "expired", "expired"},
		{"ALIPAY", "completed", "completed", "initialized"}, {"AMAZONBTN", "completed", "completed", "initialized"},
		{"WECHAT", "completed", "completed", "completed"},
	} {
		rows = append(rows, testRow{name: s.gateway + " " + s.outcome, gateway: s.gateway, page: url.Values{"outcome": {s.outcome}}, status: s.status, financial: s.financial})
	}
	return rows
}

func TestVendorTestData(t *testing.T) {
	sb := sandboxtest.Start(t)
	for i, row := range testRows() {
		t.Run(row.name, func(t *testing.T) {
			key := fmt.Sprintf("testdata-%d", i) // each row its own tenant and clock
			body := order("row")
			if row.example != "" {
				body = readExample(t, row.example)
				body["order_id"] = "row"
				if row.page != nil {
					body["type"] = "redirect"
				} else {
					body["type"] = "direct"
				}
			} else {
				body["gateway"] = row.gateway
				if row.direct != nil {
					body["type"] = "direct"
				}
			}
			if row.amount > 0 {
				body["amount"] = row.amount
			}
			if row.direct != nil {
				gi, _ := body["gateway_info"].(map[string]any)
				if gi == nil {
					gi = map[string]any{}
				}
				for k, v := range row.direct {
					gi[k] = v
				}
				body["gateway_info"] = gi
			}
			for k, v := range row.extra {
				body[k] = v
			}
			r := api(t, sb, key, http.MethodPost, "/orders", body)
			switch {
			case row.page != nil:
				session := str(data(t, r)["session_id"])
				pr := sb.Do(t, http.MethodPost, "/multisafepay/connect/"+session+"/", row.page.Encode(), "Content-Type", "application/x-www-form-urlencoded")
				if row.refused != 0 {
					if pr.Status != row.refused || !strings.Contains(string(pr.Body), "<html") {
						t.Fatalf("page answered %d, want %d", pr.Status, row.refused)
					}
				} else if pr.Status != http.StatusSeeOther && pr.Status != http.StatusOK {
					t.Fatalf("page answered %d: %s", pr.Status, pr.Body)
				}
			case row.status == "declined":
				sandboxtest.WantMultiSafepayError(t, r, 400, 1024)
			default:
				data(t, r)
			}
			check := func(when, status, financial string) {
				t.Helper()
				o := data(t, api(t, sb, key, http.MethodGet, "/orders/row", nil))
				if o["status"] != status || o["financial_status"] != financial {
					t.Fatalf("%s: %v/%v, want %s/%s", when, o["status"], o["financial_status"], status, financial)
				}
			}
			check("at once", row.status, row.financial)
			prev := [2]string{row.status, row.financial}
			for _, s := range row.steps {
				sb.Advance(t, key, s.after-time.Second)
				check("a second before "+s.after.String(), prev[0], prev[1])
				sb.Advance(t, key, time.Second)
				check("after "+s.after.String(), s.status, s.financial)
				prev = [2]string{s.status, s.financial}
			}
		})
	}
}

// TestPageTestDataFields: the page offers the inputs the gateway's test data uses.
func TestPageTestDataFields(t *testing.T) {
	sb := sandboxtest.Start(t)
	for gateway, want := range map[string]string{
		"VISA": `name="card_number"`, "MISTERCASH": `name="card_number"`, "WEBSHOPGFT": `name="card_number"`,
		"DIRDEB": `name="iban"`, "BANKTRANS": `name="iban"`, "MYBANK": `<option>Credito Artigiano</option>`, "MBWAY": `name="phone"`,
	} {
		d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("f-"+gateway), "gateway", gateway)))
		if html := string(page(t, sb, str(d["payment_url"])).Body); !strings.Contains(html, want) {
			t.Errorf("%s page lacks %s", gateway, want)
		}
	}
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("f-ideal"), "gateway", "IDEAL")))
	if html := string(page(t, sb, str(d["payment_url"])).Body); strings.Contains(html, "Test data") {
		t.Error("iDEAL's page offers test data fields")
	}
}
