package scenario_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// End-to-end helpers: the whole emulator over HTTP through sandboxtest's
// checking client, which fails the test on any response our OpenAPI files
// do not describe.

type obj = map[string]any

const (
	kTenant  = "PK_TEST_scenarios"
	mspKey   = "scenario-test-key"
	scHeader = "Sandbox-Scenario"
)

func kAuth(user string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":secret"))
}

// klarna calls Klarna's credentialed API as kTenant.
func klarna(t *testing.T, sb *sandboxtest.Sandbox, method, path string, body any, header ...string) *sandboxtest.Response {
	t.Helper()
	return sb.Do(t, method, path, body, append([]string{"Authorization", kAuth(kTenant)}, header...)...)
}

func seCart() obj {
	return obj{"purchase_country": "SE", "purchase_currency": "SEK", "locale": "en-SE", "order_amount": 9500, "order_tax_amount": 1900,
		"order_lines": []any{obj{"type": "physical", "reference": "19-402", "name": "Battery Power Pack", "quantity": 2, "unit_price": 5000,
			"tax_rate": 2500, "total_amount": 9500, "total_discount_amount": 500, "total_tax_amount": 1900}}}
}

func seBilling() obj {
	return obj{"given_name": "Testperson-se", "family_name": "Approved", "email": "customer@email.se", "street_address": "Stårgatan 1",
		"postal_code": "12345", "city": "Ankeborg", "country": "SE"}
}

func openSession(t *testing.T, sb *sandboxtest.Sandbox) (id, clientToken string) {
	t.Helper()
	r := klarna(t, sb, http.MethodPost, "/payments/v1/sessions", seCart())
	sandboxtest.WantStatus(t, r, http.StatusOK)
	m := r.JSON(t)
	return m["session_id"].(string), m["client_token"].(string)
}

func authorize(t *testing.T, sb *sandboxtest.Sandbox, clientToken string) string {
	t.Helper()
	r := sb.Do(t, http.MethodPost, "/_sandbox/klarna/authorizations", obj{"client_token": clientToken, "billing_address": seBilling()})
	sandboxtest.WantStatus(t, r, http.StatusOK)
	tok, _ := r.JSON(t)["authorization_token"].(string)
	if tok == "" {
		t.Fatalf("authorize: %s", r.Body)
	}
	return tok
}

// wantApplied checks the response names the scenarios that shaped it.
func wantApplied(t *testing.T, r *sandboxtest.Response, names string) {
	t.Helper()
	if got := r.Header.Get("Sandbox-Scenario-Applied"); got != names {
		t.Fatalf("Sandbox-Scenario-Applied %q, want %q (skipped: %q)", got, names, r.Header.Values("Sandbox-Scenario-Skipped"))
	}
}

// msp calls MultiSafepay's API with the test key.
func msp(t *testing.T, sb *sandboxtest.Sandbox, method, path string, body any, header ...string) *sandboxtest.Response {
	t.Helper()
	return sb.Do(t, method, "/v1/json"+path, body, append([]string{"api_key", mspKey}, header...)...)
}

func mspData(t *testing.T, r *sandboxtest.Response) obj {
	t.Helper()
	sandboxtest.WantStatus(t, r, http.StatusOK)
	m := r.JSON(t)
	if m["success"] != true {
		t.Fatalf("not a success: %s", r.Body)
	}
	d, _ := m["data"].(map[string]any)
	return d
}

var orderSeq int

func redirectOrder(notify string) obj {
	orderSeq++
	o := obj{"type": "redirect", "order_id": fmt.Sprintf("sc-%d", orderSeq), "currency": "EUR", "amount": 1000, "description": "Scenario test",
		"payment_options": obj{"redirect_url": "https://shop.example/ok", "cancel_url": "https://shop.example/cancel"}}
	if notify != "" {
		o["payment_options"].(obj)["notification_url"] = notify
		o["payment_options"].(obj)["notification_method"] = "POST"
	}
	return o
}

func directIdeal() obj {
	o := redirectOrder("")
	o["type"], o["gateway"] = "direct", "IDEAL"
	o["gateway_info"] = obj{"issuer_id": "0031"}
	return o
}

func mspOrder(t *testing.T, sb *sandboxtest.Sandbox, id string) obj {
	t.Helper()
	return mspData(t, msp(t, sb, http.MethodGet, "/orders/"+id, nil))
}

// admin calls the admin API through the checking client.
func admin(t *testing.T, sb *sandboxtest.Sandbox, method, path string, body any) *sandboxtest.Response {
	t.Helper()
	return sb.Do(t, method, "/_sandbox"+path, body)
}

func arm(t *testing.T, sb *sandboxtest.Sandbox, name string, body obj) obj {
	t.Helper()
	r := admin(t, sb, http.MethodPost, "/scenarios/"+name+"/arm", body)
	sandboxtest.WantStatus(t, r, http.StatusOK)
	return r.JSON(t)
}

// plain sends a request with a client that does not check responses (for
// faults that break HTTP, and for statuses our provider OpenAPI files do not
// list yet).
func plain(t *testing.T, client *http.Client, method, url string, body any, header ...string) (*http.Response, []byte, error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

func start(t *testing.T, opts ...sandboxtest.Option) *sandboxtest.Sandbox {
	t.Helper()
	return sandboxtest.Start(t, opts...)
}

var _ = emulator.Specs
var _ = strings.Contains
