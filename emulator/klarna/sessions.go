package klarna

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// sessionRecord is a stored payment session.
type sessionRecord struct {
	Session
	CreatedAt time.Time `json:"created_at"`
	// CompletedBy is the authorization token whose order (or, for intent
	// tokenize, customer token) completed the session.
	CompletedBy string `json:"completed_by,omitempty"`
}

// applySessionDefaults fills what Klarna defaults.
func applySessionDefaults(p *Purchase) {
	if p.Intent == "" {
		p.Intent = IntentBuy
	}
	if p.AcquiringChannel == "" {
		p.AcquiringChannel = "ECOMMERCE"
	}
	if p.Locale == "" {
		p.Locale = "en-US" // Klarna's default; it must still fit the country
	}
	if string(p.Options) == "null" {
		p.Options = nil
	}
}

// OpenSession creates a payment session for tenant (POST /payments/v1/sessions).
func (k *Klarna) OpenSession(ctx context.Context, tenant string, p Purchase) (CreatedSession, error) {
	applySessionDefaults(&p)
	if err := k.markets.checkPurchase(&p); err != nil {
		return CreatedSession{}, err
	}
	now := k.now(tenant)
	rec := sessionRecord{
		Session: Session{
			Purchase: p, Status: SessionIncomplete,
			ExpiresAt:               now.Add(sessionLifetime),
			PaymentMethodCategories: k.markets.categoriesFor(p.PurchaseCountry),
		},
		CreatedAt: now,
	}
	claims := clientClaims{
		Tenant: tenant, PurchaseCountry: strings.ToUpper(p.PurchaseCountry),
		Language: strings.ToLower(strings.SplitN(p.Locale, "-", 2)[0]), Environment: "playground",
		SessionType: "PAYMENTS", Design: "klarna",
	}
	// The id, the client token and the record's bytes are made here, in
	// parallel with other requests; the write, which runs one at a time
	// with every other write (store/commit.go), only stores them.
	var id string
	var known signingKey // none yet for a tenant's first session: made in the write
	err := k.view(ctx, tenant, func(tx *store.Tx) error {
		var err error
		if id, err = tx.ReserveOrderedID(colSessions); err != nil {
			return err
		}
		if err := tx.Get(colKeys, clientTokenKey, &known); !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return CreatedSession{}, err
	}
	rec.SessionID, claims.SessionID = id, id
	raw, err := sessionBytes(&rec, []byte(known.Secret), claims)
	if err != nil {
		return CreatedSession{}, err
	}
	err = k.update(ctx, tenant, func(tx *store.Tx) error {
		key, err := tenantKey(tx)
		if err != nil {
			return err
		}
		if string(key) != known.Secret { // the first session, or a reset since the read
			if raw, err = sessionBytes(&rec, key, claims); err != nil {
				return err
			}
		}
		return tx.InsertOrdered(colSessions, id, raw)
	})
	if err != nil {
		return CreatedSession{}, err
	}
	return CreatedSession{SessionID: rec.SessionID, ClientToken: rec.ClientToken, PaymentMethodCategories: rec.PaymentMethodCategories}, nil
}

// ReadSession returns a session (GET /payments/v1/sessions/{id}). A completed
// session is still readable (status complete); an expired one is not found.
func (k *Klarna) ReadSession(ctx context.Context, tenant, sessionID string) (Session, error) {
	now := k.now(tenant)
	var rec sessionRecord
	err := k.view(ctx, tenant, func(tx *store.Tx) error { return loadSession(tx, sessionID, now, &rec) })
	return rec.Session, err
}

// sessionBytes signs rec's client token with key and encodes rec as the
// store keeps it (nil bytes for no key yet).
func sessionBytes(rec *sessionRecord, key []byte, claims clientClaims) ([]byte, error) {
	if len(key) == 0 {
		return nil, nil
	}
	var err error
	if rec.ClientToken, err = signClientToken(key, claims); err != nil {
		return nil, err
	}
	return gojson.Marshal(rec)
}

// loadSession reads a session that has not expired.
func loadSession(tx *store.Tx, id string, now time.Time, rec *sessionRecord) error {
	if err := get(tx, colSessions, id, rec, errInvalidSession); err != nil {
		return err
	}
	if !now.Before(rec.ExpiresAt) {
		return errInvalidSession
	}
	return nil
}

// loadOpenSession reads a session that can still change.
func loadOpenSession(tx *store.Tx, id string, now time.Time, rec *sessionRecord) error {
	if err := loadSession(tx, id, now, rec); err != nil {
		return err
	}
	if rec.Status == SessionComplete {
		return errSessionCompleted
	}
	return nil
}

// sessionReadOnly are fields a client may send back (it read them) but not set.
var sessionReadOnly = map[string]bool{
	"session_id": true, "status": true, "expires_at": true, "client_token": true,
	"authorization_token": true, "payment_method_categories": true,
}

// UpdateSession changes a session (POST /payments/v1/sessions/{id}). Klarna
// takes partial updates (its own example sends only the cart): every field in
// patch replaces the session's, and the result must pass the same checks as a
// new session.
func (k *Klarna) UpdateSession(ctx context.Context, tenant, sessionID string, patch map[string]json.RawMessage) error {
	now := k.now(tenant)
	return k.update(ctx, tenant, func(tx *store.Tx) error {
		var rec sessionRecord
		if err := loadOpenSession(tx, sessionID, now, &rec); err != nil {
			return err
		}
		p, err := mergePurchase(rec.Purchase, patch)
		if err != nil {
			return err
		}
		applySessionDefaults(&p)
		if err := k.markets.checkPurchase(&p); err != nil {
			return err
		}
		rec.Purchase = p
		rec.PaymentMethodCategories = k.markets.categoriesFor(p.PurchaseCountry)
		return tx.Put(colSessions, sessionID, rec)
	})
}

// UpdateSessionCart is the Go form of UpdateSession for callers that hold a
// whole cart: every non-empty field of p replaces the session's.
func (k *Klarna) UpdateSessionCart(ctx context.Context, tenant, sessionID string, p Purchase) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return err
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(raw, &patch); err != nil {
		return err
	}
	for f, v := range patch {
		if s := string(v); s == `""` || s == "null" {
			delete(patch, f)
		}
	}
	return k.UpdateSession(ctx, tenant, sessionID, patch)
}

// mergePurchase overlays patch on base, field by field.
func mergePurchase(base Purchase, patch map[string]json.RawMessage) (Purchase, error) {
	raw, err := json.Marshal(base)
	if err != nil {
		return Purchase{}, err
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Purchase{}, err
	}
	for f, v := range patch {
		if !sessionReadOnly[f] {
			fields[f] = v
		}
	}
	raw, err = json.Marshal(fields)
	if err != nil {
		return Purchase{}, err
	}
	var out Purchase
	if err := json.Unmarshal(raw, &out); err != nil {
		return Purchase{}, decodeError(err)
	}
	return out, nil
}
