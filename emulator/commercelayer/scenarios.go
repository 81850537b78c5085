package commercelayer

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Scenario support (docs/scenarios.md): the state changes scenarios may ask
// of Commerce Layer, on the provider's own records, and the rendering of a
// scenario's error as a JSON:API error.

// ScenarioActionDocs are the actions Commerce Layer's scenarios may name
// (docs/scenarios.md lists them); ScenarioActions implements them.
var ScenarioActionDocs = []platform.ActionDoc{
	{Provider: provider, Name: "mismatch-amounts", Doc: "the order's Klarna payment (path orders/{id}) falls out of date, as when the order's total moved after its session opened: mismatched_amounts reads true and the order cannot be placed until the payment is _update-d"},
	{Provider: provider, Name: "revoke-token", Doc: "the request's access token is revoked: this and later calls answer 401 INVALID_TOKEN until a new token is issued"},
}

// ScenarioActions implements platform.ScenarioActor.
func (cl *CommerceLayer) ScenarioActions() []platform.ScenarioAction {
	return []platform.ScenarioAction{
		{Provider: provider, Name: "mismatch-amounts", Before: cl.scenarioMismatch},
		{Provider: provider, Name: "revoke-token", Before: cl.scenarioRevokeToken},
	}
}

// scenarioMismatch makes the order's Klarna payment out of date, as when the
// order's total moved after the session opened: mismatched_amounts reads
// true, _place is refused, and _update on the payment pushes the cart again.
func (cl *CommerceLayer) scenarioMismatch(c *platform.ActionCall) error {
	// Routes are per type (/api/orders/{id}): the type is the path's.
	parts := strings.Split(strings.Trim(c.Request.URL.Path, "/"), "/")
	id := mux.Vars(c.Request)["id"]
	if len(parts) < 3 || parts[0] != "api" || parts[1] != "orders" || id == "" {
		return platform.SkipAction("the request names no order")
	}
	return cl.p.Store.Update(c.Request.Context(), provider, c.Tenant, func(tx *store.Tx) error {
		var o Order
		if err := tx.Get("orders", id, &o); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return platform.SkipAction("no order %s", id)
			}
			return err
		}
		if o.PaymentSource == nil || o.PaymentSource.Type != "klarna_payments" {
			return platform.SkipAction("order %s does not pay with a Klarna payment", id)
		}
		var kp KlarnaPayment
		if err := tx.Get("klarna_payments", o.PaymentSource.ID, &kp); err != nil {
			return platform.SkipAction("no Klarna payment %s", o.PaymentSource.ID)
		}
		if kp.SessionAmount != o.T.TotalWithTaxes {
			return nil // already out of date
		}
		// The session holds the order as it was before a 1.00 change.
		if kp.SessionAmount >= 100 {
			kp.SessionAmount -= 100
		} else {
			kp.SessionAmount += 100
		}
		return tx.Put("klarna_payments", kp.ID, kp)
	})
}

// scenarioRevokeToken revokes the request's access token (as POST
// /oauth/revoke does) and answers this call as any later one with it.
func (cl *CommerceLayer) scenarioRevokeToken(c *platform.ActionCall) error {
	tok := bearer(c.Request)
	claims, err := cl.auth.verify(c.Request.Context(), tok, false)
	if err != nil {
		return platform.SkipAction("the request has no token of this emulator")
	}
	exp := claims.ExpiresAt.Time
	err = cl.p.Store.Update(c.Request.Context(), provider, claims.Organization.Slug, func(tx *store.Tx) error {
		return tx.Put(colRevoked, tokenHash(tok), map[string]any{"expires_at": exp, "client_id": claims.Application.ClientID})
	})
	if err != nil {
		return err
	}
	return errInvalidToken
}

// scenarioRateLimited: a scenario's 429 carries the X-Ratelimit-* headers
// Commerce Layer sends when a limit is reached (the uncacheable endpoints'
// window, nothing left).
func scenarioRateLimited(w http.ResponseWriter, err error) {
	var se *platform.ScenarioError
	if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests {
		return
	}
	h := w.Header()
	h.Set("X-Ratelimit-Limit", strconv.Itoa(limitUncacheable.Limit))
	h.Set("X-Ratelimit-Interval", strconv.Itoa(int(limitUncacheable.Interval/time.Second)))
	h.Set("X-Ratelimit-Remaining", "0")
}

// fromScenario turns a scenario's error into a JSON:API error; Field is a
// JSON pointer (/data/attributes/quantity).
func fromScenario(err error) error {
	se, ok := platform.AsScenarioError(err, scenarioCode, nil)
	if !ok {
		return err
	}
	e := &jsonapi.Error{Status: se.Status, Code: se.Code, Title: se.Message, Detail: se.Message, Pointer: se.Field}
	if se.Field != "" {
		e.Detail = se.Field[strings.LastIndex(se.Field, "/")+1:] + " - " + se.Message
	}
	return e
}

// scenarioCode is Commerce Layer's usual code for a status.
func scenarioCode(status int, _ string) string {
	switch status {
	case http.StatusBadRequest:
		return "BAD_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "FORBIDDEN"
	case http.StatusNotFound:
		return "RECORD_NOT_FOUND"
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusUnprocessableEntity:
		return "VALIDATION_ERROR"
	case http.StatusLocked:
		return "LOCKED"
	case http.StatusTooManyRequests:
		return "TOO_MANY_REQUESTS"
	}
	if status >= 500 {
		return "INTERNAL_SERVER_ERROR"
	}
	return strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
}
