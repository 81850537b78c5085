package main

import (
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/examples/browsertest"
)

// The example checkout in a real headless Chromium: every flow clicked
// through with approve and deny, the result read back through the APIs.

func TestMain(m *testing.M) {
	code := m.Run()
	browsertest.Close()
	os.Exit(code)
}

const (
	klarnaUser = "PK_TEST_shop"
	mspKey     = "shop-key"
)

// world is one test's paysandbox, shop and browser tab.
type world struct {
	t    *testing.T
	sb   *sandboxtest.Sandbox
	shop *Shop
	url  string // the shop
	emu  string // paysandbox as the browser and the shop reach it (responses checked)
	tab  *browsertest.Tab
}

func newWorld(t *testing.T, cart []Item) *world {
	t.Helper()
	tab := browsertest.NewTab(t) // first: skips at once without Chromium
	sb := sandboxtest.Start(t)
	checker := browsertest.NewChecker(t)
	emu := checker.Server(t, sb.Emulator.Handler())
	shop := NewShop(Config{
		Emulator: emu.URL, KlarnaUser: klarnaUser, KlarnaPassword: "secret", MultiSafepayKey: mspKey,
		Cart: cart, Client: checker.Client(), Log: log.New(io.Discard, "", 0),
	})
	srv := httptest.NewServer(shop)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if checker.Seen() == 0 {
			t.Error("no response of paysandbox was checked")
		}
	})
	return &world{t: t, sb: sb, shop: shop, url: srv.URL, emu: emu.URL, tab: tab}
}

// state waits until the checkout page says it reached state (data-state).
func state(s string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.body.dataset.state === %q`, s))
}

func (w *world) open() {
	w.tab.Do("open the shop", chromedp.Navigate(w.url), chromedp.WaitVisible(chromedp.CSS("#place-order")))
}

// klarnaApprovalStep chooses Klarna, waits for its widget, places the order
// and returns the approval step's iframe.
func (w *world) klarnaApprovalStep() *chromedp.Node { return w.widgetApprovalStep("#method-klarna") }

// widgetApprovalStep is klarnaApprovalStep for any method that pays in the
// page with Klarna's widget (Klarna itself, Commerce Layer's klarna_payments).
func (w *world) widgetApprovalStep(methodInput string) *chromedp.Node {
	w.open()
	w.tab.Do("choose "+methodInput+" and wait for Klarna's widget",
		chromedp.Click(chromedp.CSS(methodInput)),
		state("klarna-ready"),
		chromedp.Poll[chromedp.Void](`document.querySelector('#klarna-payments-container iframe').offsetHeight > 20`),
	)
	w.tab.Do("place the order", chromedp.Click(chromedp.CSS("#place-order")))
	frame := w.tab.Frame("the approval step opens", "#klarna-payments-fullscreen iframe", "/kp/lib/v1/approval")
	w.tab.Do("the approval step shows the outcomes", chromedp.WaitVisible(chromedp.CSS("#outcome-approve"), chromedp.FromNode(frame)))
	return frame
}

func (w *world) choose(frame *chromedp.Node, outcome string) {
	w.tab.Do("choose "+outcome,
		chromedp.Click(chromedp.CSS("#outcome-"+outcome), chromedp.FromNode(frame)),
		chromedp.Click(chromedp.CSS("#continue"), chromedp.FromNode(frame)),
	)
}

// api calls paysandbox as the shop's tenant (responses checked against our OpenAPI files).
func (w *world) klarnaAPI(path string) map[string]any {
	w.t.Helper()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(klarnaUser+":secret"))
	r := w.sb.Do(w.t, http.MethodGet, path, nil, "Authorization", auth)
	if r.Status != http.StatusOK {
		w.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return r.JSON(w.t)
}

func (w *world) mspOrder(id string) map[string]any {
	w.t.Helper()
	r := w.sb.Do(w.t, http.MethodGet, "/v1/json/orders/"+id, nil, "api_key", mspKey)
	if r.Status != http.StatusOK {
		w.t.Fatalf("GET order %s: %d %s", id, r.Status, r.Body)
	}
	return r.JSON(w.t)["data"].(map[string]any)
}

// event is the shop's last event of flow and kind.
func (w *world) event(flow, kind string) (Event, bool) {
	evs := w.shop.Events()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Flow == flow && evs[i].Kind == kind {
			return evs[i], true
		}
	}
	return Event{}, false
}

func (w *world) mustEvent(flow, kind string) Event {
	w.t.Helper()
	e, ok := w.event(flow, kind)
	if !ok {
		w.t.Fatalf("the shop saw no %s %s event: %+v", flow, kind, w.shop.Events())
	}
	return e
}

func (w *world) status() string {
	return browsertest.Run(w.tab, "read the status", chromedp.Text(chromedp.CSS("#status")))
}

func TestKlarnaWidgetApprove(t *testing.T) {
	w := newWorld(t, nil)
	frame := w.klarnaApprovalStep()
	w.choose(frame, "approve")
	w.tab.Do("the order is placed", state("placed"))

	order := w.mustEvent("klarna", "order")
	if order.AuthorizationToken == "" || order.OrderID == "" {
		t.Fatalf("order event %+v", order)
	}
	if auth := w.mustEvent("klarna", "authorized"); auth.AuthorizationToken != order.AuthorizationToken {
		t.Fatalf("the page sent token %q, the order used %q", auth.AuthorizationToken, order.AuthorizationToken)
	}
	o := w.klarnaAPI("/ordermanagement/v1/orders/" + order.OrderID)
	if o["status"] != "AUTHORIZED" || o["fraud_status"] != "ACCEPTED" || o["order_amount"] != float64(5248) {
		t.Fatalf("order %v %v %v", o["status"], o["fraud_status"], o["order_amount"])
	}
	if b := o["billing_address"].(map[string]any); b["email"] != "customer@email.de" || b["city"] != "Neuss" {
		t.Fatalf("billing address %v", b)
	}
	if s := w.klarnaAPI("/payments/v1/sessions/" + order.SessionID); s["status"] != "complete" {
		t.Fatalf("session %v", s["status"])
	}
	if st := w.status(); !strings.Contains(st, order.OrderID) {
		t.Fatalf("status %q", st)
	}
	// The page's focus came back from the approval step.
	w.tab.Do("focus returns to the button", chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === 'place-order'`))
}

