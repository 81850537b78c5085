package multisafepay_test

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

func TestPaymentPage(t *testing.T) {
	sb := sandboxtest.Start(t)
	urls := map[string]any{"redirect_url": "https://shop.example/ok?x=1", "cancel_url": "https://shop.example/cancel"}
	evil := with(order("page-1"), "description", `<script>alert("x")</script> & "quotes"`, "payment_options", urls)
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", evil))
	pu := str(d["payment_url"])
	if !strings.HasSuffix(pu, "/?lang=en_US") {
		t.Fatalf("payment_url %s", pu)
	}
	pg := page(t, sb, pu)
	html := string(pg.Body)
	if strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;quotes&#34;") {
		t.Fatalf("description not escaped:\n%s", html)
	}
	// No gateway yet: the page offers the methods that fit (not Klarna: no cart).
	if !strings.Contains(html, `name="gateway" value="IDEAL"`) || strings.Contains(html, `value="KLARNA"`) || !strings.Contains(html, `<html lang="en">`) {
		t.Fatalf("gateway choice:\n%s", html)
	}
	if !strings.Contains(string(page(t, sb, strings.Replace(pu, "en_US", "nl_NL", 1)).Body), "Testscenario") {
		t.Error("?lang=nl_NL is not Dutch")
	}
	// A form without outcome, an unknown outcome, an unknown gateway: 400 pages.
	for _, form := range []url.Values{{}, {"outcome": {"paid"}}, {"outcome": {"completed"}, "gateway": {"NOPE"}}, {"outcome": {"completed"}, "gateway": {"KLARNA"}}} {
		r := submit(t, sb, pu, form)
		if r.Status != 400 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("form %v: %d %s", form, r.Status, r.Header.Get("Content-Type"))
		}
	}
	// Cancel: to cancel_url.
	r := submit(t, sb, pu, url.Values{"outcome": {"cancelled"}, "gateway": {"PAYPAL"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "https://shop.example/cancel?transactionid=page-1" {
		t.Fatalf("cancel: %d %s", r.Status, r.Header.Get("Location"))
	}
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/page-1", nil))
	if o["status"] != "void" || o["financial_status"] != "cancelled" || o["payment_details"].(map[string]any)["type"] != "PAYPAL" {
		t.Fatalf("cancelled order %v %v %v", o["status"], o["financial_status"], o["payment_details"])
	}
	// Finished: the page shows the status; a second submit is 409.
	if pg := page(t, sb, pu); pg.Status != 200 || !strings.Contains(string(pg.Body), "<strong>void</strong>") || strings.Contains(string(pg.Body), "<form") {
		t.Fatalf("finished page %d\n%s", pg.Status, pg.Body)
	}
	if r := submit(t, sb, pu, url.Values{"outcome": {"completed"}}); r.Status != http.StatusConflict {
		t.Fatalf("second submit %d", r.Status)
	}
	// Unknown session.
	if r := sb.Do(t, http.MethodGet, "/multisafepay/connect/nope/", nil); r.Status != 404 || !strings.Contains(string(r.Body), "does not exist") {
		t.Fatalf("unknown session %d", r.Status)
	}
	if r := submit(t, sb, sb.URL+"/multisafepay/connect/nope/", url.Values{"outcome": {"completed"}}); r.Status != 404 {
		t.Fatalf("unknown session submit %d", r.Status)
	}
	// Completed with redirect_url: lands there.
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("page-2"), "gateway", "IDEAL", "payment_options", urls)))
	r = submit(t, sb, str(d["payment_url"]), url.Values{"outcome": {"completed"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "https://shop.example/ok?x=1&transactionid=page-2" {
		t.Fatalf("completed: %d %s", r.Status, r.Header.Get("Location"))
	}
	// No URLs at all: the page shows the result.
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("page-3"), "gateway", "IDEAL")))
	r = submit(t, sb, str(d["payment_url"]), url.Values{"outcome": {"expired"}})
	if r.Status != 200 || !strings.Contains(string(r.Body), "<strong>expired</strong>") {
		t.Fatalf("no return URL: %d %s", r.Status, r.Body)
	}
}

