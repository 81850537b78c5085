package admin_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/journal"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// send is sb.Do under another Host.
func send(t *testing.T, sb *sandboxtest.Sandbox, method, path, host string, body any, header ...string) *sandboxtest.Response {
	t.Helper()
	return sb.Do(t, method, path, body, append([]string{"Host", host}, header...)...)
}

func putRecord(t *testing.T, sb *sandboxtest.Sandbox, tenant string) {
	t.Helper()
	if err := sb.Emulator.Platform().Store.Update(context.Background(), "klarna", tenant, func(tx *store.Tx) error {
		return tx.Put("sessions", "s", map[string]string{"x": tenant})
	}); err != nil {
		t.Fatal(err)
	}
}

func hasRecord(sb *sandboxtest.Sandbox, tenant string) bool {
	var ok bool
	_ = sb.Emulator.Platform().Store.View(context.Background(), "klarna", tenant, func(tx *store.Tx) error { ok = tx.Exists("sessions", "s"); return nil })
	return ok
}

// DNS rebinding: a page on evil.example re-pointed at the emulator is
// same-origin with itself, so the Origin check alone let it reset everything.
func TestDNSRebindingIsRefused(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminHosts = []string{"paysandbox", "*.demo.internal"} }))
	putRecord(t, sb, "a")
	port := sb.URL[strings.LastIndex(sb.URL, ":")+1:]
	evil := "evil.example:" + port
	r := send(t, sb, "POST", "/_sandbox/reset", evil, nil, "Origin", "http://"+evil)
	if r.Status != 403 || errCode(t, r) != "forbidden_host" {
		t.Fatalf("rebinding reset: %d %s", r.Status, r.Body)
	}
	if !hasRecord(sb, "a") {
		t.Fatal("a refused reset dropped data")
	}
	// Reads are refused too: the journal is not for foreign pages.
	if r := send(t, sb, "GET", "/_sandbox/requests", evil, nil); r.Status != 403 || errCode(t, r) != "forbidden_host" {
		t.Fatalf("rebinding read: %d %s", r.Status, r.Body)
	}
	if r := send(t, sb, "GET", "/_sandbox/scenarios", evil, nil); r.Status != 403 {
		t.Fatalf("rebinding scenarios: %d %s", r.Status, r.Body)
	}
	// Health stays open to any name (container health checks).
	if r := send(t, sb, "GET", "/_sandbox/health", evil, nil); r.Status != 200 {
		t.Fatalf("health: %d", r.Status)
	}
	for _, host := range []string{"localhost:" + port, "LOCALHOST.:" + port, "shop.localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port,
		"paysandbox:" + port, "api.demo.internal:" + port} {
		if r := send(t, sb, "GET", "/_sandbox/tenants", host, nil); r.Status != 200 {
			t.Errorf("Host %s: %d %s", host, r.Status, r.Body)
		}
	}
	if r := send(t, sb, "POST", "/_sandbox/reset", "demo.internal.evil.example:"+port, nil); r.Status != 403 {
		t.Fatalf("suffix trick: %d", r.Status)
	}
}

// A request with a valid admin token is no rebinding page (it cannot know
// the token), so a token opens the admin API under any name.
func TestAdminTokenOpensAnyHost(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "s3cret" }))
	if r := send(t, sb, "GET", "/_sandbox/tenants", "paysandbox:8910", nil); r.Status != 403 {
		t.Fatalf("no token: %d %s", r.Status, r.Body)
	}
	if r := send(t, sb, "GET", "/_sandbox/tenants", "paysandbox:8910", nil, "Authorization", "Bearer s3cret"); r.Status != 200 {
		t.Fatalf("token: %d %s", r.Status, r.Body)
	}
}

