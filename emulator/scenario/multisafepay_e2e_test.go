package scenario_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// notified returns the statuses MultiSafepay's POST notifications carried.
func notified(t *testing.T, rc *sandboxtest.Receiver) []string {
	t.Helper()
	var out []string
	for _, r := range rc.Requests() {
		var o struct {
			Status string `json:"status"`
		}
		if err := json.Unmarshal(r.Body, &o); err != nil {
			t.Fatalf("notification body %q: %v", r.Body, err)
		}
		out = append(out, o.Status)
	}
	return out
}

func TestMSPDeclined(t *testing.T) {
	sb := start(t)
	t.Run("header on create (redirect)", func(t *testing.T) {
		rc := sandboxtest.NewReceiver(t)
		o := redirectOrder(rc.URL + "/notify")
		r := msp(t, sb, http.MethodPost, "/orders", o, scHeader, "msp-declined")
		d := mspData(t, r)
		wantApplied(t, r, "msp-declined")
		if !strings.Contains(d["payment_url"].(string), "/multisafepay/connect/") {
			t.Fatalf("redirect answer %s", r.Body)
		}
		got := mspOrder(t, sb, o["order_id"].(string))
		if got["status"] != "declined" || got["financial_status"] != "declined" || got["reason"] != "Declined" {
			t.Fatalf("order %v", got)
		}
		sb.Flush()
		if s := notified(t, rc); len(s) != 1 || s[0] != "declined" {
			t.Fatalf("notifications %v", s)
		}
	})
	t.Run("header on create (direct)", func(t *testing.T) {
		o := directIdeal()
		r := msp(t, sb, http.MethodPost, "/orders", o, scHeader, "msp-declined; reason=Insufficient funds")
		sandboxtest.WantMultiSafepayError(t, r, http.StatusBadRequest, 1024)
		if got := mspOrder(t, sb, o["order_id"].(string)); got["status"] != "declined" || got["reason"] != "Insufficient funds" {
			t.Fatalf("order %v", got)
		}
	})
	t.Run("header on read", func(t *testing.T) {
		o := redirectOrder("")
		mspData(t, msp(t, sb, http.MethodPost, "/orders", o))
		r := msp(t, sb, http.MethodGet, "/orders/"+o["order_id"].(string), nil, scHeader, "msp-declined")
		if d := mspData(t, r); d["status"] != "declined" {
			t.Fatalf("read %v", d)
		}
		if got := mspOrder(t, sb, o["order_id"].(string)); got["status"] != "declined" {
			t.Fatalf("not stored: %v", got)
		}
	})
	t.Run("armed: test data keeps its outcome and the arming waits", func(t *testing.T) {
		arm(t, sb, "msp-declined", obj{"tenant": mspKey, "times": 1})
		card := redirectOrder("")
		card["type"], card["gateway"] = "direct", "VISA"
		card["gateway_info"] = obj{"card_number": "4111111111111111", "card_holder_name": "Test", "card_expiry_date": "1230", "card_cvc": "123"}
		r := msp(t, sb, http.MethodPost, "/orders", card)
		if d := mspData(t, r); d["status"] != "completed" {
			t.Fatalf("test card %s", r.Body)
		}
		if !strings.Contains(r.Header.Get("Sandbox-Scenario-Skipped"), "already completed") {
			t.Fatalf("skipped %q", r.Header.Get("Sandbox-Scenario-Skipped"))
		}
		o := redirectOrder("")
		mspData(t, msp(t, sb, http.MethodPost, "/orders", o))
		if got := mspOrder(t, sb, o["order_id"].(string)); got["status"] != "declined" {
			t.Fatalf("armed decline did not wait for the next order: %v", got)
		}
		o2 := redirectOrder("")
		mspData(t, msp(t, sb, http.MethodPost, "/orders", o2))
		if got := mspOrder(t, sb, o2["order_id"].(string)); got["status"] != "initialized" {
			t.Fatalf("used-up arming applied: %v", got)
		}
	})
}

func TestMSPUncleared(t *testing.T) {
	sb := start(t)
	t.Run("header on create (direct)", func(t *testing.T) {
		o := directIdeal()
		r := msp(t, sb, http.MethodPost, "/orders", o, scHeader, "msp-uncleared")
		if d := mspData(t, r); d["status"] != "uncleared" || d["financial_status"] != "uncleared" {
			t.Fatalf("direct answer %s", r.Body)
		}
		if got := mspOrder(t, sb, o["order_id"].(string)); got["status"] != "uncleared" {
			t.Fatalf("order %v", got)
		}
	})
	t.Run("armed with probability", func(t *testing.T) {
		arm(t, sb, "msp-uncleared", obj{"tenant": mspKey, "times": 0, "probability": 0.5, "seed": 3})
		n := 0
		for i := 0; i < 12; i++ {
			o := redirectOrder("")
			mspData(t, msp(t, sb, http.MethodPost, "/orders", o))
			switch got := mspOrder(t, sb, o["order_id"].(string)); got["status"] {
			case "uncleared":
				n++
			case "initialized":
			default:
				t.Fatalf("order %v", got)
			}
		}
		if n == 0 || n == 12 {
			t.Fatalf("%d of 12 orders uncleared with probability 0.5", n)
		}
	})
}

