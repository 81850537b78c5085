package klarna

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2030, 1, 10, 15, 30, 0, 0, time.UTC)

func newTestOrder(amount int64) *orderRecord {
	return &orderRecord{Order: Order{
		OrderID: "o1", Status: StatusAuthorized, FraudStatus: FraudAccepted, OrderAmount: amount, OriginalOrderAmount: amount,
		KlarnaReference: "ABCD1234", CreatedAt: t0, ExpiresAt: t0.Add(orderAuthLifetime), PurchaseCountry: "SE", PurchaseCurrency: "SEK",
	}}
}

func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	var ke *Error
	if !errors.As(err, &ke) || ke.Status != status || ke.Code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
}

func TestOrderCaptureAndRefundAmounts(t *testing.T) {
	o := newTestOrder(10000)
	if o.remaining(t0) != 10000 || o.status(t0) != StatusAuthorized {
		t.Fatalf("new order: %s %d", o.status(t0), o.remaining(t0))
	}
	c1, err := o.capture(t0, "c1", CaptureRequest{CapturedAmount: 4000})
	if err != nil || c1.KlarnaReference != "ABCD1234-1" || o.Status != StatusPartCaptured || o.remaining(t0) != 6000 {
		t.Fatalf("first capture: %+v %v %s %d", c1, err, o.Status, o.remaining(t0))
	}
	_, err = o.capture(t0, "c2", CaptureRequest{CapturedAmount: 6001})
	wantCode(t, err, 403, "CAPTURE_NOT_ALLOWED")
	if _, err := o.capture(t0, "c2", CaptureRequest{CapturedAmount: 6000}); err != nil || o.Status != StatusCaptured || o.remaining(t0) != 0 {
		t.Fatalf("second capture: %v %s", err, o.Status)
	}
	_, err = o.capture(t0, "c3", CaptureRequest{CapturedAmount: 1})
	wantCode(t, err, 403, "CAPTURE_NOT_ALLOWED")

	if _, err := o.refund(t0, "r1", RefundRequest{RefundedAmount: 5000}); err != nil {
		t.Fatal(err)
	}
	// The refund takes the first capture whole, then 1000 of the second.
	if o.RefundedAmount != 5000 || o.Captures[0].RefundedAmount != 4000 || o.Captures[1].RefundedAmount != 1000 {
		t.Fatalf("refund allocation: %+v", o.Captures)
	}
	_, err = o.refund(t0, "r2", RefundRequest{RefundedAmount: 5001})
	wantCode(t, err, 403, "REFUND_NOT_ALLOWED")
	if _, err := o.refund(t0, "r2", RefundRequest{RefundedAmount: 5000}); err != nil || o.RefundedAmount != 10000 {
		t.Fatalf("full refund: %v", err)
	}
	if o.status(t0) != StatusCaptured {
		t.Fatalf("a refunded order stays %s, got %s", StatusCaptured, o.status(t0))
	}
	err = o.cancel(t0)
	wantCode(t, err, 403, "CANCEL_NOT_ALLOWED")
}

