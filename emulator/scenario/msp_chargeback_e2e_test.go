package scenario_test

import (
	"net/http"
	"testing"
)

// TestMSPChargeback: a paid order read with msp-chargeback is charged back
// and notified; an unpaid one is left alone.
func TestMSPChargeback(t *testing.T) {
	sb := start(t)
	paid := obj{"type": "direct", "order_id": "cb-1", "currency": "EUR", "amount": 1000, "description": "d", "gateway": "VISA",
		"gateway_info": obj{"card_number": "4111111111111111"}}
	mspData(t, msp(t, sb, http.MethodPost, "/orders", paid))
	r := msp(t, sb, http.MethodGet, "/orders/cb-1", nil, scHeader, "msp-chargeback; financial_status=chargedback")
	wantApplied(t, r, "msp-chargeback")
	if o := mspData(t, r); o["status"] != "chargeback" || o["financial_status"] != "chargedback" {
		t.Fatalf("after chargeback %v/%v", o["status"], o["financial_status"])
	}
	mspData(t, msp(t, sb, http.MethodPost, "/orders", obj{"order_id": "cb-2", "currency": "EUR", "amount": 1000, "description": "d"}))
	r = msp(t, sb, http.MethodGet, "/orders/cb-2", nil, scHeader, "msp-chargeback")
	if o := mspData(t, r); o["status"] != "initialized" {
		t.Fatalf("unpaid order %v", o["status"])
	}
}
