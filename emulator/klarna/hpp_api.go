package klarna

import (
	"context"
	"encoding/json"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/page"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// The HPP API's operations (Go API and handlers alike). Each stores its
// change and the status_update callback it causes in one transaction.

const (
	colHPP = "hpp_sessions"
	// refKindHPP indexes HPP sessions globally: the page is opened without credentials.
	refKindHPP = "hpp"
	// hppWebhooks is the webhook policy name of status_update callbacks
	// (Klarna retries them 3 times, unlike its 24-hour notifications).
	hppWebhooks = "klarna/hpp"
	// jobHPPTimeout sends the TIMEOUT callback when a session runs out.
	jobHPPTimeout = "klarna.hpp_timeout"
	hppPagePath   = "/hpp/payments/"
)

var (
	errHPPNotFound          = newError(http.StatusNotFound, "NOT_FOUND", "HPP session has expired or could not be found")
	errPaymentSessionGone   = newError(http.StatusNotFound, "NOT_FOUND", "Payment session has expired or could not be found")
	errHPPCompleted         = newError(http.StatusBadRequest, "BAD_REQUEST", "HPP session has already been completed")
	errHPPClosedForDelivery = newError(http.StatusBadRequest, "BAD_REQUEST", "HPP session can no longer be distributed")
)

// hppCallbackRetries: Klarna tries a status_update three more times when it
// gets no 2xx (the intervals are our choice).
func hppCallbackRetries() []time.Duration {
	return []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}
}

// hppLinks are the URLs of session id on the emulator at base.
func hppLinks(base, id string) (sessionURL, pageURL string) {
	return base + "/hpp/v1/sessions/" + id, base + hppPagePath + id
}

// CreateHPPSession opens a hosted page for a payment session
// (POST /hpp/v1/sessions). baseURL is where the emulator is reached.
func (k *Klarna) CreateHPPSession(ctx context.Context, tenant string, in HPPRequest, baseURL string) (HPPCreated, error) {
	psID, ok := paymentSessionID(in.PaymentSessionURL)
	if !ok {
		return HPPCreated{}, badValue("payment_session_url")
	}
	var opts HPPOptions
	if in.Options != nil {
		opts = *in.Options
	}
	if opts.PlaceOrderMode == "" {
		opts.PlaceOrderMode = PlaceOrderNone
	}
	var urls HPPMerchantURLs
	if in.MerchantURLs != nil {
		urls = *in.MerchantURLs
	}
	now := k.now(tenant)
	var id, moduleToken string
	var out HPPCreated
	err := k.update(ctx, tenant, func(tx *store.Tx) error {
		id, moduleToken = tx.IDs().UUID(), tx.IDs().Hex(32) // drawn in the transaction: replay-safe, repeatable per --seed
		var ps sessionRecord
		if err := loadSession(tx, psID, now, &ps); err != nil {
			return errPaymentSessionGone
		}
		if ps.Status == SessionComplete {
			return errSessionCompleted
		}
		cats, bad := hppCategories(opts, ps.PaymentMethodCategories)
		if bad != "" {
			return badValue(bad)
		}
		if opts.PlaceOrderMode != PlaceOrderNone && !allowsOrder(ps.Intent) {
			return badValue("options.place_order_mode")
		}
		expires := hppExpiry(ps.ExpiresAt)
		if !now.Before(expires) {
			return errPaymentSessionGone
		}
		rec := hppRecord{
			HPPSession:       HPPSession{SessionID: id, Status: HPPWaiting, ExpiresAt: expires, UpdatedAt: now},
			PaymentSessionID: psID, MerchantURLs: urls, Options: opts, ProfileID: in.ProfileID, CreatedAt: now,
			Categories: cats,
		}
		if err := tx.Put(colHPP, id, rec); err != nil {
			return err
		}
		if err := tx.SetRef(refKindHPP, id); err != nil {
			return err
		}
		payload, _ := json.Marshal(hppJob{SessionID: id})
		if err := tx.Schedule(store.Job{ID: "hpp-timeout/" + id, Kind: jobHPPTimeout, At: expires, Payload: payload}); err != nil {
			return err
		}
		sessionURL, pageURL := hppLinks(baseURL, id)
		out = HPPCreated{
			SessionID: id, SessionURL: sessionURL, RedirectURL: pageURL, QRCodeURL: pageURL + "/qr",
			DistributionURL:    sessionURL + "/distribution",
			DistributionModule: &DistributionModule{Token: moduleToken, StandaloneURL: pageURL, GenerationURL: sessionURL + "/distribution"},
			ExpiresAt:          expires,
		}
		return nil
	})
	return out, err
}

