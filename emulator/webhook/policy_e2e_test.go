package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// mspOrder creates a MultiSafepay order for key that notifies notifyURL, and
// completes it on the payment page, which enqueues the notification.
func mspOrder(t *testing.T, sb *sandboxtest.Sandbox, key, orderID, notifyURL string) {
	t.Helper()
	res := sb.Do(t, "POST", "/v1/json/orders", map[string]any{
		"type": "redirect", "order_id": orderID, "currency": "EUR", "amount": 500, "description": "d", "gateway": "IDEAL",
		"payment_options": map[string]any{"notification_url": notifyURL, "notification_method": "POST"},
	}, "api_key", key)
	if res.Status != 200 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	pay, _ := res.JSON(t)["data"].(map[string]any)["payment_url"].(string)
	u, err := url.Parse(pay)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"outcome": {"completed"}}.Encode()
	if r := sb.Do(t, "POST", u.RequestURI(), form, "Content-Type", "application/x-www-form-urlencoded"); r.Status >= 400 {
		t.Fatalf("pay: %d %s", r.Status, r.Body)
	}
}

// A notification_url that names the emulator's own admin API is refused, by
// whatever name or address it is reached: before, an order of one team
// could wipe every team's data.
func TestNotificationToTheEmulatorItselfIsRefused(t *testing.T) {
	sb := sandboxtest.Start(t)
	mspOrder(t, sb, "team-b", "keep-1", sandboxtest.NewReceiver(t).URL)
	sb.Flush()
	port := sb.URL[strings.LastIndexByte(sb.URL, ':'):]
	for i, base := range []string{sb.URL, "http://localhost" + port, "http://0.0.0.0" + port, "http://[::1]" + port, "http://127.0.0.2" + port} {
		mspOrder(t, sb, "team-a", "attack-"+string(rune('a'+i)), base+"/_sandbox/reset")
	}
	sb.Flush()
	if r := sb.Do(t, "GET", "/v1/json/orders/keep-1", nil, "api_key", "team-b"); r.Status != 200 {
		t.Fatalf("another team's order after the webhooks: %d %s", r.Status, r.Body)
	}
	ds := sb.Webhooks(t, webhook.Filter{Tenant: "team-a"})
	if len(ds) != 5 {
		t.Fatalf("%d deliveries", len(ds))
	}
	for _, d := range ds {
		if len(d.Attempts) == 0 || !strings.HasPrefix(d.Attempts[0].Error, "refused by the webhook destination policy") || d.Attempts[0].ResponseBody != "" {
			t.Errorf("%s: %+v", d.URL, d.Attempts)
		}
	}
}

// Only http and https are called.
func TestOnlyHTTPURLsAreCalled(t *testing.T) {
	sb := sandboxtest.Start(t)
	enqueue(t, sb, "testprov", "acme", "gopher://127.0.0.1:70/x")
	sb.Flush()
	ds := sb.Webhooks(t, webhook.Filter{})
	if len(ds) != 1 || !strings.Contains(ds[0].Attempts[0].Error, "only http and https") {
		t.Fatalf("%+v", ds)
	}
}

// With --webhook-allow, internal addresses are reached only when listed; the
// address actually dialled is judged, so a name (here localhost) that
// resolves to an unlisted address is refused (DNS rebinding gets nowhere).
func TestWebhookAllowRestrictsInternalAddresses(t *testing.T) {
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(200, "internal secret")
	port := rc.URL[strings.LastIndexByte(rc.URL, ':'):]
	cases := []struct {
		allow   []string
		url     string
		allowed bool
	}{
		{[]string{"10.0.0.0/8"}, rc.URL, false},
		{[]string{"10.0.0.0/8"}, "http://localhost" + port, false},
		{[]string{"127.0.0.1/32"}, rc.URL, true},
		{[]string{"10.0.0.0/8", "localhost"}, "http://localhost" + port, true},
		{[]string{"*.example.internal"}, "http://localhost" + port, false},
		{nil, rc.URL, true},
	}
	for _, c := range cases {
		sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(cfg *emulator.Config) { cfg.WebhookAllow = c.allow }))
		enqueue(t, sb, "testprov", "acme", c.url)
		sb.Flush()
		ds := sb.Webhooks(t, webhook.Filter{})
		a := ds[0].Attempts[0]
		if c.allowed != a.Succeeded || (!c.allowed && (a.ResponseBody != "" || !strings.Contains(a.Error, "not in --webhook-allow"))) {
			t.Errorf("allow %v, %s: %+v", c.allow, c.url, a)
		}
	}
}

// A receiver that never answers delays only its own deliveries: another
// tenant's notification arrives while it hangs, its own later deliveries
// wait behind it (in order), and POST /_sandbox/clock/advance answers
// without waiting for it. Before, deliveries went one at a time: the other
// tenant waited for three timeouts and so did the clock.
func TestSlowReceiverDelaysOnlyItsOwn(t *testing.T) {
	sb := sandboxtest.Start(t)
	var mu sync.Mutex
	slowHits := 0
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		slowHits++
		mu.Unlock()
		<-release
	}))
	defer slow.Close()
	defer close(release)
	fast := sandboxtest.NewReceiver(t)
	for i := 0; i < 3; i++ {
		enqueue(t, sb, "testprov", "slow-team", slow.URL+"/hook")
	}
	enqueue(t, sb, "testprov", "fast-team", fast.URL+"/hook")

	res := sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]string{"duration": "1m"})
	if res.Status != 200 {
		t.Fatalf("advance: %d %s", res.Status, res.Body)
	}
	// The advance answered while the slow receiver still holds its first
	// request, and the other tenant's delivery has arrived.
	mu.Lock()
	hits := slowHits
	mu.Unlock()
	if hits != 1 {
		t.Fatalf("slow receiver got %d requests when the advance answered, want its first one only", hits)
	}
	if n := len(fast.Requests()); n != 1 {
		t.Fatalf("the other tenant's receiver got %d requests while the slow one hung", n)
	}
	if ds := sb.Webhooks(t, webhook.Filter{Tenant: "fast-team"}); len(ds) != 1 || ds[0].Status != webhook.Delivered {
		t.Fatalf("%+v", ds)
	}
}
