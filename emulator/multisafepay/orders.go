package multisafepay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Collections of a tenant's records.
const (
	colOrders   = "orders"   // order_id -> Order
	colSessions = "sessions" // payment page session id -> order_id
	colPSP      = "psp"      // transaction id -> pspRef
	refSession  = "session"  // global ref: session id -> tenant
	jobTimer    = "multisafepay.timer"
)

// pspRef finds the order behind a transaction id (payment, refund, capture, shipment).
type pspRef struct {
	OrderID string `json:"order_id"`
	Kind    string `json:"kind"`
}

// Lifetimes of payment links (days_active / seconds_active).
const (
	defaultLinkLifetime = 30 * 24 * time.Hour
)

var localeRe = regexp.MustCompile(`^[a-z]{2}_[A-Z]{2}$`)

// buildOrder validates a create request and makes the order it asks for
// (without its ids), applying direct test data. It returns the outcome the
// test data chose, for the caller to answer a decline with 1024.
func (m *MultiSafepay) buildOrder(req *orderRequest, now time.Time, tok *Token) (*Order, *Error) {
	typ, err := orderType(req)
	if err != nil {
		return nil, err
	}
	o := &Order{Type: typ, Status: stInitialized, FinancialStatus: stInitialized, Created: now, Modified: now}
	if err := o.takeFields(req); err != nil {
		return nil, err
	}
	if err := o.takePaymentOptions(req.PaymentOptions); err != nil {
		return nil, err
	}
	if err := o.takeAddresses(req); err != nil {
		return nil, err
	}
	o.GatewayInfo = map[string]string{}
	for k, v := range req.GatewayInfo {
		o.GatewayInfo[k] = v.String()
	}
	if err := o.takeRecurring(req, tok); err != nil {
		return nil, err
	}
	g, err := m.takeGateway(o, req, tok)
	if err != nil {
		return nil, err
	}
	if err := o.takeCart(req); err != nil {
		return nil, err
	}
	o.ManualCapture = g != nil && g.Card &&
		(strings.EqualFold(req.Capture.String(), "manual") || strings.EqualFold(req.Manual.String(), "capture"))
	if err := o.setExpiry(req, g, now); err != nil {
		return nil, err
	}
	return o, nil
}

// orderType is the request's order type; empty is a redirect, as in the
// vendor's examples.
func orderType(req *orderRequest) (string, *Error) {
	typ := strings.ToLower(req.Type.String())
	switch typ {
	case "":
		return typeRedirect, nil
	case typeRedirect, typeDirect, typePaymentLink, typeCheckout:
		return typ, nil
	}
	return "", newError(http.StatusBadRequest, 1016, "Invalid data: type must be redirect, direct, paymentlink or checkout")
}

// takeFields takes the order's own fields: id, currency, amount,
// description, vars, items and custom info.
func (o *Order) takeFields(req *orderRequest) *Error {
	o.OrderID = req.OrderID.String()
	switch {
	case o.OrderID == "":
		return errMissing("order_id")
	case utf8.RuneCountInString(o.OrderID) > 50:
		return errOrderIDInvalid("Invalid transaction ID: order_id is longer than 50 characters")
	}
	var good bool
	if o.Currency, good = normCurrency(req.Currency.String()); !good {
		return errCurrency()
	}
	if o.Amount, good = parseMinor(req.Amount.String()); !good || o.Amount < 1 {
		return errAmount("Invalid amount")
	}
	o.Description = strings.TrimSpace(string(req.Description))
	if o.Description == "" || utf8.RuneCountInString(o.Description) > 200 {
		return errDescription()
	}
	for i, v := range []text{req.Var1, req.Var2, req.Var3} {
		if utf8.RuneCountInString(string(v)) > 500 {
			return errVar(fmt.Sprintf("var%d", i+1))
		}
		o.Vars[i] = string(v)
	}
	o.Items = string(req.Items)
	if req.CustomInfo != nil {
		o.CustomInfo = [3]string{string(req.CustomInfo.Custom1), string(req.CustomInfo.Custom2), string(req.CustomInfo.Custom3)}
	}
	return nil
}

