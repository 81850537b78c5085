package dashboard_test

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/dashboard/dashboardtest"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

const ui = "/_sandbox/ui"

func mustContain(t *testing.T, page, what string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s does not show %q", what, w)
		}
	}
}

var scriptTag = regexp.MustCompile(`(?i)<script[^>]*>`)

// safePage checks what every dashboard page must be: no inline script, the
// CSP, and the XSS strings only as text.
func safePage(t *testing.T, path, body string, h http.Header) {
	t.Helper()
	for _, tag := range scriptTag.FindAllString(body, -1) {
		if tag != `<script src="/_sandbox/ui/static/app.js" defer>` {
			t.Errorf("%s has a script tag %s", path, tag)
		}
	}
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: CSP %q", path, csp)
	}
	if strings.Contains(body, "<img") || strings.Contains(body, "alert(1)</script>") {
		t.Errorf("%s renders a merchant string as markup", path)
	}
}

func TestPagesShowEveryVendorsObjectsWithRequestsAndWebhooks(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	_, kOrder := dashboardtest.KlarnaCheckout(t, sb, "")
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "dash-order-1", rc.URL))
	clOrderID, lineID := dashboardtest.CLOrder(t, sb, rc.URL)
	c := dashboardtest.NewClient(t, sb.URL)

	status, page, h := c.Get(ui)
	if status != http.StatusOK {
		t.Fatalf("overview: %d %s", status, page)
	}
	safePage(t, ui, page, h)
	mustContain(t, page, "the overview", dashboardtest.KTenant, dashboardtest.MSPKey, "paysandbox", sb.URL+"/v1/json", sb.URL+"/kp/lib/v1/api.js", "go run ./examples/checkout",
		"ready", "Data file", "Uptime", `Orders <span class="count">1</span>`)

	// Klarna: the order with its capture and the requests that touched it.
	status, page, h = c.Get(ui + "/t/" + dashboardtest.KTenant + "/klarna")
	if status != http.StatusOK {
		t.Fatalf("klarna page: %d", status)
	}
	safePage(t, "klarna page", page, h)
	mustContain(t, page, "the Klarna page", "Payment sessions", "Authorizations", kOrder, "CAPTURED")
	status, page, h = c.Get(ui + "/t/" + dashboardtest.KTenant + "/klarna/orders/" + kOrder)
	if status != http.StatusOK {
		t.Fatalf("klarna order: %d", status)
	}
	safePage(t, "klarna order", page, h)
	mustContain(t, page, "the Klarna order", "Klarna", "captures", "captured_amount", "/ordermanagement/v1/orders/"+kOrder+"/captures",
		"/payments/v1/authorizations/", "&lt;script&gt;alert(1)&lt;/script&gt;", "History", "CAPTURED")

	// MultiSafepay: the order, the page submission and the notification.
	status, page, h = c.Get(ui + "/t/" + dashboardtest.MSPKey + "/multisafepay/orders/dash-order-1")
	if status != http.StatusOK {
		t.Fatalf("msp order: %d", status)
	}
	safePage(t, "msp order", page, h)
	hooks := sb.Webhooks(t, webhook.Filter{Provider: "multisafepay"})
	if len(hooks) != 1 {
		t.Fatalf("%d MultiSafepay notifications", len(hooks))
	}
	mustContain(t, page, "the MultiSafepay order", "MultiSafepay", "completed", "POST /v1/json/orders", "/multisafepay/connect/", hooks[0].ID)
	status, page, _ = c.Get(ui + "/webhooks/" + hooks[0].ID)
	if status != http.StatusOK {
		t.Fatalf("webhook page: %d", status)
	}
	mustContain(t, page, "the notification", "delivered", "Attempt 1", "Auth", "HMAC-SHA512", "Resend now")

	// Commerce Layer: the order, its line item (named like markup) and requests.
	status, page, h = c.Get(ui + "/t/paysandbox/commercelayer/orders/" + clOrderID)
	if status != http.StatusOK {
		t.Fatalf("cl order: %d", status)
	}
	safePage(t, "cl order", page, h)
	clHooks := sb.Webhooks(t, webhook.Filter{Provider: "commercelayer"})
	if len(clHooks) != 1 || clHooks[0].Status != webhook.Delivered {
		t.Fatalf("Commerce Layer webhooks: %+v", clHooks)
	}
	mustContain(t, page, "the Commerce Layer order", "Commerce Layer", "pending", "line_items/"+lineID, "PATCH /api/orders/"+clOrderID, clHooks[0].ID, "orders.create")
	status, page, h = c.Get(ui + "/t/paysandbox/commercelayer/line_items/" + lineID)
	if status != http.StatusOK {
		t.Fatalf("cl line item: %d", status)
	}
	safePage(t, "cl line item", page, h)
	mustContain(t, page, "the line item", "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;", "orders/"+clOrderID)

	// Every list page renders safely.
	for _, p := range []string{"/requests", "/webhooks", "/webhooks?state=failed", "/clock", "/scenarios", "/reset", "/reset?tenant=" + dashboardtest.KTenant,
		"/t/paysandbox/commercelayer", "/t/" + dashboardtest.MSPKey + "/multisafepay", "/requests?provider=klarna&status=2xx&path=captures"} {
		status, page, h := c.Get(ui + p)
		if status != http.StatusOK {
			t.Errorf("%s: %d", p, status)
		}
		safePage(t, p, page, h)
	}
	_, page, _ = c.Get(ui + "/requests?provider=klarna&status=2xx&path=captures")
	if !strings.Contains(page, "/captures") || strings.Contains(page, "/v1/json/orders") {
		t.Errorf("the request filter does not filter")
	}
	// The keys that sign client tokens and access tokens are not objects to show.
	_, page, _ = c.Get(ui + "/t/" + dashboardtest.KTenant + "/klarna")
	if strings.Contains(page, "/klarna/keys/") {
		t.Error("the Klarna page links the signing keys")
	}
	if status, _, _ := c.Get(ui + "/t/" + dashboardtest.KTenant + "/klarna/keys/client_token"); status != http.StatusNotFound {
		t.Errorf("signing key page: %d", status)
	}
	if status, _, _ := c.Get(ui + "/t/nobody/klarna/orders/nothing"); status != http.StatusNotFound {
		t.Errorf("unknown object: %d", status)
	}
}

