package klarna

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Scenario support (docs/scenarios.md): the state changes scenarios may ask
// of Klarna, each through the domain's own records, and the rendering of a
// scenario's error in Klarna's format.

// ScenarioActionDocs are the actions Klarna's scenarios may name
// (docs/scenarios.md lists them); ScenarioActions implements them.
var ScenarioActionDocs = []platform.ActionDoc{
	{Provider: provider, Name: "expire-session", Doc: "the payment session the request names (path session_id, the client_token of a headless authorization, or the session of path authorization_token) expires now; it stays expired"},
	{Provider: provider, Name: "expire-authorization", Doc: "the authorization token in the path expires now; it stays expired"},
	{Provider: provider, Name: "reject", Doc: "Klarna rejects the purchase: create order / customer token answer 403 REJECTED and the authorization token is void; a headless authorization answers {approved:false}"},
	{Provider: provider, Name: "fraud-review", Doc: "the order placed from the authorization in the path (or authorized by the headless call) waits for fraud review: fraud_status PENDING, decided later with a notification", Params: []string{"decision: ACCEPTED or REJECTED (ACCEPTED)", "after: how long the review takes (5m)"}},
}

// ScenarioActions implements platform.ScenarioActor.
func (k *Klarna) ScenarioActions() []platform.ScenarioAction {
	return []platform.ScenarioAction{
		{Provider: provider, Name: "expire-session", Before: k.scenarioExpireSession},
		{Provider: provider, Name: "expire-authorization", Before: k.scenarioExpireAuthorization},
		{Provider: provider, Name: "reject", Before: k.scenarioReject},
		{Provider: provider, Name: "fraud-review", Before: k.scenarioFraudReview, After: k.scenarioFraudReviewAuthorized},
	}
}

// scenarioSession finds the session a request names: path session_id, the
// session of path authorization_token, or the client_token of a headless
// authorization (which also names the tenant).
func (k *Klarna) scenarioSession(c *platform.ActionCall) (tenant, sessionID string, err error) {
	if id := platform.PathVar(c.Request, "session_id"); id != "" {
		return c.Tenant, id, nil
	}
	if tok := platform.PathVar(c.Request, "authorization_token"); tok != "" {
		var a authorization
		if err := k.view(c.Request.Context(), c.Tenant, func(tx *store.Tx) error { return tx.Get(colAuthorizations, tok, &a) }); err != nil {
			return "", "", platform.SkipAction("no authorization %s", tok)
		}
		return c.Tenant, a.SessionID, nil
	}
	return k.scenarioClientToken(c)
}

func (k *Klarna) scenarioClientToken(c *platform.ActionCall) (tenant, sessionID string, err error) {
	var in authorizeBody
	if json.Unmarshal(platform.Body(c.Request), &in) != nil || in.ClientToken == "" {
		return "", "", platform.SkipAction("the request names no session")
	}
	tenant, sessionID, err = k.readClientToken(c.Request.Context(), in.ClientToken)
	if err != nil {
		return "", "", platform.SkipAction("the client token is not one of this emulator's")
	}
	return tenant, sessionID, nil
}

// scenarioExpireSession moves the session's expiry to now: it reads as
// expired from then on, exactly as when its 48 hours pass.
func (k *Klarna) scenarioExpireSession(c *platform.ActionCall) error {
	tenant, id, err := k.scenarioSession(c)
	if err != nil {
		return err
	}
	now := k.now(tenant)
	return k.update(c.Request.Context(), tenant, func(tx *store.Tx) error {
		var rec sessionRecord
		if err := tx.Get(colSessions, id, &rec); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return platform.SkipAction("no session %s", id)
			}
			return err
		}
		if now.Before(rec.ExpiresAt) {
			rec.ExpiresAt = now
		}
		return tx.Put(colSessions, id, rec)
	})
}

// scenarioExpireAuthorization moves the authorization token's expiry to now.
func (k *Klarna) scenarioExpireAuthorization(c *platform.ActionCall) error {
	tok := platform.PathVar(c.Request, "authorization_token")
	if tok == "" {
		return platform.SkipAction("the request names no authorization token")
	}
	now := k.now(c.Tenant)
	return k.update(c.Request.Context(), c.Tenant, func(tx *store.Tx) error {
		var a authorization
		if err := tx.Get(colAuthorizations, tok, &a); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return platform.SkipAction("no authorization %s", tok)
			}
			return err
		}
		if now.Before(a.ExpiresAt) {
			a.ExpiresAt = now
		}
		return tx.Put(colAuthorizations, tok, a)
	})
}

var errRejected = newError(http.StatusForbidden, "REJECTED", "Rejected")