func TestKlarnaWidgetDeny(t *testing.T) {
	w := newWorld(t, nil)
	frame := w.klarnaApprovalStep()
	w.choose(frame, "deny")
	w.tab.Do("the page says declined", state("declined"), chromedp.WaitNotVisible(chromedp.CSS("#klarna-payments-container")))
	if e, ok := w.event("klarna", "authorized"); ok {
		t.Fatalf("a declined payment reached the server: %+v", e)
	}
	if _, ok := w.event("klarna", "order"); ok {
		t.Fatal("an order was placed")
	}
	sess := w.mustEvent("klarna", "session")
	if s := w.klarnaAPI("/payments/v1/sessions/" + sess.SessionID); s["status"] != "incomplete" || s["authorization_token"] != nil {
		t.Fatalf("session %v %v", s["status"], s["authorization_token"])
	}
	if !strings.Contains(w.status(), "declined") {
		t.Fatalf("status %q", w.status())
	}
}

// The approval step works with the keyboard alone: focus moves into it, the
// arrow keys pick the outcome, Escape cancels and gives focus back.
func TestKlarnaApprovalWithKeyboard(t *testing.T) {
	w := newWorld(t, nil)
	frame := w.klarnaApprovalStep()
	inFrame := chromedp.WithPollingInFrame(frame)
	w.tab.Do("focus is on the outcome choice", chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === 'outcome-test_data'`, inFrame))
	w.tab.Do("the rest of the page is inert", chromedp.Poll[chromedp.Void](`document.querySelector('main').inert === true`))
	w.tab.Do("Escape cancels", chromedp.KeyEvent(kb.Escape), chromedp.WaitNotPresent(chromedp.CSS("#klarna-payments-fullscreen")))
	w.tab.Do("focus is back on the button", chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === 'place-order' && !document.querySelector('main').inert`))
	if st := w.status(); !strings.Contains(st, "not approved") {
		t.Fatalf("status after cancel %q", st)
	}

	// Enter on the focused button opens the step again; arrow down picks
	// "approve", Tab reaches Continue, Enter submits.
	w.tab.Do("Enter opens the step again", chromedp.KeyEvent(kb.Enter))
	frame = w.tab.Frame("the approval step opens again", "#klarna-payments-fullscreen iframe", "/kp/lib/v1/approval")
	inFrame = chromedp.WithPollingInFrame(frame)
	w.tab.Do("focus is on the outcome choice again", chromedp.Poll[chromedp.Void](`document.activeElement && document.activeElement.id === 'outcome-test_data'`, inFrame))
	w.tab.Do("arrow down picks approve", chromedp.KeyEvent(kb.ArrowDown))
	w.tab.Do("approve is checked", chromedp.Poll[chromedp.Void](`document.getElementById('outcome-approve').checked`, inFrame))
	w.tab.Do("Tab and Enter continue", chromedp.KeyEvent(kb.Tab),
		chromedp.Poll[chromedp.Void](`document.activeElement.id === 'continue'`, inFrame), chromedp.KeyEvent(kb.Enter), state("placed"))
	w.mustEvent("klarna", "order")
}

