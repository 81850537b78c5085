package multisafepay

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// Signature is the Auth header of a POST notification:
// base64(timestamp + ":" + hex(HMAC-SHA512(apiKey, timestamp + ":" + body))).
func Signature(apiKey, timestamp string, body []byte) string {
	mac := hmac.New(sha512.New, []byte(apiKey))
	mac.Write([]byte(timestamp + ":"))
	mac.Write(body)
	return base64.StdEncoding.EncodeToString([]byte(timestamp + ":" + hex.EncodeToString(mac.Sum(nil))))
}

// VerifySignature checks an Auth header the way merchants do.
func VerifySignature(apiKey, auth string, body []byte) bool {
	raw, err := base64.StdEncoding.DecodeString(auth)
	if err != nil {
		return false
	}
	ts, _, found := strings.Cut(string(raw), ":")
	if !found {
		return false
	}
	return hmac.Equal([]byte(Signature(apiKey, ts, body)), []byte(auth))
}

// notificationPolicy: 200 with OK (or MULTISAFEPAY_OK) within the first 100
// characters acknowledges; otherwise three more tries 15 minutes apart, each
// with a fresh timestamp and signature.
func notificationPolicy() webhook.Policy {
	return webhook.Policy{
		Retries: []time.Duration{15 * time.Minute, 15 * time.Minute, 15 * time.Minute},
		Success: acknowledged,
		Prepare: prepareNotification,
	}
}

func acknowledged(status int, body []byte) bool {
	if status != http.StatusOK {
		return false
	}
	head := body
	if len(head) > 100 {
		head = head[:100]
	}
	// OK (MULTISAFEPAY_OK contains it) must be within the first 100 characters.
	return strings.Contains(string(head), "OK")
}

// prepareNotification stamps an attempt: timestamp in the URL and, for POST,
// the Auth header signed with the tenant's API key (the tenant is the key).
func prepareNotification(req *http.Request, d *webhook.Delivery, now time.Time) error {
	ts := strconv.FormatInt(now.Unix(), 10)
	req.URL.RawQuery = setParam(req.URL.RawQuery, "timestamp", ts)
	if d.Method == http.MethodPost {
		req.Header.Set("Auth", Signature(d.Tenant, ts, d.Body))
	}
	return nil
}

// setParam replaces (or appends) one query parameter, leaving the others as
// the merchant wrote them.
func setParam(rawQuery, name, value string) string {
	var kept []string
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" || p == name || strings.HasPrefix(p, name+"=") {
			continue
		}
		kept = append(kept, p)
	}
	return strings.Join(append(kept, name+"="+url.QueryEscape(value)), "&")
}

// notify leaves the token of a completed initial recurring order (so the
// notification carries its recurring_id), then notifies.
func (m *MultiSafepay) notify(tx *store.Tx, o *Order, now time.Time) error {
	if err := m.tokenize(tx, o, now); err != nil {
		return err
	}
	return notify(tx, o, now)
}

// notify enqueues the status-change notification of o (inside the write
// that changed it). GET notifications carry no body; POST ones the bare order.
func notify(tx *store.Tx, o *Order, now time.Time) error {
	if o.NotificationURL == "" {
		return nil
	}
	u, err := url.Parse(o.NotificationURL)
	if err != nil {
		return nil // validated at creation; nothing sensible to send to
	}
	u.RawQuery = setParam(u.RawQuery, "transactionid", o.OrderID)
	d := webhook.Delivery{Provider: provider, Event: o.Status, URL: u.String(), Method: http.MethodGet}
	if o.NotificationMethod == http.MethodPost {
		body, err := platform.MarshalJSON(o.view(now))
		if err != nil {
			return err
		}
		d.Method, d.Body = http.MethodPost, body
	}
	_, err = webhook.Enqueue(tx, d, now)
	return err
}
