package clock_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// A clock jump runs every job that fell due, each at its own due time and in
// order: advancing 1h on a failing MultiSafepay notification (retries every
// 15 minutes) runs all three retries, as docs/ci.md promises. Before, it ran
// one retry per advance.
func TestClockJumpRunsEveryRetryThatFellDue(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(500, "down")
	res := sb.Do(t, "POST", "/v1/json/orders", map[string]any{
		"type": "redirect", "order_id": "jump-1", "currency": "EUR", "amount": 500, "description": "d", "gateway": "IDEAL",
		"payment_options": map[string]any{"notification_url": rc.URL + "/n", "notification_method": "POST"},
	}, "api_key", "jumper")
	if res.Status != 200 {
		t.Fatalf("%d %s", res.Status, res.Body)
	}
	u, _ := url.Parse(res.JSON(t)["data"].(map[string]any)["payment_url"].(string))
	sb.Do(t, "POST", u.RequestURI(), url.Values{"outcome": {"completed"}}.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	sb.Flush()
	if n := len(rc.Requests()); n != 1 {
		t.Fatalf("%d attempts before the jump", n)
	}
	adv := sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]string{"duration": "1h", "tenant": "jumper"})
	if adv.Status != 200 {
		t.Fatalf("%d %s", adv.Status, adv.Body)
	}
	if n := len(rc.Requests()); n != 4 {
		t.Fatalf("%d attempts after advancing 1h, want 4 (the first and three retries)", n)
	}
	ds := sb.Webhooks(t, webhook.Filter{Tenant: "jumper"})
	if len(ds) != 1 || ds[0].Status != webhook.Failed || len(ds[0].Attempts) != 4 {
		t.Fatalf("%+v", ds)
	}
	for i := 1; i < 4; i++ {
		if gap := ds[0].Attempts[i].At.Sub(ds[0].Attempts[i-1].At); gap != 15*time.Minute {
			t.Errorf("attempt %d came %v after the previous one, want 15m (its own due time)", i+1, gap)
		}
	}
}