// ReadHPPSession returns an HPP session (GET /hpp/v1/sessions/{id}); an
// expired one is not found.
func (k *Klarna) ReadHPPSession(ctx context.Context, tenant, id string) (HPPSession, error) {
	now := k.now(tenant)
	var rec hppRecord
	err := k.view(ctx, tenant, func(tx *store.Tx) error { return loadHPP(tx, id, now, &rec) })
	return rec.HPPSession, err
}

func loadHPP(tx *store.Tx, id string, now time.Time, rec *hppRecord) error {
	if err := get(tx, colHPP, id, rec, errHPPNotFound); err != nil {
		return err
	}
	if rec.expired(now) {
		return errHPPNotFound
	}
	return nil
}

// DisableHPPSession stops the page from being used (DELETE
// /hpp/v1/sessions/{id}). A completed session cannot be disabled; a
// cancelled or disabled one stays as it is.
func (k *Klarna) DisableHPPSession(ctx context.Context, tenant, id string) error {
	now := k.now(tenant)
	var eventID string
	return k.update(ctx, tenant, func(tx *store.Tx) error {
		eventID = tx.IDs().UUID() // drawn in the transaction: replay-safe, repeatable per --seed
		var rec hppRecord
		if err := loadHPP(tx, id, now, &rec); err != nil {
			return err
		}
		switch rec.Status {
		case HPPCompleted:
			return errHPPCompleted
		case HPPDisabled, HPPCancelled:
			return nil
		}
		return setHPPStatus(tx, &rec, HPPDisabled, now, eventID)
	})
}

// DistributeHPPSession sends the page's link to the customer (POST
// /hpp/v1/sessions/{id}/distribution). The emulator sends no e-mail or SMS:
// it checks the request as Klarna does and answers.
func (k *Klarna) DistributeHPPSession(ctx context.Context, tenant, id string, in HPPDistribution) error {
	c := in.ContactInformation
	switch in.Method {
	case "email":
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != strings.TrimSpace(c.Email) {
			return badValue("contact_information.email")
		}
	case "sms":
		var bad []string
		if len(strings.TrimSpace(c.Phone)) < 5 {
			bad = append(bad, "contact_information.phone")
		}
		if len(c.PhoneCountry) != 2 {
			bad = append(bad, "contact_information.phone_country")
		}
		if len(bad) > 0 {
			return badValue(bad...)
		}
	case "token":
		if strings.TrimSpace(c.AccessID) == "" {
			return badValue("contact_information.access_id")
		}
	}
	now := k.now(tenant)
	return k.view(ctx, tenant, func(tx *store.Tx) error {
		var rec hppRecord
		if err := loadHPP(tx, id, now, &rec); err != nil {
			return err
		}
		if hppFinal(rec.Status) {
			return errHPPClosedForDelivery
		}
		return nil
	})
}

// setHPPStatus changes the session's status and queues its status_update
// callback (inside the caller's transaction).
func setHPPStatus(tx *store.Tx, rec *hppRecord, status string, now time.Time, eventID string) error {
	rec.Status, rec.UpdatedAt = status, now
	if err := tx.Put(colHPP, rec.SessionID, rec); err != nil {
		return err
	}
	return notifyHPP(tx, rec, rec.HPPSession, now, eventID)
}

// notifyHPP posts {event_id, session} to merchant_urls.status_update.
func notifyHPP(tx *store.Tx, rec *hppRecord, view HPPSession, now time.Time, eventID string) error {
	u := rec.MerchantURLs.StatusUpdate
	if u == "" {
		return nil
	}
	body, err := platform.MarshalJSON(struct {
		EventID string     `json:"event_id"`
		Session HPPSession `json:"session"`
	}{eventID, view})
	if err != nil {
		return err
	}
	_, err = webhook.Enqueue(tx, webhook.Delivery{
		Kind: "hpp", Event: view.Status, Body: body, // filed under klarna, its policy klarna/hpp
		URL:    fillHPPURL(u, rec.SessionID, rec.AuthorizationToken, rec.OrderID),
		Header: map[string]string{"Content-Type": "application/json"},
	}, now)
	return err
}

type hppJob struct {
	SessionID string `json:"session_id"`
}