// scenarioReject: Klarna turns the purchase down. An authorization token in
// the path is voided (cancelled) and the call answers 403 REJECTED; a
// headless authorization answers the widget's decline and stores nothing,
// as the +denied test data does.
func (k *Klarna) scenarioReject(c *platform.ActionCall) error {
	if tok := platform.PathVar(c.Request, "authorization_token"); tok != "" {
		now := k.now(c.Tenant)
		err := k.update(c.Request.Context(), c.Tenant, func(tx *store.Tx) error {
			var a authorization
			if err := loadAuthorization(tx, tok, now, &a); err != nil {
				return platform.SkipAction("no usable authorization %s", tok)
			}
			a.Cancelled = true
			return tx.Put(colAuthorizations, tok, a)
		})
		if err != nil {
			return err
		}
		return errRejected
	}
	tenant, sessionID, err := k.scenarioClientToken(c)
	if err != nil {
		return err
	}
	now := k.now(tenant)
	if err := k.view(c.Request.Context(), tenant, func(tx *store.Tx) error {
		var s sessionRecord
		return loadOpenSession(tx, sessionID, now, &s)
	}); err != nil {
		return err // expired or completed: answered as without the scenario
	}
	c.Status, c.Body = http.StatusOK, []byte(`{"approved":false,"show_form":false}`)
	return nil
}

// reviewParams reads fraud-review's params.
func reviewParams(c *platform.ActionCall) (string, time.Duration, error) {
	decision := strings.ToUpper(c.Params["decision"])
	if decision == "" {
		decision = FraudAccepted
	}
	if decision != FraudAccepted && decision != FraudRejected {
		return "", 0, platform.SkipAction("decision %q is not ACCEPTED or REJECTED", c.Params["decision"])
	}
	after := 5 * time.Minute
	if s := c.Params["after"]; s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return "", 0, platform.SkipAction("after %q is not a duration", s)
		}
		after = d
	}
	return decision, after, nil
}

// scenarioFraudReview marks the authorization in the path so that the order
// placed from it waits for fraud review (fraud_status PENDING), decided
// after the given time by the same job the playground test data uses.
func (k *Klarna) scenarioFraudReview(c *platform.ActionCall) error {
	tok := platform.PathVar(c.Request, "authorization_token")
	if tok == "" {
		return nil // a headless authorization: done after it (scenarioFraudReviewAuthorized)
	}
	return k.markReview(c, c.Tenant, tok)
}

// scenarioFraudReviewAuthorized marks the authorization a headless
// authorization just made.
func (k *Klarna) scenarioFraudReviewAuthorized(c *platform.ActionCall) error {
	if platform.PathVar(c.Request, "authorization_token") != "" {
		return nil // done before the handler
	}
	var res AuthorizeResult
	if c.Status != http.StatusOK || json.Unmarshal(c.Body, &res) != nil || !res.Approved || res.AuthorizationToken == "" {
		return platform.SkipAction("the authorization was not approved")
	}
	tenant, _, err := k.scenarioClientToken(c)
	if err != nil {
		return err
	}
	return k.markReview(c, tenant, res.AuthorizationToken)
}

func (k *Klarna) markReview(c *platform.ActionCall, tenant, tok string) error {
	decision, after, err := reviewParams(c)
	if err != nil {
		return err
	}
	now := k.now(tenant)
	return k.update(c.Request.Context(), tenant, func(tx *store.Tx) error {
		var a authorization
		if err := loadAuthorization(tx, tok, now, &a); err != nil {
			return platform.SkipAction("no usable authorization %s", tok)
		}
		a.Verdict.Review, a.Verdict.ReviewAfter = decision, after
		return tx.Put(colAuthorizations, tok, a)
	})
}

// fromScenario turns a scenario's error into Klarna's; other errors pass.
func fromScenario(err error) error {
	se, ok := platform.AsScenarioError(err, scenarioCode, scenarioMessage)
	if !ok {
		return err
	}
	return newError(se.Status, se.Code, se.Message)
}

// scenarioMessage is Klarna's usual message for a status (and field).
func scenarioMessage(status int, field string) string {
	if field != "" {
		return "Bad value: " + field
	}
	return http.StatusText(status)
}

// scenarioCode is Klarna's usual code for a status.
func scenarioCode(status int, field string) string {
	switch status {
	case http.StatusBadRequest:
		if field != "" {
			return "BAD_VALUE"
		}
		return "BAD_REQUEST"
	case http.StatusUnauthorized:
		return "UNAUTHORIZED"
	case http.StatusForbidden:
		return "NOT_ALLOWED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusRequestEntityTooLarge:
		return "REQUEST_TOO_LARGE"
	case http.StatusUnprocessableEntity:
		return "UNPROCESSABLE_ENTITY"
	case http.StatusTooManyRequests:
		return "TOO_MANY_REQUESTS"
	case http.StatusInternalServerError:
		return "INTERNAL_SERVER_ERROR"
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return "TEMPORARILY_UNAVAILABLE"
	}
	return strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_"))
}