func TestMSPExpired(t *testing.T) {
	sb := start(t)
	rc := sandboxtest.NewReceiver(t)
	for _, via := range []string{"header", "armed"} {
		t.Run(via, func(t *testing.T) {
			o := redirectOrder(rc.URL + "/n")
			mspData(t, msp(t, sb, http.MethodPost, "/orders", o))
			var h []string
			if via == "header" {
				h = []string{scHeader, "msp-expired"}
			} else {
				arm(t, sb, "msp-expired", obj{"tenant": mspKey})
			}
			d := mspData(t, msp(t, sb, http.MethodGet, "/orders/"+o["order_id"].(string), nil, h...))
			if d["status"] != "expired" || d["financial_status"] != "expired" {
				t.Fatalf("read %v", d)
			}
			if got := mspOrder(t, sb, o["order_id"].(string)); got["status"] != "expired" {
				t.Fatalf("order %v", got)
			}
		})
	}
	sb.Flush()
	if s := notified(t, rc); len(s) != 2 || s[0] != "expired" || s[1] != "expired" {
		t.Fatalf("notifications %v", s)
	}
}

func TestMSPInvalidAPIKey(t *testing.T) {
	sb := start(t)
	o := redirectOrder("")
	r := msp(t, sb, http.MethodPost, "/orders", o, scHeader, "msp-invalid-api-key")
	sandboxtest.WantMultiSafepayError(t, r, http.StatusUnauthorized, 1032)
	if m := r.JSON(t); m["error_info"] != "Invalid API key" {
		t.Fatalf("body %s", r.Body)
	}
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/orders/"+o["order_id"].(string), nil), http.StatusNotFound, 1006)

	arm(t, sb, "msp-invalid-api-key", obj{"tenant": mspKey, "times": 0})
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/gateways", nil), http.StatusUnauthorized, 1032)
	sandboxtest.WantMultiSafepayError(t, msp(t, sb, http.MethodGet, "/transactions", nil), http.StatusUnauthorized, 1032)
	// Another key is not affected.
	r = sb.Do(t, http.MethodGet, "/v1/json/gateways", nil, "api_key", "another-key")
	sandboxtest.WantStatus(t, r, http.StatusOK)
	sandboxtest.WantStatus(t, admin(t, sb, http.MethodPost, "/scenarios/msp-invalid-api-key/disarm", obj{"tenant": mspKey}), http.StatusOK)
	sandboxtest.WantStatus(t, msp(t, sb, http.MethodGet, "/gateways", nil), http.StatusOK)
}

// TestWebhookDuplicate: a direct card order completes at once and notifies.
func TestWebhookDuplicate(t *testing.T) {
	sb := start(t)
	rc := sandboxtest.NewReceiver(t)
	rc.Respond(http.StatusOK, "OK")
	cardOrder := func() obj {
		o := redirectOrder(rc.URL + "/n")
		o["type"], o["gateway"] = "direct", "VISA"
		o["gateway_info"] = obj{"card_number": "4111111111111111", "card_holder_name": "Test", "card_expiry_date": "1230", "card_cvc": "123"}
		return o
	}
	r := msp(t, sb, http.MethodPost, "/orders", cardOrder(), scHeader, "webhook-duplicate")
	mspData(t, r)
	wantApplied(t, r, "webhook-duplicate")
	sb.Flush()
	got := rc.Requests()
	if len(got) != 2 || string(got[0].Body) != string(got[1].Body) {
		t.Fatalf("want the notification twice, got %d", len(got))
	}
	ds := sb.Webhooks(t, webhook.Filter{Tenant: mspKey})
	if len(ds) != 1 || len(ds[0].Attempts) != 2 || !ds[0].Attempts[1].Duplicate || ds[0].Status != webhook.Delivered {
		t.Fatalf("delivery %+v", ds)
	}

	arm(t, sb, "webhook-duplicate", obj{"tenant": mspKey, "times": 1})
	mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder()))
	mspData(t, msp(t, sb, http.MethodPost, "/orders", cardOrder()))
	sb.Flush()
	if n := len(rc.Requests()); n != 2+2+1 {
		t.Fatalf("armed once: %d notifications in all, want 5", n)
	}
	// The admin API shows the duplicate attempt.
	wr := admin(t, sb, http.MethodGet, "/webhooks?tenant="+mspKey, nil)
	sandboxtest.WantStatus(t, wr, http.StatusOK)
	if !strings.Contains(string(wr.Body), `"duplicate":true`) {
		t.Fatalf("webhook log %s", wr.Body)
	}
}
