package multisafepay_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func list(t *testing.T, r *sandboxtest.Response) []any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	l, ok := decode(t, r)["data"].([]any)
	if !ok {
		t.Fatalf("data is not a list: %s", r.Body)
	}
	return l
}

func ids(l []any) map[string]bool {
	out := map[string]bool{}
	for _, e := range l {
		out[str(e.(map[string]any)["id"])] = true
	}
	return out
}

func TestGateways(t *testing.T) {
	sb := sandboxtest.Start(t)
	all := ids(list(t, api(t, sb, testKey, http.MethodGet, "/gateways", nil)))
	for _, id := range []string{"IDEAL", "CREDITCARD", "VISA", "MASTERCARD", "PAYPAL", "KLARNA", "IN3", "AFTERPAY", "BANKTRANS", "SANTANDER"} {
		if !all[id] {
			t.Errorf("%s missing", id)
		}
	}
	if all["WEBSHOPGFT"] {
		t.Error("second gift card listed without include=coupons")
	}
	if !ids(list(t, api(t, sb, testKey, http.MethodGet, "/gateways?include=coupons", nil)))["WEBSHOPGFT"] {
		t.Error("include=coupons does not list every gift card")
	}
	usd := ids(list(t, api(t, sb, testKey, http.MethodGet, "/gateways?currency=usd&country=US&amount=1000", nil)))
	if usd["KLARNA"] || usd["IDEAL"] || !usd["VISA"] || !usd["PAYPAL"] {
		t.Errorf("USD/US filter: %v", usd)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/gateways?currency=EURO", nil), 400, 1002)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/gateways?country=XX", nil), 400, 1018)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/gateways?amount=ten", nil), 400, 1001)

	g := data(t, api(t, sb, testKey, http.MethodGet, "/gateways/klarna", nil))
	if g["id"] != "KLARNA" || g["description"] != "Klarna" {
		t.Fatalf("gateway %v", g)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/gateways/NOPE", nil), 404, 1023)

	issuers := list(t, api(t, sb, testKey, http.MethodGet, "/issuers/ideal", nil))
	first := issuers[0].(map[string]any)
	if len(issuers) < 10 || first["code"] != "3151" || first["description"] != "Test bank" {
		t.Fatalf("issuers %v", issuers)
	}
	if l := list(t, api(t, sb, testKey, http.MethodGet, "/issuers/PAYPAL", nil)); len(l) != 0 {
		t.Fatalf("PayPal issuers %v", l)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/issuers/nope", nil), 404, 1023)

	pms := list(t, api(t, sb, testKey, http.MethodGet, "/payment-methods?currency=EUR&country=NL", nil))
	var klarna map[string]any
	for _, p := range pms {
		if p.(map[string]any)["id"] == "KLARNA" {
			klarna = p.(map[string]any)
		}
	}
	if klarna == nil || klarna["shopping_cart_required"] != true || klarna["type"] != "payment-method" {
		t.Fatalf("Klarna payment method %v", klarna)
	}
	if pm := data(t, api(t, sb, testKey, http.MethodGet, "/payment-methods/visa", nil)); pm["id"] != "VISA" {
		t.Fatalf("payment method %v", pm)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/payment-methods/nope", nil), 404, 1023)
}

func TestTransactions(t *testing.T) {
	sb := sandboxtest.Start(t)
	// Five orders a minute apart; two paid by iDEAL, one refunded.
	for i, gw := range []string{"IDEAL", "PAYPAL", "IDEAL", "BANKTRANS", "PAYPAL"} {
		id := "tx-" + string(rune('a'+i))
		d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order(id), "gateway", gw)))
		if gw == "IDEAL" {
			submit(t, sb, str(d["payment_url"]), url.Values{"outcome": {"completed"}})
		}
		sb.Advance(t, testKey, time.Minute)
	}
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/tx-a/refunds", map[string]any{"currency": "EUR", "amount": 250}))

	page := func(q string) (orderIDs []string, pager map[string]any) {
		r := api(t, sb, testKey, http.MethodGet, "/transactions"+q, nil)
		m := decode(t, r)
		for _, e := range list(t, r) {
			tx := e.(map[string]any)
			orderIDs = append(orderIDs, str(tx["order_id"])+"/"+str(tx["type"]))
		}
		return orderIDs, m["pager"].(map[string]any)
	}
	all, pager := page("")
	want := []string{"tx-a/refund", "tx-e/payment", "tx-d/payment", "tx-c/payment", "tx-b/payment", "tx-a/payment"}
	if !equal(all, want) || pager["after"] != nil || pager["before"] != nil || pager["limit"] != json.Number("100") {
		t.Fatalf("all: %v %v", all, pager)
	}
	// Cursor paging, forward and back.
	p1, pg1 := page("?limit=2")
	after := str(pg1["cursor"].(map[string]any)["after"])
	p2, pg2 := page("?limit=2&after=" + url.QueryEscape(after))
	p3, pg3 := page("?limit=2&after=" + url.QueryEscape(str(pg2["cursor"].(map[string]any)["after"])))
	if !equal(append(append(p1, p2...), p3...), want) || pg3["after"] != nil || pg1["before"] != nil {
		t.Fatalf("pages %v %v %v / %v %v", p1, p2, p3, pg1, pg3)
	}
	back, bpg := page("?limit=2&before=" + url.QueryEscape(str(pg3["cursor"].(map[string]any)["before"])))
	if !equal(back, p2) || bpg["before"] == nil || bpg["after"] == nil {
		t.Fatalf("back from page 3: %v %v, want %v with both neighbours", back, bpg, p2)
	}
	first, fpg := page("?limit=2&before=" + url.QueryEscape(str(bpg["cursor"].(map[string]any)["before"])))
	if !equal(first, p1) || fpg["before"] != nil || fpg["after"] == nil {
		t.Fatalf("back from page 2: %v %v, want %v and no newer page", first, fpg, p1)
	}
	// A before page keeps the filter: the payment just newer than tx-c's.
	if got, _ := page("?limit=1&type=payment&before=" + url.QueryEscape(str(pg3["cursor"].(map[string]any)["before"]))); !equal(got, []string{"tx-c/payment"}) {
		t.Fatalf("payments before page 3: %v", got)
	}
	// Pages without a cursor or after one are read through the index of
	// transactions; before pages select from every order: the same list.
	epoch := base64.RawURLEncoding.EncodeToString([]byte("0:0"))
	if every, _ := page("?limit=1000&before=" + epoch); !equal(every, want) {
		t.Fatalf("before the epoch: %v, want %v", every, want)
	}
	next, err := url.Parse(str(pg1["after"]))
	if err != nil || next.Query().Get("api_key") != "" || next.Query().Get("after") != after || next.Query().Get("limit") != "2" {
		t.Fatalf("pager.after URL %v", pg1["after"])
	}
	// Filters.
	if got, _ := page("?payment_method=IDEAL&type=payment"); !equal(got, []string{"tx-c/payment", "tx-a/payment"}) {
		t.Errorf("iDEAL payments: %v", got)
	}
	if got, _ := page("?payment_method=PAYPAL,BANKTRANS"); len(got) != 3 {
		t.Errorf("PayPal or bank transfer: %v", got)
	}
	if got, _ := page("?status=completed"); !equal(got, []string{"tx-c/payment"}) {
		t.Errorf("completed: %v", got)
	}
	if got, _ := page("?financial_status=initialized&currency=eur"); len(got) != 3 {
		t.Errorf("initialized: %v", got)
	}
	created := sb.Now(testKey).Add(-150 * time.Second).Format(time.RFC3339)
	if got, _ := page("?created_from=" + url.QueryEscape(created)); !equal(got, []string{"tx-a/refund", "tx-e/payment", "tx-d/payment"}) {
		t.Errorf("created_from: %v", got)
	}
	if got, _ := page("?created_until=" + url.QueryEscape(created)); !equal(got, []string{"tx-c/payment", "tx-b/payment", "tx-a/payment"}) {
		t.Errorf("created_until: %v", got)
	}
	if got, _ := page("?completed_from=2000-01-01"); len(got) != 2 {
		t.Errorf("completed_from: %v", got)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/transactions?limit=0", nil), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/transactions?limit=1001", nil), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/transactions?after=%21%21", nil), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/transactions?created_from=yesterday", nil), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/transactions?status=paid", nil), 400, 1016)

	// One transaction; an unknown one has the transactions API's own 404.
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/tx-c", nil))
	tx := data(t, api(t, sb, testKey, http.MethodGet, "/transactions/"+str(o["transaction_id"]), nil))
	if tx["order_id"] != "tx-c" || tx["status"] != "completed" || tx["payment_method"] != "IDEAL" || tx["completed"] == nil {
		t.Fatalf("transaction %v", tx)
	}
	r := api(t, sb, testKey, http.MethodGet, "/transactions/1", nil)
	if r.Status != 404 || !bytes.Equal(r.Body, []byte(`{"message":"Not found"}`)) {
		t.Fatalf("unknown transaction %d %s", r.Status, r.Body)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// vendorIDs reads the ids of fixtures/multisafepay/gateways.tsv (the facts
// file's copy) with their group.
func vendorIDs(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile("../../fixtures/multisafepay/gateways.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if facts, err := os.ReadFile("/work/shared/research/facts/multisafepay-gateways.tsv"); err == nil && !bytes.HasSuffix(raw, facts) {
		t.Error("fixtures/multisafepay/gateways.tsv differs from the shared facts file")
	}
	out := map[string]string{}
	rows := 0
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 4 || strings.HasPrefix(line, "#") || f[0] == "gateway_id" {
			continue
		}
		rows++
		if _, dup := out[f[0]]; !dup {
			out[f[0]] = f[2]
		}
	}
	if rows != 75 {
		t.Fatalf("%d rows, want the vendor's 75", rows)
	}
	return out
}