// takeGateway resolves the payment method the order names (or its token's)
// and checks what it needs; nil when the customer will choose. A direct
// order must name one.
func (m *MultiSafepay) takeGateway(o *Order, req *orderRequest, tok *Token) (*Gateway, *Error) {
	id := requestedGateway(req, tok)
	if id == "" {
		if o.Type == typeDirect {
			return nil, errMissing("gateway")
		}
		return nil, nil
	}
	g, found := m.cat.Gateway(id)
	// Only the currency refuses a method: the vendor's own examples send
	// orders outside a method's countries and below its minimum.
	if !found || !g.takesCurrency(o.Currency) {
		return nil, errGateway()
	}
	o.Gateway, o.GatewayName = g.ID, g.Name
	if o.Type != typeCheckout && !g.takesType(o.Type) {
		return nil, newError(http.StatusBadRequest, 1016, "Invalid data: %s does not take %s orders", g.ID, o.Type)
	}
	if err := checkRequired(req, g); err != nil {
		return nil, err
	}
	if o.Type == typeDirect && req.PaymentData == nil && tok == nil {
		for _, f := range g.DirectNeeds {
			if f == "customer.phone" {
				if o.Customer.Phone == "" {
					return nil, errMissing(f)
				}
			} else if o.GatewayInfo[f] == "" {
				return nil, errMissing("gateway_info." + f)
			}
		}
	}
	if err := m.checkIssuer(g, o.GatewayInfo["issuer_id"]); err != nil {
		return nil, err
	}
	return g, nil
}

// takeCart takes the shopping cart and tax tables, whose total must be the
// order's amount.
func (o *Order) takeCart(req *orderRequest) *Error {
	if req.ShoppingCart == nil {
		return nil
	}
	items, err := toCart(req.ShoppingCart.Items, false)
	if err != nil {
		return err
	}
	if req.CheckoutOptions != nil {
		o.Tax = req.CheckoutOptions.TaxTables.toTaxTables()
	}
	totals, err := checkCart(items, o.Tax, o.country(), o.Currency, o.Amount)
	if err != nil {
		return err
	}
	o.Cart, o.Totals = items, &totals
	return nil
}

// setExpiry: the request's own lifetime, else a chosen method's clock from
// creation, else the payment link's default.
func (o *Order) setExpiry(req *orderRequest, g *Gateway, now time.Time) *Error {
	lifetime, explicit, err := linkLifetime(req)
	if err != nil {
		return err
	}
	switch {
	case explicit || g == nil || o.Type == typePaymentLink:
		o.ExpiresAt = now.Add(lifetime)
	default:
		if d := g.expiry(); d > 0 {
			o.ExpiresAt = now.Add(d)
		}
	}
	return nil
}

func (o *Order) takePaymentOptions(p paymentOptions) *Error {
	for name, raw := range map[string]string{"notification_url": p.NotificationURL.String(), "redirect_url": p.RedirectURL.String(), "cancel_url": p.CancelURL.String()} {
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return newError(http.StatusBadRequest, 1016, "Invalid data: payment_options.%s is not an absolute http(s) URL", name)
		}
	}
	o.NotificationURL, o.RedirectURL, o.CancelURL = p.NotificationURL.String(), p.RedirectURL.String(), p.CancelURL.String()
	// UNCONFIRMED: GET when notification_method is not given.
	switch method := strings.ToUpper(p.NotificationMethod.String()); method {
	case "", http.MethodGet:
		o.NotificationMethod = http.MethodGet
	case http.MethodPost:
		o.NotificationMethod = http.MethodPost
	default:
		return newError(http.StatusBadRequest, 1016, "Invalid data: payment_options.notification_method must be GET or POST")
	}
	return nil
}

