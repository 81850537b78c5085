package multisafepay_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// exampleWant is what a vendor example leaves behind: the stored order's
// gateway and statuses right after creation.
type exampleWant struct {
	gateway, status, financial string
}

// vendorExamples: every create-order example of the vendor's spec
// (testdata/post-orders, placeholders listed in its README) and the order
// it makes. Redirect-like orders wait for the customer (initialized); direct
// ones show what the test data decides.
var vendorExamples = map[string]exampleWant{
	"alipay-plus.json":             {"", "initialized", "initialized"},
	"amazon-pay.json":              {"AMAZONBTN", "initialized", "initialized"},
	"apple-pay-direct.json":        {"APPLEPAY", "completed", "completed"},
	"apple-pay-redirect.json":      {"APPLEPAY", "initialized", "initialized"},
	"bancontact-qr.json":           {"MISTERCASH", "initialized", "initialized"},
	"bancontact-redirect.json":     {"MISTERCASH", "initialized", "initialized"},
	"bank-transfer.json":           {"BANKTRANS", "initialized", "initialized"},
	"belfius-direct.json":          {"BELFIUS", "initialized", "initialized"},
	"belfius-redirect.json":        {"BELFIUS", "initialized", "initialized"},
	"betaal-per-maand.json":        {"SANTANDER", "initialized", "initialized"},
	"billink-redirect.json":        {"BILLINK", "initialized", "initialized"},
	"bizum-direct.json":            {"BIZUM", "initialized", "initialized"},
	"bizum-redirect.json":          {"BIZUM", "initialized", "initialized"},
	"cbc-kbc-direct.json":          {"CBC", "initialized", "initialized"},
	"cbc-kbc-redirect.json":        {"CBC", "initialized", "initialized"},
	"credit-card-direct.json":      {"CREDITCARD", "completed", "completed"},
	"credit-card-redirect.json":    {"*", "initialized", "initialized"},
	"direct-debit-direct.json":     {"DIRDEB", "initialized", "initialized"},
	"direct-debit-redirect.json":   {"DIRDEB", "initialized", "initialized"},
	"dotpay.json":                  {"DOTPAY", "initialized", "initialized"},
	"einvoicing-direct.json":       {"EINVOICE", "initialized", "initialized"},
	"einvoicing-redirect.json":     {"EINVOICE", "initialized", "initialized"},
	"eps.json":                     {"EPS", "initialized", "initialized"},
	"fastcheckout.json":            {"", "initialized", "initialized"},
	"gift-card.json":               {"", "initialized", "initialized"},
	"giropay.json":                 {"GIROPAY", "initialized", "initialized"},
	"google-pay-direct.json":       {"GOOGLEPAY", "completed", "completed"},
	"google-pay-redirect.json":     {"GOOGLEPAY", "initialized", "initialized"},
	"ideal-direct.json":            {"IDEAL", "initialized", "initialized"},
	"ideal-qr.json":                {"IDEALQR", "initialized", "initialized"},
	"ideal-redirect.json":          {"IDEAL", "initialized", "initialized"},
	"in3-direct.json":              {"IN3", "completed", "uncleared"},
	"in3-redirect.json":            {"IN3", "initialized", "initialized"},
	"klarna-direct.json":           {"KLARNA", "initialized", "initialized"},
	"klarna-redirect.json":         {"KLARNA", "initialized", "initialized"},
	"mbway-direct.json":            {"MBWAY", "completed", "completed"},
	"mbway-redirect.json":          {"MBWAY", "initialized", "initialized"},
	"multibanco-direct.json":       {"MULTIBANCO", "completed", "completed"},
	"multibanco-redirect.json":     {"MULTIBANCO", "initialized", "initialized"},
	"mybank-direct.json":           {"MYBANK", "initialized", "initialized"},
	"mybank-redirect.json":         {"MYBANK", "initialized", "initialized"},
	"pad.json":                     {"BNPL_MF", "initialized", "initialized"},
	"payment-component.json":       {"IDEAL", "initialized", "initialized"},
	"payment-page.json":            {"", "initialized", "initialized"},
	"paypal-direct.json":           {"PAYPAL", "initialized", "initialized"},
	"paypal-redirect.json":         {"PAYPAL", "initialized", "initialized"},
	"postepay.json":                {"VISA", "initialized", "initialized"},
	"recurring-initial.json":       {"CREDITCARD", "initialized", "initialized"},
	"recurring-subsequent.json":    {"VISA", "completed", "completed"},
	"request-to-pay-direct.json":   {"DBRTP", "initialized", "initialized"},
	"request-to-pay-redirect.json": {"DBRTP", "initialized", "initialized"},
	"riverty.json":                 {"AFTERPAY", "*", "*"},
	"sofort-direct.json":           {"DIRECTBANK", "initialized", "initialized"},
	"sofort-redirect.json":         {"DIRECTBANK", "initialized", "initialized"},
	"trustly-direct.json":          {"TRUSTLY", "initialized", "initialized"},
	"trustly-redirect.json":        {"TRUSTLY", "initialized", "initialized"},
	"trustpay-redirect.json":       {"TRUSTPAY", "initialized", "initialized"},
	"wechat-pay-direct.json":       {"WECHAT", "initialized", "initialized"},
	"wechat-pay-redirect.json":     {"WECHAT", "initialized", "initialized"},
}