func TestRefusedRequestShowsItsValidationFailure(t *testing.T) {
	sb := sandboxtest.Start(t)
	r := sb.Do(t, http.MethodPost, "/payments/v1/sessions", dashboardtest.Obj{"purchase_country": 1}, "Authorization", dashboardtest.KAuth())
	if r.Status != http.StatusBadRequest {
		t.Fatalf("status %d", r.Status)
	}
	id := sb.Emulator.Journal().Last()
	_, page, _ := dashboardtest.NewClient(t, sb.URL).Get(ui + "/requests/" + itoa(id))
	mustContain(t, page, "the refused request", "Why it was refused", "/purchase_country", "BAD_VALUE", "Basic UEtf****")
	if strings.Contains(page, "secret") {
		t.Error("the request page shows the password")
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func TestRootRedirectsBrowsersAndKeepsTheJSON404ForAPIs(t *testing.T) {
	sb := sandboxtest.Start(t)
	c := dashboardtest.NewClient(t, sb.URL)
	status, _, h := c.Get("/")
	if status != http.StatusFound || h.Get("Location") != ui {
		t.Fatalf("browser GET /: %d %s", status, h.Get("Location"))
	}
	req, _ := http.NewRequest(http.MethodGet, sb.URL+"/", nil)
	req.Header.Set("Accept", "application/json")
	status, body, _ := c.Send(req)
	if status != http.StatusNotFound || !strings.Contains(body, `"not_found"`) {
		t.Fatalf("API GET /: %d %s", status, body)
	}
	// The dashboard's own requests stay out of the journal.
	before := sb.Emulator.Journal().Last()
	c.Get(ui)
	c.Get(ui + "/static/app.css")
	if sb.Emulator.Journal().Last() != before {
		t.Error("dashboard requests went into the journal")
	}
}

func TestChangesNeedTheCSRFTokenAndTheEmulatorsOrigin(t *testing.T) {
	sb := sandboxtest.Start(t)
	dashboardtest.KlarnaCheckout(t, sb, "")
	c := dashboardtest.NewClient(t, sb.URL)
	token := c.CSRF(ui + "/clock")
	clk := sb.Emulator.Platform().Clock
	start := clk.Offset(dashboardtest.KTenant)

	if status, _, _ := c.Post(ui+"/clock/advance", url.Values{"tenant": {dashboardtest.KTenant}, "duration": {"1h"}}); status != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", status)
	}
	if status, _, _ := c.Post(ui+"/clock/advance", url.Values{"tenant": {dashboardtest.KTenant}, "duration": {"1h"}, "csrf": {token + "x"}}); status != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", status)
	}
	if status, _, _ := c.Post(ui+"/clock/advance", url.Values{"tenant": {dashboardtest.KTenant}, "duration": {"1h"}, "csrf": {token}}, "Origin", "https://evil.example"); status != http.StatusForbidden {
		t.Errorf("foreign origin: %d", status)
	}
	// Another browser (no session cookie) with a stolen token.
	if status, _, _ := dashboardtest.NewClient(t, sb.URL).Post(ui+"/clock/advance", url.Values{"tenant": {dashboardtest.KTenant}, "duration": {"1h"}, "csrf": {token}}); status != http.StatusForbidden {
		t.Errorf("no session: %d", status)
	}
	if clk.Offset(dashboardtest.KTenant) != start {
		t.Fatal("a refused change moved the clock")
	}
	status, page, _ := c.Post(ui+"/clock/advance", url.Values{"tenant": {dashboardtest.KTenant}, "custom": {"49h"}, "csrf": {token}}, "Origin", sb.URL)
	if status != http.StatusOK || clk.Offset(dashboardtest.KTenant)-start != 49*time.Hour {
		t.Fatalf("advance: %d, offset %s", status, clk.Offset(dashboardtest.KTenant))
	}
	mustContain(t, page, "the advance result", "Advanced "+dashboardtest.KTenant+" by 2d 1h", "job(s) ran")
	if status, page, _ := c.Post(ui+"/clock/advance", url.Values{"tenant": {dashboardtest.KTenant}, "custom": {"-1h"}, "csrf": {token}}); status != http.StatusBadRequest || !strings.Contains(page, "only moves forward") {
		t.Errorf("negative duration: %d", status)
	}
}