// runHPPTimeout tells the merchant that a session ran out unused (status
// TIMEOUT in the callback; reading it afterwards is 404).
func (k *Klarna) runHPPTimeout(ctx context.Context, j store.Job) error {
	var p hppJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil // unreadable: nothing to retry
	}
	now := k.now(j.Tenant)
	var eventID string
	return k.update(ctx, j.Tenant, func(tx *store.Tx) error {
		eventID = tx.IDs().UUID() // drawn in the transaction: replay-safe, repeatable per --seed
		var rec hppRecord
		if err := tx.Get(colHPP, p.SessionID, &rec); err != nil || hppFinal(rec.Status) || rec.TimedOut {
			return nil // gone (tenant reset), finished, or told already
		}
		if !rec.expired(now) { // the job ran early: come back at the end
			return tx.Schedule(store.Job{ID: j.ID, Kind: jobHPPTimeout, At: rec.ExpiresAt, Payload: j.Payload})
		}
		rec.TimedOut = true
		if err := tx.Put(colHPP, rec.SessionID, rec); err != nil {
			return err
		}
		view := rec.HPPSession
		view.Status, view.UpdatedAt = HPPTimeout, now
		return notifyHPP(tx, &rec, view, now, eventID)
	})
}

// --- The hosted page's operations. The page has no credentials: the
// session id names the tenant through a global index.

// hppTenant finds the tenant of HPP session id.
func (k *Klarna) hppTenant(ctx context.Context, id string) (string, error) {
	tenant, err := k.p.Store.Ref(ctx, provider, refKindHPP, id)
	if err != nil {
		return "", errHPPNotFound
	}
	return tenant, nil
}

// hostedView is what the page shows: the HPP session and its payment session.
type hostedView struct {
	HPP     hppRecord
	Payment sessionRecord
}

// OpenHostedPage is the customer arriving on the page: a session that waits
// (or came back after BACK, FAILED or ERROR) becomes IN_PROGRESS.
func (k *Klarna) openHostedPage(ctx context.Context, tenant, id string) (hostedView, error) {
	now := k.now(tenant)
	var eventID string
	var v hostedView
	err := k.update(ctx, tenant, func(tx *store.Tx) error {
		eventID = tx.IDs().UUID() // drawn in the transaction: replay-safe, repeatable per --seed
		if err := loadHPP(tx, id, now, &v.HPP); err != nil {
			return err
		}
		if err := get(tx, colSessions, v.HPP.PaymentSessionID, &v.Payment, errPaymentSessionGone); err != nil {
			return err
		}
		switch v.HPP.Status {
		case HPPWaiting, HPPBack, HPPFailed, HPPError:
			return setHPPStatus(tx, &v.HPP, HPPInProgress, now, eventID)
		}
		return nil
	})
	return v, err
}

// hostedSubmission is what the customer sent from the page.
type hostedSubmission struct {
	Action   string // pay, cancel, back
	Outcome  string
	Category string
	Billing  Address
}

// hostedResult is where a submission leaves the customer.
type hostedResult struct {
	View     hostedView
	Redirect string   // a merchant URL, or "" to show the page
	Invalid  []string // billing fields to fix (the page is shown again)
}

var errHostedClosed = &Error{Status: http.StatusConflict, Code: "CONFLICT", Messages: []string{"This payment has already been finished."}}

