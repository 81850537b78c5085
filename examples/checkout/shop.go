package main

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// The shop's server side: it serves the page and makes every server-to-server
// call a real shop makes (Klarna's Payments and HPP APIs with HTTP Basic,
// MultiSafepay's orders API with its API key). The browser only ever talks to
// the shop and to what the vendors serve to browsers (Klarna's JS SDK,
// Klarna's hosted page, MultiSafepay's payment page), all from paysandbox.

//go:embed static
var static embed.FS

var pages = template.Must(template.ParseFS(static, "static/*.html"))

// Config is how the shop reaches paysandbox.
type Config struct {
	// Emulator is paysandbox's base URL, e.g. http://localhost:8910. The
	// browser loads the JS SDK from here too, unless PublicEmulator is set.
	Emulator string
	// PublicEmulator is the emulator's base URL as browsers reach it, when
	// the shop reaches it by another name (http://paysandbox:8910 in a
	// compose network, http://localhost:8910 for the browser).
	PublicEmulator string
	// KlarnaUser and KlarnaPassword are the HTTP Basic credentials (the
	// username names your tenant).
	KlarnaUser, KlarnaPassword string
	// MultiSafepayKey is the MultiSafepay API key (it names your tenant).
	MultiSafepayKey string
	// Cart is what the customer buys.
	Cart []Item
	// Client makes the server-to-server calls (http.DefaultClient when nil).
	Client *http.Client
	// Log receives one line per payment event (log.Default() when nil).
	Log *log.Logger
}

// Item is a cart line: the price includes VAT at TaxRate (2500 = 25 %).
type Item struct {
	Reference string
	Name      string
	Quantity  int64
	UnitPrice int64 // minor units
	TaxRate   int64
}

// DefaultCart is the example's cart.
func DefaultCart() []Item {
	return []Item{
		{Reference: "TS-01", Name: "Organic cotton T-shirt", Quantity: 2, UnitPrice: 1999, TaxRate: 1900},
		{Reference: "MUG-7", Name: "Enamel camping mug", Quantity: 1, UnitPrice: 1250, TaxRate: 1900},
	}
}

// The shop sells in Germany, in euros.
const (
	country  = "DE"
	currency = "EUR"
	locale   = "en-DE"
)

// Event is something the shop's server learnt about a payment.
type Event struct {
	Flow               string `json:"flow"` // klarna, klarna-hpp, multisafepay, commercelayer
	Kind               string `json:"kind"` // session, authorized, order, declined, cancelled, ...
	SessionID          string `json:"session_id,omitempty"`
	AuthorizationToken string `json:"authorization_token,omitempty"`
	OrderID            string `json:"order_id,omitempty"`
	Status             string `json:"status,omitempty"`
}

// Shop is the example's server.
type Shop struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	events   []Event
	clTokens map[string]string // Commerce Layer order id -> the sales channel token that made it
	run      string            // tells this run's order references from earlier runs'
	seq      int
}

// NewShop builds the shop.
func NewShop(cfg Config) *Shop {
	if cfg.Client == nil {
		cfg.Client = http.DefaultClient
	}
	if cfg.Log == nil {
		cfg.Log = log.Default()
	}
	if len(cfg.Cart) == 0 {
		cfg.Cart = DefaultCart()
	}
	cfg.Emulator = strings.TrimRight(cfg.Emulator, "/")
	if cfg.PublicEmulator = strings.TrimRight(cfg.PublicEmulator, "/"); cfg.PublicEmulator == "" {
		cfg.PublicEmulator = cfg.Emulator
	}
	s := &Shop{cfg: cfg, mux: http.NewServeMux(), run: randomHex(3), clTokens: map[string]string{}}
	for _, name := range []string{"checkout.js", "style.css"} {
		s.mux.HandleFunc("GET /static/"+name, func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, static, "static/"+name)
		})
	}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("POST /api/klarna/session", s.klarnaSession)
	s.mux.HandleFunc("POST /api/klarna/order", s.klarnaOrder)
	s.mux.HandleFunc("POST /api/klarna-hpp/session", s.hppSession)
	s.mux.HandleFunc("GET /return/klarna-hpp", s.hppReturn)
	s.mux.HandleFunc("POST /api/multisafepay/order", s.mspOrder)
	s.mux.HandleFunc("GET /return/multisafepay", s.mspReturn)
	s.mux.HandleFunc("POST /api/commercelayer/checkout", s.commerceLayer)
	s.mux.HandleFunc("POST /api/commercelayer/place", s.commerceLayerPlace)
	s.mux.HandleFunc("GET /api/events", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Events()) })
	return s
}