func TestMultiSafepayApprove(t *testing.T) {
	w := newWorld(t, nil)
	w.payOnMultiSafepay("completed", "paid")
	order := w.mustEvent("multisafepay", "returned")
	if o := w.mspOrder(order.OrderID); o["status"] != "completed" || o["amount"] != float64(5248) || o["currency"] != "EUR" {
		t.Fatalf("order %v %v %v", o["status"], o["amount"], o["currency"])
	}
	if order.Status != "completed" {
		t.Fatalf("the shop saw %q", order.Status)
	}
}

func TestMultiSafepayDeny(t *testing.T) {
	w := newWorld(t, nil)
	w.payOnMultiSafepay("declined", "not-paid")
	order := w.mustEvent("multisafepay", "returned")
	if o := w.mspOrder(order.OrderID); o["status"] != "declined" {
		t.Fatalf("order %v", o["status"])
	}
}

func (w *world) payOnMultiSafepay(outcome, result string) {
	w.open()
	w.tab.Do("pay with MultiSafepay", chromedp.Click(chromedp.CSS("#method-multisafepay")), chromedp.Click(chromedp.CSS("#place-order")))
	choice := chromedp.CSS(`input[name=outcome][value=` + outcome + `]`)
	w.tab.Do("the payment page opens", chromedp.WaitVisible(choice))
	if loc := browsertest.Run(w.tab, "read the location", chromedp.Location()); !strings.HasPrefix(loc, w.emu+"/multisafepay/connect/") {
		w.t.Fatalf("payment page at %s", loc)
	}
	w.tab.Do("choose "+outcome, chromedp.Click(choice), chromedp.Click(chromedp.CSS(`button[type=submit]`)))
	w.tab.Do("back in the shop", chromedp.WaitReady(chromedp.CSS(`body[data-result="`+result+`"]`)))
}

func TestKlarnaHostedPageApprove(t *testing.T) {
	w := newWorld(t, nil)
	w.payOnHostedPage("approve", "paid")
	order := w.mustEvent("klarna-hpp", "order")
	if order.AuthorizationToken == "" {
		t.Fatalf("no token reached the shop: %+v", order)
	}
	if s := w.klarnaAPI("/hpp/v1/sessions/" + order.SessionID); s["status"] != "COMPLETED" || s["authorization_token"] != order.AuthorizationToken {
		t.Fatalf("HPP session %v", s)
	}
	if o := w.klarnaAPI("/ordermanagement/v1/orders/" + order.OrderID); o["status"] != "AUTHORIZED" || o["order_amount"] != float64(5248) {
		t.Fatalf("order %v %v", o["status"], o["order_amount"])
	}
	text := browsertest.Run(w.tab, "read the result", chromedp.Text(chromedp.CSS("#details")))
	if !strings.Contains(text, order.OrderID) {
		t.Fatalf("result page %q", text)
	}
}