func TestTeamTokensActOnlyOnTheirTenants(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "root1, team-a-*=tokA,PK_TEST_a=tokA" }))
	for _, tenant := range []string{"team-a-1", "team-b-1", "PK_TEST_a"} {
		putRecord(t, sb, tenant)
	}
	a := []string{"Authorization", "Bearer tokA"}
	refused := func(method, path string, body any) {
		t.Helper()
		r := sb.Do(t, method, path, body, a...)
		if r.Status != 403 || errCode(t, r) != "forbidden_tenant" {
			t.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
	}
	refused("POST", "/_sandbox/reset", nil)
	refused("POST", "/_sandbox/tenants/team-b-1/reset", nil)
	refused("POST", "/_sandbox/clock/advance", map[string]any{"duration": "1h"})
	refused("POST", "/_sandbox/clock/advance", map[string]any{"duration": "1h", "tenant": "team-b-1"})
	refused("GET", "/_sandbox/clock?tenant=team-b-1", nil)
	refused("GET", "/_sandbox/requests?tenant=team-b-1", nil)
	refused("GET", "/_sandbox/webhooks?tenant=team-b-1", nil)
	refused("POST", "/_sandbox/scenarios/slow/arm", map[string]any{"tenant": "team-b-1"})
	refused("POST", "/_sandbox/scenarios/slow/arm", map[string]any{"tenant": "*"})
	refused("POST", "/_sandbox/scenarios/slow/disarm", map[string]any{})
	refused("GET", "/_sandbox/scenarios/coverage", nil)
	if !hasRecord(sb, "team-b-1") || sb.Emulator.Platform().Clock.Offset("team-b-1") != 0 || len(sb.Emulator.Scenarios().Armed("")) != 0 {
		t.Fatal("a refused call changed another team's state")
	}

	if r := sb.Do(t, "POST", "/_sandbox/tenants/team-a-1/reset", nil, a...); r.Status != 200 {
		t.Fatalf("own reset: %d %s", r.Status, r.Body)
	}
	if hasRecord(sb, "team-a-1") || !hasRecord(sb, "team-b-1") {
		t.Fatal("own reset")
	}
	if r := sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": "1h", "tenant": "PK_TEST_a"}, a...); r.Status != 200 {
		t.Fatalf("own clock: %d %s", r.Status, r.Body)
	}
	// The journal shows team a its own requests only (the admin calls above
	// carry no tenant of their own).
	sb.Do(t, "GET", "/payments/v1/sessions/nope", nil, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("team-b-1:x")))
	sb.Do(t, "GET", "/payments/v1/sessions/nope", nil, "Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("team-a-1:x")))
	r := sb.Do(t, "GET", "/_sandbox/requests", nil, a...)
	for _, e := range r.JSON(t)["requests"].([]any) {
		if tn := e.(map[string]any)["tenant"]; tn != "team-a-1" {
			t.Fatalf("team a sees an entry of %v: %s", tn, r.Body)
		}
	}
	if n := len(r.JSON(t)["requests"].([]any)); n != 1 {
		t.Fatalf("team a sees %d entries", n)
	}
	if r := sb.Do(t, "POST", "/_sandbox/scenarios/slow/arm", map[string]any{"tenant": "team-a-2"}, a...); r.Status != 200 {
		t.Fatalf("own arm: %d %s", r.Status, r.Body)
	}
	root := []string{"Authorization", "Bearer root1"}
	if r := sb.Do(t, "POST", "/_sandbox/scenarios/slow/arm", map[string]any{"tenant": "team-b-1"}, root...); r.Status != 200 {
		t.Fatalf("root arm: %d %s", r.Status, r.Body)
	}
	r = sb.Do(t, "GET", "/_sandbox/scenarios/armed", nil, a...)
	if armed := r.JSON(t)["armed"].([]any); len(armed) != 1 || armed[0].(map[string]any)["tenant"] != "team-a-2" {
		t.Fatalf("armed as team a: %s", r.Body)
	}
	r = sb.Do(t, "GET", "/_sandbox/tenants", nil, a...)
	if got, _ := json.Marshal(r.JSON(t)["tenants"]); string(got) != `["PK_TEST_a"]` {
		t.Fatalf("tenants as team a: %s", got)
	}
	// The global token still does everything.
	if r := sb.Do(t, "POST", "/_sandbox/reset", nil, root...); r.Status != 200 {
		t.Fatalf("root reset: %d", r.Status)
	}
	if r := sb.Do(t, "POST", "/_sandbox/reset", nil, "Authorization", "Bearer tokB"); r.Status != 401 {
		t.Fatalf("unknown token: %d", r.Status)
	}
}

func TestBadTokenSyntaxStopsStartUp(t *testing.T) {
	for _, bad := range []string{"=tok", "team-a-*=", "team-a-*=abc=="} {
		_, err := emulator.New(emulator.Config{DataPath: t.TempDir() + "/x.db", NoSync: true, AdminToken: bad})
		if err == nil {
			t.Errorf("%q: want an error", bad)
		} else if strings.Contains(err.Error(), "abc") {
			t.Errorf("%q: the error shows the token: %v", bad, err)
		}
	}
}

