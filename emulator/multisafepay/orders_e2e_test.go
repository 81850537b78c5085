package multisafepay_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/multisafepay"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// TestSeedRedirect: the seed's redirect request answers order_id and a
// payment_url on our payment page (plus session_id).
func TestSeedRedirect(t *testing.T) {
	sb := sandboxtest.Start(t)
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", multisafepay.SeedRedirectKlarna))
	if d["order_id"] != "my-order-id-1" {
		t.Fatalf("order_id %v", d["order_id"])
	}
	pu := str(d["payment_url"])
	want := sb.URL + "/multisafepay/connect/" + str(d["session_id"]) + "/?lang=nl_NL"
	if pu != want {
		t.Fatalf("payment_url %s, want %s", pu, want)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]{35}$`).MatchString(str(d["session_id"])) {
		t.Fatalf("session_id %v", d["session_id"])
	}
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/my-order-id-1", nil))
	if o["status"] != "initialized" || o["financial_status"] != "initialized" || o["amount"] != json.Number("10000") {
		t.Fatalf("stored order: %v", o)
	}
	// The same order id again: 1006.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", multisafepay.SeedRedirectKlarna), 400, 1006)
}

// TestSeedDirect: the seed's direct request answers the seed's response
// field for field; only ids and times differ.
func TestSeedDirect(t *testing.T) {
	sb := sandboxtest.Start(t)
	resp := api(t, sb, testKey, http.MethodPost, "/orders", multisafepay.SeedDirectKlarna)
	got := data(t, resp)
	var want map[string]any
	dec := json.NewDecoder(strings.NewReader(multisafepay.SeedDirectKlarnaResponse))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	wantData := want["data"].(map[string]any)
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$`)
	for _, k := range []string{"created", "modified"} {
		if !stamp.MatchString(str(got[k])) {
			t.Errorf("%s = %v", k, got[k])
		}
	}
	if _, ok := got["transaction_id"].(json.Number); !ok {
		t.Errorf("transaction_id %v is not a number", got["transaction_id"])
	}
	ext := str(got["payment_details"].(map[string]any)["external_transaction_id"])
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(ext) {
		t.Errorf("external_transaction_id %s", ext)
	}
	if pm := got["payment_methods"].([]any)[0].(map[string]any); pm["external_transaction_id"] != ext {
		t.Errorf("payment_methods external id %v, want %s", pm["external_transaction_id"], ext)
	}
	if !strings.HasPrefix(str(got["payment_url"]), sb.URL+"/multisafepay/connect/") || got["qr_url"] == nil {
		t.Errorf("payment_url %v qr_url %v", got["payment_url"], got["qr_url"])
	}
	if !strings.Contains(str(got["items"]), "Test") {
		t.Errorf("items %v", got["items"])
	}
	// Everything else is the seed's value.
	volatile := map[string]bool{"created": true, "modified": true, "transaction_id": true, "items": true, "qr_url": true, "payment_url": true}
	for k, w := range wantData {
		g, present := got[k]
		if !present {
			t.Errorf("field %s missing", k)
			continue
		}
		if volatile[k] {
			continue
		}
		switch k {
		case "payment_details":
			w.(map[string]any)["external_transaction_id"] = ext
		case "payment_methods":
			w.([]any)[0].(map[string]any)["external_transaction_id"] = ext
		}
		if !reflect.DeepEqual(g, w) {
			gj, _ := json.Marshal(g)
			wj, _ := json.Marshal(w)
			t.Errorf("%s:\n got  %s\n want %s", k, gj, wj)
		}
	}
}

