package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

func TestResendAttemptsNowAndKeepsTheRecord(t *testing.T) {
	sb := sandboxtest.Start(t)
	p := sb.Emulator.Platform()
	signed := 0
	p.Webhooks.Register("resendprov", webhook.Policy{
		Retries: []time.Duration{time.Hour},
		Prepare: func(req *http.Request, d *webhook.Delivery, now time.Time) error {
			signed++
			req.Header.Set("X-Test-Signature", "sig")
			return nil
		},
	})
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusBadGateway, "down")
	id := enqueue(t, sb, "resendprov", "acme", rc.URL)
	sb.Flush()

	// A failed resend: recorded, the delivery stays pending with its retry.
	att, err := p.Webhooks.Resend(context.Background(), id)
	if err != nil || att.Succeeded || att.StatusCode != http.StatusBadGateway {
		t.Fatalf("resend: %+v %v", att, err)
	}
	d, _ := p.Webhooks.Get(context.Background(), id)
	if d.Status != webhook.Pending || len(d.Attempts) != 2 || d.NextAt == nil {
		t.Fatalf("after a failed resend: %s, %d attempts, next %v", d.Status, len(d.Attempts), d.NextAt)
	}
	// A successful one delivers it; the scheduled retry then does nothing.
	rc.Respond(http.StatusOK, "OK")
	if att, err := p.Webhooks.Resend(context.Background(), id); err != nil || !att.Succeeded || att.RequestHeader["X-Test-Signature"] != "sig" {
		t.Fatalf("resend: %+v %v", att, err)
	}
	sb.Advance(t, "acme", 2*time.Hour)
	d, _ = p.Webhooks.Get(context.Background(), id)
	if d.Status != webhook.Delivered || len(d.Attempts) != 3 || len(rc.Requests()) != 3 || signed != 3 {
		t.Fatalf("after resend: %s, %d attempts, %d received, %d signed", d.Status, len(d.Attempts), len(rc.Requests()), signed)
	}
	if _, err := p.Webhooks.Resend(context.Background(), "whd_nope"); !errors.Is(err, webhook.ErrNoDelivery) {
		t.Fatalf("unknown delivery: %v", err)
	}
}