func (o *Order) takeAddresses(req *orderRequest) *Error {
	o.Customer = req.Customer.toAddress()
	if req.Delivery != nil {
		d := req.Delivery.toAddress()
		o.Delivery = &d
	}
	for _, a := range []*Address{&o.Customer, o.Delivery} {
		if a == nil {
			continue
		}
		if a.Country != "" && !validCountry(a.Country) {
			return errCountry()
		}
		for _, ip := range []string{a.IPAddress, a.ForwardedIP} {
			if ip != "" && net.ParseIP(ip) == nil {
				return errIP()
			}
		}
	}
	if !localeRe.MatchString(o.Customer.Locale) {
		o.Customer.Locale = "en_US"
	}
	return nil
}

// country is where the goods go (tax rules, gateway markets).
func (o *Order) country() string {
	if o.Delivery != nil && o.Delivery.Country != "" {
		return o.Delivery.Country
	}
	return o.Customer.Country
}

// deliveryFields are what a gateway that requires delivery needs in it.
var deliveryFields = []string{"address1", "city", "country", "first_name", "house_number", "last_name", "zip_code"}

// checkRequired enforces a gateway's required request parts (Klarna's
// gateway_info, shopping_cart, checkout_options and delivery) with 1016.
func checkRequired(req *orderRequest, g *Gateway) *Error {
	for _, part := range g.Requires {
		switch part {
		case "customer":
			if req.Customer == nil {
				return errMissing("customer")
			}
		case "delivery":
			if req.Delivery == nil {
				return errMissing("delivery")
			}
			d := req.Delivery.toAddress()
			values := map[string]string{"address1": d.Address1, "city": d.City, "country": d.Country, "first_name": d.FirstName,
				"house_number": d.HouseNumber, "last_name": d.LastName, "zip_code": d.ZipCode}
			for _, f := range deliveryFields {
				if values[f] == "" {
					return errMissing("delivery." + f)
				}
			}
		case "gateway_info":
			if len(req.GatewayInfo) == 0 {
				return errMissing("gateway_info")
			}
		case "shopping_cart":
			if req.ShoppingCart == nil || len(req.ShoppingCart.Items) == 0 {
				return errMissing("shopping_cart")
			}
		case "checkout_options":
			if req.CheckoutOptions == nil || req.CheckoutOptions.TaxTables == nil {
				return errMissing("checkout_options.tax_tables")
			}
		}
	}
	return nil
}

func (m *MultiSafepay) checkIssuer(g *Gateway, issuer string) *Error {
	if issuer == "" || g.Issuers == "" {
		return nil
	}
	for _, is := range m.cat.Issuers[g.Issuers] {
		if is.Code == issuer {
			return nil
		}
	}
	return errIssuer()
}

// linkLifetime reads seconds_active (which wins) or days_active.
func linkLifetime(req *orderRequest) (time.Duration, bool, *Error) {
	if s := req.SecondsActive.String(); s != "" {
		n, good := parseMinor(s)
		if !good || n < 1 || n > 31536000 {
			return 0, false, newError(http.StatusBadRequest, 1016, "Invalid data: seconds_active must be 1 to 31536000")
		}
		return time.Duration(n) * time.Second, true, nil
	}
	if s := req.DaysActive.String(); s != "" {
		n, good := parseMinor(s)
		if !good || n < 1 || n > 365 {
			return 0, false, newError(http.StatusBadRequest, 1016, "Invalid data: days_active must be 1 to 365")
		}
		return time.Duration(n) * 24 * time.Hour, true, nil
	}
	return defaultLinkLifetime, false, nil
}

// applyDirect lets the test data decide a direct order.
func (o *Order) applyDirect(g *Gateway, now time.Time) testOutcome {
	t := directOutcome(o, g)
	o.apply(g, t, now)
	return t
}

