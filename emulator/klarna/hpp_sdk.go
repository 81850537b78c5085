package klarna

import (
	"errors"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/klarna/sdk"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// The JS SDK stand-in (emulator/klarna/sdk): its script and the two pages
// its iframes show. Like Klarna's CDN they need no credentials; the pages
// find the session through the client token, as the authorization endpoint
// does.

// handleSDKAsset serves api.js, frame.js and frame.css to any origin.
func handleSDKAsset(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		body, ctype, ok := sdk.Asset(name)
		if !ok {
			http.NotFound(w, nil)
			return
		}
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Cache-Control", "no-cache")
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(body)
	}
}

// sdkSession reads the session a client token names, as the SDK's pages see
// it: a bad token, an expired session and a completed one are answers, not
// failures of the page.
func (k *Klarna) sdkSession(r *http.Request) (*http.Request, Session, *Error) {
	tenant, sessionID, err := k.readClientToken(r.Context(), r.URL.Query().Get("client_token"))
	if err != nil {
		return r, Session{}, newError(http.StatusUnauthorized, "InvalidClientTokenError", "The client token is not valid.")
	}
	r = r.WithContext(platform.WithTenant(r.Context(), tenant)) // for the journal
	s, err := k.ReadSession(r.Context(), tenant, sessionID)
	var e *Error
	switch {
	case errors.As(err, &e):
		return r, s, newError(e.Status, e.Code, "This payment session has expired or does not exist.")
	case err != nil:
		k.p.Log.Error("klarna: reading a session for the SDK", "err", err)
		return r, s, newError(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Something went wrong.")
	case s.Status == SessionComplete:
		return r, s, newError(http.StatusNotFound, "SESSION_COMPLETED", "This payment session has already been completed.")
	}
	return r, s, nil
}

// handleWidget is the iframe load() puts in the merchant's container: the
// session's payment method categories (those asked for, when some are).
func (k *Klarna) handleWidget(w http.ResponseWriter, r *http.Request) {
	r, s, e := k.sdkSession(r)
	if e != nil {
		writePage(w, e.Status, frameCSP, "widget", sdk.Widget{Message: e.Messages[0], ErrorCode: e.Code})
		return
	}
	var asked []string
	if c := r.URL.Query().Get("category"); c != "" {
		asked = strings.Split(c, ",")
	}
	page := sdk.Widget{Total: sdk.FormatAmount(s.OrderAmount, s.PurchaseCurrency)}
	for _, c := range s.PaymentMethodCategories {
		if len(asked) == 0 || contains(asked, c.Identifier) {
			page.Categories = append(page.Categories, sdk.Category{ID: c.Identifier, Name: c.Name, Checked: len(page.Categories) == 0})
		}
	}
	if len(page.Categories) == 0 {
		page.Message, page.ErrorCode = "This payment method is not available for this purchase.", "PaymentMethodCategoryNotAvailable"
	} else {
		page.ShowForm, page.Selected = true, page.Categories[0].ID
	}
	writePage(w, http.StatusOK, frameCSP, "widget", page)
}

// handleApproval is the full-screen step of authorize(), reauthorize() and
// finalize(): the order, the billing address and the test outcome.
func (k *Klarna) handleApproval(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	mode := q.Get("mode")
	if mode == "" {
		mode = "authorize"
	}
	titles := map[string]string{"authorize": "Pay with Klarna", "reauthorize": "Confirm your payment again", "finalize": "Finish your payment"}
	page := sdk.Approval{Mode: mode, Title: titles[mode]}
	_, s, e := k.sdkSession(r)
	if e != nil {
		page.Message, page.ErrorCode = e.Messages[0], e.Code
		writePage(w, e.Status, frameCSP, "approval", page)
		return
	}
	category := q.Get("category")
	if category == "" && len(s.PaymentMethodCategories) > 0 {
		category = s.PaymentMethodCategories[0].Identifier
	}
	page.Category = category
	for _, c := range s.PaymentMethodCategories {
		if c.Identifier == category {
			page.Category = c.Name
		}
	}
	page.Cart, page.Country = cartView(&s.Purchase), s.PurchaseCountry
	if mode != "finalize" {
		page.Fields = billingFields(s.BillingAddress, s.PurchaseCountry, nil)
	}
	page.Outcomes = outcomeChoices(mode, q.Get("auto_finalize") != "false")
	writePage(w, http.StatusOK, frameCSP, "approval", page)
}
