package klarna

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/klarna/sdk"
	"github.com/paysandbox/paysandbox/emulator/page"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Handlers of the HPP API and of the hosted page, and what the browser-facing
// pages share (the billing form, the outcomes, the HTML error renderer).

// --- HPP API v1 (credentialed, Klarna's error body)

func (k *Klarna) handleCreateHPPSession(w http.ResponseWriter, r *http.Request) {
	withBody(k, w, r, func(in HPPRequest) (any, int, error) {
		out, err := k.CreateHPPSession(r.Context(), tenantOf(r), in, platform.BaseURL(r))
		return out, http.StatusCreated, err
	})
}

func (k *Klarna) handleReadHPPSession(w http.ResponseWriter, r *http.Request) {
	s, err := k.ReadHPPSession(r.Context(), tenantOf(r), platform.PathVar(r, "session_id"))
	k.reply(w, r, http.StatusOK, s, err)
}

func (k *Klarna) handleDisableHPPSession(w http.ResponseWriter, r *http.Request) {
	k.reply(w, r, http.StatusNoContent, nil, k.DisableHPPSession(r.Context(), tenantOf(r), platform.PathVar(r, "session_id")))
}

func (k *Klarna) handleDistributeHPPSession(w http.ResponseWriter, r *http.Request) {
	withBody(k, w, r, func(in HPPDistribution) (any, int, error) {
		return nil, http.StatusCreated, k.DistributeHPPSession(r.Context(), tenantOf(r), platform.PathVar(r, "session_id"), in)
	})
}

// --- The hosted page (no credentials; HTML)

func (k *Klarna) handleHostedPage(w http.ResponseWriter, r *http.Request) {
	id := platform.PathVar(r, "session_id")
	tenant, err := k.hppTenant(r.Context(), id)
	if err != nil {
		pageError(w, r, k.p.Log, err)
		return
	}
	r = r.WithContext(platform.WithTenant(r.Context(), tenant))
	v, err := k.openHostedPage(r.Context(), tenant, id)
	if err != nil {
		pageError(w, r, k.p.Log, err)
		return
	}
	writePage(w, http.StatusOK, hppCSP, "hosted", hostedPage(v, nil, ""))
	k.p.Scheduler.Kick() // a GET changed the status: send its callback now
}

func (k *Klarna) handleSubmitHostedPage(w http.ResponseWriter, r *http.Request) {
	id := platform.PathVar(r, "session_id")
	tenant, err := k.hppTenant(r.Context(), id)
	if err != nil {
		pageError(w, r, k.p.Log, err)
		return
	}
	r = r.WithContext(platform.WithTenant(r.Context(), tenant))
	form, _ := url.ParseQuery(string(platform.Body(r))) // the contract checked its shape
	in := hostedSubmission{
		Action: form.Get("action"), Outcome: form.Get("outcome"), Category: form.Get("payment_method_category"),
		Billing: Address{
			GivenName: form.Get("given_name"), FamilyName: form.Get("family_name"), Email: form.Get("email"),
			Phone: form.Get("phone"), StreetAddress: form.Get("street_address"), PostalCode: form.Get("postal_code"),
			City: form.Get("city"), Region: form.Get("region"),
		},
	}
	if in.Action == "" {
		in.Action = "pay"
	}
	res, err := k.submitHostedPage(r.Context(), tenant, id, in, platform.BaseURL(r))
	switch {
	case errors.Is(err, errHostedClosed):
		writePage(w, http.StatusConflict, hppCSP, "hosted", hostedPage(res.View, nil, "This payment has already been finished."))
	case err != nil:
		pageError(w, r, k.p.Log, err)
	case res.Invalid != nil:
		page := hostedPage(res.View, res.Invalid, "Please complete: "+strings.Join(res.Invalid, ", ")+".")
		page.Fields = billingFields(&in.Billing, res.View.Payment.PurchaseCountry, res.Invalid)
		writePage(w, http.StatusBadRequest, hppCSP, "hosted", page)
	case res.Redirect != "" && page.Redirect(w, r, res.Redirect, http.StatusSeeOther):
		// on to the merchant (only ever an http(s) URL)
	default:
		writePage(w, http.StatusOK, hppCSP, "hosted", hostedPage(res.View, nil, ""))
	}
}