func (s *Shop) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Events lists what the shop's server learnt, oldest first.
func (s *Shop) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

func (s *Shop) record(e Event) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
	s.cfg.Log.Printf("%s: %s session=%s token=%s order=%s %s", e.Flow, e.Kind, e.SessionID, e.AuthorizationToken, e.OrderID, e.Status)
}

func (s *Shop) nextReference() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("shop-%s-%d", s.run, s.seq)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- The page

type cartView struct {
	Lines []lineView
	Total string
}

type lineView struct {
	Name     string
	Quantity int64
	Total    string
}

func (s *Shop) index(w http.ResponseWriter, _ *http.Request) {
	cart := cartView{Total: money(s.total())}
	for _, it := range s.cfg.Cart {
		cart.Lines = append(cart.Lines, lineView{Name: it.Name, Quantity: it.Quantity, Total: money(it.Quantity * it.UnitPrice)})
	}
	render(w, http.StatusOK, "index.html", map[string]any{"SDK": s.cfg.PublicEmulator + "/kp/lib/v1/api.js", "Cart": cart})
}

func (s *Shop) total() int64 {
	var t int64
	for _, it := range s.cfg.Cart {
		t += it.Quantity * it.UnitPrice
	}
	return t
}

func money(minor int64) string { return fmt.Sprintf("€%d.%02d", minor/100, minor%100) }

// result is the page a customer lands on after a hosted page.
type result struct {
	Title, Message string
	Details        [][2]string
	OK             bool
}

func render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// --- Klarna Payments with the JS SDK (the widget in this page)

// billing is the address the page sends (the customer's form).
type billing struct {
	GivenName     string `json:"given_name"`
	FamilyName    string `json:"family_name"`
	Email         string `json:"email"`
	StreetAddress string `json:"street_address"`
	PostalCode    string `json:"postal_code"`
	City          string `json:"city"`
	Country       string `json:"country"`
}

// klarnaCart is the Payments cart of the shop's cart (VAT included in prices).
func (s *Shop) klarnaCart() map[string]any {
	var lines []map[string]any
	var tax int64
	for _, it := range s.cfg.Cart {
		total := it.Quantity * it.UnitPrice
		lineTax := total - total*10000/(10000+it.TaxRate)
		tax += lineTax
		lines = append(lines, map[string]any{
			"type": "physical", "reference": it.Reference, "name": it.Name, "quantity": it.Quantity,
			"unit_price": it.UnitPrice, "tax_rate": it.TaxRate, "total_amount": total, "total_tax_amount": lineTax,
		})
	}
	return map[string]any{
		"purchase_country": country, "purchase_currency": currency, "locale": locale,
		"order_amount": s.total(), "order_tax_amount": tax, "order_lines": lines,
	}
}

func (s *Shop) klarnaSession(w http.ResponseWriter, r *http.Request) {
	var out struct {
		SessionID   string `json:"session_id"`
		ClientToken string `json:"client_token"`
		Categories  []struct {
			Identifier string `json:"identifier"`
			Name       string `json:"name"`
		} `json:"payment_method_categories"`
	}
	if err := s.klarna(http.MethodPost, "/payments/v1/sessions", s.klarnaCart(), &out); err != nil {
		fail(w, err)
		return
	}
	s.record(Event{Flow: "klarna", Kind: "session", SessionID: out.SessionID})
	writeJSON(w, http.StatusOK, out)
}