func TestAdminTokenAsksForItAndKeepsAStrictCookie(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "s3cret-admin" }))
	c := dashboardtest.NewClient(t, sb.URL)
	status, _, h := c.Get(ui + "/clock")
	if status != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), ui+"/login?next=") {
		t.Fatalf("without signing in: %d %s", status, h.Get("Location"))
	}
	status, page, _ := c.Get(h.Get("Location"))
	if status != http.StatusOK || !strings.Contains(page, `type="password"`) {
		t.Fatalf("login form: %d", status)
	}
	if status, _, _ := c.Post(ui+"/login", url.Values{"token": {"guess"}, "next": {ui + "/clock"}}); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", status)
	}
	status, _, h = c.Post(ui+"/login", url.Values{"token": {"s3cret-admin"}, "next": {"https://evil.example/"}})
	cookie := h.Get("Set-Cookie")
	if status != http.StatusSeeOther || h.Get("Location") != ui || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("login: %d %s %s", status, h.Get("Location"), cookie)
	}
	if strings.Contains(cookie, "s3cret") {
		t.Error("the cookie carries the token")
	}
	status, page, _ = c.Get(ui + "/clock")
	if status != http.StatusOK || !strings.Contains(page, "Sign out") {
		t.Fatalf("signed in: %d", status)
	}
	// Forged changes: signed in, but no CSRF token; or the token from another origin.
	dashboardtest.KlarnaCheckout(t, sb, "")
	if status, _, _ := c.Post(ui+"/reset", url.Values{"all": {"yes"}, "confirm": {"yes"}}); status != http.StatusForbidden {
		t.Errorf("forged reset: %d", status)
	}
	if status, _, _ := c.Post(ui+"/reset", url.Values{"all": {"yes"}, "confirm": {"yes"}, "csrf": {c.CSRF(ui + "/reset")}}, "Origin", "https://evil.example"); status != http.StatusForbidden {
		t.Errorf("reset from another origin: %d", status)
	}
	if ts, _ := sb.Emulator.Platform().Store.Tenants(); len(ts) != 1 {
		t.Fatalf("a forged reset went through: tenants %v", ts)
	}
	// The admin API still wants its bearer token; the cookie is not one.
	if r := sb.Do(t, http.MethodGet, "/_sandbox/tenants", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("admin API without a token: %d", r.Status)
	}
	token := c.CSRF(ui + "/clock")
	if status, _, _ := c.Post(ui+"/logout", url.Values{"csrf": {token}}); status != http.StatusSeeOther {
		t.Errorf("logout: %d", status)
	}
	if status, _, _ := c.Get(ui + "/clock"); status != http.StatusSeeOther {
		t.Errorf("after logout: %d", status)
	}
}

