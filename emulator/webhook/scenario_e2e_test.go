package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"runtime"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// Klarna's hosted payment page callbacks are Klarna deliveries: a request
// that asks for webhook-lost loses its callback (before, the callback was
// filed under "klarna-hpp", the scenario said applied and the callback
// arrived anyway), /_sandbox/webhooks?provider=klarna lists it, and the
// delivery names the scenario that shaped it.
func TestKlarnaHPPCallbackIsAKlarnaDeliveryThatScenariosShape(t *testing.T) {
	sb := sandboxtest.Start(t)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("PK_hpp:secret"))
	rc := sandboxtest.NewReceiver(t)
	ps := sb.Do(t, "POST", "/payments/v1/sessions", map[string]any{
		"purchase_country": "SE", "purchase_currency": "SEK", "locale": "sv-SE", "order_amount": 1000, "order_tax_amount": 0,
		"order_lines": []map[string]any{{"name": "x", "quantity": 1, "unit_price": 1000, "total_amount": 1000, "tax_rate": 0, "total_tax_amount": 0}},
	}, "Authorization", auth)
	if ps.Status != 200 {
		t.Fatalf("%d %s", ps.Status, ps.Body)
	}
	psID := ps.JSON(t)["session_id"].(string)
	hpp := sb.Do(t, "POST", "/hpp/v1/sessions", map[string]any{
		"payment_session_url": sb.URL + "/payments/v1/sessions/" + psID,
		"merchant_urls":       map[string]any{"status_update": rc.URL + "/status"},
	}, "Authorization", auth)
	if hpp.Status != 201 {
		t.Fatalf("%d %s", hpp.Status, hpp.Body)
	}
	id := hpp.JSON(t)["session_id"].(string)
	del := sb.Do(t, "DELETE", "/hpp/v1/sessions/"+id, nil, "Authorization", auth, "Sandbox-Scenario", "webhook-lost")
	if del.Status != 204 || del.Header.Get("Sandbox-Scenario-Applied") == "" {
		t.Fatalf("%d applied=%q %s", del.Status, del.Header.Get("Sandbox-Scenario-Applied"), del.Body)
	}
	sb.Flush()
	if n := len(rc.Requests()); n != 0 {
		t.Fatalf("the lost callback arrived (%d requests)", n)
	}
	list := sb.Do(t, "GET", "/_sandbox/webhooks?provider=klarna", nil)
	var got struct {
		Webhooks []struct {
			Provider, Kind, Event, Scenario string
			Attempts                        []struct{ Error string }
		}
	}
	if err := json.Unmarshal(list.Body, &got); err != nil || len(got.Webhooks) != 1 {
		t.Fatalf("%v %s", err, list.Body)
	}
	d := got.Webhooks[0]
	if d.Provider != "klarna" || d.Kind != "hpp" || d.Event != "DISABLED" || d.Scenario != "webhook-lost" || len(d.Attempts) != 1 || d.Attempts[0].Error == "" {
		t.Fatalf("%s", list.Body)
	}
}

// The scenario goes with the request that asked for it, not with a window of
// time: while a request that asked for webhook-lost hangs, another request
// of the same tenant enqueues a notification, and that one is delivered.
// Before, every delivery of the tenant enqueued during the request was lost.
func TestWebhookScenarioShapesOnlyItsOwnRequestsDeliveries(t *testing.T) {
	sb := sandboxtest.Start(t)
	rc := sandboxtest.NewReceiver(t)
	ctx, cancel := context.WithCancel(context.Background())
	hung := make(chan struct{})
	go func() {
		defer close(hung)
		req, _ := http.NewRequestWithContext(ctx, "GET", sb.URL+"/v1/json/gateways", nil)
		req.Header.Set("api_key", "team-a")
		req.Header.Set("Sandbox-Scenario", "webhook-lost, timeout")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	// Wait until the request hangs (the scenario engine counts it).
	for applied := 0; applied == 0; {
		for _, c := range sb.Emulator.Scenarios().Coverage("team-a") {
			if c.Name == "timeout" {
				applied = c.Applied
			}
		}
		runtime.Gosched()
	}
	mspOrder(t, sb, "team-a", "other-1", rc.URL+"/n")
	sb.Flush()
	cancel()
	<-hung
	if n := len(rc.Requests()); n != 1 {
		t.Fatalf("the other request's notification: %d requests", n)
	}
}