// klarnaOrder is where the page sends the authorization token: the server
// places the order with it (create order must carry the authorized cart).
func (s *Shop) klarnaOrder(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SessionID          string `json:"session_id"`
		AuthorizationToken string `json:"authorization_token"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || in.AuthorizationToken == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "authorization_token is required"})
		return
	}
	s.record(Event{Flow: "klarna", Kind: "authorized", SessionID: in.SessionID, AuthorizationToken: in.AuthorizationToken})
	order, err := s.placeKlarnaOrder("klarna", in.SessionID, in.AuthorizationToken)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, order)
}

type klarnaOrder struct {
	OrderID     string `json:"order_id"`
	FraudStatus string `json:"fraud_status"`
}

func (s *Shop) placeKlarnaOrder(flow, sessionID, token string) (klarnaOrder, error) {
	cart := s.klarnaCart()
	cart["merchant_reference1"] = s.nextReference()
	var out klarnaOrder
	if err := s.klarna(http.MethodPost, "/payments/v1/authorizations/"+url.PathEscape(token)+"/order", cart, &out); err != nil {
		return out, err
	}
	s.record(Event{Flow: flow, Kind: "order", SessionID: sessionID, AuthorizationToken: token, OrderID: out.OrderID, Status: out.FraudStatus})
	return out, nil
}

// --- Klarna's Hosted Payment Page

func (s *Shop) hppSession(w http.ResponseWriter, r *http.Request) {
	var b billing
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&b); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the billing address is required"})
		return
	}
	b.Country = country
	cart := s.klarnaCart()
	cart["billing_address"] = b // the hosted page shows it filled in
	var ps struct {
		SessionID string `json:"session_id"`
	}
	if err := s.klarna(http.MethodPost, "/payments/v1/sessions", cart, &ps); err != nil {
		fail(w, err)
		return
	}
	back := origin(r) + "/return/klarna-hpp?sid={{session_id}}"
	var hpp struct {
		SessionID   string `json:"session_id"`
		RedirectURL string `json:"redirect_url"`
	}
	err := s.klarna(http.MethodPost, "/hpp/v1/sessions", map[string]any{
		"payment_session_url": s.cfg.Emulator + "/payments/v1/sessions/" + ps.SessionID,
		"merchant_urls": map[string]string{
			"success": back + "&token={{authorization_token}}&result=success",
			"failure": back + "&result=failure", "cancel": back + "&result=cancel",
			"back": back + "&result=back", "error": back + "&result=error",
		},
		"options": map[string]any{"place_order_mode": "NONE", "page_title": "Pay for your order"},
	}, &hpp)
	if err != nil {
		fail(w, err)
		return
	}
	s.record(Event{Flow: "klarna-hpp", Kind: "session", SessionID: hpp.SessionID})
	writeJSON(w, http.StatusOK, map[string]string{"redirect_url": hpp.RedirectURL})
}

// hppReturn is where the hosted page sends the customer back. On success the
// authorization token comes in the URL; the server reads the HPP session to
// trust nothing from the browser, then places the order.
func (s *Shop) hppReturn(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sid := q.Get("sid")
	var hpp struct {
		Status             string `json:"status"`
		AuthorizationToken string `json:"authorization_token"`
	}
	if err := s.klarna(http.MethodGet, "/hpp/v1/sessions/"+url.PathEscape(sid), nil, &hpp); err != nil {
		render(w, http.StatusBadGateway, "result.html", result{Title: "Something went wrong", Message: err.Error()})
		return
	}
	if q.Get("result") != "success" || hpp.Status != "COMPLETED" || hpp.AuthorizationToken == "" {
		s.record(Event{Flow: "klarna-hpp", Kind: "not paid", SessionID: sid, Status: hpp.Status})
		render(w, http.StatusOK, "result.html", result{Title: "Not paid", Message: "Klarna did not approve the payment (" + strings.ToLower(hpp.Status) + ").",
			Details: [][2]string{{"Hosted payment page", sid}, {"Status", hpp.Status}}})
		return
	}
	s.record(Event{Flow: "klarna-hpp", Kind: "authorized", SessionID: sid, AuthorizationToken: hpp.AuthorizationToken})
	order, err := s.placeKlarnaOrder("klarna-hpp", sid, hpp.AuthorizationToken)
	if err != nil {
		render(w, http.StatusBadGateway, "result.html", result{Title: "Something went wrong", Message: err.Error()})
		return
	}
	render(w, http.StatusOK, "result.html", result{Title: "Thank you", OK: true, Message: "Your order is placed.",
		Details: [][2]string{{"Klarna order", order.OrderID}, {"Fraud status", order.FraudStatus}}})
}

// --- MultiSafepay's payment page

func (s *Shop) mspOrder(w http.ResponseWriter, r *http.Request) {
	ref := s.nextReference()
	back := origin(r) + "/return/multisafepay"
	var items []string
	for _, it := range s.cfg.Cart {
		items = append(items, fmt.Sprintf("%d × %s", it.Quantity, it.Name))
	}
	var out struct {
		Data struct {
			OrderID    string `json:"order_id"`
			PaymentURL string `json:"payment_url"`
		} `json:"data"`
	}
	err := s.msp(http.MethodPost, "/v1/json/orders", map[string]any{
		"type": "redirect", "order_id": ref, "currency": currency, "amount": s.total(),
		"description":     "Order " + ref + ": " + strings.Join(items, ", "),
		"payment_options": map[string]string{"redirect_url": back, "cancel_url": back + "?cancelled=1"},
	}, &out)
	if err != nil {
		fail(w, err)
		return
	}
	s.record(Event{Flow: "multisafepay", Kind: "order", OrderID: out.Data.OrderID, Status: "initialized"})
	writeJSON(w, http.StatusOK, map[string]string{"payment_url": out.Data.PaymentURL})
}

// mspReturn reads the order's status from the API (the URL only says which order).
func (s *Shop) mspReturn(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("transactionid")
	var out struct {
		Data struct {
			Status          string `json:"status"`
			FinancialStatus string `json:"financial_status"`
		} `json:"data"`
	}
	if err := s.msp(http.MethodGet, "/v1/json/orders/"+url.PathEscape(id), nil, &out); err != nil {
		render(w, http.StatusBadGateway, "result.html", result{Title: "Something went wrong", Message: err.Error()})
		return
	}
	st := out.Data.Status
	s.record(Event{Flow: "multisafepay", Kind: "returned", OrderID: id, Status: st})
	res := result{Title: "Not paid", Message: "The payment was not completed (" + st + ").",
		Details: [][2]string{{"MultiSafepay order", id}, {"Status", st}}}
	if st == "completed" || st == "uncleared" {
		res.Title, res.Message, res.OK = "Thank you", "Your order is paid.", true
	}
	render(w, http.StatusOK, "result.html", res)
}

// --- Commerce Layer with klarna_payments: not wired yet (see docs/frontend.md).

// Commerce Layer with Klarna: the shop's server runs the Commerce Layer
// checkout as its JS SDK would (a sales channel token, an order with line
// items, addresses, shipping, the Klarna payment method, a klarna_payment);
// the page authorizes with Klarna's widget using the klarna_payment's
// client_token, and the server sends the token back and places the order.

// The Commerce Layer default world's EU market and SKUs (fixtures/commercelayer).
const (
	clScope         = "market:code:EU"
	clPaymentMethod = "PayMKlarEU"
	clSalesChannel  = "paysandbox-sales-channel"
)

var clCart = []struct {
	SKU      string
	Quantity int
}{{"TSHIRTMMFFFFFF000000LXXX", 2}, {"MUGXXXXX000000FFFFFF", 1}}

type clDoc struct {
	Data struct {
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
	} `json:"data"`
}

type clList struct {
	Data []struct {
		ID string `json:"id"`
	} `json:"data"`
}

func clData(typ, id string, attrs map[string]any, rels map[string]string) map[string]any {
	d := map[string]any{"type": typ}
	if id != "" {
		d["id"] = id
	}
	if attrs != nil {
		d["attributes"] = attrs
	}
	if rels != nil {
		r := map[string]any{}
		for name, ref := range rels {
			typ, id, _ := strings.Cut(ref, "/")
			r[name] = map[string]any{"data": map[string]string{"type": typ, "id": id}}
		}
		d["relationships"] = r
	}
	return map[string]any{"data": d}
}

func (s *Shop) cl(token, method, path string, body, out any) error {
	return s.call(method, s.cfg.Emulator+path, body, out, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/vnd.api+json")
		if body != nil {
			req.Header.Set("Content-Type", "application/vnd.api+json")
		}
	})
}

// commerceLayer opens the checkout and answers with what the widget needs.
func (s *Shop) commerceLayer(w http.ResponseWriter, r *http.Request) {
	var b billing
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&b); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "send the billing address as JSON"})
		return
	}
	out, err := s.clCheckout(b)
	if err != nil {
		fail(w, err)
		return
	}
	s.record(Event{Flow: "commercelayer", Kind: "session", SessionID: out.SessionID, OrderID: out.OrderID})
	writeJSON(w, http.StatusOK, out)
}

type clCheckout struct {
	OrderID         string `json:"order_id"`
	KlarnaPaymentID string `json:"klarna_payment_id"`
	SessionID       string `json:"session_id"`
	ClientToken     string `json:"client_token"`
	Categories      []struct {
		Identifier string `json:"identifier"`
		Name       string `json:"name"`
	} `json:"payment_method_categories"`
	Token string `json:"-"`
}

func (s *Shop) clCheckout(b billing) (*clCheckout, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err := s.call(http.MethodPost, s.cfg.Emulator+"/oauth/token",
		map[string]string{"grant_type": "client_credentials", "client_id": clSalesChannel, "scope": clScope}, &tok, func(*http.Request) {})
	if err != nil {
		return nil, err
	}
	t := tok.AccessToken
	var order clDoc
	if err := s.cl(t, http.MethodPost, "/api/orders", clData("orders", "", nil, nil), &order); err != nil {
		return nil, err
	}
	id := order.Data.ID
	for _, line := range clCart {
		err := s.cl(t, http.MethodPost, "/api/line_items", clData("line_items", "",
			map[string]any{"sku_code": line.SKU, "quantity": line.Quantity}, map[string]string{"order": "orders/" + id}), nil)
		if err != nil {
			return nil, err
		}
	}
	var addr clDoc
	err = s.cl(t, http.MethodPost, "/api/addresses", clData("addresses", "", map[string]any{
		"first_name": b.GivenName, "last_name": b.FamilyName, "line_1": b.StreetAddress, "city": b.City,
		"zip_code": b.PostalCode, "state_code": "NW", "country_code": "DE", "phone": "+49 1522 113356", "email": b.Email,
	}, nil), &addr)
	if err != nil {
		return nil, err
	}
	err = s.cl(t, http.MethodPatch, "/api/orders/"+id, clData("orders", id,
		map[string]any{"customer_email": b.Email, "_billing_address_same_as_shipping": true},
		map[string]string{"shipping_address": "addresses/" + addr.Data.ID}), nil)
	if err != nil {
		return nil, err
	}
	// Every shipment takes its cheapest shipping method.
	var shipments clList
	if err := s.cl(t, http.MethodGet, "/api/orders/"+id+"/shipments", nil, &shipments); err != nil {
		return nil, err
	}
	for _, sh := range shipments.Data {
		var methods clList
		if err := s.cl(t, http.MethodGet, "/api/shipments/"+sh.ID+"/available_shipping_methods?sort=price_amount_cents", nil, &methods); err != nil {
			return nil, err
		}
		if len(methods.Data) == 0 {
			return nil, fmt.Errorf("commerce layer offers no shipping method for shipment %s", sh.ID)
		}
		err := s.cl(t, http.MethodPatch, "/api/shipments/"+sh.ID, clData("shipments", sh.ID, nil,
			map[string]string{"shipping_method": "shipping_methods/" + methods.Data[0].ID}), nil)
		if err != nil {
			return nil, err
		}
	}
	err = s.cl(t, http.MethodPatch, "/api/orders/"+id, clData("orders", id, nil,
		map[string]string{"payment_method": "payment_methods/" + clPaymentMethod}), nil)
	if err != nil {
		return nil, err
	}
	var kp clDoc
	err = s.cl(t, http.MethodPost, "/api/klarna_payments", clData("klarna_payments", "", nil, map[string]string{"order": "orders/" + id}), &kp)
	if err != nil {
		return nil, err
	}
	out := &clCheckout{OrderID: id, KlarnaPaymentID: kp.Data.ID, Token: t}
	out.SessionID, _ = kp.Data.Attributes["session_id"].(string)
	out.ClientToken, _ = kp.Data.Attributes["client_token"].(string)
	raw, _ := json.Marshal(kp.Data.Attributes["payment_methods"])
	_ = json.Unmarshal(raw, &out.Categories)
	if out.ClientToken == "" || len(out.Categories) == 0 {
		return nil, errors.New("commerce layer's klarna_payment has no client token or payment methods")
	}
	s.mu.Lock()
	s.clTokens[id] = t
	s.mu.Unlock()
	return out, nil
}

// commerceLayerPlace sends the authorization token back and places the order.
func (s *Shop) commerceLayerPlace(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OrderID            string `json:"order_id"`
		KlarnaPaymentID    string `json:"klarna_payment_id"`
		SessionID          string `json:"session_id"`
		AuthorizationToken string `json:"authorization_token"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in); err != nil || in.AuthorizationToken == "" || in.OrderID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "order_id and authorization_token are required"})
		return
	}
	s.mu.Lock()
	t := s.clTokens[in.OrderID]
	s.mu.Unlock()
	if t == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown order"})
		return
	}
	s.record(Event{Flow: "commercelayer", Kind: "authorized", SessionID: in.SessionID, AuthorizationToken: in.AuthorizationToken, OrderID: in.OrderID})
	err := s.cl(t, http.MethodPatch, "/api/klarna_payments/"+in.KlarnaPaymentID,
		clData("klarna_payments", in.KlarnaPaymentID, map[string]any{"auth_token": in.AuthorizationToken}, nil), nil)
	if err != nil {
		fail(w, err)
		return
	}
	var order clDoc
	if err := s.cl(t, http.MethodPatch, "/api/orders/"+in.OrderID, clData("orders", in.OrderID, map[string]any{"_place": true}, nil), &order); err != nil {
		fail(w, err)
		return
	}
	number, _ := order.Data.Attributes["number"].(string)
	status, _ := order.Data.Attributes["status"].(string)
	details, _ := order.Data.Attributes["payment_source_details"].(map[string]any)
	klarnaID, _ := details["klarna_id"].(string)
	total, _ := order.Data.Attributes["formatted_total_amount_with_taxes"].(string)
	s.record(Event{Flow: "commercelayer", Kind: "order", SessionID: in.SessionID, AuthorizationToken: in.AuthorizationToken, OrderID: in.OrderID, Status: status})
	writeJSON(w, http.StatusOK, map[string]string{"order_id": in.OrderID, "number": number, "status": status, "klarna_order_id": klarnaID, "total": total})
}

// --- Calling the vendors

// apiError is a vendor's error answer.
type apiError struct {
	Status int
	Body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d: %s", e.Status, e.Body) }

func (s *Shop) klarna(method, path string, body, out any) error {
	return s.call(method, s.cfg.Emulator+path, body, out, func(req *http.Request) {
		req.SetBasicAuth(s.cfg.KlarnaUser, s.cfg.KlarnaPassword)
	})
}

func (s *Shop) msp(method, path string, body, out any) error {
	return s.call(method, s.cfg.Emulator+path, body, out, func(req *http.Request) {
		req.Header.Set("api_key", s.cfg.MultiSafepayKey)
	})
}

func (s *Shop) call(method, u string, body, out any, auth func(*http.Request)) error {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	auth(req)
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("paysandbox is not reachable at %s: %w", s.cfg.Emulator, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return &apiError{Status: resp.StatusCode, Body: string(raw)}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func fail(w http.ResponseWriter, err error) {
	status := http.StatusBadGateway
	var ae *apiError
	if errors.As(err, &ae) && ae.Status < 500 {
		status = http.StatusBadRequest
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// origin is the shop's own origin as the browser reached it.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
