package multisafepay

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// The documented test vector: MultiSafepay's example notification payload
// (reconstructed byte for byte, including the stray space after
// "my-order-id",), timestamp 1641218884 and API key
// 8HHhGgRWrA3O7NswjmgwyH7buPPCGnR5AkwAQyqI give a hash that starts 06cbf226
// and ends 287f93.
const (
	vectorKey       = "8HHhGgRWrA3O7NswjmgwyH7buPPCGnR5AkwAQyqI"
	vectorTimestamp = "1641218884"
	vectorPayload   = `{"amount":1000,"amount_refunded":0,"costs":[{"amount":0.49,"description":"0.49 For iDEAL Transactions","transaction_id":"123456789","type":"SYSTEM"}],"created":"2022-01-03T15:08:02","currency":"EUR","custom_info":{"custom_1":null,"custom_2":null,"custom_3":null},"customer":{"address1":null,"address2":null,"city":null,"country":null,"country_name":null,"email":"","first_name":null,"house_number":null,"last_name":null,"locale":"en_US","phone1":null,"phone2":"","state":null,"zip_code":null},"description":"product description","fastcheckout":"NO","financial_status":"initialized","items":null,"modified":"2022-01-03T15:08:02","order_id":"my-order-id", "payment_details":{"account_holder_name":null,"account_iban":"https://example.com","account_id":null,"external_transaction_id":"123456789","issuer_id":"3151","recurring_flow":null,"recurring_id":null,"recurring_model":null,"type":"IDEAL"},"payment_methods":[{"amount":1000,"currency":"EUR","description":"product description","external_transaction_id":"123456789","payment_description":"iDEAL","status":"initialized","type":"IDEAL"}],"reason":"","reason_code":"","related_transactions":null,"status":"initialized","transaction_id":"123456789","var1":null,"var2":null,"var3":null}`
	vectorHash      = "06cbf226e7c873eff96921d7fde3998eb6be0de7915ee1c1b5149511fca82e26bb0ab2e6d0e0ad997cbab151e4ba5615418d8e12528301726143ed1146287f93"
	vectorAuth      = "MTY0MTIxODg4NDowNmNiZjIyNmU3Yzg3M2VmZjk2OTIxZDdmZGUzOTk4ZWI2YmUwZGU3OTE1ZWUxYzFiNTE0OTUxMWZjYTgyZTI2YmIwYWIyZTZkMGUwYWQ5OTdjYmFiMTUxZTRiYTU2MTU0MThkOGUxMjUyODMwMTcyNjE0M2VkMTE0NjI4N2Y5Mw=="
)

func TestSignatureTestVector(t *testing.T) {
	got := Signature(vectorKey, vectorTimestamp, []byte(vectorPayload))
	if got != vectorAuth {
		t.Fatalf("Auth = %s\nwant   %s", got, vectorAuth)
	}
	raw, _ := base64.StdEncoding.DecodeString(got)
	if string(raw) != vectorTimestamp+":"+vectorHash {
		t.Fatalf("decoded Auth = %s", raw)
	}
	if !strings.HasPrefix(vectorHash, "06cbf226") || !strings.HasSuffix(vectorHash, "287f93") {
		t.Fatal("vector constant mistyped")
	}
	if !VerifySignature(vectorKey, got, []byte(vectorPayload)) {
		t.Error("VerifySignature rejects the vector")
	}
	if VerifySignature("another-key", got, []byte(vectorPayload)) || VerifySignature(vectorKey, got, []byte(vectorPayload+" ")) {
		t.Error("VerifySignature accepts a wrong key or body")
	}
}

// TestSignatureIndependent recomputes the HMAC the way the Python sample
// verifier does, on another key and body.
func TestSignatureIndependent(t *testing.T) {
	body := []byte(`{"order_id":"x","status":"completed"}`)
	mac := hmac.New(sha512.New, []byte("paysandbox-test-key"))
	mac.Write([]byte("1700000000:" + string(body)))
	want := base64.StdEncoding.EncodeToString([]byte("1700000000:" + hex.EncodeToString(mac.Sum(nil))))
	if got := Signature("paysandbox-test-key", "1700000000", body); got != want {
		t.Fatalf("got %s want %s", got, want)
	}
}

func TestAcknowledged(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   bool
	}{
		{200, "OK", true},
		{200, "ok", false},
		{200, "  OK\n", true},
		{200, "Thanks, all OK", true},
		{200, strings.Repeat("x", 100) + "OK", false},
		{200, strings.Repeat("x", 200) + "MULTISAFEPAY_OK", false},
		{200, strings.Repeat("x", 80) + "MULTISAFEPAY_OK", true},
		{200, strings.Repeat("x", 98) + "OK", true},
		{200, strings.Repeat("x", 99) + "OK", false},
		{200, "", false},
		{500, "OK", false},
		{201, "OK", false},
	} {
		if got := acknowledged(tc.status, []byte(tc.body)); got != tc.want {
			t.Errorf("acknowledged(%d, %.20q) = %v, want %v", tc.status, tc.body, got, tc.want)
		}
	}
}

func TestSetParam(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "timestamp=5"},
		{"type=notification", "type=notification&timestamp=5"},
		{"type=notification&timestamp=1&x=y", "type=notification&x=y&timestamp=5"},
		{"timestamps=1", "timestamps=1&timestamp=5"},
	} {
		if got := setParam(tc.in, "timestamp", "5"); got != tc.want {
			t.Errorf("setParam(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPrepareNotification(t *testing.T) {
	body := []byte(`{"order_id":"o-1"}`)
	d := &webhook.Delivery{Tenant: "key-1", Method: http.MethodPost, Body: body, URL: "https://shop.example/n?type=notification&transactionid=o-1"}
	req, _ := http.NewRequest(d.Method, d.URL, nil)
	now := time.Unix(1700000000, 0)
	if err := prepareNotification(req, d, now); err != nil {
		t.Fatal(err)
	}
	if req.URL.RawQuery != "type=notification&transactionid=o-1&timestamp=1700000000" {
		t.Errorf("query = %s", req.URL.RawQuery)
	}
	if got := req.Header.Get("Auth"); got != Signature("key-1", "1700000000", body) {
		t.Errorf("Auth = %s", got)
	}
	// A GET notification has no body and no signature.
	get := &webhook.Delivery{Tenant: "key-1", Method: http.MethodGet, URL: "https://shop.example/n?transactionid=o-1"}
	req, _ = http.NewRequest(get.Method, get.URL, nil)
	_ = prepareNotification(req, get, now)
	if req.Header.Get("Auth") != "" || req.URL.RawQuery != "transactionid=o-1&timestamp=1700000000" {
		t.Errorf("GET prepared as %s %v", req.URL.RawQuery, req.Header)
	}
}