// TestKlarnaLifecycle: create, pay on the page, signed notification, ship,
// refund; every step over HTTP.
func TestKlarnaLifecycle(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := newReceiver(t, testKey)
	req := klarnaOrder(t, multisafepay.SeedRedirectKlarna, "klarna-1", rc.URL+"/notify?type=notification")
	created := data(t, api(t, sb, testKey, http.MethodPost, "/orders", req))
	pu := str(created["payment_url"])

	// The page: plain HTML with a form of radio buttons, escaped texts.
	pg := page(t, sb, pu)
	if pg.Status != 200 || !strings.HasPrefix(pg.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page %d %s", pg.Status, pg.Header.Get("Content-Type"))
	}
	html := string(pg.Body)
	for _, want := range []string{`<html lang="nl">`, `<form method="post">`, `type="radio" name="outcome" value="completed" checked`,
		`value="uncleared"`, `value="declined"`, `value="cancelled"`, `value="expired"`, `<button type="submit">`, "Test order description", "EUR 100.00", "Klarna"} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(html, "<script") {
		t.Error("page has a script")
	}

	// Pay: 303 to redirect_url with transactionid.
	res := submit(t, sb, pu, url.Values{"outcome": {"completed"}})
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "https://shop.example/return?type=redirect&transactionid=klarna-1" {
		t.Fatalf("submit: %d %q", res.Status, res.Header.Get("Location"))
	}
	o := data(t, api(t, sb, testKey, http.MethodGet, "/orders/klarna-1", nil))
	if o["status"] != "completed" || o["financial_status"] != "uncleared" {
		t.Fatalf("after payment: %v/%v", o["status"], o["financial_status"])
	}

	// The notification: POST, signed, bare order, compact JSON.
	sb.Flush()
	n, body := rc.last(t)
	if n.Method != http.MethodPost || !n.Verified || n.Query.Get("transactionid") != "klarna-1" || n.Query.Get("type") != "notification" {
		t.Fatalf("notification %s %v verified=%v", n.Method, n.Query, n.Verified)
	}
	if ts := n.Timestamp; ts != str(sb.Now(testKey).Unix()) && ts != str(sb.Now(testKey).Unix()-1) {
		t.Errorf("timestamp %s, now %d", ts, sb.Now(testKey).Unix())
	}
	if body["status"] != "completed" || body["financial_status"] != "uncleared" || body["order_id"] != "klarna-1" || body["success"] != nil {
		t.Fatalf("notification body %s", n.Body)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, n.Body); err != nil || compact.String() != string(n.Body) {
		t.Errorf("body is not compact JSON: %s", n.Body)
	}
	if raw, _ := json.Marshal(multisafepay.Signature(testKey, n.Timestamp, n.Body)); string(raw) != `"`+n.Auth+`"` {
		t.Error("Signature disagrees with the header")
	}

	// Ship with track and trace.
	ship := map[string]any{"status": "shipped", "tracktrace_code": "3SABCD1234", "carrier": "PostNL", "ship_date": "2025-03-02", "invoice_id": "INV-1"}
	if d := data(t, api(t, sb, testKey, http.MethodPatch, "/orders/klarna-1", ship)); len(d) != 0 {
		t.Fatalf("ship data %v", d)
	}
	o = data(t, api(t, sb, testKey, http.MethodGet, "/orders/klarna-1", nil))
	if o["status"] != "shipped" || o["financial_status"] != "uncleared" {
		t.Fatalf("after shipping: %v/%v", o["status"], o["financial_status"])
	}
	sb.Flush()
	if _, body := rc.last(t); body["status"] != "shipped" {
		t.Fatalf("shipping notification %v", body["status"])
	}

	// Refund one item the BNPL way: the cart plus a negative copy.
	refund := map[string]any{"checkout_data": map[string]any{"items": []any{
		map[string]any{"name": "Test", "unit_price": 100, "quantity": 1, "merchant_item_id": "1111", "tax_table_selector": "none"},
		map[string]any{"name": "Test", "unit_price": -100, "quantity": 1, "merchant_item_id": "1111", "tax_table_selector": "none"},
	}}}
	rd := data(t, api(t, sb, testKey, http.MethodPost, "/orders/klarna-1/refunds", refund))
	if rd["refund_id"] == nil || rd["transaction_id"] == nil {
		t.Fatalf("refund %v", rd)
	}
	o = data(t, api(t, sb, testKey, http.MethodGet, "/orders/klarna-1", nil))
	if o["status"] != "refunded" || o["amount_refunded"] != json.Number("10000") {
		t.Fatalf("after refund: %v %v", o["status"], o["amount_refunded"])
	}
	rel := o["related_transactions"].([]any)[0].(map[string]any)
	if rel["transaction_id"] != rd["refund_id"] || rel["status"] != "reserved" || rel["amount"] != json.Number("10000") {
		t.Fatalf("related %v", rel)
	}
	sb.Flush()
	if _, body := rc.last(t); body["status"] != "refunded" {
		t.Fatalf("refund notification %v", body["status"])
	}
	for i, n := range rc.notifications() {
		if !n.Verified {
			t.Errorf("notification %d not verified", i)
		}
	}
	if got := len(rc.notifications()); got != 3 {
		t.Errorf("%d notifications, want 3", got)
	}
	// Refunded: nothing left.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders/klarna-1/refunds", map[string]any{"currency": "EUR"}), 400, 1034)
}