func TestEveryVendorGatewayServed(t *testing.T) {
	sb := sandboxtest.Start(t)
	vendor := vendorIDs(t)
	listed := ids(list(t, api(t, sb, testKey, http.MethodGet, "/gateways?include=coupons", nil)))
	methods := ids(list(t, api(t, sb, testKey, http.MethodGet, "/payment-methods", nil)))
	for id, group := range vendor {
		g := data(t, api(t, sb, testKey, http.MethodGet, "/gateways/"+id, nil))
		if g["id"] != id || g["description"] == "" {
			t.Errorf("%s: %v", id, g)
		}
		if (group == "gift card") != (g["type"] == "coupon") {
			t.Errorf("%s (%s): type %v", id, group, g["type"])
		}
		pm := data(t, api(t, sb, testKey, http.MethodGet, "/payment-methods/"+strings.ToLower(id), nil))
		if pm["id"] != id {
			t.Errorf("payment method %s: %v", id, pm["id"])
		}
		if !listed[id] || !methods[id] {
			t.Errorf("%s not listed (gateways %v, payment-methods %v)", id, listed[id], methods[id])
		}
	}
	// The ids only the vendor's OpenAPI enum has, and both VVV spellings.
	for _, id := range []string{"BIERCHEQUE", "BOEKENVOOR", "EDENECO", "HUISTUIN", "KIDSCADEAU", "KLUSCADEAU", "NATENCRD", "OHMYGOOD", "SPORTSGIFT", "ZINIA"} {
		data(t, api(t, sb, testKey, http.MethodGet, "/gateways/"+id, nil))
	}
	for _, id := range []string{"VVVGIFTCRD", "VVVGIFTCARD", "vvvgiftcard"} {
		if g := data(t, api(t, sb, testKey, http.MethodGet, "/gateways/"+id, nil)); g["id"] != "VVVGIFTCRD" || g["type"] != "coupon" {
			t.Errorf("%s: %v", id, g)
		}
		data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("vvv-"+id), "gateway", id)))
	}
	// The old misspellings are not the vendor's.
	for _, id := range []string{"WEBSHOPGIFTCARD", "FASHIONCHEQUE", "BEAUTYANDWELLNESS", "NOPE"} {
		sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/gateways/"+id, nil), 404, 1023)
		sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("x-"+id), "gateway", id)), 400, 1023)
	}
}

