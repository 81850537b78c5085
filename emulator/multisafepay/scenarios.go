package multisafepay

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Scenario support (docs/scenarios.md): decline, uncleared and expire move an
// order that is still waiting for its payment, through change() (so the
// notification goes out as for any status change), and a scenario's error is
// rendered in MultiSafepay's envelope.

// ScenarioActionDocs are the actions MultiSafepay's scenarios may name
// (docs/scenarios.md lists them); ScenarioActions implements them.
var ScenarioActionDocs = []platform.ActionDoc{
	{Provider: provider, Name: "decline", Doc: "the order (path order_id, or the one the request creates) is declined: status declined, notification sent; a direct order answers 400 / 1024", Params: []string{"reason: the order's reason (Declined)"}},
	{Provider: provider, Name: "uncleared", Doc: "the order (path order_id, or the one the request creates) goes to manual review: status uncleared, notification sent"},
	{Provider: provider, Name: "expire", Doc: "the order (path order_id, or the one the request creates) expires now: status expired, notification sent"},
	{Provider: provider, Name: "chargeback", Doc: "the paid order in the path is charged back: status chargeback, a completed chargeback transaction, notification sent", Params: []string{"reason: the order's reason (Chargeback)", "financial_status: the transaction status (void)"}},
}

// ScenarioActions implements platform.ScenarioActor.
func (m *MultiSafepay) ScenarioActions() []platform.ScenarioAction {
	var out []platform.ScenarioAction
	for name, outcome := range map[string]string{"decline": outcomeDeclined, "uncleared": outcomeUncleared, "expire": outcomeExpired} {
		out = append(out, platform.ScenarioAction{
			Provider: provider, Name: name,
			Before: func(c *platform.ActionCall) error { return m.scenarioExisting(c, outcome) },
			After:  func(c *platform.ActionCall) error { return m.scenarioCreated(c, outcome) },
		})
	}
	out = append(out, platform.ScenarioAction{Provider: provider, Name: "chargeback", Before: m.scenarioChargeback})
	return out
}

// scenarioChargeback disputes the paid order in the path (GET or PATCH
// /orders/{order_id}): the order becomes chargeback (transaction status void,
// as the vendor's status table has it, or the scenario's financial_status
// param) with a completed chargeback transaction for what was not refunded.
func (m *MultiSafepay) scenarioChargeback(c *platform.ActionCall) error {
	id := platform.PathVar(c.Request, "order_id")
	if id == "" {
		return platform.SkipAction("no order in the path")
	}
	financial := c.Params["financial_status"]
	if financial == "" {
		financial = stVoid
	}
	_, err := m.change(c.Request.Context(), c.Tenant, id, func(tx *store.Tx, o *Order, now time.Time) (bool, error) {
		switch {
		case o.Chargeback != nil:
			return false, platform.SkipAction("order %s is already charged back", id)
		case o.Status != stCompleted && o.Status != stShipped && o.Status != stPartialRefunded:
			return false, platform.SkipAction("order %s is %s, not paid", id, o.Status)
		}
		cbID, err := m.newTransactionID(tx, false)
		if err != nil {
			return false, err
		}
		o.Chargeback = &Refund{ID: cbID, OrderID: o.OrderID, Amount: o.Amount - o.AmountRefunded, Currency: o.Currency,
			Description: c.Params["reason"], Status: stCompleted, Created: now, ProcessAt: now, Modified: now}
		o.Pending = nil
		o.setStatus(stChargeback, financial, c.Params["reason"], now)
		return false, putPSP(tx, cbID, pspRef{OrderID: o.OrderID, Kind: "chargeback"})
	})
	var e *Error
	if errors.As(err, &e) && e.Code == 1006 {
		return platform.SkipAction("no order %s", id)
	}
	return err
}

// scenarioExisting applies the outcome to the order in the path (GET or
// PATCH /orders/{order_id}) before the handler reads it.
func (m *MultiSafepay) scenarioExisting(c *platform.ActionCall, outcome string) error {
	id := platform.PathVar(c.Request, "order_id")
	if id == "" {
		return nil // the order does not exist yet: after the handler
	}
	_, err := m.scenarioOutcome(c, id, outcome)
	return err
}

// scenarioCreated applies the outcome to the order POST /orders just made. A
// direct order's answer follows: a decline is 400 / 1024 (as for declining
// test data), another outcome shows the order as it now is.
func (m *MultiSafepay) scenarioCreated(c *platform.ActionCall, outcome string) error {
	if platform.PathVar(c.Request, "order_id") != "" {
		return nil // done before the handler
	}
	var res struct {
		Data struct {
			OrderID string `json:"order_id"`
		} `json:"data"`
	}
	if c.Status != http.StatusOK || json.Unmarshal(c.Body, &res) != nil || res.Data.OrderID == "" {
		return platform.SkipAction("no order was created")
	}
	o, err := m.scenarioOutcome(c, res.Data.OrderID, outcome)
	if err != nil || o.Type != typeDirect {
		return err
	}
	if outcome == outcomeDeclined {
		return errDeclined(o.Reason)
	}
	body, err := platform.MarshalJSON(success{Success: true, Data: directOrderJSON{orderJSON: o.view(m.p.Clock.Now(c.Tenant)), QRURL: o.PaymentURL, PaymentURL: o.PaymentURL}})
	if err != nil {
		return err
	}
	c.Body = body
	return nil
}

// scenarioOutcome moves a waiting order to outcome and notifies.
func (m *MultiSafepay) scenarioOutcome(c *platform.ActionCall, orderID, outcome string) (*Order, error) {
	reason := c.Params["reason"]
	o, err := m.change(c.Request.Context(), c.Tenant, orderID, func(_ *store.Tx, o *Order, now time.Time) (bool, error) {
		waiting := o.Status == stInitialized || (outcome == outcomeDeclined && o.Status == stUncleared)
		if !waiting {
			return false, platform.SkipAction("order %s is already %s", orderID, o.Status)
		}
		g, _ := m.cat.Gateway(o.Gateway)
		o.Pending = nil // a scenario's outcome replaces a test outcome still to come
		o.finish(g, outcome, reason, now)
		return false, nil
	})
	var e *Error
	if errors.As(err, &e) && e.Code == 1006 {
		return nil, platform.SkipAction("no order %s", orderID)
	}
	return o, err
}

// fromScenario turns a scenario's error into MultiSafepay's; other errors
// pass. Code is MultiSafepay's numeric error_code.
func fromScenario(err error) error {
	se, ok := platform.AsScenarioError(err, nil, scenarioInfo)
	if !ok {
		return err
	}
	code, convErr := strconv.Atoi(se.Code)
	if convErr != nil { // none, or not a number
		code = scenarioCode(se.Status)
	}
	return &Error{Status: se.Status, Code: code, Info: se.Message}
}

// scenarioInfo is MultiSafepay's usual error_info for a status (and field).
func scenarioInfo(status int, field string) string {
	switch {
	case field != "":
		return "Invalid data: " + field
	case status >= 500:
		return "Unknown error"
	}
	return http.StatusText(status)
}

// scenarioCode is the code MultiSafepay uses with a status.
func scenarioCode(status int) int {
	switch {
	case status == http.StatusUnauthorized:
		return 1032
	case status == http.StatusNotFound:
		return 1006
	case status >= 500:
		return 9999
	}
	return 1000
}

// pageScenarioError is a scenario's error on the payment page, as HTML.
func pageScenarioError(err error) error {
	se, ok := platform.AsScenarioError(err, nil, nil)
	if !ok {
		return err
	}
	return &pageError{status: se.Status, msg: se.Message}
}
