package klarna

import (
	"context"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// Order Management v1 (/ordermanagement/v1/orders/{order_id}...). Every
// method here is both what a handler calls and part of the Go API. Mutating
// calls honour an idempotency key set with WithIdempotencyKey.

// none is the result of calls that answer 204.
type none struct{}

// changeOrder loads the order, applies fn and saves it, in one transaction,
// at most once per idempotency key.
func changeOrder[T any](k *Klarna, ctx context.Context, tenant, orderID, operation string, fn func(o *orderRecord, now time.Time, newID func() string) (T, error)) (T, error) {
	now := k.now(tenant)
	return once(k, ctx, tenant, operation, now, func(tx *store.Tx) (T, error) {
		var zero T
		var o orderRecord
		if err := get(tx, colOrders, orderID, &o, errNoSuchOrder); err != nil {
			return zero, err
		}
		res, err := fn(&o, now, tx.IDs().UUID) // ids drawn in the transaction: replay-safe, repeatable per --seed
		if err != nil {
			return zero, err
		}
		return res, tx.Put(colOrders, orderID, o)
	})
}

// readOrder loads the order and hands fn its state at now.
func (k *Klarna) readOrder(ctx context.Context, tenant, orderID string, fn func(o *orderRecord, now time.Time) error) error {
	now := k.now(tenant)
	return k.view(ctx, tenant, func(tx *store.Tx) error {
		var o orderRecord
		if err := get(tx, colOrders, orderID, &o, errNoSuchOrder); err != nil {
			return err
		}
		return fn(&o, now)
	})
}

func unit(err error) (none, error) { return none{}, err }

// Order returns the order as GET /ordermanagement/v1/orders/{id} shows it.
func (k *Klarna) Order(ctx context.Context, tenant, orderID string) (Order, error) {
	var out Order
	err := k.readOrder(ctx, tenant, orderID, func(o *orderRecord, now time.Time) error {
		out = o.view(now)
		return nil
	})
	return out, err
}

// Acknowledge marks the order as received by the merchant.
func (k *Klarna) Acknowledge(ctx context.Context, tenant, orderID string) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "acknowledge", func(o *orderRecord, _ time.Time, _ func() string) (none, error) {
		o.Acknowledged = true
		return none{}, nil
	})
	return err
}

// UpdateAuthorization changes the order amount (and cart).
func (k *Klarna) UpdateAuthorization(ctx context.Context, tenant, orderID string, in UpdateAuthorizationRequest) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "update-authorization", func(o *orderRecord, now time.Time, _ func() string) (none, error) {
		return unit(o.updateAuthorization(now, in))
	})
	return err
}

// UpdateCustomerDetails replaces the order's addresses.
func (k *Klarna) UpdateCustomerDetails(ctx context.Context, tenant, orderID string, in CustomerDetails) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "customer-details", func(o *orderRecord, now time.Time, _ func() string) (none, error) {
		return unit(o.updateCustomerDetails(now, in))
	})
	return err
}

// UpdateMerchantReferences sets merchant_reference1/2.
func (k *Klarna) UpdateMerchantReferences(ctx context.Context, tenant, orderID string, in MerchantReferences) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "merchant-references", func(o *orderRecord, now time.Time, _ func() string) (none, error) {
		return unit(o.updateMerchantReferences(now, in))
	})
	return err
}

// ExtendAuthorizationTime pushes the order's expiry (see extendAuthorization).
func (k *Klarna) ExtendAuthorizationTime(ctx context.Context, tenant, orderID string) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "extend-authorization-time", func(o *orderRecord, now time.Time, _ func() string) (none, error) {
		return unit(o.extendAuthorization(now))
	})
	return err
}

// ReleaseRemainingAuthorization gives up what is left to capture.
func (k *Klarna) ReleaseRemainingAuthorization(ctx context.Context, tenant, orderID string) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "release-remaining-authorization", func(o *orderRecord, now time.Time, _ func() string) (none, error) {
		return unit(o.releaseRemaining(now))
	})
	return err
}

// CancelOrder voids an order that has no captures.
func (k *Klarna) CancelOrder(ctx context.Context, tenant, orderID string) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "cancel", func(o *orderRecord, now time.Time, _ func() string) (none, error) {
		return unit(o.cancel(now))
	})
	return err
}

