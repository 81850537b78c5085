package multisafepay_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

const testKey = "paysandbox-test-key"

// api calls /v1/json with the API key in the header.
func api(t *testing.T, sb *sandboxtest.Sandbox, key, method, path string, body any) *sandboxtest.Response {
	t.Helper()
	return sb.Do(t, method, "/v1/json"+path, body, "api_key", key)
}

// decode reads a JSON body keeping numbers exact.
func decode(t *testing.T, r *sandboxtest.Response) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("not JSON (%d): %v\n%s", r.Status, err, r.Body)
	}
	return m
}

func data(t *testing.T, r *sandboxtest.Response) map[string]any {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	m := decode(t, r)
	if m["success"] != true {
		t.Fatalf("not a success: %s", r.Body)
	}
	d, _ := m["data"].(map[string]any)
	return d
}

// receiver is a notification endpoint (sandboxtest's) whose notifications
// are checked as a merchant checks MultiSafepay's signature (HMAC-SHA512
// over "timestamp:body" with the API key).
type receiver struct {
	*sandboxtest.Receiver
	key string
}

type notification struct {
	Method    string
	Query     url.Values
	Body      []byte
	Auth      string
	Verified  bool
	Timestamp string
}

func newReceiver(t *testing.T, key string) *receiver {
	return &receiver{Receiver: sandboxtest.NewReceiver(t), key: key}
}

// verify is the merchant's check, written from the documented algorithm.
func verify(key, auth string, body []byte) bool {
	raw, err := base64.StdEncoding.DecodeString(auth)
	if err != nil {
		return false
	}
	ts, sig, ok := strings.Cut(string(raw), ":")
	if !ok {
		return false
	}
	mac := hmac.New(sha512.New, []byte(key))
	mac.Write([]byte(ts + ":" + string(body)))
	return hmac.Equal([]byte(hex.EncodeToString(mac.Sum(nil))), []byte(sig))
}

func (rc *receiver) respond(status int, answer string) { rc.Respond(status, answer) }

func (rc *receiver) notifications() []notification {
	var out []notification
	for _, r := range rc.Requests() {
		u, err := url.Parse(r.URL)
		if err != nil {
			continue // net/http parsed it already
		}
		q, auth := u.Query(), r.Header.Get("Auth")
		out = append(out, notification{Method: r.Method, Query: q, Body: r.Body, Auth: auth,
			Verified: verify(rc.key, auth, r.Body), Timestamp: q.Get("timestamp")})
	}
	return out
}

// last decodes the body of the newest notification.
func (rc *receiver) last(t *testing.T) (notification, map[string]any) {
	t.Helper()
	ns := rc.notifications()
	if len(ns) == 0 {
		t.Fatal("no notification received")
	}
	n := ns[len(ns)-1]
	var m map[string]any
	if len(n.Body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(n.Body))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("notification body: %v\n%s", err, n.Body)
		}
	}
	return n, m
}

// klarnaOrder is the seed's Klarna order with our own ids and URLs.
func klarnaOrder(t *testing.T, seed, orderID, notifyURL string) map[string]any {
	t.Helper()
	var req map[string]any
	if err := json.Unmarshal([]byte(seed), &req); err != nil {
		t.Fatal(err)
	}
	req["order_id"] = orderID
	po := req["payment_options"].(map[string]any)
	po["notification_url"] = notifyURL
	po["notification_method"] = "POST"
	po["redirect_url"] = "https://shop.example/return?type=redirect"
	po["cancel_url"] = "https://shop.example/return?type=cancel"
	return req
}

// page fetches the payment page behind a payment_url.
func page(t *testing.T, sb *sandboxtest.Sandbox, paymentURL string) *sandboxtest.Response {
	t.Helper()
	u, err := url.Parse(paymentURL)
	if err != nil {
		t.Fatal(err)
	}
	return sb.Do(t, http.MethodGet, u.RequestURI(), nil)
}

// submit posts the payment page form.
func submit(t *testing.T, sb *sandboxtest.Sandbox, paymentURL string, form url.Values) *sandboxtest.Response {
	t.Helper()
	u, err := url.Parse(paymentURL)
	if err != nil {
		t.Fatal(err)
	}
	return sb.Do(t, http.MethodPost, u.RequestURI(), form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return "<nil>"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func webhookFilter() webhook.Filter { return webhook.Filter{Provider: "multisafepay", Tenant: testKey} }
