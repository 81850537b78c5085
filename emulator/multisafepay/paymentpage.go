package multisafepay

import (
	"context"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/page"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// The payment page stands in for MultiSafepay's hosted checkout: a plain
// HTML form (no JavaScript) where a person or a test picks the outcome. It
// needs no API key: the session id finds the tenant.

// pageError is an error the page shows as HTML.
type pageError struct {
	status int
	msg    string
}

func (e *pageError) Error() string { return e.msg }

func errNoPage() *pageError {
	return &pageError{status: http.StatusNotFound, msg: "This payment page does not exist."}
}

// pageRenderer renders the page surface's errors as HTML.
type pageRenderer struct{}

func (pageRenderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	status, msg := page.Violation(v, page.Words{Malformed: "The form is incomplete: choose an outcome.",
		NotFound: errNoPage().msg, MethodNotAllowed: "Use GET to show the page and POST to submit it."})
	renderPageError(w, r, &pageError{status: status, msg: msg})
}

func (pageRenderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	err = pageScenarioError(err) // scenarios.go
	var pe *pageError
	if !errors.As(err, &pe) {
		pe = &pageError{status: http.StatusInternalServerError, msg: "Something went wrong."}
	}
	renderPageError(w, r, pe)
}

type words struct {
	Title, Sandbox, Merchant, Amount, Order, Method, Scenario, Submit, Finished, Back, Error string
	TestData, CardNumber, IBAN, Bank, Phone, TestDataNote                                    string
	Outcomes                                                                                 map[string]string
}

var dictionary = map[string]words{
	"en": {
		Title: "Payment", Sandbox: "paysandbox test payment page: no money moves.", Merchant: "Description",
		Amount: "Amount", Order: "Order", Method: "Payment method", Scenario: "Test scenario", Submit: "Test",
		Finished: "This payment is", Back: "Back to the shop", Error: "Payment page",
		TestData: "Test data", CardNumber: "Card number", IBAN: "IBAN", Bank: "Bank", Phone: "Phone number",
		TestDataNote: "Filled in, the test data decides the outcome (see the vendor's test data).",
		Outcomes: map[string]string{outcomeCompleted: "Completed", outcomeUncleared: "Uncleared (manual review)",
			outcomeDeclined: "Declined", outcomeCancelled: "Cancelled", outcomeExpired: "Expired"},
	},
	"nl": {
		Title: "Betaling", Sandbox: "paysandbox testbetaalpagina: er wordt geen geld overgemaakt.", Merchant: "Omschrijving",
		Amount: "Bedrag", Order: "Bestelling", Method: "Betaalmethode", Scenario: "Testscenario", Submit: "Test",
		Finished: "Deze betaling is", Back: "Terug naar de winkel", Error: "Betaalpagina",
		TestData: "Testgegevens", CardNumber: "Kaartnummer", IBAN: "IBAN", Bank: "Bank", Phone: "Telefoonnummer",
		TestDataNote: "Ingevuld bepalen de testgegevens de uitkomst.",
		Outcomes: map[string]string{outcomeCompleted: "Voltooid", outcomeUncleared: "Niet verrekend (handmatige controle)",
			outcomeDeclined: "Geweigerd", outcomeCancelled: "Geannuleerd", outcomeExpired: "Verlopen"},
	},
}

// language picks the page language from ?lang=nl_NL (then the order's locale).
func language(r *http.Request, fallback string) string {
	for _, l := range []string{r.URL.Query().Get("lang"), fallback} {
		code := strings.ToLower(strings.SplitN(strings.ReplaceAll(l, "-", "_"), "_", 2)[0])
		if _, found := dictionary[code]; found {
			return code
		}
	}
	return "en"
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.T.Title}}: {{.Description}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.5}
fieldset{margin:1rem 0;padding:.75rem 1rem;border:1px solid #767676}
label{display:block;padding:.35rem 0;cursor:pointer}
button{font-size:1rem;padding:.5rem 1.5rem}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.note{color:#4a4a4a;font-size:.9rem}
dt{font-weight:600}
</style>
</head>
<body>
<main>
<h1>{{.T.Title}}</h1>
<p class="note">{{.T.Sandbox}}</p>
<dl>
<dt>{{.T.Merchant}}</dt><dd>{{.Description}}</dd>
<dt>{{.T.Amount}}</dt><dd>{{.Amount}}</dd>
<dt>{{.T.Order}}</dt><dd>{{.OrderID}}</dd>
{{- if .GatewayName}}
<dt>{{.T.Method}}</dt><dd>{{.GatewayName}}</dd>
{{- end}}
</dl>
{{- if .Open}}
<form method="post">
{{- if .Gateways}}
<fieldset>
<legend>{{.T.Method}}</legend>
{{- range $i, $g := .Gateways}}
<label><input type="radio" name="gateway" value="{{$g.ID}}"{{if eq $i 0}} checked{{end}}> {{$g.Name}}</label>
{{- end}}
</fieldset>
{{- end}}
{{- if .Fields}}
<fieldset>
<legend>{{.T.TestData}}</legend>
<p class="note">{{.T.TestDataNote}}</p>
{{- if .Fields.Card}}
<label>{{.T.CardNumber}} <input name="card_number" inputmode="numeric" autocomplete="off" maxlength="30"></label>
{{- end}}
{{- if .Fields.IBAN}}
<label>{{.T.IBAN}} <input name="iban" autocomplete="off" maxlength="40"></label>
{{- end}}
{{- if .Fields.Banks}}
<label>{{.T.Bank}} <select name="bank"><option value=""></option>{{range .Fields.Banks}}<option>{{.}}</option>{{end}}</select></label>
{{- end}}
{{- if .Fields.Phone}}
<label>{{.T.Phone}} <input name="phone" type="tel" maxlength="30"></label>
{{- end}}
</fieldset>
{{- end}}
<fieldset>
<legend>{{.T.Scenario}}</legend>
{{- range $i, $o := .Outcomes}}
<label><input type="radio" name="outcome" value="{{$o.Value}}"{{if eq $i 0}} checked{{end}}> {{$o.Label}}</label>
{{- end}}
</fieldset>
<button type="submit">{{.T.Submit}}</button>
</form>
{{- else}}
<p role="status">{{.T.Finished}} <strong>{{.Status}}</strong>.</p>
{{- if .Return}}
<p><a href="{{.Return}}">{{.T.Back}}</a></p>
{{- end}}
{{- end}}
</main>
</body>
</html>
`))

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.T.Error}}</title></head>
<body><main><h1>{{.T.Error}}</h1><p role="alert">{{.Message}}</p></main></body>
</html>
`))