// readExample is a vendor create-order example (testdata/post-orders).
func readExample(t *testing.T, name string) map[string]any {
	t.Helper()
	return readTestdata(t, "post-orders", name)
}

// readTestdata decodes testdata/dir/name.
func readTestdata(t *testing.T, dir, name string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// postExample creates the example's order under its own API key and checks
// the answer and the stored order.
func postExample(t *testing.T, sb *sandboxtest.Sandbox, key string, body map[string]any, want exampleWant) (created, stored map[string]any) {
	t.Helper()
	r := api(t, sb, key, http.MethodPost, "/orders", body)
	d := data(t, r)
	orderID := str(body["order_id"])
	if d["order_id"] != orderID {
		t.Fatalf("order_id %v, want %s: %s", d["order_id"], orderID, r.Body)
	}
	typ, _ := body["type"].(string)
	if typ == "direct" {
		if _, has := d["transaction_id"]; !has {
			t.Fatalf("a direct order answers with the order: %s", r.Body)
		}
	} else if d["payment_url"] == nil || d["session_id"] == nil {
		t.Fatalf("a %q order answers with payment_url and session_id: %s", typ, r.Body)
	}
	o := data(t, api(t, sb, key, http.MethodGet, "/orders/"+url.PathEscape(orderID), nil))
	gateway := strings.ToUpper(str(body["gateway"]))
	if body["gateway"] == nil || body["gateway"] == "" {
		gateway = want.gateway
	}
	pd := o["payment_details"].(map[string]any)
	if got := str(pd["type"]); (gateway == "" && pd["type"] != nil) || (gateway != "" && got != gateway) {
		t.Errorf("gateway %s, want %q", got, gateway)
	}
	if want.status != "*" && (o["status"] != want.status || o["financial_status"] != want.financial) {
		t.Errorf("status %v/%v, want %s/%s", o["status"], o["financial_status"], want.status, want.financial)
	}
	if o["amount"] != json.Number(str(body["amount"])) || o["currency"] != body["currency"] {
		t.Errorf("amount %v %v, want %v %v", o["amount"], o["currency"], body["amount"], body["currency"])
	}
	return d, o
}

func TestVendorCreateOrderExamples(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "post-orders", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	sort.Strings(names)
	for name := range vendorExamples {
		if _, err := os.Stat(filepath.Join("testdata", "post-orders", name)); err != nil {
			t.Errorf("%s is listed but not in testdata", name)
		}
	}
	sb := sandboxtest.Start(t)
	for _, name := range names {
		want, listed := vendorExamples[name]
		if !listed {
			t.Errorf("%s: no expectation listed", name)
			continue
		}
		key := "example-" + strings.TrimSuffix(name, ".json")
		t.Run(name, func(t *testing.T) {
			body := readExample(t, name)
			switch name {
			case "credit-card-redirect.json": // placeholder: one of five gateways
				for _, g := range strings.Split(str(body["gateway"]), "/") {
					body["gateway"] = g
					_, o := postExample(t, sb, key+"-"+g, body, want)
					if pd := o["payment_details"].(map[string]any); pd["type"] != g {
						t.Errorf("%s: payment_details.type %v", g, pd["type"])
					}
				}
			case "riverty.json": // placeholder: direct or redirect
				for _, typ := range strings.Split(str(body["type"]), "/") {
					body["type"] = typ
					_, o := postExample(t, sb, key+"-"+typ, body, want)
					wantStatus := map[string]string{"direct": "completed", "redirect": "initialized"}[typ]
					if o["status"] != wantStatus {
						t.Errorf("riverty %s: status %v, want %s", typ, o["status"], wantStatus)
					}
				}
			case "recurring-subsequent.json": // placeholder: a token of this customer
				initial := readExample(t, "recurring-initial.json")
				created, _ := postExample(t, sb, key, initial, vendorExamples["recurring-initial.json"])
				payOnPage(t, sb, str(created["session_id"]), url.Values{"outcome": {"completed"}})
				o := data(t, api(t, sb, key, http.MethodGet, "/orders/"+str(initial["order_id"]), nil))
				token := str(o["payment_details"].(map[string]any)["recurring_id"])
				if token == "<nil>" || token == body["recurring_id"] {
					t.Fatalf("the paid initial order left no token: %v", o["payment_details"])
				}
				body["recurring_id"] = token
				body["order_id"] = "my-order-id-2"
				_, o = postExample(t, sb, key, body, want)
				pd := o["payment_details"].(map[string]any)
				if pd["recurring_id"] != token || pd["recurring_model"] != "unscheduled" {
					t.Errorf("subsequent payment details %v", pd)
				}
			default:
				postExample(t, sb, key, body, want)
			}
		})
	}
}

// payOnPage picks an outcome (and test data fields) on a payment page.
func payOnPage(t *testing.T, sb *sandboxtest.Sandbox, session string, form url.Values) *sandboxtest.Response {
	t.Helper()
	r := sb.Do(t, http.MethodPost, "/multisafepay/connect/"+session+"/", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if r.Status != http.StatusSeeOther && r.Status != http.StatusOK {
		t.Fatalf("payment page: %d %s", r.Status, r.Body)
	}
	return r
}

// readRequest is a vendor example of another request (testdata/requests).
func readRequest(t *testing.T, name string) map[string]any {
	t.Helper()
	return readTestdata(t, "requests", name)
}

// TestVendorOtherRequestExamples sends the vendor's capture, update and
// refund examples (testdata/requests) to orders in the state each needs.
func TestVendorOtherRequestExamples(t *testing.T) {
	sb := sandboxtest.Start(t)
	get := func(id string) map[string]any {
		return data(t, api(t, sb, testKey, http.MethodGet, "/orders/"+url.PathEscape(id), nil))
	}
	manual := func(id string) {
		data(t, api(t, sb, testKey, http.MethodPost, "/orders", with(directCard(id, "4111111111111111"), "amount", 5000, "capture", "manual")))
	}
	// Full capture (no amount in the example): the authorization is captured.
	manual("cap-full")
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-full/capture", readRequest(t, "capture-fullCapture.json")))
	if o := get("cap-full"); o["financial_status"] != "completed" {
		t.Fatalf("full capture: %v", o["financial_status"])
	}
	// Partial capture of 2000: a new order my-order-id-01.
	manual("cap-part")
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/cap-part/capture", readRequest(t, "capture-partialCapture.json")))
	if o := get("my-order-id-01"); o["amount"] != json.Number("2000") || o["status"] != "completed" {
		t.Fatalf("partial capture order: %v %v", o["amount"], o["status"])
	}
	if o := get("cap-part"); o["financial_status"] != "initialized" || o["payment_details"].(map[string]any)["capture_remain"] != json.Number("3000") {
		t.Fatalf("original after partial capture: %v %v", o["financial_status"], o["payment_details"])
	}
	// Cancel an open order.
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", order("to-cancel")))
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/to-cancel", readRequest(t, "patch-orders-cancelOrder.json")))
	if o := get("to-cancel"); o["status"] != "void" {
		t.Fatalf("cancelled: %v", o["status"])
	}
	// Extend an authorized Klarna order.
	kl := readExample(t, "klarna-direct.json")
	kl["order_id"], kl["gateway_info"] = "klarna-1", map[string]any{"email": "customer+nl@klarna.com"}
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", kl))
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/klarna-1", readRequest(t, "patch-orders-extendKlarna.json")))
	// Ship an in3 order, then refund it the BNPL way.
	in3 := readExample(t, "in3-redirect.json")
	d := data(t, api(t, sb, testKey, http.MethodPost, "/orders", in3))
	payOnPage(t, sb, str(d["session_id"]), url.Values{"outcome": {"completed"}})
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/my-order-id-1", readRequest(t, "patch-orders-shipOrder.json")))
	data(t, api(t, sb, testKey, http.MethodPost, "/orders/my-order-id-1/refunds", readRequest(t, "refunds-refundBNPL.json")))
	if o := get("my-order-id-1"); o["status"] != "refunded" || o["amount_refunded"] != json.Number("10000") || o["financial_status"] != "completed" {
		t.Fatalf("in3 after BNPL refund: %v %v %v", o["status"], o["amount_refunded"], o["financial_status"])
	}
	// Partially ship a Billink order (amount 12500 of 37485).
	bl := readExample(t, "billink-redirect.json")
	bl["order_id"] = "billink-1"
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", bl))
	payOnPage(t, sb, str(d["session_id"]), url.Values{"outcome": {"completed"}})
	ps := data(t, api(t, sb, testKey, http.MethodPatch, "/orders/billink-1", readRequest(t, "patch-orders-partiallyShipOrder.json")))
	if ps["order_id"] != "billink-1" || ps["transaction_id"] == nil {
		t.Fatalf("partial shipment: %v", ps)
	}
	// Refund with refund_order_id and vars, then void it.
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", directCard("paid-1", "4111111111111111")))
	rf := data(t, api(t, sb, testKey, http.MethodPost, "/orders/paid-1/refunds", readRequest(t, "refunds-refund.json")))
	if rf["order_id"] != "refund-order-id-1234" {
		t.Fatalf("refund: %v", rf)
	}
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/paid-1/refunds/"+str(rf["refund_id"]), readRequest(t, "refunds-cancelrefund.json")))
	if o := get("paid-1"); o["amount_refunded"] != json.Number("0") {
		t.Fatalf("after void: %v", o["amount_refunded"])
	}
	// Give a FastCheckout order a new order_id; other orders refuse it.
	fc := readExample(t, "fastcheckout.json")
	fc["order_id"] = "fco-1"
	d = data(t, api(t, sb, testKey, http.MethodPost, "/orders", fc))
	data(t, api(t, sb, testKey, http.MethodPatch, "/orders/fco-1", readRequest(t, "patch-orders-updateFastCheckoutOrder.json")))
	if o := get("updated-order-id"); o["order_id"] != "updated-order-id" {
		t.Fatalf("renamed order: %v", o["order_id"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodGet, "/orders/fco-1", nil), 404, 1006)
	if o := get(str(get("updated-order-id")["transaction_id"])); o["order_id"] != "updated-order-id" {
		t.Fatalf("PSP id after rename: %v", o["order_id"])
	}
	payOnPage(t, sb, str(d["session_id"]), url.Values{"outcome": {"completed"}, "gateway": {"IDEAL"}})
	if o := get("updated-order-id"); o["status"] != "completed" {
		t.Fatalf("paid after rename: %v", o["status"])
	}
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPatch, "/orders/paid-1", readRequest(t, "patch-orders-updateFastCheckoutOrder.json")), 400, 1000)
}

// TestVendorSchemaFields: fields of the vendor's create-order schemas that
// no example uses are accepted too.
func TestVendorSchemaFields(t *testing.T) {
	sb := sandboxtest.Start(t)
	body := with(order("fields-1"), "gateway", "PAYPAL", "invoice", "AB123456",
		"customer", map[string]any{"locale": "nl_NL", "disable_send_email": false, "reference": "c-1",
			"browser": map[string]any{"javascript_enabled": 1, "java_enabled": 0, "cookies_enabled": 1, "language": "nl-NL",
				"screen_color_depth": "24", "screen_height": "1080", "screen_width": "1920", "time_zone": "-60", "user_agent": "UA", "platform": "MacIntel"}},
		"payment_options", map[string]any{"settings": map[string]any{
			"coupons":  map[string]any{"allow": []any{"VVVGIFTCRD"}},
			"gateways": map[string]any{"BILLINK": map[string]any{"type": "business"}, "IDEAL": map[string]any{"show_pre": true}},
		}, "template_id": "t-1", "template": map[string]any{"version": "1.0", "settings": map[string]any{"hide_logo": true}}},
		"checkout_options", map[string]any{"validate_cart": true},
		"affiliate", map[string]any{"split_payments": []any{map[string]any{"merchant": 1, "percentage": 10, "description": "x"}}},
		"second_chance", map[string]any{"send_mail": true},
		"recurring", map[string]any{"model": "cardOnFile"},
		"customer_verification", map[string]any{"html": "<p>x</p>", "type": "html"})
	data(t, api(t, sb, testKey, http.MethodPost, "/orders", body))
	// A field the vendor does not document is refused by the closed schema.
	sandboxtest.WantMultiSafepayError(t, api(t, sb, testKey, http.MethodPost, "/orders", with(order("fields-2"), "colour", "blue")), 400, 1016)
}