func TestKlarnaHostedPageDeny(t *testing.T) {
	w := newWorld(t, nil)
	w.payOnHostedPage("deny", "not-paid")
	sess := w.mustEvent("klarna-hpp", "not paid")
	if s := w.klarnaAPI("/hpp/v1/sessions/" + sess.SessionID); s["status"] != "FAILED" || s["authorization_token"] != nil {
		t.Fatalf("HPP session %v", s)
	}
	if _, ok := w.event("klarna-hpp", "order"); ok {
		t.Fatal("an order was placed")
	}
}

func (w *world) payOnHostedPage(outcome, result string) {
	w.open()
	w.tab.Do("pay on Klarna's hosted page", chromedp.Click(chromedp.CSS("#method-klarna-hpp")), chromedp.Click(chromedp.CSS("#place-order")))
	w.tab.Do("the hosted page opens", chromedp.WaitVisible(chromedp.CSS("#outcome-"+outcome)))
	if v := browsertest.Run(w.tab, "the billing address is filled in", chromedp.Value(chromedp.CSS("#billing-email"))); v != "customer@email.de" {
		w.t.Fatalf("billing e-mail %q", v)
	}
	w.tab.Do("choose "+outcome, chromedp.Click(chromedp.CSS("#outcome-"+outcome)), chromedp.Click(chromedp.CSS("#pay")))
	w.tab.Do("back in the shop", chromedp.WaitReady(chromedp.CSS(`body[data-result="`+result+`"]`)))
}