// AddShippingInfo records shipments of the order.
func (k *Klarna) AddShippingInfo(ctx context.Context, tenant, orderID string, info []ShippingInfo) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "shipping-info", func(o *orderRecord, _ time.Time, _ func() string) (none, error) {
		o.ShippingInfo = append(o.ShippingInfo, info...)
		return none{}, nil
	})
	return err
}

// Capture captures part or all of the remaining authorization.
func (k *Klarna) Capture(ctx context.Context, tenant, orderID string, in CaptureRequest) (Capture, error) {
	return changeOrder(k, ctx, tenant, orderID, "capture", func(o *orderRecord, now time.Time, newID func() string) (Capture, error) {
		return o.capture(now, newID(), in)
	})
}

// Captures lists the order's captures.
func (k *Klarna) Captures(ctx context.Context, tenant, orderID string) ([]Capture, error) {
	var out []Capture
	err := k.readOrder(ctx, tenant, orderID, func(o *orderRecord, now time.Time) error {
		out = o.view(now).Captures
		return nil
	})
	return out, err
}

// GetCapture returns one capture.
func (k *Klarna) GetCapture(ctx context.Context, tenant, orderID, captureID string) (Capture, error) {
	var out Capture
	err := k.readOrder(ctx, tenant, orderID, func(o *orderRecord, now time.Time) error {
		for _, c := range o.view(now).Captures {
			if c.CaptureID == captureID {
				out = c
				return nil
			}
		}
		return errNoSuchCapture
	})
	return out, err
}

// AddCaptureShippingInfo records shipments of one capture.
func (k *Klarna) AddCaptureShippingInfo(ctx context.Context, tenant, orderID, captureID string, info []ShippingInfo) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "capture-shipping-info", func(o *orderRecord, _ time.Time, _ func() string) (none, error) {
		c, err := o.findCapture(captureID)
		if err != nil {
			return none{}, err
		}
		c.ShippingInfo = append(c.ShippingInfo, info...)
		return none{}, nil
	})
	return err
}

// TriggerSendOut asks Klarna to send the customer the capture's payment
// instructions again (nothing to send here; the capture must exist).
func (k *Klarna) TriggerSendOut(ctx context.Context, tenant, orderID, captureID string) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "trigger-send-out", func(o *orderRecord, _ time.Time, _ func() string) (none, error) {
		_, err := o.findCapture(captureID)
		return none{}, err
	})
	return err
}

// DueDateOptions lists how a capture's due date may be extended.
func (k *Klarna) DueDateOptions(ctx context.Context, tenant, orderID, captureID string) (DueDateOptions, error) {
	var out DueDateOptions
	err := k.readOrder(ctx, tenant, orderID, func(o *orderRecord, _ time.Time) error {
		if _, err := o.findCapture(captureID); err != nil {
			return err
		}
		out = o.dueDateOptions()
		return nil
	})
	return out, err
}

// ExtendDueDate extends a capture's due date by one of the offered options.
func (k *Klarna) ExtendDueDate(ctx context.Context, tenant, orderID, captureID string, days int64) error {
	_, err := changeOrder(k, ctx, tenant, orderID, "extend-due-date", func(o *orderRecord, _ time.Time, _ func() string) (none, error) {
		if _, err := o.findCapture(captureID); err != nil {
			return none{}, err
		}
		for _, opt := range o.dueDateOptions().Options {
			if opt.NumberOfDays == days {
				return none{}, nil
			}
		}
		return none{}, badValue("number_of_days")
	})
	return err
}

// Refund refunds part or all of what was captured.
func (k *Klarna) Refund(ctx context.Context, tenant, orderID string, in RefundRequest) (Refund, error) {
	return changeOrder(k, ctx, tenant, orderID, "refund", func(o *orderRecord, now time.Time, newID func() string) (Refund, error) {
		return o.refund(now, newID(), in)
	})
}

// GetRefund returns one refund.
func (k *Klarna) GetRefund(ctx context.Context, tenant, orderID, refundID string) (Refund, error) {
	var out Refund
	err := k.readOrder(ctx, tenant, orderID, func(o *orderRecord, now time.Time) error {
		for _, r := range o.view(now).Refunds {
			if r.RefundID == refundID {
				out = r
				return nil
			}
		}
		return errNoSuchRefund
	})
	return out, err
}