// TestExpiry: unfinished Klarna orders expire after a day, unshipped ones
// after 28 days (extendable); reads see it at once, the scheduler notifies.
func TestExpiry(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := newReceiver(t, testKey)
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", klarnaOrder(t, multisafepay.SeedRedirectKlarna, "unfinished", rc.URL)))
	paid := data(t, api(t, sb, testKey, http.MethodPost, "/orders", klarnaOrder(t, multisafepay.SeedRedirectKlarna, "unshipped", rc.URL)))
	submit(t, sb, str(paid["payment_url"]), url.Values{"outcome": {"completed"}})
	extended := data(t, api(t, sb, testKey, http.MethodPost, "/orders", klarnaOrder(t, multisafepay.SeedRedirectKlarna, "extended", rc.URL)))
	submit(t, sb, str(extended["payment_url"]), url.Values{"outcome": {"completed"}})
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/extended", map[string]any{"extend_expiration": true, "reason": "backorder"}))
	sb.Flush()
	before := len(rc.notifications())

	status := func(id string) string {
		return str(data(t, api(t, sb, testKey, http.MethodGet, "/orders/"+id, nil))["status"])
	}
	sb.Advance(t, testKey, 24*time.Hour-time.Minute)
	if status("unfinished") != "initialized" {
		t.Fatal("expired early")
	}
	// The clock passes the deadline without the scheduler running: a read
	// already sees the expiry.
	if err := sb.Emulator.Platform().Clock.Advance(testKey, time.Minute); err != nil {
		t.Fatal(err)
	}
	if status("unfinished") != "expired" {
		t.Fatal("read does not see the expiry")
	}
	if len(rc.notifications()) != before {
		t.Fatal("notified before the scheduler ran")
	}
	sb.Flush()
	n, body := rc.last(t)
	if body["order_id"] != "unfinished" || body["status"] != "expired" || body["financial_status"] != "expired" || !n.Verified {
		t.Fatalf("expiry notification %s", n.Body)
	}

	sb.Advance(t, testKey, 27*24*time.Hour)
	if status("unshipped") != "expired" || status("extended") != "completed" {
		t.Fatalf("after 28 days: unshipped %s, extended %s", status("unshipped"), status("extended"))
	}
	if _, body := rc.last(t); body["order_id"] != "unshipped" || body["status"] != "expired" {
		t.Fatalf("28-day notification %v %v", body["order_id"], body["status"])
	}
	sb.Advance(t, testKey, 42*24*time.Hour)
	if status("extended") != "expired" {
		t.Fatal("extended order outlived its 6 weeks")
	}
	// Expired orders cannot be shipped.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/orders/unshipped", map[string]any{"status": "shipped"}), 400, 1000)
}

// TestNotificationRetries: without OK the notification is resent 3 times,
// 15 minutes apart on the virtual clock, each freshly stamped and signed.
func TestNotificationRetries(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := newReceiver(t, testKey)
	rc.respond(http.StatusOK, "not what you expect")
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", klarnaOrder(t, multisafepay.SeedRedirectKlarna, "retry-1", rc.URL+"/n")))
	submit(t, sb, str(d["payment_url"]), url.Values{"outcome": {"completed"}})
	sb.Flush()
	if got := len(rc.notifications()); got != 1 {
		t.Fatalf("%d attempts at once", got)
	}
	sb.Advance(t, testKey, 14*time.Minute)
	if got := len(rc.notifications()); got != 1 {
		t.Fatalf("%d attempts after 14 minutes", got)
	}
	for want := 2; want <= 4; want++ {
		sb.Advance(t, testKey, 15*time.Minute)
		if got := len(rc.notifications()); got != want {
			t.Fatalf("%d attempts, want %d", got, want)
		}
	}
	sb.Advance(t, testKey, time.Hour)
	ns := rc.notifications()
	if len(ns) != 4 {
		t.Fatalf("%d attempts in all, want 4", len(ns))
	}
	for i := 1; i < len(ns); i++ {
		if ns[i].Timestamp == ns[i-1].Timestamp || ns[i].Auth == ns[i-1].Auth || !ns[i].Verified {
			t.Errorf("attempt %d: timestamp %s auth reused=%v verified=%v", i+1, ns[i].Timestamp, ns[i].Auth == ns[i-1].Auth, ns[i].Verified)
		}
	}
	ds := sb.Webhooks(t, webhookFilter())
	if len(ds) != 1 || ds[0].Status != "failed" || len(ds[0].Attempts) != 4 {
		t.Fatalf("delivery %+v", ds)
	}

	// An acknowledged notification is sent once.
	rc.respond(http.StatusOK, "OK")
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", klarnaOrder(t, multisafepay.SeedRedirectKlarna, "retry-2", rc.URL+"/n")))
	submit(t, sb, str(d["payment_url"]), url.Values{"outcome": {"declined"}})
	sb.Flush()
	sb.Advance(t, testKey, time.Hour)
	if got := len(rc.notifications()); got != 5 {
		t.Fatalf("%d attempts, want 5", got)
	}
}

// TestGETNotification: notification_method GET (the default) calls the URL
// without a body.
func TestGETNotification(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := newReceiver(t, testKey)
	req := map[string]any{"order_id": "get-1", "currency": "EUR", "amount": 500, "description": "d", "gateway": "IDEAL",
		"payment_options": map[string]any{"notification_url": rc.URL + "/hook"}}
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", req))
	submit(t, sb, str(d["payment_url"]), url.Values{"outcome": {"completed"}})
	sb.Flush()
	n, _ := rc.last(t)
	if n.Method != http.MethodGet || len(n.Body) != 0 || n.Auth != "" || n.Query.Get("transactionid") != "get-1" || n.Timestamp == "" {
		t.Fatalf("GET notification %+v", n)
	}
}