// Every page escapes what the merchant sends: a cart line named like markup
// is shown as text and runs nothing, in the shop, Klarna's widget and
// approval step, the hosted page and MultiSafepay's page.
func TestMerchantTextIsEscaped(t *testing.T) {
	const evil = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>Mug`
	cart := []Item{{Reference: "EVIL", Name: evil, Quantity: 1, UnitPrice: 1000, TaxRate: 1900}}
	w := newWorld(t, cart)
	noXSS := chromedp.Poll[chromedp.Void](`window.__xss === undefined && document.querySelectorAll('main img, main script').length === 0`)

	w.open()
	if got := browsertest.Run(w.tab, "read the cart", chromedp.TextContent(chromedp.CSS("#cart td.name"))); got != evil {
		t.Fatalf("shop cart shows %q", got)
	}
	w.tab.Do("nothing ran in the shop", noXSS)

	frame := w.klarnaApprovalStep()
	if got := browsertest.Run(w.tab, "read the approval step's cart", chromedp.TextContent(chromedp.CSS(".cart tbody td"), chromedp.FromNode(frame))); got != evil {
		t.Fatalf("approval step shows %q", got)
	}
	w.tab.Do("nothing ran in the approval step", chromedp.Poll[chromedp.Void](
		`window.__xss === undefined && document.querySelectorAll('main img, main script').length === 0`, chromedp.WithPollingInFrame(frame)))
	w.choose(frame, "approve")
	w.tab.Do("the order is placed", state("placed"), noXSS)
	if o := w.klarnaAPI("/ordermanagement/v1/orders/" + w.mustEvent("klarna", "order").OrderID); o["order_lines"].([]any)[0].(map[string]any)["name"] != evil {
		t.Fatalf("order line %v", o["order_lines"])
	}

	w.open()
	w.tab.Do("open the hosted page", chromedp.Click(chromedp.CSS("#method-klarna-hpp")), chromedp.Click(chromedp.CSS("#place-order")),
		chromedp.WaitVisible(chromedp.CSS("#pay")))
	if got := browsertest.Run(w.tab, "read the hosted page's cart", chromedp.TextContent(chromedp.CSS(".cart tbody td"))); got != evil {
		t.Fatalf("hosted page shows %q", got)
	}
	w.tab.Do("nothing ran on the hosted page", noXSS)

	w.open()
	w.tab.Do("open MultiSafepay's page", chromedp.Click(chromedp.CSS("#method-multisafepay")), chromedp.Click(chromedp.CSS("#place-order")),
		chromedp.WaitVisible(chromedp.CSS(`button[type=submit]`)))
	if got := browsertest.Run(w.tab, "read the description", chromedp.TextContent(chromedp.CSS("dd"))); !strings.Contains(got, evil) {
		t.Fatalf("payment page shows %q", got)
	}
	w.tab.Do("nothing ran on MultiSafepay's page", noXSS)
}

// clAPI reads Commerce Layer as the default organization's integration.
func (w *world) clAPI(path string) map[string]any {
	w.t.Helper()
	tok := w.sb.Do(w.t, http.MethodPost, "/oauth/token", map[string]string{
		"grant_type": "client_credentials", "client_id": "paysandbox-integration", "client_secret": "paysandbox-integration-secret"})
	if tok.Status != http.StatusOK {
		w.t.Fatalf("integration token: %d %s", tok.Status, tok.Body)
	}
	r := w.sb.Do(w.t, http.MethodGet, path, nil, "Authorization", "Bearer "+tok.JSON(w.t)["access_token"].(string),
		"Accept", "application/vnd.api+json")
	if r.Status != http.StatusOK {
		w.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return r.JSON(w.t)["data"].(map[string]any)["attributes"].(map[string]any)
}

// The Commerce Layer checkout: the shop builds the order at Commerce Layer,
// the page authorizes with Klarna's widget using the klarna_payment's client
// token, the shop sends the token back and places the order; Klarna's Order
// Management shows the same money.
func TestCommerceLayerKlarnaApprove(t *testing.T) {
	w := newWorld(t, nil)
	frame := w.widgetApprovalStep("#method-commercelayer")
	w.choose(frame, "approve")
	w.tab.Do("the order is placed", state("placed"))

	placed := w.mustEvent("commercelayer", "order")
	if auth := w.mustEvent("commercelayer", "authorized"); auth.AuthorizationToken == "" || auth.AuthorizationToken != placed.AuthorizationToken {
		t.Fatalf("authorized %+v, placed %+v", auth, placed)
	}
	o := w.clAPI("/api/orders/" + placed.OrderID)
	if o["status"] != "placed" || o["payment_status"] != "authorized" {
		t.Fatalf("commerce layer order %v / %v", o["status"], o["payment_status"])
	}
	details := o["payment_source_details"].(map[string]any)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("PK_TEST_cl_paysandbox:sandbox")) // the organization's own Klarna merchant
	r := w.sb.Do(t, http.MethodGet, "/ordermanagement/v1/orders/"+details["klarna_id"].(string), nil, "Authorization", auth)
	if r.Status != http.StatusOK {
		t.Fatalf("klarna order: %d %s", r.Status, r.Body)
	}
	ko := r.JSON(t)
	if ko["status"] != "AUTHORIZED" || ko["order_amount"] != o["total_amount_with_taxes_cents"] {
		t.Fatalf("klarna order %v %v, commerce layer total %v", ko["status"], ko["order_amount"], o["total_amount_with_taxes_cents"])
	}
	if st := w.status(); !strings.Contains(st, o["number"].(string)) || !strings.Contains(st, details["klarna_id"].(string)) {
		t.Fatalf("status %q", st)
	}
}

func TestCommerceLayerKlarnaDeny(t *testing.T) {
	w := newWorld(t, nil)
	frame := w.widgetApprovalStep("#method-commercelayer")
	w.choose(frame, "deny")
	w.tab.Do("the page says declined", state("declined"))
	if e, ok := w.event("commercelayer", "authorized"); ok {
		t.Fatalf("a declined payment reached the server: %+v", e)
	}
	opened := w.mustEvent("commercelayer", "session")
	if o := w.clAPI("/api/orders/" + opened.OrderID); o["status"] == "placed" || o["payment_status"] != "unpaid" {
		t.Fatalf("commerce layer order %v / %v", o["status"], o["payment_status"])
	}
}