func TestPaymentLinks(t *testing.T) {
	sb := sandboxtest.Start(t)
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("link-days"), "type", "paymentlink", "days_active", 2)))
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("link-secs"), "type", "paymentlink", "days_active", 2, "seconds_active", 90)))
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("link-default"), "type", "paymentlink")))
	status := func(id string) string {
		return str(data(t, api(t, sb, testKey, http.MethodGet, "/orders/"+id, nil))["status"])
	}
	sb.Advance(t, testKey, 90*time.Second)
	if status("link-secs") != "expired" || status("link-days") != "initialized" {
		t.Fatal("seconds_active not honoured")
	}
	sb.Advance(t, testKey, 48*time.Hour)
	if status("link-days") != "expired" || status("link-default") != "initialized" {
		t.Fatal("days_active not honoured")
	}
	sb.Advance(t, testKey, 28*24*time.Hour)
	if status("link-default") != "expired" {
		t.Fatal("default 30 days not honoured")
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("bad"), "type", "paymentlink", "days_active", 366)), 400, 1016)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("bad"), "type", "paymentlink", "seconds_active", 0)), 400, 1016)
}

func directCard(id, card string) map[string]any {
	return with(order(id), "type", "direct", "gateway", "VISA",
		"gateway_info", map[string]any{"card_number": card, "card_holder_name": "J Doe", "card_expiry_date": "2812", "card_cvc": "123"})
}

func TestDirectTestData(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := newReceiver(t, testKey)
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", directCard("card-ok", "4111111111111111")))
	if d["status"] != "completed" || d["financial_status"] != "completed" || d["payment_details"].(map[string]any)["last4"] != "1111" {
		t.Fatalf("4111: %v/%v %v", d["status"], d["financial_status"], d["payment_details"])
	}
	// A decline answers 1024; the order exists, declined.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", directCard("card-3ds", "4012001037461114")), 400, 1024)
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/card-3ds", nil)); o["status"] != "declined" {
		t.Fatalf("declined card order %v", o["status"])
	}
	// Uncleared, then void after 3 minutes, with a notification.
	review := directCard("card-review", "4917300000000008")
	review["payment_options"] = map[string]any{"notification_url": rc.URL, "notification_method": "POST"}
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", review))
	if d["status"] != "uncleared" {
		t.Fatalf("4917 at once: %v", d["status"])
	}
	sb.Flush()
	sb.Advance(t, testKey, 3*time.Minute)
	if _, body := rc.last(t); body["status"] != "void" || len(rc.notifications()) != 2 {
		t.Fatalf("4917 after 3 minutes: %v (%d notifications)", body["status"], len(rc.notifications()))
	}
	// Direct debit: completed after 2 minutes.
	dd := with(order("dd-1"), "type", "direct", "gateway", "DIRDEB", "gateway_info", map[string]any{"account_id": "NL87ABNA0000000001", "account_holder_name": "J Doe"})
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", dd))
	if d["status"] != "initialized" {
		t.Fatalf("IBAN 1 at once: %v", d["status"])
	}
	sb.Advance(t, testKey, 2*time.Minute)
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/dd-1", nil)); o["status"] != "completed" {
		t.Fatalf("IBAN 1 after 2 minutes: %v", o["status"])
	}
	// in3 and Riverty credit checks.
	in3 := seed(t, "in3-ok", func(r map[string]any) {
		r["gateway"] = "IN3"
		r["gateway_info"] = map[string]any{"birthday": "1999-01-01"}
		r["delivery"].(map[string]any)["zip_code"] = "1234AB"
	})
	if d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", in3)); d["status"] != "completed" || d["financial_status"] != "uncleared" {
		t.Fatalf("in3 approve: %v/%v", d["status"], d["financial_status"])
	}
	in3no := seed(t, "in3-no", func(r map[string]any) {
		r["gateway"] = "IN3"
		r["gateway_info"] = map[string]any{"birthday": "2000-01-01"}
		r["delivery"].(map[string]any)["zip_code"] = "1111AB"
	})
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", in3no), 400, 1024)
	riverty := seed(t, "riverty-no", func(r map[string]any) {
		r["gateway"] = "AFTERPAY"
		r["gateway_info"].(map[string]any)["email"] = "rejection@afterpay.nl"
	})
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", riverty), 400, 1024)
	klarnaOK := seed(t, "klarna-ok", func(r map[string]any) { r["gateway_info"].(map[string]any)["email"] = "customer+nl@klarna.com" })
	if d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", klarnaOK)); d["status"] != "completed" || d["financial_status"] != "uncleared" {
		t.Fatalf("Klarna playground approve: %v/%v", d["status"], d["financial_status"])
	}
	// The pspid-encoding email: a 16-digit transaction id beyond 2^53.
	long := with(order("long-id"), "customer", map[string]any{"email": "enable-pspid-encoding@multisafepay.com"})
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", long))
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/long-id", nil))
	id := o["transaction_id"].(json.Number).String()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || len(id) != 16 || n <= 1<<53 || float64(n) > math.MaxInt64 {
		t.Fatalf("transaction_id %s", id)
	}
	if tx := data(t, api(t, sb, testKey, http.MethodGet, "/transactions/"+id, nil)); tx["transaction_id"] != o["transaction_id"] {
		t.Fatalf("transaction by 16-digit id: %v", tx["transaction_id"])
	}
}