// --admin-token may list several tokens, some for a tenant pattern only. A
// token for every tenant signs in and the pages work; a tenant's own token
// does not, since the dashboard shows every tenant; the whole list is no token.
func TestSeveralAdminTokensSignInWithAGlobalOneOnly(t *testing.T) {
	const tokens = "team-*=team-secret,global-secret"
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = tokens }))
	for _, tok := range []string{"team-secret", tokens, "global"} {
		c := dashboardtest.NewClient(t, sb.URL)
		if status, page, _ := c.Post(ui+"/login", url.Values{"token": {tok}, "next": {ui + "/clock"}}); status != http.StatusUnauthorized || !strings.Contains(page, `type="password"`) {
			t.Errorf("login with %q: %d", tok, status)
		}
		if status, _, _ := c.Get(ui + "/clock"); status != http.StatusSeeOther {
			t.Errorf("after a login with %q: %d", tok, status)
		}
	}
	c := dashboardtest.NewClient(t, sb.URL)
	if status, _, h := c.Post(ui+"/login", url.Values{"token": {"global-secret"}, "next": {ui + "/clock"}}); status != http.StatusSeeOther || h.Get("Location") != ui+"/clock" {
		t.Fatalf("login with the global token: %d %s", status, h.Get("Location"))
	}
	if status, page, _ := c.Get(ui + "/clock"); status != http.StatusOK || !strings.Contains(page, "Sign out") {
		t.Fatalf("signed in: %d", status)
	}
	start := sb.Emulator.Platform().Clock.Offset("team-a")
	status, _, _ := c.Post(ui+"/clock/advance", url.Values{"tenant": {"team-a"}, "custom": {"1h"}, "csrf": {c.CSRF(ui + "/clock")}}, "Origin", sb.URL)
	if status != http.StatusOK || sb.Emulator.Platform().Clock.Offset("team-a")-start != time.Hour {
		t.Fatalf("advance while signed in: %d", status)
	}
}

func TestResendRecordsANewAttempt(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusInternalServerError, "down")
	dashboardtest.MSPPay(t, sb, dashboardtest.MSPOrder(t, sb, "dash-resend", rc.URL))
	d := sb.Webhooks(t, webhook.Filter{Provider: "multisafepay"})[0]
	if d.Status != webhook.Pending || len(d.Attempts) != 1 || d.Attempts[0].Succeeded {
		t.Fatalf("first attempt: %+v", d)
	}
	rc.Respond(http.StatusOK, "OK")
	c := dashboardtest.NewClient(t, sb.URL)
	token := c.CSRF(ui + "/webhooks/" + d.ID)
	status, _, h := c.Post(ui+"/webhooks/"+d.ID+"/resend", url.Values{"csrf": {token}})
	if status != http.StatusSeeOther {
		t.Fatalf("resend: %d", status)
	}
	_, page, _ := c.Get(h.Get("Location"))
	mustContain(t, page, "the resent delivery", "Resent: the new attempt succeeded", "Attempt 2", "delivered")
	got, _ := sb.Emulator.Platform().Webhooks.Get(context.Background(), d.ID)
	if got.Status != webhook.Delivered || len(got.Attempts) != 2 || !got.Attempts[1].Succeeded || len(rc.Requests()) != 2 {
		t.Fatalf("after resend: %s, %d attempts, %d received", got.Status, len(got.Attempts), len(rc.Requests()))
	}
	if got.Attempts[1].RequestHeader["Auth"] == "" {
		t.Error("the resent attempt is not signed")
	}
}