func TestOrderRules(t *testing.T) {
	later := t0.Add(orderAuthLifetime)
	tests := []struct {
		name   string
		setup  func(o *orderRecord)
		op     func(o *orderRecord) error
		status int
		code   string
		after  string    // status afterwards
		at     time.Time // when that status is read
	}{
		{"refund without captures", nil, func(o *orderRecord) error { _, err := o.refund(t0, "r", RefundRequest{RefundedAmount: 1}); return err }, 403, "REFUND_NOT_ALLOWED", StatusAuthorized, t0},
		{"capture of zero", nil, func(o *orderRecord) error { _, err := o.capture(t0, "c", CaptureRequest{}); return err }, 400, "BAD_VALUE", StatusAuthorized, t0},
		{"capture lines must add up", nil, func(o *orderRecord) error {
			_, err := o.capture(t0, "c", CaptureRequest{CapturedAmount: 100, OrderLines: []OrderLine{line(1, 99, 0, 0, 0)}})
			return err
		}, 400, "BAD_VALUE", StatusAuthorized, t0},
		{"capture while fraud review pending", func(o *orderRecord) { o.FraudStatus = FraudPending }, func(o *orderRecord) error {
			_, err := o.capture(t0, "c", CaptureRequest{CapturedAmount: 1})
			return err
		}, 403, "CAPTURE_NOT_ALLOWED", StatusAuthorized, t0},
		{"capture after expiry", nil, func(o *orderRecord) error {
			_, err := o.capture(later, "c", CaptureRequest{CapturedAmount: 1})
			return err
		}, 403, "CAPTURE_NOT_ALLOWED", StatusExpired, later},
		{"capture of a cancelled order", func(o *orderRecord) { o.Status = StatusCancelled }, func(o *orderRecord) error {
			_, err := o.capture(t0, "c", CaptureRequest{CapturedAmount: 1})
			return err
		}, 403, "CAPTURE_NOT_ALLOWED", StatusCancelled, t0},
		{"cancel", nil, func(o *orderRecord) error { return o.cancel(t0) }, 0, "", StatusCancelled, t0},
		{"cancel twice", func(o *orderRecord) { o.Status = StatusCancelled }, func(o *orderRecord) error { return o.cancel(t0) }, 403, "CANCEL_NOT_ALLOWED", StatusCancelled, t0},
		{"cancel after capture", func(o *orderRecord) { o.capture(t0, "c", CaptureRequest{CapturedAmount: 1}) }, func(o *orderRecord) error { return o.cancel(t0) }, 403, "CANCEL_NOT_ALLOWED", StatusPartCaptured, t0},
		{"release part captured", func(o *orderRecord) { o.capture(t0, "c", CaptureRequest{CapturedAmount: 1}) }, func(o *orderRecord) error { return o.releaseRemaining(t0) }, 0, "", StatusClosed, t0},
		{"release uncaptured", nil, func(o *orderRecord) error { return o.releaseRemaining(t0) }, 0, "", StatusCancelled, t0},
		{"release fully captured", func(o *orderRecord) { o.capture(t0, "c", CaptureRequest{CapturedAmount: 10000}) }, func(o *orderRecord) error { return o.releaseRemaining(t0) }, 403, "NOT_ALLOWED", StatusCaptured, t0},
		{"part captured order expires closed", func(o *orderRecord) { o.capture(t0, "c", CaptureRequest{CapturedAmount: 1}) }, func(o *orderRecord) error { return o.releaseRemaining(later) }, 403, "NOT_ALLOWED", StatusClosed, later},
		{"update authorization down", nil, func(o *orderRecord) error {
			return o.updateAuthorization(t0, UpdateAuthorizationRequest{OrderAmount: 5000})
		}, 0, "", StatusAuthorized, t0},
		{"update authorization below captured", func(o *orderRecord) { o.capture(t0, "c", CaptureRequest{CapturedAmount: 6000}) }, func(o *orderRecord) error {
			return o.updateAuthorization(t0, UpdateAuthorizationRequest{OrderAmount: 5000})
		}, 403, "NOT_ALLOWED", StatusPartCaptured, t0},
		{"update authorization to captured", func(o *orderRecord) { o.capture(t0, "c", CaptureRequest{CapturedAmount: 6000}) }, func(o *orderRecord) error {
			return o.updateAuthorization(t0, UpdateAuthorizationRequest{OrderAmount: 6000})
		}, 0, "", StatusCaptured, t0},
		{"update authorization lines must add up", nil, func(o *orderRecord) error {
			return o.updateAuthorization(t0, UpdateAuthorizationRequest{OrderAmount: 5000, OrderLines: []OrderLine{line(1, 4000, 0, 0, 0)}})
		}, 400, "BAD_VALUE", StatusAuthorized, t0},
		{"extend expired", nil, func(o *orderRecord) error { return o.extendAuthorization(later) }, 403, "NOT_ALLOWED", StatusExpired, later},
		{"merchant references of cancelled", func(o *orderRecord) { o.Status = StatusCancelled }, func(o *orderRecord) error {
			return o.updateMerchantReferences(t0, MerchantReferences{})
		}, 403, "NOT_ALLOWED", StatusCancelled, t0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newTestOrder(10000)
			if tt.setup != nil {
				tt.setup(o)
			}
			err := tt.op(o)
			if tt.code == "" && err != nil {
				t.Fatalf("unexpected %v", err)
			}
			if tt.code != "" {
				wantCode(t, err, tt.status, tt.code)
			}
			if got := o.status(tt.at); got != tt.after {
				t.Fatalf("status %s, want %s", got, tt.after)
			}
		})
	}
}

func TestOrderExpiryAndExtension(t *testing.T) {
	o := newTestOrder(100)
	if got := o.status(t0.Add(orderAuthLifetime - time.Millisecond)); got != StatusAuthorized {
		t.Fatalf("just before expiry: %s", got)
	}
	if got, rem := o.status(o.ExpiresAt), o.remaining(o.ExpiresAt); got != StatusExpired || rem != 0 {
		t.Fatalf("at expiry: %s %d", got, rem)
	}
	// Extended on day 20 at 09:00: 28 days from that day, at the order's time of day.
	day20 := time.Date(2030, 1, 30, 9, 0, 0, 0, time.UTC)
	if err := o.extendAuthorization(day20); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2030, 2, 27, 15, 30, 0, 0, time.UTC)
	if !o.ExpiresAt.Equal(want) {
		t.Fatalf("extended to %s, want %s", o.ExpiresAt, want)
	}
	// A second call the same day changes nothing.
	if err := o.extendAuthorization(day20.Add(10 * time.Hour)); err != nil || !o.ExpiresAt.Equal(want) {
		t.Fatalf("same day: %s %v", o.ExpiresAt, err)
	}
	// Extending keeps going until 180 days after creation, never beyond.
	for now := day20; now.Before(t0.Add(200 * 24 * time.Hour)); now = now.Add(20 * 24 * time.Hour) {
		if now.Before(o.ExpiresAt) {
			if err := o.extendAuthorization(now); err != nil {
				t.Fatal(err)
			}
		}
	}
	if limit := t0.Add(maxAuthLifetime); !o.ExpiresAt.Equal(limit) {
		t.Fatalf("capped at %s, want %s", o.ExpiresAt, limit)
	}
}