// newTransactionID makes a PSP id: the account's next number, eight digits
// counted up from a start that its name picks between 10,000,000 and
// 90,000,000 (so that two accounts' ids do not run into each other for
// millions of orders), or the 16-digit format (beyond JavaScript's 2^53)
// that the pspid-encoding test email turns on. MultiSafepay numbers its
// transactions as it makes them; ids that grow also keep each new entry of
// the PSP index at the end of its bucket, where random ones rewrote a page
// of it in every commit (docs/benchmarks.md, "MultiSafepay ids in order").
func (m *MultiSafepay) newTransactionID(tx *store.Tx, long bool) (int64, error) {
	for {
		var s string
		if long {
			s = "91" + tx.IDs().Digits(14)
		} else {
			n, err := tx.NextSequence(colPSP)
			if err != nil {
				return 0, err
			}
			s = strconv.FormatUint(transactionIDStart(tx.Tenant())+n, 10)
		}
		id, _ := strconv.ParseInt(s, 10, 64)
		if id > 0 && !tx.Exists(colPSP, s) { // a file from before kept random ids
			return id, nil
		}
	}
}

// transactionIDStart is where the account's transaction ids start.
func transactionIDStart(tenant string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(tenant))
	return 10_000_000 + h.Sum64()%80_000_000
}

// newSessionID makes a payment page session id no tenant uses yet (a
// repeated --seed over a kept data file replays ids): 35 letters and
// digits, the first seven the tenant's count of sessions in base 62 (so
// the global index of sessions grows at its end, not at a random page) and
// the other 28 drawn at random (about 166 bits: the id is what opens the
// payment page, so it must stay unguessable).
func (m *MultiSafepay) newSessionID(tx *store.Tx) (string, error) {
	for {
		n, err := tx.NextSequence(colSessions)
		if err != nil {
			return "", err
		}
		id := sessionPrefix(n) + tx.IDs().Alnum(35-sessionPrefixLen)
		_, err = tx.Ref(refSession, id)
		if errors.Is(err, store.ErrNotFound) {
			return id, nil
		}
		if err != nil {
			return "", err
		}
	}
}

const sessionPrefixLen = 7

// base62 in byte order, so that prefixes sort as the numbers they encode.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// sessionPrefix is n in sessionPrefixLen base-62 digits (n wraps past
// 62^7, some 3.5 trillion sessions: the ids stay unique, only in order no
// longer).
func sessionPrefix(n uint64) string {
	var b [sessionPrefixLen]byte
	for i := sessionPrefixLen - 1; i >= 0; i-- {
		b[i] = base62[n%62]
		n /= 62
	}
	return string(b[:])
}

func putPSP(tx *store.Tx, id int64, ref pspRef) error {
	return tx.Put(colPSP, strconv.FormatInt(id, 10), ref)
}