// Three advances of 36500d overflowed the offset and put the clock in 1742.
func TestClockStaysInRange(t *testing.T) {
	sb := sandboxtest.Start(t)
	sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": "1h", "tenant": "acme"})
	var last *sandboxtest.Response
	for i := 0; i < 3; i++ {
		last = sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": "36500d"})
	}
	if last.Status != 400 || errCode(t, last) != "clock_out_of_range" {
		t.Fatalf("third advance: %d %s", last.Status, last.Body)
	}
	for _, tenant := range []string{"", "acme"} {
		if now := sb.Now(tenant); now.Year() < 2200 || now.Year() > 9999 {
			t.Fatalf("clock %q at %v", tenant, now)
		}
	}
	// A tenant's clock is bounded by its own offset plus the global one.
	r := sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": "36500d", "tenant": "acme"})
	if r.Status != 400 || errCode(t, r) != "clock_out_of_range" {
		t.Fatalf("tenant advance: %d %s", r.Status, r.Body)
	}
	if now := sb.Now("acme"); now.Before(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("acme at %v", now)
	}
}

var goWords = regexp.MustCompile(`Go struct|armRequest|json: |unmarshal|main\.|\bstruct\b`)

func TestAdminErrorsAreInOurWords(t *testing.T) {
	sb := sandboxtest.Start(t)
	for _, c := range []struct{ path, body string }{
		{"/_sandbox/scenarios/slow/arm", `{"tenant":5}`},
		{"/_sandbox/scenarios/slow/arm", `{"tenant":"t","times":"x"}`},
		{"/_sandbox/scenarios/slow/arm", `{"tenant":"t","params":{"delay":1}}`},
		{"/_sandbox/scenarios/slow/arm", `[1]`},
		{"/_sandbox/scenarios/slow/arm", `{"tenant":"t"} {"x":1}`},
		{"/_sandbox/scenarios/slow/disarm", `{"tenant":true}`},
		{"/_sandbox/clock/advance", `{"duration":49}`},
		{"/_sandbox/clock/advance", `{"duration":"1h",`},
		{"/_sandbox/clock/advance", ``},
	} {
		r := sb.Do(t, "POST", c.path, c.body, "Content-Type", "application/json")
		e, _ := r.JSON(t)["error"].(map[string]any)
		msg, _ := e["message"].(string)
		if r.Status != 400 || e["code"] != "bad_request" || msg == "" || goWords.MatchString(msg) {
			t.Errorf("%s %s: %d %s", c.path, c.body, r.Status, r.Body)
		}
	}
	r := sb.Do(t, "POST", "/_sandbox/scenarios/slow/arm", `{"tenant":5}`)
	if !strings.Contains(string(r.Body), `field \"tenant\" must be a string`) {
		t.Fatalf("message: %s", r.Body)
	}
}

// requestsDump is every journal entry as JSON text.
func requestsDump(t *testing.T, sb *sandboxtest.Sandbox) string {
	t.Helper()
	r := sb.Do(t, "GET", "/_sandbox/requests?limit=1000", nil)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	return string(r.Body)
}

// A body over the journal's 16 KiB cap could not be parsed, and was shown
// unmasked.
func TestJournalMasksBodiesCutShortAndUnparsed(t *testing.T) {
	sb := sandboxtest.Start(t)
	big := `{"grant_type":"client_credentials","client_id":"cid","client_secret":"TOPSECRET-1","pad":"` + strings.Repeat("x", 20<<10) + `","password":"TOPSECRET-2"}`
	sb.Do(t, "POST", "/oauth/token", big)
	broken := `{"client_secret":"TOPSECRET-3", oops "password":"TOPSECRET-4"}`
	sb.Do(t, "POST", "/oauth/token", broken)
	sb.Do(t, "POST", "/oauth/token", "grant_type=client_credentials&client_id=cid&client_secret=TOPSECRET-5", "Content-Type", "application/x-www-form-urlencoded")
	sb.Do(t, "POST", "/oauth/token", "client_secret: TOPSECRET-6\n", "Content-Type", "text/plain")
	dump := requestsDump(t, sb)
	for i := 1; i <= 6; i++ {
		if s := "TOPSECRET-" + string(rune('0'+i)); strings.Contains(dump, s) {
			t.Errorf("%s shows in /_sandbox/requests", s)
		}
	}
	if !strings.Contains(dump, `\"client_id\":\"cid\"`) || !strings.Contains(dump, "cut short") {
		t.Fatalf("the cut body lost its readable part: %.2000s", dump)
	}
}