type pageOption struct{ Value, Label string }

type pageData struct {
	Lang, Description, Amount, OrderID, GatewayName, Status, Return string
	T                                                               words
	Open                                                            bool
	Gateways                                                        []*Gateway
	Outcomes                                                        []pageOption
	Fields                                                          *testFields
}

// testFields are the test data inputs the page offers for the order's gateway.
type testFields struct {
	Card, IBAN, Phone bool
	Banks             []string
}

func fieldsFor(g *Gateway) *testFields {
	f := &testFields{}
	switch {
	case g.Card || g.ID == "MISTERCASH" || g.Kind == kindGiftCard:
		f.Card = true
	case g.DirectDebit || g.ID == "BANKTRANS":
		f.IBAN = true
	case g.ID == "MYBANK":
		f.Banks = myBankNames
	case g.ID == "MBWAY" || g.ID == "MULTIBANCO":
		f.Phone = true
	default:
		return nil
	}
	return f
}

func writeHTML(w http.ResponseWriter, status int, t *template.Template, data any) {
	// Inline styles only, no script; only the emulator may frame the page.
	page.Write(w, status, "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'", page.FramedBySelf,
		func(b io.Writer) error { return t.Execute(b, data) })
}

func renderPageError(w http.ResponseWriter, r *http.Request, e *pageError) {
	lang := language(r, "")
	writeHTML(w, e.status, errorTemplate, map[string]any{"Lang": lang, "T": dictionary[lang], "Message": e.msg})
}

// eligible lists the gateways the customer may pick for an order without one.
func (m *MultiSafepay) eligible(o *Order) []*Gateway {
	var out []*Gateway
	for _, g := range m.cat.Gateways {
		if g.Accepts(o.Currency, o.country(), o.Amount) && o.satisfies(g) {
			out = append(out, g)
		}
	}
	return out
}

// satisfies tells whether the order carries what the gateway requires.
func (o *Order) satisfies(g *Gateway) bool {
	for _, part := range g.Requires {
		switch {
		case (part == "shopping_cart" || part == "checkout_options") && o.Cart == nil,
			part == "checkout_options" && o.Tax == nil,
			part == "delivery" && o.Delivery == nil,
			part == "gateway_info" && len(o.GatewayInfo) == 0:
			return false
		}
	}
	return true
}

// returnURL is where the customer lands: redirect_url after a payment,
// cancel_url otherwise, with ?transactionid=<order_id> as MultiSafepay adds it.
func (o *Order) returnURL() string {
	target := o.CancelURL
	if o.Status == stCompleted || o.Status == stUncleared {
		target = o.RedirectURL
	}
	if target == "" {
		return ""
	}
	u, err := url.Parse(target)
	if err != nil {
		return ""
	}
	u.RawQuery = setParam(u.RawQuery, "transactionid", o.OrderID)
	return u.String()
}

// sessionOrder finds the tenant and order id behind a payment page session.
func (m *MultiSafepay) sessionOrder(ctx context.Context, sessionID string) (tenant, orderID string, err error) {
	tenant, err = m.p.Store.Ref(ctx, provider, refSession, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return "", "", errNoPage()
	}
	if err != nil {
		return "", "", err
	}
	err = m.p.Store.View(ctx, provider, tenant, func(tx *store.Tx) error { return tx.Get(colSessions, sessionID, &orderID) })
	if errors.Is(err, store.ErrNotFound) {
		return "", "", errNoPage()
	}
	return tenant, orderID, err
}