func TestStreamSendsNewJournalEntries(t *testing.T) {
	sb := sandboxtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := dashboardtest.NewClient(t, sb.URL)
	c.Get(ui) // a session cookie
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, sb.URL+ui+"/requests/stream?provider=klarna&after=0", nil)
	resp, err := c.HTTP().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sb.Do(t, http.MethodGet, "/v1/json/gateways", nil, "api_key", dashboardtest.MSPKey) // filtered out
	sb.Do(t, http.MethodGet, "/payments/v1/sessions/nope", nil, "Authorization", dashboardtest.KAuth())
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "data: ") {
			if !strings.Contains(line, `"path":"/payments/v1/sessions/nope"`) || !strings.Contains(line, `"status":404`) {
				t.Fatalf("event %s", line)
			}
			return
		}
	}
	t.Fatalf("no event: %v", sc.Err())
}

func TestActionsArmScenariosRunAFraudReviewAndReset(t *testing.T) {
	sb := sandboxtest.Start(t)
	c := dashboardtest.NewClient(t, sb.URL)
	token := c.CSRF(ui + "/scenarios")
	eng := sb.Emulator.Scenarios()
	name := eng.Set().All()[0].Name
	status, page, h := c.Post(ui+"/scenarios/arm", url.Values{"csrf": {token}, "name": {name}, "tenant": {dashboardtest.KTenant}, "times": {"2"}})
	if status != http.StatusSeeOther {
		t.Fatalf("arm: %d %s", status, page)
	}
	if a := eng.Armed(dashboardtest.KTenant); len(a) != 1 || a[0].Name != name || a[0].Times != 2 {
		t.Fatalf("armed: %+v", a)
	}
	_, page, _ = c.Get(h.Get("Location"))
	mustContain(t, page, "the scenarios page", "armed", "Disarm")
	if status, page, _ := c.Post(ui+"/scenarios/arm", url.Values{"csrf": {token}, "name": {name}, "tenant": {dashboardtest.KTenant}, "probability": {"7"}}); status != http.StatusBadRequest || !strings.Contains(page, "probability") {
		t.Errorf("bad probability: %d", status)
	}
	if status, _, _ := c.Post(ui+"/scenarios/disarm", url.Values{"csrf": {token}, "name": {name}, "tenant": {dashboardtest.KTenant}}); status != http.StatusSeeOther || len(eng.Armed("")) != 0 {
		t.Fatalf("disarm: %d, %d armed", status, len(eng.Armed("")))
	}

	// A Klarna order pending fraud review (US, +pend-accept-05) decides now.
	rc := sandboxtest.NewReceiver(t)
	orderID := dashboardtest.KlarnaPendingOrder(t, sb, rc.URL)
	orderPage := ui + "/t/" + dashboardtest.KTenant + "/klarna/orders/" + orderID
	_, page, _ = c.Get(orderPage)
	m := regexp.MustCompile(`name="job" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "klarna.fraud_decision") {
		t.Fatalf("no fraud review to run on the order page")
	}
	if status, _, h := c.Post(ui+"/jobs/run", url.Values{"csrf": {token}, "job": {m[1]}, "back": {orderPage}}); status != http.StatusSeeOther || h.Get("Location") != orderPage {
		t.Fatalf("run job: %d %s", status, h.Get("Location"))
	}
	r := dashboardtest.Want(t, sb.Do(t, http.MethodGet, "/ordermanagement/v1/orders/"+orderID, nil, "Authorization", dashboardtest.KAuth()), http.StatusOK)
	if r["fraud_status"] != "ACCEPTED" {
		t.Fatalf("after the review: %v", r["fraud_status"])
	}
	// Its notification is a webhook the order caused.
	sb.Flush()
	kHooks := sb.Webhooks(t, webhook.Filter{Provider: "klarna"})
	if len(kHooks) != 1 || len(rc.Requests()) != 1 {
		t.Fatalf("Klarna notifications: %d stored, %d received", len(kHooks), len(rc.Requests()))
	}
	_, page, _ = c.Get(orderPage)
	mustContain(t, page, "the order after its review", kHooks[0].ID, "FRAUD_RISK_ACCEPTED", "ACCEPTED")

	// Reset one tenant needs the box ticked; then its records are gone.
	if status, _, _ := c.Post(ui+"/reset", url.Values{"csrf": {token}, "tenant": {dashboardtest.KTenant}}); status != http.StatusBadRequest {
		t.Errorf("unconfirmed reset: %d", status)
	}
	if status, _, _ := c.Post(ui+"/reset", url.Values{"csrf": {token}, "tenant": {dashboardtest.KTenant}, "confirm": {"yes"}}); status != http.StatusSeeOther {
		t.Fatalf("reset: %d", status)
	}
	if ts, _ := sb.Emulator.Platform().Store.Tenants(); len(ts) != 0 {
		t.Fatalf("tenants after reset: %v", ts)
	}
}

func TestMultiSafepayOutcomeWithoutAShop(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	dashboardtest.MSPOrder(t, sb, "dash-drive", rc.URL)
	c := dashboardtest.NewClient(t, sb.URL)
	page := ui + "/t/" + dashboardtest.MSPKey + "/multisafepay/orders/dash-drive"
	token := c.CSRF(page)
	status, _, h := c.Post(ui+"/multisafepay/outcome", url.Values{"csrf": {token}, "tenant": {dashboardtest.MSPKey}, "order": {"dash-drive"}, "outcome": {"declined"}, "gateway": {"IDEAL"}})
	if status != http.StatusSeeOther || h.Get("Location") != page {
		t.Fatalf("outcome: %d %s", status, h.Get("Location"))
	}
	sb.Flush()
	d := dashboardtest.Want(t, sb.Do(t, http.MethodGet, "/v1/json/orders/dash-drive", nil, "api_key", dashboardtest.MSPKey), http.StatusOK)["data"].(map[string]any)
	if d["status"] != "declined" {
		t.Fatalf("status %v", d["status"])
	}
	if len(rc.Requests()) != 1 {
		t.Errorf("%d notifications", len(rc.Requests()))
	}
	// Twice: the page's own refusal, shown as text.
	status, body, _ := c.Post(ui+"/multisafepay/outcome", url.Values{"csrf": {token}, "tenant": {dashboardtest.MSPKey}, "order": {"dash-drive"}, "outcome": {"completed"}})
	if status != http.StatusConflict || !strings.Contains(body, "already declined") {
		t.Errorf("second outcome: %d", status)
	}
}

// A collection with more records than a page shows its newest: Klarna's
// sessions are kept in creation order, and the page reads from the end.
func TestVendorPageShowsTheNewestSessions(t *testing.T) {
	sb := sandboxtest.Start(t)
	body := dashboardtest.Obj{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE", "order_amount": 100, "order_tax_amount": 0,
		"order_lines": []dashboardtest.Obj{{"name": "x", "quantity": 1, "unit_price": 100, "total_amount": 100, "tax_rate": 0, "total_tax_amount": 0}}}
	var ids []string
	for i := 0; i < 55; i++ {
		r := sb.Do(t, http.MethodPost, "/payments/v1/sessions", body, "Authorization", dashboardtest.KAuth())
		if r.Status != http.StatusOK {
			t.Fatalf("create session: %d %s", r.Status, r.Body)
		}
		ids = append(ids, r.JSON(t)["session_id"].(string))
	}
	c := dashboardtest.NewClient(t, sb.URL)
	status, page, _ := c.Get(ui + "/t/" + dashboardtest.KTenant + "/klarna")
	if status != http.StatusOK {
		t.Fatalf("klarna page: %d", status)
	}
	for _, id := range ids[len(ids)-5:] {
		mustContain(t, page, "the newest sessions", "/klarna/sessions/"+id)
	}
	if strings.Contains(page, "/klarna/sessions/"+ids[0]) {
		t.Error("the page shows the oldest session and not the newest 50")
	}
	status, page, _ = c.Get(ui + "/t/" + dashboardtest.KTenant + "/klarna/sessions/" + ids[54])
	if status != http.StatusOK {
		t.Fatalf("session page: %d", status)
	}
	mustContain(t, page, "the session page", ids[54], "/payments/v1/sessions")
}