// handleHostedQR stands in for the QR code image: paysandbox draws no QR
// codes, so the picture says where the page is.
func (k *Klarna) handleHostedQR(w http.ResponseWriter, r *http.Request) {
	id := platform.PathVar(r, "session_id")
	if _, err := k.hppTenant(r.Context(), id); err != nil {
		pageError(w, r, k.p.Log, err)
		return
	}
	link := platform.BaseURL(r) + hppPagePath + url.PathEscape(id)
	w.Header().Set("Content-Type", "image/svg+xml")
	page.Headers(w.Header(), "default-src 'none'", page.FramedBySelf)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="480" height="80" role="img" aria-label="QR code placeholder">` +
		`<rect width="480" height="80" fill="#fff" stroke="#000"/><text x="10" y="30" font-family="sans-serif" font-size="14">paysandbox draws no QR codes; open:</text>` +
		`<text x="10" y="55" font-family="monospace" font-size="11">` + xmlEscape(link) + `</text></svg>`))
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}

// hostedPage builds the page's view.
func hostedPage(v hostedView, invalid []string, message string) sdk.Hosted {
	h, s := v.HPP, v.Payment
	title := h.Options.PageTitle
	if title == "" {
		title = "Pay with Klarna"
	}
	page := sdk.Hosted{
		Title: title, Cart: cartView(&s.Purchase), ShowTax: h.Options.ShowSubtotalDetail != "HIDE",
		Open: !hppFinal(h.Status), Status: strings.ToLower(h.Status), Message: message, Invalid: invalid,
	}
	if !page.Open {
		page.Return = validReturnURL(fillHPPURL(hppReturnURL(h.MerchantURLs, h.Status), h.SessionID, h.AuthorizationToken, h.OrderID))
		return page
	}
	var cats []sdk.Category
	for _, c := range s.PaymentMethodCategories {
		if len(h.Categories) == 0 || contains(h.Categories, c.Identifier) {
			cats = append(cats, sdk.Category{ID: c.Identifier, Name: c.Name, Checked: len(cats) == 0})
		}
	}
	if len(cats) > 1 {
		page.Categories = cats
	}
	page.Fields = billingFields(s.BillingAddress, s.PurchaseCountry, invalid)
	page.Outcomes = outcomeChoices("hosted", true)
	return page
}

// cartView is the order summary of a purchase.
func cartView(p *Purchase) sdk.Cart {
	c := sdk.Cart{Total: sdk.FormatAmount(p.OrderAmount, p.PurchaseCurrency), Tax: sdk.FormatAmount(p.OrderTaxAmount, p.PurchaseCurrency)}
	for _, l := range p.OrderLines {
		c.Lines = append(c.Lines, sdk.Line{Name: l.Name, Quantity: l.Quantity, Total: sdk.FormatAmount(l.TotalAmount, p.PurchaseCurrency)})
	}
	return c
}

// billingFields is the billing address form, filled with what is known.
// invalid names fields as the authorization reports them
// ("billing_address.email").
func billingFields(a *Address, country string, invalid []string) []sdk.Field {
	if a == nil {
		a = &Address{}
	}
	c := strings.ToUpper(country)
	f := func(name, label, typ, auto, value string, required bool) sdk.Field {
		return sdk.Field{Name: name, Label: label, Type: typ, Autocomplete: auto, Value: value, Required: required,
			Invalid: contains(invalid, "billing_address."+name)}
	}
	fields := []sdk.Field{
		f("given_name", "First name", "text", "given-name", a.GivenName, true),
		f("family_name", "Last name", "text", "family-name", a.FamilyName, true),
		f("email", "E-mail", "email", "email", a.Email, true),
		f("phone", "Phone", "tel", "tel", a.Phone, false),
		f("street_address", "Street address", "text", "address-line1", a.StreetAddress, true),
		f("postal_code", "Postal code", "text", "postal-code", a.PostalCode, true),
		f("city", "City", "text", "address-level2", a.City, true),
	}
	if c == "US" || c == "AU" || a.Region != "" {
		fields = append(fields, f("region", "State / region", "text", "address-level1", a.Region, c == "US" || c == "AU"))
	}
	return fields
}

// outcomeChoices are the test outcomes offered: on the hosted page
// (mode "hosted"), in the SDK's approval step (authorize, reauthorize) and
// in its finalize step.
func outcomeChoices(mode string, autoFinalize bool) []sdk.Outcome {
	o := []sdk.Outcome{
		{Value: OutcomeTestData, Label: "Let the e-mail decide (playground test data: +denied declines, +pend-accept-NN waits for review)", Checked: true},
		{Value: OutcomeApprove, Label: "Approve"},
		{Value: OutcomeDeny, Label: "Deny"},
	}
	if mode == "finalize" {
		return o
	}
	o = append(o, sdk.Outcome{Value: OutcomePending, Label: "Approve with a fraud review (pending 5 minutes; US and GB only)"})
	switch {
	case mode == "hosted":
		o = append(o, sdk.Outcome{Value: OutcomeError, Label: "Fail with a system error"})
	case !autoFinalize:
		o = append(o, sdk.Outcome{Value: "finalize", Label: "Approve, needing a finalize step"})
	}
	return o
}

// --- Writing pages

// pagePolicy is a page's CSP and who may frame it.
type pagePolicy struct{ csp, framing string }

var (
	// hppCSP: the hosted page runs no script at all, and only the emulator
	// may frame it (the customer opens it at the top level). No form-action:
	// the page's form ends in a redirect to the merchant, which form-action
	// would block.
	hppCSP = pagePolicy{"default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'", page.FramedBySelf}
	// frameCSP: the SDK's iframes (the widget and the full-screen approval
	// step) run only the emulator's own script and are framed by the shop's
	// page, whatever its origin, as Klarna's are.
	frameCSP = pagePolicy{"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'", page.FramedByAnyone}
)

func writePage(w http.ResponseWriter, status int, pol pagePolicy, name string, data any) {
	page.Write(w, status, pol.csp, pol.framing, func(b io.Writer) error { return sdk.Render(b, name, data) })
}

// pageError answers a browser-facing page with an HTML error.
func pageError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	err = fromScenario(err) // a scenario's error reads as Klarna's own
	var e *Error
	if !errors.As(err, &e) {
		log.Error("klarna: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		e = newError(http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "Something went wrong.")
	}
	msg := "Something went wrong."
	if len(e.Messages) > 0 {
		msg = e.Messages[0]
	}
	writePage(w, e.Status, hppCSP, "error", sdk.ErrorPage{Title: "Klarna", Message: msg})
}

// pageRenderer renders the browser-facing surfaces' errors as HTML.
type pageRenderer struct{ log *slog.Logger }

func (p pageRenderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	pageError(w, r, p.log, err)
}

func (p pageRenderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	status, msg := page.Violation(v, page.Words{Malformed: "The request is incomplete or malformed.",
		NotFound: "This page does not exist.", MethodNotAllowed: "This method is not allowed here."})
	pageError(w, r, p.log, newError(status, "BAD_REQUEST", msg))
}
