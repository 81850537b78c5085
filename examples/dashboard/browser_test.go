package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/dashboard/dashboardtest"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// A small headless-Chromium harness of our own (launch flags as in
// examples/browsertest): one browser per test binary, one tab per test.
// Without Chromium the browser tests skip, saying how to install it; with
// CI=true they fail instead.

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	browserStop []context.CancelFunc
)

func TestMain(m *testing.M) {
	code := m.Run()
	for _, c := range browserStop {
		c()
	}
	os.Exit(code)
}

func chromium() string {
	if p := os.Getenv("PAYSANDBOX_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

func startBrowser() {
	path := chromium()
	if _, err := os.Stat(path); err != nil {
		browserErr = fmt.Errorf("chromium not found at %s", path)
		return
	}
	profile, err := os.MkdirTemp("", "paysandbox-dashboard-chromium-")
	if err != nil {
		browserErr = err
		return
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(alloc)
	browserStop = []context.CancelFunc{cancelBrowser, cancelAlloc, func() { _ = os.RemoveAll(profile) }}
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		browserErr = fmt.Errorf("starting %s: %w", path, err)
		return
	}
	browserCtx = ctx
}

type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	log []string // exceptions and console errors
}

func newTab(t *testing.T) *tab {
	t.Helper()
	browserOnce.Do(startBrowser)
	if browserErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need Chromium: %v (apt-get install -y chromium)", browserErr)
		}
		t.Skipf("skipping the browser test: %v; install it with `apt-get update && apt-get install -y chromium` (with CI=true this fails)", browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("opening a tab: %v", err)
	}
	tb := &tab{t: t, ctx: ctx}
	messages := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				tb.mu.Lock()
				tb.log = append(tb.log, m.String())
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, l := range tb.log {
			t.Errorf("the page logged: %s", l)
		}
	})
	return tb
}

// expectErrors forgets console errors so far (a test that provokes them).
func (tb *tab) expectErrors() {
	time.Sleep(200 * time.Millisecond)
	tb.mu.Lock()
	tb.log = nil
	tb.mu.Unlock()
}

// run does a step, failing the test with the page's text when it fails.
func (tb *tab) run(step string, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.fail(step, err)
	}
}

func (tb *tab) fail(step string, err error) {
	tb.t.Helper()
	c2, cancel2 := context.WithTimeout(tb.ctx, 3*time.Second)
	defer cancel2()
	loc, _ := chromedp.Run(c2, chromedp.Location())
	text, _ := chromedp.Run(c2, chromedp.Text(chromedp.CSS("body")))
	if len(text) > 1500 {
		text = text[:1500] + "…"
	}
	tb.t.Fatalf("step %q failed at %s: %v\npage:\n%s", step, loc, err, text)
}