func TestJournalCapsHeaders(t *testing.T) {
	sb := sandboxtest.Start(t)
	sb.Do(t, "GET", "/_sandbox/tenants", nil, "X-Big", strings.Repeat("y", 200<<10))
	var entry journal.Entry
	for _, e := range sb.Emulator.Journal().List(journal.Filter{Limit: 1}) {
		entry = e
	}
	if n := len(entry.RequestHeader["X-Big"]); n == 0 || n > journal.MaxHeaderValue+32 {
		t.Fatalf("kept %d bytes of a 200 KiB header", n)
	}
}

func TestJournalMasksClientTokensSessionsAndKeys(t *testing.T) {
	sb := sandboxtest.Start(t)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("PK_TEST_mask:pw"))
	cart := map[string]any{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "order_amount": 100, "order_tax_amount": 0,
		"order_lines": []any{map[string]any{"name": "x", "quantity": 1, "unit_price": 100, "total_amount": 100}}}
	r := sb.Do(t, "POST", "/payments/v1/sessions", cart, "Authorization", basic)
	clientToken, _ := r.JSON(t)["client_token"].(string)
	if r.Status != 200 || clientToken == "" {
		t.Fatalf("session: %d %s", r.Status, r.Body)
	}
	sb.Do(t, "GET", "/kp/lib/v1/widget?client_token="+url.QueryEscape(clientToken), nil)

	const key = "mspkey-SECRET-0001"
	r = sb.Do(t, "POST", "/v1/json/orders", map[string]any{"type": "redirect", "order_id": "mask-1", "currency": "EUR", "amount": 1000, "description": "An order"}, "api_key", key)
	d, _ := r.JSON(t)["data"].(map[string]any)
	pu, _ := d["payment_url"].(string)
	if pu == "" {
		t.Fatalf("msp order: %d %s", r.Status, r.Body)
	}
	u, _ := url.Parse(pu)
	session := strings.Trim(strings.TrimPrefix(u.Path, "/multisafepay/connect/"), "/")
	if len(session) < 8 {
		t.Fatalf("session id from %s", pu)
	}
	sb.Do(t, "GET", u.RequestURI(), nil)

	dump := requestsDump(t, sb)
	for name, secret := range map[string]string{"client token": clientToken[20:60], "payment-page session": session, "API key tenant": "SECRET-0001"} {
		if strings.Contains(dump, secret) {
			t.Errorf("the %s shows in /_sandbox/requests", name)
		}
	}
	if !strings.Contains(dump, `"path":"/multisafepay/connect/`) || !strings.Contains(dump, `"tenant":"PK_TEST_mask"`) {
		t.Fatalf("over-masked: %.3000s", dump)
	}
	// The unmasked key still filters.
	r = sb.Do(t, "GET", "/_sandbox/requests?tenant="+key, nil)
	if n := len(r.JSON(t)["requests"].([]any)); n != 1 {
		t.Fatalf("filter by key: %d", n)
	}
}

// A team token's webhook list holds its own deliveries however many newer
// ones other teams have (the filter runs in the listing, not on a window of
// the newest).
func TestTeamTokenSeesItsOwnWebhooksBehindOthers(t *testing.T) {
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "root1,team-a-*=tokA" }))
	st := sb.Emulator.Platform().Store
	later := time.Now().Add(24 * time.Hour) // not due: nothing is sent
	enqueue := func(tenant string, n int) {
		t.Helper()
		if err := st.Update(context.Background(), "klarna", tenant, func(tx *store.Tx) error {
			for i := 0; i < n; i++ {
				if _, err := webhook.Enqueue(tx, webhook.Delivery{Event: "e", URL: "http://receiver.invalid/hook"}, later); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	enqueue("team-a-1", 1)
	enqueue("team-b-1", 1001)
	r := sb.Do(t, "GET", "/_sandbox/webhooks?limit=5", nil, "Authorization", "Bearer tokA")
	got := r.JSON(t)["webhooks"].([]any)
	if r.Status != 200 || len(got) != 1 || got[0].(map[string]any)["tenant"] != "team-a-1" {
		t.Fatalf("team a's webhooks: %d %s", r.Status, r.Body)
	}
}
