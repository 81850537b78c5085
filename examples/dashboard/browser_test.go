package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/dashboard/dashboardtest"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
	"github.com/paysandbox/paysandbox/examples/browsertest"
)

// The browser tests run in examples/browsertest's shared headless Chromium
// (skipped without it, failed with CI=true), at a desktop window size; a
// console error in a dashboard page fails the test, as an uncaught exception
// does, unless the test expects it (expectErrors).
func TestMain(m *testing.M) {
	browsertest.Configure(browsertest.WindowSize(1280, 800), browsertest.FailOnConsoleErrors())
	code := m.Run()
	browsertest.Close()
	os.Exit(code)
}

// expectErrors forgets console errors so far (a test that provokes them).
func expectErrors(tb *browsertest.Tab) {
	time.Sleep(200 * time.Millisecond) // the last messages reach the tab
	tb.ForgetConsole()
}

func text(tb *browsertest.Tab, sel string) string {
	tb.T().Helper()
	return browsertest.Run(tb, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// waitText waits until sel's text contains want.
func waitText(tb *browsertest.Tab, sel, want string) {
	tb.T().Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(tb.Context(), 2*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		cancel()
		if err == nil && strings.Contains(s, want) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fail("wait for "+sel, fmt.Errorf("%s never showed %q; it shows %.500q", sel, want, s))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func noMarkupFromMerchants(tb *browsertest.Tab) {
	tb.T().Helper()
	n := browsertest.Run(tb, "count injected elements", chromedp.Evaluate[int](`document.querySelectorAll("main img, main script, script:not([src])").length`))
	if n != 0 {
		tb.Fail("no markup from merchants", fmt.Errorf("a merchant string became markup (%d elements)", n))
	}
}

func TestBrowserFindsEachVendorsObjectsRequestsAndWebhooks(t *testing.T) {
	tb := browsertest.NewTab(t)
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	_, kOrder := dashboardtest.KlarnaCheckout(t, sb, "")
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "dash-browser-1", rc.URL))
	clOrderID, lineID := dashboardtest.CLOrder(t, sb, rc.URL)

	tb.Do("overview", chromedp.Navigate(sb.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#h-tenants")))
	waitText(tb, "main", dashboardtest.KTenant)

	// Klarna: tenant page → the order → its capture request.
	tb.Do("klarna tenant", chromedp.Click(chromedp.CSS(`a[href="/_sandbox/ui/t/`+dashboardtest.KTenant+`/klarna"]`)), chromedp.WaitVisible(chromedp.CSS("#c-orders")))
	tb.Do("klarna order", chromedp.Click(chromedp.CSS(`a[href$="/klarna/orders/`+kOrder+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-req")))
	h1 := text(tb, "h1")
	if !strings.Contains(h1, "Klarna") || !strings.Contains(h1, kOrder) {
		t.Fatalf("order heading %q", h1)
	}
	waitText(tb, "main", dashboardtest.XSSScript) // the order line's name, as text
	waitText(tb, "main", "/ordermanagement/v1/orders/"+kOrder+"/captures")
	noMarkupFromMerchants(tb)
	tb.Do("open the capture request", chromedp.Click(`//a[contains(., "/captures → 201")]`), chromedp.WaitVisible(chromedp.CSS("#h-rs")))
	waitText(tb, "main", "captured_amount")

	// MultiSafepay: the order, its notification, the delivery page.
	tb.Do("msp order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/"+dashboardtest.MSPKey+"/multisafepay"), chromedp.Click(chromedp.CSS(`a[href$="/orders/dash-browser-1"]`)),
		chromedp.WaitVisible(chromedp.CSS("#h-wh")))
	waitText(tb, "main", "POST /multisafepay/connect/")
	hook := sb.Webhooks(t, webhook.Filter{Provider: "multisafepay"})[0]
	tb.Do("msp notification", chromedp.Click(chromedp.CSS(`a[href="/_sandbox/ui/webhooks/`+hook.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-att")))
	waitText(tb, "main", "succeeded")
	waitText(tb, "main", "HMAC-SHA512")

	// Commerce Layer: the order and its line item named like markup.
	tb.Do("cl order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/paysandbox/commercelayer/orders/"+clOrderID), chromedp.WaitVisible(chromedp.CSS("#h-rel")))
	waitText(tb, "main", "PATCH /api/orders/"+clOrderID)
	waitText(tb, "#h-wh", "1") // the orders.create webhook it caused
	waitText(tb, "main", "orders.create")
	tb.Do("cl line item", chromedp.Click(chromedp.CSS(`a[href$="/line_items/`+lineID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-fields")))
	waitText(tb, "main", dashboardtest.XSSImg)
	noMarkupFromMerchants(tb)
	waitText(tb, "h1", "Commerce Layer")

	// Drive a pending Klarna fraud review and a MultiSafepay payment from their pages.
	pending := dashboardtest.KlarnaPendingOrder(t, sb, rc.URL)
	tb.Do("pending klarna order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/"+dashboardtest.KTenant+"/klarna/orders/"+pending), chromedp.WaitVisible(chromedp.CSS("#h-drive")))
	waitText(tb, ".summary", "fraud: PENDING")
	tb.Do("end the review", chromedp.Click(chromedp.CSS(`form[action="/_sandbox/ui/jobs/run"] button`)), chromedp.WaitNotPresent(chromedp.CSS("#h-drive")))
	sb.Flush()
	tb.Do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#h-wh")))
	waitText(tb, ".summary", "fraud: ACCEPTED")
	waitText(tb, "main", "FRAUD_RISK_ACCEPTED")

	dashboardtest.MSPOrder(t, sb, "dash-browser-2", rc.URL)
	tb.Do("open msp order", chromedp.Navigate(sb.URL+"/_sandbox/ui/t/"+dashboardtest.MSPKey+"/multisafepay/orders/dash-browser-2"), chromedp.WaitVisible(chromedp.CSS("#outcome")),
		chromedp.SetValue(chromedp.CSS("#outcome"), "uncleared"), chromedp.Click(chromedp.CSS(`form[action$="/multisafepay/outcome"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS("#outcome")))
	waitText(tb, ".summary", "uncleared")
}

func TestBrowserLiveJournalShowsNewRequestsWithoutReload(t *testing.T) {
	tb := browsertest.NewTab(t)
	sb := sandboxtest.Start(t)
	tb.Do("requests page", chromedp.Navigate(sb.URL+"/_sandbox/ui/requests"), chromedp.WaitVisible(chromedp.CSS("#journal")))
	browsertest.Run(tb, "mark the document", chromedp.Evaluate[bool](`window.__sameDocument = true`))
	time.Sleep(300 * time.Millisecond) // the event source connects
	sb.Do(t, http.MethodGet, "/payments/v1/sessions/no-such-session", nil, "Authorization", dashboardtest.KAuth())
	waitText(tb, "#journal tbody", "/payments/v1/sessions/no-such-session")
	if !browsertest.Run(tb, "same document", chromedp.Evaluate[bool](`window.__sameDocument === true`)) {
		t.Fatal("the page reloaded")
	}
	// Keyboard only: Tab reaches the skip link first, Enter moves to the content.
	tb.Do("tab", chromedp.KeyEvent("\t"))
	if c := browsertest.Run(tb, "focused", chromedp.Evaluate[string](`document.activeElement.className`)); c != "skip" {
		t.Errorf("the first Tab focuses %q, not the skip link", c)
	}
	tb.Do("enter", chromedp.KeyEvent("\r"))
	if id := browsertest.Run(tb, "focused", chromedp.Evaluate[string](`document.activeElement.id`)); id != "main" {
		t.Errorf("the skip link leads to %q", id)
	}
	// The new row opens the request.
	tb.Do("open the new row", chromedp.Click(chromedp.CSS(`#journal tbody tr:first-child a`)), chromedp.WaitVisible(chromedp.CSS("#h-rs")))
	waitText(tb, "main", "NOT_FOUND")
}

func TestBrowserResendShowsTheNewAttempt(t *testing.T) {
	tb := browsertest.NewTab(t)
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusServiceUnavailable, "try later")
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "dash-browser-resend", rc.URL))
	hook := sb.Webhooks(t, webhook.Filter{Provider: "multisafepay"})[0]
	rc.Respond(http.StatusOK, "OK")
	tb.Do("webhooks page", chromedp.Navigate(sb.URL+"/_sandbox/ui/webhooks?state=pending"),
		chromedp.Click(chromedp.CSS(`a[href="/_sandbox/ui/webhooks/`+hook.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#h-att")))
	waitText(tb, "main", "503")
	tb.Do("resend", chromedp.Click(chromedp.CSS(`form[action$="/resend"] button`)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	waitText(tb, "main", "Attempt 2")
	waitText(tb, ".summary", "delivered")
	if n := len(rc.Requests()); n != 2 {
		t.Fatalf("receiver got %d requests", n)
	}
}

func TestBrowserAdvancesTheClockAndArmsAScenario(t *testing.T) {
	tb := browsertest.NewTab(t)
	sb := sandboxtest.Start(t)
	dashboardtest.KlarnaCheckout(t, sb, "")
	clk := sb.Emulator.Platform().Clock
	tb.Do("clock preset", chromedp.Navigate(sb.URL+"/_sandbox/ui/clock"), chromedp.WaitVisible(chromedp.CSS("#c-tenant")),
		chromedp.SetValue(chromedp.CSS("#c-tenant"), dashboardtest.KTenant),
		chromedp.Click(chromedp.CSS(`button[name="duration"][value="1d"]`)), chromedp.WaitVisible(chromedp.CSS("#h-res")))
	waitText(tb, "#h-res", "Advanced "+dashboardtest.KTenant+" by 1d")
	if off := clk.Offset(dashboardtest.KTenant); off != 24*time.Hour {
		t.Fatalf("offset %s", off)
	}
	tb.Do("free duration", chromedp.SetValue(chromedp.CSS("#c-tenant"), dashboardtest.KTenant), chromedp.SendKeys(chromedp.CSS("#c-custom"), "90m\n"),
		chromedp.WaitVisible(chromedp.CSS("#h-res")))
	waitText(tb, "#h-res", "by 1h30m")
	if off := clk.Offset(dashboardtest.KTenant); off != 25*time.Hour+30*time.Minute {
		t.Fatalf("offset %s", off)
	}

	eng := sb.Emulator.Scenarios()
	name := eng.Set().All()[0].Name
	sel := `section[id="sc-` + name + `"]`
	tb.Do("arm", chromedp.Navigate(sb.URL+"/_sandbox/ui/scenarios"), chromedp.Click(chromedp.CSS(sel+` summary`)),
		chromedp.SetValue(chromedp.CSS(sel+` input[name="tenant"]`), dashboardtest.KTenant),
		chromedp.SetValue(chromedp.CSS(sel+` input[name="times"]`), "3"),
		chromedp.Click(chromedp.CSS(sel+` form.arm button`)), chromedp.WaitVisible(chromedp.CSS(sel+` form.armed`)))
	if a := eng.Armed(dashboardtest.KTenant); len(a) != 1 || a[0].Name != name || a[0].Times != 3 {
		t.Fatalf("armed %+v", a)
	}
	tb.Do("disarm", chromedp.Click(chromedp.CSS(sel+` form.armed button`)), chromedp.WaitNotPresent(chromedp.CSS(sel+` form.armed`)))
	if a := eng.Armed(""); len(a) != 0 {
		t.Fatalf("still armed %+v", a)
	}
}

func TestBrowserAdminTokenLoginAndForgedChanges(t *testing.T) {
	tb := browsertest.NewTab(t)
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "browser-s3cret" }))
	dashboardtest.KlarnaCheckout(t, sb, "")
	clk := sb.Emulator.Platform().Clock

	tb.Do("asks for the token", chromedp.Navigate(sb.URL+"/_sandbox/ui/clock"), chromedp.WaitVisible(chromedp.CSS(`#token`)))
	tb.Do("wrong token", chromedp.SendKeys(chromedp.CSS("#token"), "nope\n"), chromedp.WaitVisible(chromedp.CSS(".alert")))
	expectErrors(tb) // the 401 page
	tb.Do("right token", chromedp.SendKeys(chromedp.CSS("#token"), "browser-s3cret\n"), chromedp.WaitVisible(chromedp.CSS("#c-tenant")))
	if browsertest.Run(tb, "cookie", chromedp.Evaluate[bool](`document.cookie.includes("paysandbox_ui")`)) {
		t.Error("the session cookie is readable by scripts")
	}

	// A change without the CSRF token, from the dashboard's own page.
	status := browsertest.Run(tb, "forged fetch", chromedp.Evaluate[int](`fetch("/_sandbox/ui/clock/advance", {method: "POST",
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
	tb.Do("cross-site form", chromedp.Navigate(evil.URL))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.HasPrefix(browsertest.Run(tb, "location", chromedp.Location()), sb.URL) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	// 127.0.0.1 on another port is the same site, so the SameSite cookie
	// goes along; the CSRF token (and the Origin check) refuse the change.
	waitText(tb, "main", "CSRF token is missing or wrong")
	if off := clk.Offset(dashboardtest.KTenant); off != 0 {
		t.Fatalf("a forged change moved the clock by %s", off)
	}
	expectErrors(tb) // the refused requests
}