func (m *MultiSafepay) pageData(r *http.Request, o *Order) pageData {
	lang := language(r, o.Customer.Locale)
	d := pageData{
		Lang: lang, T: dictionary[lang], Description: o.Description, Amount: o.Currency + " " + formatMinor(o.Amount, o.Currency),
		OrderID: o.OrderID, GatewayName: o.GatewayName, Status: o.Status, Open: o.Status == stInitialized, Return: o.returnURL(),
	}
	if d.Open && o.Gateway == "" {
		d.Gateways = m.eligible(o)
	}
	if g, found := m.cat.Gateway(o.Gateway); d.Open && found {
		d.Fields = fieldsFor(g)
	}
	for _, oc := range outcomes {
		d.Outcomes = append(d.Outcomes, pageOption{Value: oc, Label: d.T.Outcomes[oc]})
	}
	return d
}

// showPage is GET /multisafepay/connect/{session_id}/.
func (m *MultiSafepay) showPage(w http.ResponseWriter, r *http.Request) {
	tenant, orderID, err := m.sessionOrder(r.Context(), platform.PathVar(r, "session_id"))
	if err != nil {
		pageRenderer{}.RenderError(w, r, err)
		return
	}
	o, _, err := m.readOrder(r.Context(), tenant, orderID)
	if err != nil {
		pageRenderer{}.RenderError(w, r, errNoPage())
		return
	}
	writeHTML(w, http.StatusOK, pageTemplate, m.pageData(r, o))
}

// submit applies what was picked or entered on the page: test data fields
// (a card number, an IBAN, a bank, a phone number) decide by the vendor's
// test data; otherwise the outcome chosen.
func (m *MultiSafepay) submit(o *Order, form url.Values, now time.Time) error {
	if o.Status != stInitialized {
		return &pageError{status: http.StatusConflict, msg: "This payment is already " + o.Status + "."}
	}
	g, found := m.cat.Gateway(o.Gateway)
	if o.Gateway == "" {
		g, found = m.cat.Gateway(form.Get("gateway"))
		if !found || !g.Accepts(o.Currency, o.country(), o.Amount) || !o.satisfies(g) {
			return &pageError{status: http.StatusBadRequest, msg: "Choose one of the payment methods offered."}
		}
		o.Gateway, o.GatewayName = g.ID, g.Name
	}
	if !found {
		return &pageError{status: http.StatusBadRequest, msg: "This payment method is not available."}
	}
	fields := pageFields{CardNumber: form.Get("card_number"), IBAN: form.Get("iban"), Bank: form.Get("bank"), Phone: form.Get("phone")}
	if t := pageOutcome(o, g, fields); t.decided() {
		if t.Refused != "" {
			return &pageError{status: http.StatusBadRequest, msg: t.Refused}
		}
		o.Pending = nil
		o.apply(g, t, now)
		if g.DirectDebit || g.ID == "BANKTRANS" {
			o.GatewayInfo["account_id"] = compact(fields.IBAN)
		}
		if g.Card {
			o.GatewayInfo["card_number"] = compact(fields.CardNumber)
		}
		return nil
	}
	outcome := form.Get("outcome")
	if !contains(outcomes, outcome) {
		return &pageError{status: http.StatusBadRequest, msg: "The form is incomplete: choose an outcome."}
	}
	reason := ""
	if outcome == outcomeDeclined {
		reason = "declined on the payment page"
	}
	o.Pending = nil
	o.finish(g, outcome, reason, now)
	return nil
}

// submitPage is POST /multisafepay/connect/{session_id}/: the outcome
// happens, the notification goes out, the customer lands (303) on the shop.
func (m *MultiSafepay) submitPage(w http.ResponseWriter, r *http.Request) {
	tenant, orderID, err := m.sessionOrder(r.Context(), platform.PathVar(r, "session_id"))
	if err != nil {
		pageRenderer{}.RenderError(w, r, err)
		return
	}
	form, _ := url.ParseQuery(string(platform.Body(r)))
	o, err := m.change(r.Context(), tenant, orderID, func(_ *store.Tx, o *Order, now time.Time) (bool, error) {
		if o.GatewayInfo == nil {
			o.GatewayInfo = map[string]string{}
		}
		return false, m.submit(o, form, now)
	})
	var apiErr *Error
	switch {
	case errors.As(err, &apiErr): // the order is gone (tenant reset)
		pageRenderer{}.RenderError(w, r, errNoPage())
		return
	case err != nil:
		pageRenderer{}.RenderError(w, r, err)
		return
	}
	if target := o.returnURL(); target != "" && page.Redirect(w, r, target, http.StatusSeeOther) {
		return // only ever to an http(s) URL; otherwise the page shows the outcome
	}
	writeHTML(w, http.StatusOK, pageTemplate, m.pageData(r, o))
}
