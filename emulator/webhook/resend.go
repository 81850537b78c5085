package webhook

import (
	"context"
	"errors"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// ErrNoDelivery is returned for an unknown delivery id.
var ErrNoDelivery = errors.New("webhook: no such delivery")

// Get returns one delivery by id.
func (s *Sender) Get(ctx context.Context, id string) (Delivery, error) {
	var d Delivery
	err := s.st.SysView(ctx, func(tx *store.Tx) error { return tx.Sys(bucket).Get(id, &d) })
	if errors.Is(err, store.ErrNotFound) {
		return d, ErrNoDelivery
	}
	return d, err
}

// Resend makes one more attempt of the delivery now (the dashboard's "resend
// now"), signed afresh by the provider's policy and recorded with the
// others. Chaos does not apply: a person asked for it. A success marks a
// pending or failed delivery delivered; a failure leaves the status and any
// scheduled retry alone.
func (s *Sender) Resend(ctx context.Context, id string) (Attempt, error) {
	d, err := s.Get(ctx, id)
	if err != nil {
		return Attempt{}, err
	}
	now := s.clock.Now(d.Tenant)
	att := s.attempt(ctx, &d, s.policy(&d), now)
	if !att.Succeeded {
		s.log.Warn("webhook attempt failed", "id", d.ID, "provider", d.Provider, "tenant", d.Tenant, "event", d.Event,
			"url", att.URL, "status", att.StatusCode, "error", att.Error, "attempt", len(d.Attempts)+1, "resend", true)
	}
	// The attempt was made: it is recorded even if the request has ended.
	err = s.st.SysUpdate(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		sys := tx.Sys(bucket)
		var cur Delivery
		if err := sys.Get(id, &cur); err != nil {
			return ErrNoDelivery // reset meanwhile
		}
		cur.Attempts = append(cur.Attempts, att)
		if att.Succeeded {
			cur.Status, cur.NextAt = Delivered, nil
		}
		return sys.Put(id, cur)
	})
	return att, err
}