func TestManualCaptureHTTP(t *testing.T) {
	sb := sandboxtest.Start(t)
	card := with(directCard("cap-1", "4111111111111111"), "capture", "manual")
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", card))
	pd := d["payment_details"].(map[string]any)
	if d["status"] != "completed" || d["financial_status"] != "initialized" || pd["capture"] != "manual" || pd["capture_remain"] != json.Number("1000") {
		t.Fatalf("authorized: %v/%v %v", d["status"], d["financial_status"], pd)
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-1/capture", map[string]any{"amount": 2000, "new_order_status": "completed"}), 400, 1001)
	c := data(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-1/capture", map[string]any{"amount": 400, "new_order_status": "completed", "new_order_id": "cap-1-a"}))
	if c["order_id"] != "cap-1-a" || c["transaction_id"] == nil {
		t.Fatalf("capture %v", c)
	}
	// The partial capture is its own order; the original keeps its statuses.
	split := data(t, api(t, sb, testKey, http.MethodGet, "/orders/cap-1-a", nil))
	if split["status"] != "completed" || split["financial_status"] != "completed" || split["amount"] != json.Number("400") || split["transaction_id"] != c["transaction_id"] {
		t.Fatalf("capture order %v/%v %v", split["status"], split["financial_status"], split["amount"])
	}
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/cap-1", nil))
	if o["status"] != "completed" || o["financial_status"] != "initialized" || o["payment_details"].(map[string]any)["capture_remain"] != json.Number("600") {
		t.Fatalf("after partial capture %v/%v %v", o["status"], o["financial_status"], o["payment_details"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-1/capture", map[string]any{"amount": 100, "new_order_status": "completed", "new_order_id": "cap-1-a"}), 400, 1006)
	// The rest is cancelled: the original becomes void, the capture stays.
	data(t, api(t, sb, testKey, http.MethodPatch, "/capture/cap-1", map[string]any{"status": "cancelled", "reason": "rest not shipped"}))
	o = data(t, api(t, sb, testKey, http.MethodGet, "/orders/cap-1", nil))
	if o["status"] != "void" || o["financial_status"] != "void" || o["payment_details"].(map[string]any)["capture_remain"] != json.Number("0") {
		t.Fatalf("after cancel %v/%v", o["status"], o["financial_status"])
	}
	if split = data(t, api(t, sb, testKey, http.MethodGet, "/orders/cap-1-a", nil)); split["status"] != "completed" {
		t.Fatalf("capture order after cancel: %v", split["status"])
	}
	// The capture order refunds like any paid card order.
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-1-a/refunds", map[string]any{"currency": "EUR", "amount": 400}))
	// A full capture completes the original's transaction.
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(directCard("cap-2", "4111111111111111"), "capture", "manual")))
	full := data(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-2/capture", map[string]any{"amount": 1000, "new_order_status": "completed"}))
	if full["order_id"] != "cap-2" {
		t.Fatalf("full capture %v", full)
	}
	if o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/cap-2", nil)); o["status"] != "completed" || o["financial_status"] != "completed" {
		t.Fatalf("after full capture %v/%v", o["status"], o["financial_status"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/capture/cap-1", map[string]any{"status": "cancelled", "reason": "again"}), 400, 1000)
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-1/capture", map[string]any{"amount": 1}), 400, 1016)
}