func TestGatewayFilters(t *testing.T) {
	sb := sandboxtest.Start(t)
	get := func(q string) map[string]bool {
		return ids(list(t, api(t, sb, testKey, http.MethodGet, "/gateways?include=coupons&"+q, nil)))
	}
	pt := get("country=PT&currency=EUR")
	if !pt["MBWAY"] || !pt["MULTIBANCO"] || pt["IDEAL"] || pt["BELFIUS"] || !pt["VISA"] || pt["WEBSHOPGFT"] {
		t.Errorf("PT/EUR: %v", pt)
	}
	be := get("country=BE")
	if !be["MISTERCASH"] || !be["CBC"] || !be["KBC"] || !be["BELFIUS"] || !be["EDENCOM"] || !be["WEBSHOPGFT"] || be["IDEAL"] {
		t.Errorf("BE: %v", be)
	}
	czk := get("currency=CZK")
	if !czk["TRUSTPAY"] || !czk["BANKTRANS"] || czk["IDEAL"] || czk["KLARNA"] {
		t.Errorf("CZK: %v", czk)
	}
	// Amount limits: Bizum takes 0.50 to 1,000 EUR, Betaal per Maand from 250 EUR.
	if small := get("country=ES&currency=EUR&amount=40"); small["BIZUM"] {
		t.Errorf("Bizum listed for 0.40")
	}
	if ok := get("country=ES&currency=EUR&amount=5000"); !ok["BIZUM"] {
		t.Errorf("Bizum not listed for 50.00")
	}
	if nl := get("country=NL&currency=EUR&amount=10000"); nl["SANTANDER"] || !nl["IDEAL"] || !nl["KLARNA"] {
		t.Errorf("NL 100.00: %v", nl)
	}
	if nl := get("country=NL&currency=EUR&amount=30000"); !nl["SANTANDER"] {
		t.Errorf("Betaal per Maand not listed for 300.00")
	}
	pm := list(t, api(t, sb, testKey, http.MethodGet, "/payment-methods?country=PT&currency=EUR&amount=1500", nil))
	if m := ids(pm); !m["MBWAY"] || m["IDEAL"] {
		t.Errorf("payment-methods PT: %v", m)
	}
	if m := ids(list(t, api(t, sb, testKey, http.MethodGet, "/payment-methods?include_coupons=false", nil))); m["WEBSHOPGFT"] || !m["IDEAL"] {
		t.Errorf("payment-methods without coupons lists gift cards")
	}
	if m := ids(list(t, api(t, sb, testKey, http.MethodGet, "/payment-methods?type=coupon", nil))); !m["WEBSHOPGFT"] || m["IDEAL"] {
		t.Errorf("payment-methods type=coupon: %v", m)
	}
	if m := ids(list(t, api(t, sb, testKey, http.MethodGet, "/payment-methods?group_cards=true", nil))); !m["CREDITCARD"] || m["VISA"] || m["AMEX"] || !m["IDEAL"] {
		t.Errorf("payment-methods group_cards: %v", m)
	}
}
