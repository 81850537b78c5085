package webhook_test

import (
	"context"
	"github.com/paysandbox/paysandbox/emulator"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

func enqueue(t *testing.T, sb *sandboxtest.Sandbox, provider, tenant, url string) string {
	t.Helper()
	p := sb.Emulator.Platform()
	var id string
	err := p.Store.Update(context.Background(), provider, tenant, func(tx *store.Tx) error {
		var err error
		id, err = webhook.Enqueue(tx, webhook.Delivery{Event: "test.event", URL: url, Body: []byte(`{"a":1}`)}, p.Clock.Now(tenant))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestDeliveryIsSignedRetriedOnTheVirtualClockAndRecorded(t *testing.T) {
	sb := sandboxtest.Start(t)
	p := sb.Emulator.Platform()
	p.Webhooks.Register("testprov", webhook.Policy{
		Retries: []time.Duration{15 * time.Minute, 15 * time.Minute},
		Success: func(status int, body []byte) bool { return status == 200 && strings.Contains(string(body), "OK") },
		Prepare: func(req *http.Request, d *webhook.Delivery, now time.Time) error {
			req.Header.Set("X-Test-Signature", d.ID+"@"+now.Format(time.RFC3339))
			return nil
		},
	})
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(200, "nope")
	id := enqueue(t, sb, "testprov", "acme", rc.URL+"/hook")
	sb.Flush()
	if n := len(rc.Requests()); n != 1 {
		t.Fatalf("first attempt: %d requests", n)
	}
	// Not due yet: 14 minutes later nothing is sent.
	sb.Advance(t, "acme", 14*time.Minute)
	if n := len(rc.Requests()); n != 1 {
		t.Fatalf("retried early: %d requests", n)
	}
	rc.Respond(200, "OK")
	sb.Advance(t, "acme", time.Minute)
	got := rc.Requests()
	if len(got) != 2 {
		t.Fatalf("after 15 minutes: %d requests", len(got))
	}
	if string(got[1].Body) != `{"a":1}` || got[1].Header.Get("Content-Type") != "application/json" {
		t.Fatalf("body %q, type %q", got[1].Body, got[1].Header.Get("Content-Type"))
	}
	if sig := got[1].Header.Get("X-Test-Signature"); !strings.HasPrefix(sig, id+"@") || sig == got[0].Header.Get("X-Test-Signature") {
		t.Fatalf("each attempt is signed afresh: %q then %q", got[0].Header.Get("X-Test-Signature"), sig)
	}
	ds := sb.Webhooks(t, webhook.Filter{Tenant: "acme"})
	if len(ds) != 1 || ds[0].Status != webhook.Delivered || len(ds[0].Attempts) != 2 || ds[0].Attempts[0].Succeeded || ds[0].Attempts[0].ResponseBody != "nope" {
		t.Fatalf("recorded: %+v", ds)
	}
	sb.Advance(t, "acme", time.Hour)
	if n := len(rc.Requests()); n != 2 {
		t.Fatalf("delivered webhook sent again: %d", n)
	}
}

func TestDeliveryFailsAfterTheLastRetry(t *testing.T) {
	sb := sandboxtest.Start(t)
	sb.Emulator.Platform().Webhooks.Register("testprov", webhook.Policy{Retries: []time.Duration{time.Minute}})
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(500, "down")
	enqueue(t, sb, "testprov", "acme", rc.URL)
	sb.Flush()
	sb.Advance(t, "acme", time.Minute)
	sb.Advance(t, "acme", time.Hour)
	ds := sb.Webhooks(t, webhook.Filter{Provider: "testprov"})
	if len(rc.Requests()) != 2 || len(ds) != 1 || ds[0].Status != webhook.Failed || ds[0].Attempts[1].StatusCode != 500 {
		t.Fatalf("requests %d, deliveries %+v", len(rc.Requests()), ds)
	}
}

func TestUnreachableReceiverIsRecordedAsAnError(t *testing.T) {
	sb := sandboxtest.Start(t)
	enqueue(t, sb, "testprov", "acme", "http://127.0.0.1:1/nothing-listens")
	sb.Flush()
	ds := sb.Webhooks(t, webhook.Filter{})
	if len(ds) != 1 || ds[0].Status != webhook.Failed || ds[0].Attempts[0].Error == "" {
		t.Fatalf("%+v", ds)
	}
}

func TestPendingDeliverySurvivesRestart(t *testing.T) {
	// The delivery is stored with the job; a new emulator on the same file sends it.
	dir := t.TempDir()
	path := dir + "/p.db"
	sb := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.DataPath = path }))
	rc := sandboxtest.NewReceiver(t)
	enqueue(t, sb, "testprov", "acme", rc.URL)
	sb.Server.Close()
	if err := sb.Emulator.Close(); err != nil {
		t.Fatal(err)
	}
	sb2 := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.DataPath = path }))
	if n := sb2.Emulator.Platform().Scheduler.RunDue(context.Background()); n != 1 {
		t.Fatalf("jobs run after restart: %d", n)
	}
	if len(rc.Requests()) != 1 {
		t.Fatalf("receiver got %d", len(rc.Requests()))
	}
}

func TestSlowReceiverTimesOutPerPolicy(t *testing.T) {
	sb := sandboxtest.Start(t)
	sb.Emulator.Platform().Webhooks.Register("testprov", webhook.Policy{Timeout: 50 * time.Millisecond})
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	enqueue(t, sb, "testprov", "acme", slow.URL)
	sb.Flush()
	ds := sb.Webhooks(t, webhook.Filter{})
	if len(ds) != 1 || ds[0].Status != webhook.Failed || !strings.Contains(ds[0].Attempts[0].Error, "deadline") {
		t.Fatalf("%+v", ds)
	}
}