// submitHostedPage applies the customer's choice. Paying authorizes the
// payment session through Authorize (the billing e-mail carries the chosen
// test outcome), then places and captures the order as place_order_mode
// says, through the same methods the Payments and Order Management handlers
// call. Each of those steps commits on its own; the page's status is the
// last write.
func (k *Klarna) submitHostedPage(ctx context.Context, tenant, id string, in hostedSubmission, baseURL string) (hostedResult, error) {
	now := k.now(tenant)
	var v hostedView
	err := k.view(ctx, tenant, func(tx *store.Tx) error {
		if err := loadHPP(tx, id, now, &v.HPP); err != nil {
			return err
		}
		return get(tx, colSessions, v.HPP.PaymentSessionID, &v.Payment, errPaymentSessionGone)
	})
	if err != nil {
		return hostedResult{View: v}, err
	}
	if hppFinal(v.HPP.Status) {
		return hostedResult{View: v}, errHostedClosed
	}
	switch in.Action {
	case "cancel":
		return k.finishHosted(ctx, tenant, id, HPPCancelled, hppOutcome{})
	case "back":
		return k.finishHosted(ctx, tenant, id, HPPBack, hppOutcome{})
	}
	if in.Outcome == OutcomeError {
		return k.finishHosted(ctx, tenant, id, HPPError, hppOutcome{})
	}
	billing := in.Billing
	billing.Email = emailForOutcome(billing.Email, in.Outcome)
	if billing.Country == "" {
		billing.Country = firstSet(addrCountry(v.Payment.BillingAddress), v.Payment.PurchaseCountry)
	}
	category := in.Category
	if category == "" && len(v.HPP.Categories) == 1 {
		category = v.HPP.Categories[0]
	}
	if len(v.HPP.Categories) > 0 && !contains(v.HPP.Categories, category) {
		return hostedResult{View: v, Invalid: []string{"payment_method_category"}}, nil
	}
	res, err := k.Authorize(ctx, tenant, v.HPP.PaymentSessionID, AuthorizeRequest{PaymentMethodCategory: category, BillingAddress: &billing})
	switch {
	case err != nil:
		k.p.Log.Info("klarna hpp: authorization failed", "session", id, "err", err)
		return k.finishHosted(ctx, tenant, id, HPPError, hppOutcome{})
	case res.Error != nil:
		return hostedResult{View: v, Invalid: res.Error.InvalidFields}, nil
	case !res.Approved:
		return k.finishHosted(ctx, tenant, id, HPPFailed, hppOutcome{})
	}
	out := hppOutcome{Token: res.AuthorizationToken, Customer: &HPPCustomer{GivenName: billing.GivenName, FamilyName: billing.FamilyName}}
	if c := v.Payment.Customer; c != nil {
		out.Customer.DateOfBirth, out.Customer.Title = c.DateOfBirth, c.Title
	}
	if mode := v.HPP.Options.PlaceOrderMode; mode == PlaceOrderPlace || mode == PlaceOrderCapture {
		s, err := k.ReadSession(ctx, tenant, v.HPP.PaymentSessionID)
		if err == nil {
			var placed PlacedOrder
			placed, err = k.PlaceOrder(ctx, tenant, res.AuthorizationToken, OrderRequest{Purchase: s.Purchase, AutoCapture: mode == PlaceOrderCapture}, baseURL)
			if err == nil {
				out.OrderID = placed.OrderID
				o, oerr := k.Order(ctx, tenant, placed.OrderID)
				out.KlarnaReference, err = o.KlarnaReference, oerr
			}
		}
		if err != nil {
			k.p.Log.Info("klarna hpp: placing the order failed", "session", id, "err", err)
			return k.finishHosted(ctx, tenant, id, HPPError, out)
		}
	}
	return k.finishHosted(ctx, tenant, id, HPPCompleted, out)
}

// hppOutcome is what a finished payment leaves on the HPP session.
type hppOutcome struct {
	Token, OrderID, KlarnaReference string
	Customer                        *HPPCustomer
}

// finishHosted stores the page's final status for this visit and picks the
// merchant URL the customer goes to.
func (k *Klarna) finishHosted(ctx context.Context, tenant, id, status string, o hppOutcome) (hostedResult, error) {
	now := k.now(tenant)
	var eventID string
	var res hostedResult
	err := k.update(ctx, tenant, func(tx *store.Tx) error {
		eventID = tx.IDs().UUID() // drawn in the transaction: replay-safe, repeatable per --seed
		res = hostedResult{}
		if err := loadHPP(tx, id, now, &res.View.HPP); err != nil {
			return err
		}
		if hppFinal(res.View.HPP.Status) {
			return errHostedClosed // another submission finished it meanwhile
		}
		if err := get(tx, colSessions, res.View.HPP.PaymentSessionID, &res.View.Payment, errPaymentSessionGone); err != nil {
			return err
		}
		h := &res.View.HPP
		if o.Token != "" {
			h.AuthorizationToken = o.Token
		}
		if o.OrderID != "" {
			h.OrderID, h.KlarnaReference = o.OrderID, o.KlarnaReference
		}
		if o.Customer != nil {
			h.Customer = o.Customer
		}
		if err := setHPPStatus(tx, h, status, now, eventID); err != nil {
			return err
		}
		if u := hppReturnURL(h.MerchantURLs, status); u != "" {
			res.Redirect = fillHPPURL(u, h.SessionID, h.AuthorizationToken, h.OrderID)
		}
		return nil
	})
	return res, err
}

// hppReturnURL is the merchant URL for a status the customer leaves the page with.
func hppReturnURL(u HPPMerchantURLs, status string) string {
	switch status {
	case HPPCompleted:
		return u.Success
	case HPPCancelled:
		return u.Cancel
	case HPPBack:
		return u.Back
	case HPPFailed:
		return u.Failure
	case HPPError:
		return u.Error
	}
	return ""
}

func addrCountry(a *Address) string {
	if a == nil {
		return ""
	}
	return a.Country
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// validReturnURL keeps only http(s) links for the page's "back to the shop".
func validReturnURL(u string) string {
	if !page.SafeURL(u) {
		return ""
	}
	return u
}

// registerHPPJobs registers the status_update retry policy and the timeout
// job (called when the routes are mounted).
func (k *Klarna) registerHPPJobs() {
	k.p.Webhooks.Register(hppWebhooks, webhook.Policy{Retries: hppCallbackRetries(), Timeout: 3 * time.Second})
	k.p.Scheduler.Handle(jobHPPTimeout, k.runHPPTimeout)
}