func get[T any](tb *tab, step string, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.fail(step, err)
	}
	return v
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return get(tb, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// waitText waits until sel's text contains want.
func (tb *tab) waitText(sel, want string) {
	tb.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		if err == nil && strings.Contains(s, want) {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s never showed %q; it shows:\n%.1500s", sel, want, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (tb *tab) noMarkupFromMerchants() {
	tb.t.Helper()
	n := get(tb, "count injected elements", chromedp.Evaluate[int](`document.querySelectorAll("main img, main script, script:not([src])").length`))
	if n != 0 {
		tb.t.Fatalf("a merchant string became markup (%d elements)", n)
	}
}

func TestBrowserFindsEachVendorsObjectsRequestsAndWebhooks(t *testing.T) {
	tb := newTab(t)
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	_, kOrder := dashboardtest.KlarnaCheckout(t, sb, "")
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "dash-browser-1", rc.URL))
	clOrderID, lineID := dashboardtest.CLOrder(t, sb, rc.URL)

	tb.run("overview", chromedp.Navigate(sb.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#h-tenants")))
	tb.waitText("main", dashboardtest.KTenant)

	// Klarna: tenant page → the order → its capture request.
	tb.run("klarna tenant", chromedp.Click(chromedp.CSS(`a[href="/_sandbox/ui/t/`+dashboardtest.KTenant+`/klarna"]`)), chromedp.WaitVisible(chromedp.CSS("#c-orders")))
	tb.run("klarna order", chromedp.Click(chromedp.CSS(`a[href$="/klarna/orders/`+kOrder+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-req")))
	h1 := tb.text("h1")
	if !strings.Contains(h1, "Klarna") || !strings.Contains(h1, kOrder) {
		t.Fatalf("order heading %q", h1)
	}
	tb.waitText("main", dashboardtest.XSSScript) // the order line's name, as text
	tb.waitText("main", "/ordermanagement/v1/orders/"+kOrder+"/captures")
	tb.noMarkupFromMerchants()
	tb.run("open the capture request", chromedp.Click(`//a[contains(., "/captures → 201")]`), chromedp.WaitVisible(chromedp.CSS("#h-rs")))
	tb.waitText("main", "captured_amount")

	// MultiSafepay: the order, its notification, the delivery page.
	tb.run("msp order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/"+dashboardtest.MSPKey+"/multisafepay"), chromedp.Click(chromedp.CSS(`a[href$="/orders/dash-browser-1"]`)),
		chromedp.WaitVisible(chromedp.CSS("#h-wh")))
	tb.waitText("main", "POST /multisafepay/connect/")
	hook := sb.Webhooks(t, webhook.Filter{Provider: "multisafepay"})[0]
	tb.run("msp notification", chromedp.Click(chromedp.CSS(`a[href="/_sandbox/ui/webhooks/`+hook.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-att")))
	tb.waitText("main", "succeeded")
	tb.waitText("main", "HMAC-SHA512")

	// Commerce Layer: the order and its line item named like markup.
	tb.run("cl order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/paysandbox/commercelayer/orders/"+clOrderID), chromedp.WaitVisible(chromedp.CSS("#h-rel")))
	tb.waitText("main", "PATCH /api/orders/"+clOrderID)
	tb.waitText("#h-wh", "1") // the orders.create webhook it caused
	tb.waitText("main", "orders.create")
	tb.run("cl line item", chromedp.Click(chromedp.CSS(`a[href$="/line_items/`+lineID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-fields")))
	tb.waitText("main", dashboardtest.XSSImg)
	tb.noMarkupFromMerchants()
	tb.waitText("h1", "Commerce Layer")

	// Drive a pending Klarna fraud review and a MultiSafepay payment from their pages.
	pending := dashboardtest.KlarnaPendingOrder(t, sb, rc.URL)
	tb.run("pending klarna order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/"+dashboardtest.KTenant+"/klarna/orders/"+pending), chromedp.WaitVisible(chromedp.CSS("#h-drive")))
	tb.waitText(".summary", "fraud: PENDING")
	tb.run("end the review", chromedp.Click(chromedp.CSS(`form[action="/_sandbox/ui/jobs/run"] button`)), chromedp.WaitNotPresent(chromedp.CSS("#h-drive")))
	sb.Flush()
	tb.run("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#h-wh")))
	tb.waitText(".summary", "fraud: ACCEPTED")
	tb.waitText("main", "FRAUD_RISK_ACCEPTED")

	dashboardtest.MSPOrder(t, sb, "dash-browser-2", rc.URL)
	tb.run("open msp order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/"+dashboardtest.MSPKey+"/multisafepay/orders/dash-browser-2"), chromedp.WaitVisible(chromedp.CSS("#outcome")),
		chromedp.SetValue(chromedp.CSS("#outcome"), "uncleared"), chromedp.Click(chromedp.CSS(`form[action$="/multisafepay/outcome"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS("#outcome")))
	tb.waitText(".summary", "uncleared")
}

func TestBrowserLiveJournalShowsNewRequestsWithoutReload(t *testing.T) {
	tb := newTab(t)
	sb := sandboxtest.Start(t)
	tb.run("requests page", chromedp.Navigate(sb.URL+"/_sandbox/ui/requests"), chromedp.WaitVisible(chromedp.CSS("#journal")))
	get(tb, "mark the document", chromedp.Evaluate[bool](`window.__sameDocument = true`))
	time.Sleep(300 * time.Millisecond) // the event source connects
	sb.Do(t, http.MethodGet, "/payments/v1/sessions/no-such-session", nil, "Authorization", dashboardtest.KAuth())
	tb.waitText("#journal tbody", "/payments/v1/sessions/no-such-session")
	if !get(tb, "same document", chromedp.Evaluate[bool](`window.__sameDocument === true`)) {
		t.Fatal("the page reloaded")
	}
	// Keyboard only: Tab reaches the skip link first, Enter moves to the content.
	tb.run("tab", chromedp.KeyEvent("\t"))
	if c := get(tb, "focused", chromedp.Evaluate[string](`document.activeElement.className`)); c != "skip" {
		t.Errorf("the first Tab focuses %q, not the skip link", c)
	}
	tb.run("enter", chromedp.KeyEvent("\r"))
	if id := get(tb, "focused", chromedp.Evaluate[string](`document.activeElement.id`)); id != "main" {
		t.Errorf("the skip link leads to %q", id)
	}
	// The new row opens the request.
	tb.run("open the new row", chromedp.Click(chromedp.CSS(`#journal tbody tr:first-child a`)), chromedp.WaitVisible(chromedp.CSS("#h-rs")))
	tb.waitText("main", "NOT_FOUND")
}

func TestBrowserResendShowsTheNewAttempt(t *testing.T) {
	tb := newTab(t)
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusServiceUnavailable, "try later")
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "dash-browser-resend", rc.URL))
	hook := sb.Webhooks(t, webhook.Filter{Provider: "multisafepay"})[0]
	rc.Respond(http.StatusOK, "OK")
	tb.run("webhooks page", chromedp.Navigate(sb.URL+"/_sandbox/ui/webhooks?state=pending"),
		chromedp.Click(chromedp.CSS(`a[href="/_sandbox/ui/webhooks/`+hook.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-att")))
	tb.waitText("main", "503")
	tb.run("resend", chromedp.Click(chromedp.CSS(`form[action$="/resend"] button`)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	tb.waitText("main", "Attempt 2")
	tb.waitText(".summary", "delivered")
	if n := len(rc.Requests()); n != 2 {
		t.Fatalf("receiver got %d requests", n)
	}
}

func TestBrowserAdvancesTheClockAndArmsAScenario(t *testing.T) {
	tb := newTab(t)
	sb := sandboxtest.Start(t)
	dashboardtest.KlarnaCheckout(t, sb, "")
	clk := sb.Emulator.Platform().Clock
	tb.run("clock preset", chromedp.Navigate(sb.URL+"/_sandbox/ui/clock"), chromedp.WaitVisible(chromedp.CSS("#c-tenant")),
		chromedp.SetValue(chromedp.CSS("#c-tenant"), dashboardtest.KTenant),
		chromedp.Click(chromedp.CSS(`button[name="duration"][value="1d"]`)), chromedp.WaitVisible(chromedp.CSS("#h-res")))
	tb.waitText("#h-res", "Advanced "+dashboardtest.KTenant+" by 1d")
	if off := clk.Offset(dashboardtest.KTenant); off != 24*time.Hour {
		t.Fatalf("offset %s", off)
	}
	tb.run("free duration", chromedp.SetValue(chromedp.CSS("#c-tenant"), dashboardtest.KTenant), chromedp.SendKeys(chromedp.CSS("#c-custom"), "90m\n"),
		chromedp.WaitVisible(chromedp.CSS("#h-res")))
	tb.waitText("#h-res", "by 1h30m")
	if off := clk.Offset(dashboardtest.KTenant); off != 25*time.Hour+30*time.Minute {
		t.Fatalf("offset %s", off)
	}

	eng := sb.Emulator.Scenarios()
	name := eng.Set().All()[0].Name
	sel := `section[id="sc-` + name + `"]`
	tb.run("arm", chromedp.Navigate(sb.URL+"/_sandbox/ui/scenarios"), chromedp.Click(chromedp.CSS(sel+` summary`)),
		chromedp.SetValue(chromedp.CSS(sel+` input[name="tenant"]`), dashboardtest.KTenant),
		chromedp.SetValue(chromedp.CSS(sel+` input[name="times"]`), "3"),
		chromedp.Click(chromedp.CSS(sel+` form.arm button`)), chromedp.WaitVisible(chromedp.CSS(sel+` form.armed`)))
	if a := eng.Armed(dashboardtest.KTenant); len(a) != 1 || a[0].Name != name || a[0].Times != 3 {
		t.Fatalf("armed %+v", a)
	}
	tb.run("disarm", chromedp.Click(chromedp.CSS(sel+` form.armed button`)), chromedp.WaitNotPresent(chromedp.CSS(sel+` form.armed`)))
	if a := eng.Armed(""); len(a) != 0 {
		t.Fatalf("still armed %+v", a)
	}
}

func TestBrowserAdminTokenLoginAndForgedChanges(t *testing.T) {
	tb := newTab(t)
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "browser-s3cret" }))
	dashboardtest.KlarnaCheckout(t, sb, "")
	clk := sb.Emulator.Platform().Clock

	tb.run("asks for the token", chromedp.Navigate(sb.URL+"/_sandbox/ui/clock"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	tb.run("wrong token", chromedp.SendKeys(chromedp.CSS("#token"), "nope\n"), chromedp.WaitVisible(chromedp.CSS(".alert")))
	tb.expectErrors() // the 401 page
	tb.run("right token", chromedp.SendKeys(chromedp.CSS("#token"), "browser-s3cret\n"), chromedp.WaitVisible(chromedp.CSS("#c-tenant")))
	if get(tb, "cookie", chromedp.Evaluate[bool](`document.cookie.includes("paysandbox_ui")`)) {
		t.Error("the session cookie is readable by scripts")
	}

	// A change without the CSRF token, from the dashboard's own page.
	status := get(tb, "forged fetch", chromedp.Evaluate[int](`fetch("/_sandbox/ui/clock/advance", {method: "POST",
		headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "tenant=`+dashboardtest.KTenant+`&duration=7d"}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	if status != http.StatusForbidden {
		t.Errorf("forged fetch: %d", status)
	}

	// A form on another origin that posts to the dashboard by itself.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><form id="f" method="post" action="%s/_sandbox/ui/clock/advance"><input name="tenant" value="%s"><input name="duration" value="7d"><input name="csrf" value="guess"></form><script>document.getElementById("f").submit()</script>`, sb.URL, dashboardtest.KTenant)
	}))
	defer evil.Close()
	tb.run("cross-site form", chromedp.Navigate(evil.URL))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasPrefix(get(tb, "location", chromedp.Location()), sb.URL) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	// 127.0.0.1 on another port is the same site, so the SameSite cookie
	// goes along; the CSRF token (and the Origin check) refuse the change.
	tb.waitText("main", "CSRF token is missing or wrong")
	if off := clk.Offset(dashboardtest.KTenant); off != 0 {
		t.Fatalf("a forged change moved the clock by %s", off)
	}
	tb.expectErrors() // the refused requests
}