// save persists the order and schedules its next timed transition. (A
// completed initial recurring order left its token in m.notify, which every
// status change goes through.)
func save(tx *store.Tx, o *Order) error {
	if err := tx.Put(colOrders, o.OrderID, o); err != nil {
		return err
	}
	if t := o.next(); t != nil {
		return tx.Schedule(store.Job{ID: "timer/" + o.OrderID, Kind: jobTimer, At: t.At, Payload: mustJSON(o.OrderID)})
	}
	return nil
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// orderIDFree refuses an order_id another order of the account has (a new
// order's, a rename's, a partial capture's).
func orderIDFree(tx *store.Tx, id string) error {
	if tx.Exists(colOrders, id) {
		return errOrderIDInvalid(fmt.Sprintf("Invalid transaction ID: order_id %q is already in use", id))
	}
	return nil
}

// createOrder is POST /orders.
func (m *MultiSafepay) createOrder(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var req orderRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	now := m.p.Clock.Now(tenant)
	tok, err := m.lookupToken(r.Context(), tenant, &req)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	draft, verr := m.buildOrder(&req, now, tok)
	if verr != nil {
		writeError(w, verr)
		return
	}
	g, _ := m.cat.Gateway(draft.Gateway)
	base := platform.BaseURL(r)
	var o Order
	var outcome testOutcome
	err = m.p.Store.Update(r.Context(), provider, tenant, func(tx *store.Tx) error {
		if err := orderIDFree(tx, draft.OrderID); err != nil {
			return err
		}
		o = *draft
		tid, err := m.newTransactionID(tx, strings.EqualFold(o.Customer.Email, pspEncodingEmail))
		if err != nil {
			return err
		}
		o.TransactionID = tid
		session, err := m.newSessionID(tx) // drawn in the transaction: replay-safe, repeatable per --seed
		if err != nil {
			return err
		}
		o.SessionID = session
		o.PaymentURL = base + "/multisafepay/connect/" + o.SessionID + "/?lang=" + o.Customer.Locale
		if g != nil && g.BNPL {
			o.ExternalID = tx.IDs().UUID()
		} else {
			o.ExternalID = tx.IDs().Digits(10)
		}
		outcome = testOutcome{}
		switch {
		case o.Type == typeDirect && o.RecurringFlow == "token":
			o.finish(g, outcomeCompleted, "", now) // a merchant-initiated payment with a stored token
		case o.Type == typeDirect:
			outcome = o.applyDirect(g, now)
		}
		if err := putPSP(tx, o.TransactionID, pspRef{OrderID: o.OrderID, Kind: "payment"}); err != nil {
			return err
		}
		if err := tx.Put(colSessions, o.SessionID, o.OrderID); err != nil {
			return err
		}
		if err := tx.SetRef(refSession, o.SessionID); err != nil {
			return err
		}
		if o.Status != stInitialized {
			if err := m.notify(tx, &o, now); err != nil {
				return err
			}
		}
		return save(tx, &o)
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	switch {
	case o.Type != typeDirect:
		ok(w, map[string]string{"order_id": o.OrderID, "payment_url": o.PaymentURL, "session_id": o.SessionID})
	case outcome.Now == outcomeDeclined:
		writeError(w, errDeclined(outcome.Reason))
	default:
		ok(w, directOrderJSON{orderJSON: o.view(now), QRURL: o.PaymentURL, PaymentURL: o.PaymentURL})
	}
}

// getOrder is GET /orders/{order_id}; expiry shows on read, before the
// scheduler has stored it.
func (m *MultiSafepay) getOrder(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	id := platform.PathVar(r, "order_id")
	o, now, err := m.readOrder(r.Context(), tenant, id)
	var e *Error
	if errors.As(err, &e) && e.Code == 1006 && isDigits(id) {
		// The PSP id (transaction id) finds the order too.
		var ref pspRef
		rerr := m.p.Store.View(r.Context(), provider, tenant, func(tx *store.Tx) error { return tx.Get(colPSP, id, &ref) })
		if rerr == nil {
			o, now, err = m.readOrder(r.Context(), tenant, ref.OrderID)
		}
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, o.view(now))
}

func isDigits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// cancelQR is POST /orders/{order_id}/cancel: a Bancontact QR payment that
// is not finished is cancelled, scanned or not.
func (m *MultiSafepay) cancelQR(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	o, err := m.change(r.Context(), tenant, platform.PathVar(r, "order_id"), func(_ *store.Tx, o *Order, now time.Time) (bool, error) {
		if o.Gateway != "MISTERCASH" || !parseBool(o.GatewayInfo["qr_enabled"]) {
			return false, errUnknown("Only Bancontact QR payments can be cancelled this way")
		}
		if o.Status != stInitialized {
			return false, errStatusChange(o.Status, stCancelled)
		}
		o.Pending = nil
		o.setStatus(stCancelled, stCancelled, "cancelled by the merchant", now)
		return false, nil
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	v := o.view(m.p.Clock.Now(tenant))
	ok(w, cancelledJSON{Costs: v.Costs, Created: v.Created, CustomInfo: v.CustomInfo, Fastcheckout: v.Fastcheckout,
		FinancialStatus: v.FinancialStatus, Modified: v.Modified, PaymentDetails: map[string]any{}, Status: v.Status})
}

// cancelledJSON answers a Bancontact QR cancel.
type cancelledJSON struct {
	Costs           []any          `json:"costs"`
	Created         string         `json:"created"`
	CustomInfo      customInfoJSON `json:"custom_info"`
	Fastcheckout    string         `json:"fastcheckout"`
	FinancialStatus string         `json:"financial_status"`
	Modified        string         `json:"modified"`
	PaymentDetails  map[string]any `json:"payment_details"`
	PaymentMethods  []any          `json:"payment_methods"`
	Status          string         `json:"status"`
}

// readOrder loads an order as it is at now, without writing.
func (m *MultiSafepay) readOrder(ctx context.Context, tenant, orderID string) (*Order, time.Time, error) {
	now := m.p.Clock.Now(tenant)
	var o Order
	err := m.p.Store.View(ctx, provider, tenant, func(tx *store.Tx) error { return tx.Get(colOrders, orderID, &o) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, now, errOrderNotFound()
	}
	if err != nil {
		return nil, now, err
	}
	o.settle(now, nil)
	return &o, now, nil
}

// change runs fn on the order in one write: due transitions first (each
// notified), then fn; a changed status (or fn asking for it) is notified.
func (m *MultiSafepay) change(ctx context.Context, tenant, orderID string, fn func(tx *store.Tx, o *Order, now time.Time) (notifyAnyway bool, err error)) (*Order, error) {
	now := m.p.Clock.Now(tenant)
	var out Order
	err := m.p.Store.Update(ctx, provider, tenant, func(tx *store.Tx) error {
		var o Order
		if err := tx.Get(colOrders, orderID, &o); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errOrderNotFound()
			}
			return err
		}
		if _, err := m.settleNotified(tx, &o, now); err != nil {
			return err
		}
		before := o.Status + "/" + o.FinancialStatus
		anyway, err := fn(tx, &o, now)
		if err != nil {
			return err
		}
		if anyway || before != o.Status+"/"+o.FinancialStatus {
			if err := m.notify(tx, &o, now); err != nil {
				return err
			}
		}
		out = o
		return save(tx, &o)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// settleNotified applies due transitions and enqueues a notification for each.
func (m *MultiSafepay) settleNotified(tx *store.Tx, o *Order, now time.Time) (changed bool, err error) {
	o.settle(now, func() {
		changed = true
		if nerr := m.notify(tx, o, now); nerr != nil && err == nil {
			err = nerr
		}
	})
	return changed, err
}

// runTimer is the scheduler's job: it stores due transitions and sends
// their notifications when the virtual clock passes a deadline.
func (m *MultiSafepay) runTimer(ctx context.Context, tenant, orderID string) error {
	now := m.p.Clock.Now(tenant)
	return m.p.Store.Update(ctx, provider, tenant, func(tx *store.Tx) error {
		var o Order
		if err := tx.Get(colOrders, orderID, &o); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil // reset meanwhile
			}
			return err
		}
		changed, err := m.settleNotified(tx, &o, now)
		if err != nil || !changed {
			return err
		}
		return save(tx, &o)
	})
}

// patchRequest is the body of PATCH /orders/{order_id}.
type patchRequest struct {
	Status           text `json:"status"`
	TrackTraceCode   text `json:"tracktrace_code"`
	TrackTraceURL    text `json:"tracktrace_url"`
	Carrier          text `json:"carrier"`
	ShipDate         text `json:"ship_date"`
	Reason           text `json:"reason"`
	InvoiceID        text `json:"invoice_id"`
	InvoiceURL       text `json:"invoice_url"`
	PONumber         text `json:"po_number"`
	ExcludeOrder     text `json:"exclude_order"`
	ExtendExpiration text `json:"extend_expiration"`
	Amount           text `json:"amount"`
	NewOrderID       text `json:"new_order_id"`
}

func errStatusChange(from, to string) *Error {
	return errUnknown(fmt.Sprintf("Cannot change the status of an order that is %s to %s", from, to))
}

// patch applies PATCH /orders/{id}: ship (track and trace, partial shipment),
// cancel, or Klarna's extend_expiration. newID gives a transaction id for a
// partial shipment. It returns the response data.
func (o *Order) patch(req patchRequest, g *Gateway, now time.Time, newID func() int64) (map[string]any, *Error) {
	data := map[string]any{}
	if parseBool(req.ExtendExpiration.String()) {
		switch {
		case o.ShipExtension == 0 || o.ShipBy.IsZero():
			return nil, errUnknown("The expiration can only be extended for authorized Klarna orders")
		case o.Status != stCompleted || o.Shipping != nil:
			return nil, errUnknown(fmt.Sprintf("The expiration of an order that is %s cannot be extended", o.Status))
		case !o.ShipBy.Before(o.ShipLimit):
			return nil, errUnknown("The expiration cannot be extended beyond 180 days")
		}
		o.ShipBy = o.ShipBy.Add(o.ShipExtension)
		if o.ShipBy.After(o.ShipLimit) {
			o.ShipBy = o.ShipLimit
		}
		o.Modified = now
		return data, nil
	}
	switch status := strings.ToLower(req.Status.String()); status {
	case stShipped:
		if o.Status != stCompleted && o.Status != stShipped {
			return nil, errStatusChange(o.Status, status)
		}
		if utf8.RuneCountInString(req.InvoiceID.String()) > 50 {
			return nil, newError(http.StatusBadRequest, 1016, "Invalid data: invoice_id is longer than 50 characters")
		}
		if o.Shipping == nil {
			o.Shipping = &Shipping{At: now}
		}
		s := o.Shipping
		for _, f := range []struct {
			dst *string
			src text
		}{{&s.TrackTraceCode, req.TrackTraceCode}, {&s.TrackTraceURL, req.TrackTraceURL}, {&s.Carrier, req.Carrier},
			{&s.ShipDate, req.ShipDate}, {&s.Reason, req.Reason}, {&s.InvoiceID, req.InvoiceID}, {&s.InvoiceURL, req.InvoiceURL},
			{&s.PONumber, req.PONumber}} {
			if v := f.src.String(); v != "" {
				*f.dst = v
			}
		}
		if a := req.Amount.String(); a != "" {
			amount, good := parseMinor(a)
			if !good || amount < 1 || amount > o.Amount {
				return nil, errAmount("Invalid amount")
			}
			if amount < o.Amount {
				sh := Shipment{TransactionID: newID(), Amount: amount, At: now}
				s.Shipments = append(s.Shipments, sh)
				data = map[string]any{"order_id": o.OrderID, "transaction_id": sh.TransactionID}
			}
		}
		o.Modified = now
		o.Status = stShipped
	case stCancelled, stVoid:
		if o.Status != stInitialized && o.Status != stUncleared {
			if o.Status == stCompleted && g != nil && g.BNPL {
				return nil, errUnknown("An authorized order can no longer be cancelled, only refunded")
			}
			return nil, errStatusChange(o.Status, stCancelled)
		}
		o.ExcludeOrder = parseBool(req.ExcludeOrder.String())
		o.Pending = nil
		o.finish(g, outcomeCancelled, req.Reason.String(), now)
	case "":
		return nil, errMissing("status")
	default:
		return nil, errStatusChange(o.Status, status)
	}
	return data, nil
}

// updateOrder is PATCH /orders/{order_id}.
func (m *MultiSafepay) updateOrder(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var req patchRequest
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if id := req.NewOrderID.String(); id != "" {
		if err := m.renameOrder(r.Context(), tenant, platform.PathVar(r, "order_id"), id); err != nil {
			m.fail(w, r, err)
			return
		}
		ok(w, map[string]any{})
		return
	}
	var data map[string]any
	_, err := m.change(r.Context(), tenant, platform.PathVar(r, "order_id"), func(tx *store.Tx, o *Order, now time.Time) (bool, error) {
		g, _ := m.cat.Gateway(o.Gateway)
		if o.Gateway == "" {
			g = nil
		}
		var perr *Error
		var ids []int64
		var idErr error
		data, perr = o.patch(req, g, now, func() int64 {
			id, err := m.newTransactionID(tx, false)
			if err != nil {
				idErr = err
			}
			ids = append(ids, id)
			return id
		})
		if idErr != nil {
			return false, idErr
		}
		if perr != nil {
			return false, perr
		}
		for _, id := range ids {
			if err := putPSP(tx, id, pspRef{OrderID: o.OrderID, Kind: "shipment"}); err != nil {
				return false, err
			}
		}
		return false, nil
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, data)
}

// renameOrder gives a FastCheckout order a new order_id (PATCH
// {new_order_id}): the order, its payment page session and its PSP ids move
// to the new id.
func (m *MultiSafepay) renameOrder(ctx context.Context, tenant, oldID, newID string) error {
	if utf8.RuneCountInString(newID) > 50 {
		return errOrderIDInvalid("Invalid transaction ID: new_order_id is longer than 50 characters")
	}
	now := m.p.Clock.Now(tenant)
	return m.p.Store.Update(ctx, provider, tenant, func(tx *store.Tx) error {
		var o Order
		if err := tx.Get(colOrders, oldID, &o); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errOrderNotFound()
			}
			return err
		}
		if o.Type != typeCheckout {
			return errUnknown("Only a FastCheckout order's order_id can be changed")
		}
		if newID == oldID {
			return nil
		}
		if err := orderIDFree(tx, newID); err != nil {
			return err
		}
		if err := tx.Delete(colOrders, oldID); err != nil {
			return err
		}
		o.OrderID, o.Modified = newID, now
		rename := func(id *string) {
			if *id == oldID {
				*id = newID
			}
		}
		for i := range o.Refunds {
			rename(&o.Refunds[i].OrderID)
		}
		for i := range o.Captures {
			rename(&o.Captures[i].OrderID)
		}
		if o.Chargeback != nil {
			rename(&o.Chargeback.OrderID)
		}
		if err := tx.Put(colSessions, o.SessionID, newID); err != nil {
			return err
		}
		for _, id := range o.pspIDs() {
			var ref pspRef
			if err := tx.Get(colPSP, strconv.FormatInt(id, 10), &ref); err == nil && ref.OrderID == oldID {
				ref.OrderID = newID
				if err := putPSP(tx, id, ref); err != nil {
					return err
				}
			}
		}
		return save(tx, &o)
	})
}

// pspIDs are the PSP ids of the order's own transactions: the payment, its
// refunds, captures, shipments and chargeback (each has a pspRef).
func (o *Order) pspIDs() []int64 {
	ids := []int64{o.TransactionID}
	for _, rf := range o.Refunds {
		ids = append(ids, rf.ID)
	}
	for _, c := range o.Captures {
		ids = append(ids, c.TransactionID)
	}
	if o.Shipping != nil {
		for _, sh := range o.Shipping.Shipments {
			ids = append(ids, sh.TransactionID)
		}
	}
	if o.Chargeback != nil {
		ids = append(ids, o.Chargeback.ID)
	}
	return ids
}

// decode reads the JSON body (already checked against the OpenAPI file),
// once, through goccy (platform.DecodeBody; FuzzDecodeMatchesEncodingJSON
// holds it to encoding/json's result for every request type).
func decode(r *http.Request, v any) *Error {
	present, err := platform.DecodeBody(r, v)
	switch {
	case !present:
		return errMissing("request body")
	case err != nil:
		return newError(http.StatusBadRequest, 1016, "Invalid data: the body does not have the expected structure")
	}
	return nil
}

// fail answers an error from a store write: our *Error as is, else 500.
func (m *MultiSafepay) fail(w http.ResponseWriter, r *http.Request, err error) {
	apiRenderer{log: m.p.Log}.RenderError(w, r, err)
}
