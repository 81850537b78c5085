package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/examples/browsertest"
)

// The JS SDK stand-in's API on a bare page: the documented thrown errors,
// klarnaAsyncCallback, events, several widgets, and the finalize step.

const sdkPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SDK test</title></head>
<body><main><div id="a"></div><div id="b"></div><div id="c"></div><button id="outside">outside</button></main>
<script>
window.calls = 0; window.events = []; window.results = {};
window.klarnaAsyncCallback = function () { window.calls++; };
window.errorName = function (f) { try { f(); return 'none'; } catch (e) { return (e instanceof Error ? '' : 'not an Error: ') + e.name; } };
window.keep = function (name) { return function (res) { window.results[name] = res; }; };
</script>
<script src="%s/kp/lib/v1/api.js" async></script>
</body></html>`

func TestSDKAPI(t *testing.T) {
	w := newWorld(t, nil)
	page := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(rw, sdkPage, w.emu)
	}))
	t.Cleanup(page.Close)

	// A US session offers two categories: pay_later and pay_over_time.
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(klarnaUser+":secret"))
	r := w.sb.Do(t, http.MethodPost, "/payments/v1/sessions", map[string]any{
		"purchase_country": "US", "purchase_currency": "USD", "locale": "en-US", "order_amount": 10800, "order_tax_amount": 800,
		"order_lines": []any{
			map[string]any{"type": "physical", "name": "Lamp", "quantity": 1, "unit_price": 10000, "total_amount": 10000},
			map[string]any{"type": "sales_tax", "name": "Sales tax", "quantity": 1, "unit_price": 800, "total_amount": 800},
		},
	}, "Authorization", auth)
	if r.Status != http.StatusOK {
		t.Fatalf("session: %d %s", r.Status, r.Body)
	}
	token := r.JSON(t)["client_token"].(string)
	tokenJS, _ := json.Marshal(token)

	w.tab.Do("open the page", chromedp.Navigate(page.URL), chromedp.Poll[chromedp.Void](`window.Klarna && window.Klarna.Payments && window.calls === 1`))

	thrown := browsertest.Run(w.tab, "call the API wrongly", chromedp.Evaluate[map[string]string](`(() => {
		const P = Klarna.Payments, n = window.errorName, out = {};
		out.loadBeforeInit = n(() => P.load({container: '#a'}));
		out.authorizeBeforeInit = n(() => P.authorize({}));
		out.notAJWT = n(() => P.init({client_token: 'not-a-token'}));
		out.noToken = n(() => P.init({}));
		P.init({client_token: `+string(tokenJS)+`});
		out.missingContainer = n(() => P.load({container: '#nowhere'}));
		out.badSelector = n(() => P.load({container: '##'}));
		out.noContainer = n(() => P.load({}));
		out.unknownCategory = n(() => P.load({container: '#a', payment_method_category: 'cards'}));
		out.unknownPreferred = n(() => P.load({container: '#a', payment_method_category: 'pay_later', preferred_payment_method: 'cash'}));
		out.authorizeBeforeLoad = n(() => P.authorize({payment_method_category: 'pay_later'}));
		out.unknownEvent = n(() => P.on('clicked', () => {}));
		out.unknownEventOff = n(() => P.off('clicked'));
		out.knownEvents = n(() => ['heightChanged', 'fullscreenOverlayShown', 'fullscreenOverlayHidden'].forEach(e =>
			P.on(e, v => window.events.push(e + (typeof v === 'number' ? ':' + (v > 0 ? 'positive' : v) : '')))));
		return out;
	})()`))
	want := map[string]string{
		"loadBeforeInit": "ApplicationNotInitializedError", "authorizeBeforeInit": "ApplicationNotInitializedError",
		"notAJWT": "InvalidClientTokenError", "noToken": "InvalidClientTokenError",
		"missingContainer": "InvalidContainerSelectorError", "badSelector": "InvalidContainerSelectorError", "noContainer": "InvalidContainerSelectorError",
		"unknownCategory": "PaymentMethodCategoryNotSupportedError", "unknownPreferred": "PreferredPaymentMethodNotSupportedError",
		"authorizeBeforeLoad": "ApplicationNotLoadedError", "unknownEvent": "EventNotSupportedError", "unknownEventOff": "EventNotSupportedError",
		"knownEvents": "none",
	}
	for k, v := range want {
		if thrown[k] != v {
			t.Errorf("%s: got %q, want %q", k, thrown[k], v)
		}
	}

	// Two widgets, and one for a category the session lacks.
	w.tab.Do("load three widgets", chromedp.Evaluate[chromedp.Void](`(() => {
		const P = Klarna.Payments;
		P.load({container: '#a', payment_method_category: 'pay_later'}, window.keep('later'));
		P.load({container: document.getElementById('b'), payment_method_category: 'pay_over_time'}, {}, window.keep('overTime'));
		P.load({container: '#c', payment_method_category: 'pay_now', instance_id: 'now'}, window.keep('now'));
	})()`), chromedp.Poll[chromedp.Void](`window.results.later && window.results.overTime && window.results.now`))
	loads := browsertest.Run(w.tab, "read the load results", chromedp.Evaluate[map[string]map[string]any](`window.results`))
	if loads["later"]["show_form"] != true || loads["overTime"]["show_form"] != true || loads["now"]["show_form"] != false {
		t.Fatalf("load results %v", loads)
	}
	if n := browsertest.Run(w.tab, "the widgets report their height", chromedp.Evaluate[int](
		`window.events.filter(e => e === 'heightChanged:positive').length`)); n < 2 {
		t.Fatalf("heightChanged events %d", n)
	}
	if got := browsertest.Run(w.tab, "several widgets need a category", chromedp.Evaluate[string](
		`window.errorName(() => Klarna.Payments.authorize({}, {}, () => {}))`)); got != "PaymentMethodCategoryNotProvidedError" {
		t.Fatalf("authorize without a category: %q", got)
	}
	if got := browsertest.Run(w.tab, "an unavailable widget", chromedp.Evaluate[string](`new Promise(resolve =>
		Klarna.Payments.authorize({instance_id: 'now'}, {}, res => resolve(JSON.stringify(res))))`, chromedp.EvalAwaitPromise)); got != `{"approved":false,"show_form":false}` {
		t.Fatalf("authorize on an unavailable widget: %s", got)
	}

	// authorize with auto_finalize false: the shopper picks "needs finalize";
	// finalize() then gives the token.
	w.tab.Do("authorize without finalizing", chromedp.Evaluate[chromedp.Void](`Klarna.Payments.authorize(
		{payment_method_category: 'pay_later', auto_finalize: false},
		{billing_address: {given_name: 'Test', family_name: 'Person-us', email: 'customer@email.us', street_address: '509 Amsterdam Ave',
		 postal_code: '10024', city: 'New York', region: 'NY', country: 'US'}}, window.keep('authorize'))`))
	frame := w.tab.Frame("the approval step opens", "#klarna-payments-fullscreen iframe", "/kp/lib/v1/approval")
	w.tab.Do("the page behind is inert", chromedp.Poll[chromedp.Void](`document.querySelector('main').inert === true`))
	w.tab.Do("choose finalize", chromedp.Click(chromedp.CSS("#outcome-finalize"), chromedp.FromNode(frame)),
		chromedp.Click(chromedp.CSS("#continue"), chromedp.FromNode(frame)), chromedp.Poll[chromedp.Void](`window.results.authorize`))
	if got := browsertest.Run(w.tab, "read the authorize result", chromedp.Evaluate[string](`JSON.stringify(window.results.authorize)`)); got != `{"approved":true,"show_form":true,"finalize_required":true}` {
		t.Fatalf("authorize result %s", got)
	}
	w.tab.Do("finalize", chromedp.Evaluate[chromedp.Void](`Klarna.Payments.finalize({payment_method_category: 'pay_later'}, {}, window.keep('finalize'))`))
	frame = w.tab.Frame("the finalize step opens", "#klarna-payments-fullscreen iframe", "mode=finalize")
	w.tab.Do("the finalize step asks no address", chromedp.WaitNotPresent(chromedp.CSS("#billing-email"), chromedp.FromNode(frame)))
	w.tab.Do("approve", chromedp.Click(chromedp.CSS("#outcome-approve"), chromedp.FromNode(frame)),
		chromedp.Click(chromedp.CSS("#continue"), chromedp.FromNode(frame)), chromedp.Poll[chromedp.Void](`window.results.finalize`))
	fin := browsertest.Run(w.tab, "read the finalize result", chromedp.Evaluate[map[string]any](`window.results.finalize`))
	tok, _ := fin["authorization_token"].(string)
	if fin["approved"] != true || tok == "" {
		t.Fatalf("finalize result %v", fin)
	}
	events := browsertest.Run(w.tab, "read the overlay events", chromedp.Evaluate[[]string](`window.events.filter(e => e.startsWith('fullscreen'))`))
	if fmt.Sprint(events) != "[fullscreenOverlayShown fullscreenOverlayHidden fullscreenOverlayShown fullscreenOverlayHidden]" {
		t.Fatalf("overlay events %v", events)
	}
	// The token is a real authorization: the server places an order with it.
	order := w.sb.Do(t, http.MethodPost, "/payments/v1/authorizations/"+tok+"/order", map[string]any{
		"purchase_country": "US", "purchase_currency": "USD", "locale": "en-US", "order_amount": 10800, "order_tax_amount": 800,
		"order_lines": []any{
			map[string]any{"type": "physical", "name": "Lamp", "quantity": 1, "unit_price": 10000, "total_amount": 10000},
			map[string]any{"type": "sales_tax", "name": "Sales tax", "quantity": 1, "unit_price": 800, "total_amount": 800},
		},
	}, "Authorization", auth)
	if order.Status != http.StatusOK {
		t.Fatalf("create order with the finalized token: %d %s", order.Status, order.Body)
	}
	if o := order.JSON(t); o["authorized_payment_method"].(map[string]any)["type"] != "fixed_amount" {
		t.Fatalf("order %v", o)
	}
}
