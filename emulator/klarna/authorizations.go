package klarna

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
	"github.com/paysandbox/paysandbox/emulator/webhook"
)

// authorization is what the customer approved in Klarna's widget: a snapshot
// of the session's cart with the addresses entered, valid 60 minutes, good for
// one order (intents buy*) and/or one customer token (intents *tokenize).
type authorization struct {
	Token      string    `json:"authorization_token"`
	SessionID  string    `json:"session_id"`
	Category   string    `json:"payment_method_category"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Authorized Purchase  `json:"authorized"`
	Verdict    verdict   `json:"verdict"`
	// What the token has been used for.
	OrderID         string `json:"order_id,omitempty"`
	CustomerTokenID string `json:"customer_token_id,omitempty"`
	Cancelled       bool   `json:"cancelled,omitempty"`
}

// loadAuthorization reads an authorization token that can still be used.
func loadAuthorization(tx *store.Tx, token string, now time.Time, a *authorization) error {
	if err := get(tx, colAuthorizations, token, a, errInvalidAuthToken); err != nil {
		return err
	}
	if a.Cancelled || !now.Before(a.ExpiresAt) {
		return errInvalidAuthToken
	}
	return nil
}

func fixable(fields ...string) AuthorizeResult {
	return AuthorizeResult{ShowForm: true, Error: &AuthorizeError{InvalidFields: fields}}
}

// Authorize does what the customer does in Klarna's widget, without a browser
// (POST /_sandbox/klarna/authorizations). The playground test data in the
// billing e-mail decides: +denied declines, +pend-accept-NN / +pend-reject-NN
// approve with a fraud review, anything else approves. A missing billing field
// gives the SDK's "fix the form" answer. After approval Klarna calls
// merchant_urls.authorization.
func (k *Klarna) Authorize(ctx context.Context, tenant, sessionID string, in AuthorizeRequest) (AuthorizeResult, error) {
	now := k.now(tenant)
	var token string
	var res AuthorizeResult
	err := k.update(ctx, tenant, func(tx *store.Tx) error {
		token = tx.IDs().UUID() // drawn in the transaction: replay-safe, repeatable per --seed
		var s sessionRecord
		if err := loadOpenSession(tx, sessionID, now, &s); err != nil {
			return err
		}
		category := in.PaymentMethodCategory
		if category == "" && len(s.PaymentMethodCategories) > 0 {
			category = s.PaymentMethodCategories[0].Identifier
		}
		if !offers(s.PaymentMethodCategories, category) {
			res = fixable("payment_method_category")
			return nil
		}
		billing := firstSet(in.BillingAddress, s.BillingAddress)
		if missing := missingBillingFields(billing, s.PurchaseCountry); len(missing) > 0 {
			res = fixable(missing...)
			return nil
		}
		v := judge(billing.Email, billing.Phone)
		if v.Denied {
			res = AuthorizeResult{}
			return nil
		}
		if !reviewMarket(s.PurchaseCountry) {
			v.Review, v.ReviewAfter = "", 0
		}
		s.BillingAddress = billing
		s.ShippingAddress = firstSet(in.ShippingAddress, s.ShippingAddress, billing)
		if in.Customer != nil {
			s.Customer = in.Customer
		}
		s.AuthorizationToken = token
		a := authorization{
			Token: token, SessionID: s.SessionID, Category: category, CreatedAt: now,
			ExpiresAt: now.Add(authorizationLifetime), Authorized: s.Purchase, Verdict: v,
		}
		if err := tx.Put(colAuthorizations, token, a); err != nil {
			return err
		}
		if err := tx.Put(colSessions, s.SessionID, s); err != nil {
			return err
		}
		if s.MerchantURLs != nil && s.MerchantURLs.Authorization != "" {
			body, _ := platform.MarshalJSON(map[string]string{"authorization_token": token, "session_id": s.SessionID})
			if _, err := webhook.Enqueue(tx, webhook.Delivery{Event: "authorization", URL: s.MerchantURLs.Authorization, Body: body}, now); err != nil {
				return err
			}
		}
		res = AuthorizeResult{Approved: true, ShowForm: true, AuthorizationToken: token, FinalizeRequired: new(bool)}
		return nil
	})
	return res, err
}

// firstSet is the first of vs that is set (not nil, not "").
func firstSet[T comparable](vs ...T) T {
	var zero T
	for _, v := range vs {
		if v != zero {
			return v
		}
	}
	return zero
}

func offers(cats []PaymentMethodCategory, id string) bool {
	for _, c := range cats {
		if c.Identifier == id {
			return true
		}
	}
	return false
}

// CancelAuthorization releases an authorization that will not become an order
// (DELETE /payments/v1/authorizations/{token}).
func (k *Klarna) CancelAuthorization(ctx context.Context, tenant, token string) error {
	now := k.now(tenant)
	return k.update(ctx, tenant, func(tx *store.Tx) error {
		var a authorization
		if err := loadAuthorization(tx, token, now, &a); err != nil {
			return errAuthNotDeletable
		}
		if a.OrderID != "" || a.CustomerTokenID != "" {
			return errAuthNotDeletable
		}
		a.Cancelled = true
		return tx.Put(colAuthorizations, token, a)
	})
}

// useAuthorization loads the authorization and its session for turning it
// into an order (what="orders") or a customer token (what="customer tokens"),
// applying Klarna's checks in its order: unknown or expired token, token
// already used for this, session completed by another token, intent.
func useAuthorization(tx *store.Tx, token, what string, now time.Time, a *authorization, s *sessionRecord) error {
	if err := loadAuthorization(tx, token, now, a); err != nil {
		return err
	}
	if (what == "orders" && a.OrderID != "") || (what == "customer tokens" && a.CustomerTokenID != "") {
		return errTokenConsumed
	}
	if err := get(tx, colSessions, a.SessionID, s, errInvalidAuthToken); err != nil {
		return err
	}
	if s.Status == SessionComplete && s.CompletedBy != token {
		return errSessionCompleted
	}
	intent := s.Intent
	if (what == "orders" && !allowsOrder(intent)) || (what == "customer tokens" && !allowsToken(intent)) {
		return intentForbids(what, intent)
	}
	return nil
}

// PlaceOrder turns an authorization into an order
// (POST /payments/v1/authorizations/{token}/order). The request must carry
// the cart that was authorized; baseURL is where the emulator is reached
// (for redirect_url).
func (k *Klarna) PlaceOrder(ctx context.Context, tenant, token string, in OrderRequest, baseURL string) (PlacedOrder, error) {
	if err := k.markets.checkPurchase(&in.Purchase); err != nil {
		return PlacedOrder{}, err
	}
	now := k.now(tenant)
	var ids orderIDs
	var out PlacedOrder
	err := k.update(ctx, tenant, func(tx *store.Tx) error {
		ids = newOrderIDs(tx) // drawn in the transaction: replay-safe, repeatable per --seed
		var a authorization
		var s sessionRecord
		if err := useAuthorization(tx, token, "orders", now, &a, &s); err != nil {
			return err
		}
		if err := matchAuthorized(&a.Authorized, &in.Purchase); err != nil {
			return err
		}
		p := in.Purchase
		p.Locale = firstSet(p.Locale, a.Authorized.Locale)
		p.BillingAddress = firstSet(p.BillingAddress, a.Authorized.BillingAddress)
		p.ShippingAddress = firstSet(p.ShippingAddress, a.Authorized.ShippingAddress)
		p.Customer = firstSet(p.Customer, a.Authorized.Customer)
		p.MerchantURLs = firstSet(p.MerchantURLs, a.Authorized.MerchantURLs)
		o, err := k.createOrder(tx, now, ids, orderSeed{
			Purchase: p, Category: a.Category, Verdict: a.Verdict, AutoCapture: in.AutoCapture, SessionID: s.SessionID,
		})
		if err != nil {
			return err
		}
		a.OrderID = o.OrderID
		if err := tx.Put(colAuthorizations, token, a); err != nil {
			return err
		}
		if s.Status != SessionComplete {
			s.Status, s.CompletedBy = SessionComplete, token
			if err := tx.Put(colSessions, s.SessionID, s); err != nil {
				return err
			}
		}
		out = placed(o, baseURL)
		return nil
	})
	return out, err
}

// matchAuthorized is create order's 409: the cart, the market and any address
// given must be what the customer authorized.
func matchAuthorized(auth, req *Purchase) error {
	if len(req.OrderLines) != len(auth.OrderLines) {
		return notMatching([]string{"order_lines"},
			fmt.Sprintf("Incorrect number of items in the cart. Expected: %d, Actual: %d", len(auth.OrderLines), len(req.OrderLines)))
	}
	var bad []string
	diff := func(field string, same bool) {
		if !same {
			bad = append(bad, field)
		}
	}
	diff("purchase_country", strings.EqualFold(auth.PurchaseCountry, req.PurchaseCountry))
	diff("purchase_currency", strings.EqualFold(auth.PurchaseCurrency, req.PurchaseCurrency))
	diff("order_amount", auth.OrderAmount == req.OrderAmount)
	diff("order_tax_amount", auth.OrderTaxAmount == req.OrderTaxAmount)
	for i := range req.OrderLines {
		a, r := auth.OrderLines[i], req.OrderLines[i]
		at := func(f string) string { return fmt.Sprintf("order_lines[%d].%s", i, f) }
		diff(at("name"), a.Name == r.Name)
		diff(at("reference"), a.Reference == r.Reference)
		diff(at("quantity"), a.Quantity == r.Quantity)
		diff(at("unit_price"), a.UnitPrice == r.UnitPrice)
		diff(at("tax_rate"), a.TaxRate == r.TaxRate)
		diff(at("total_amount"), a.TotalAmount == r.TotalAmount)
		diff(at("total_discount_amount"), a.TotalDiscountAmount == r.TotalDiscountAmount)
		diff(at("total_tax_amount"), a.TotalTaxAmount == r.TotalTaxAmount)
	}
	bad = append(bad, addressDiff("billing_address", auth.BillingAddress, req.BillingAddress)...)
	bad = append(bad, addressDiff("shipping_address", auth.ShippingAddress, req.ShippingAddress)...)
	if len(bad) > 0 {
		return notMatching(bad)
	}
	return nil
}

// addressDiff names the fields req sets to something other than auth has.
// Fields req leaves empty are not compared (the authorized value stands).
func addressDiff(prefix string, auth, req *Address) []string {
	if req == nil {
		return nil
	}
	if auth == nil {
		auth = &Address{}
	}
	var a, r map[string]string
	// An Address is strings only: marshalling it and decoding that into a
	// map of strings cannot fail.
	ra, _ := json.Marshal(auth)
	rr, _ := json.Marshal(req)
	_ = json.Unmarshal(ra, &a)
	_ = json.Unmarshal(rr, &r)
	var bad []string
	for _, f := range addressFields {
		if v := strings.TrimSpace(r[f]); v != "" && !strings.EqualFold(v, strings.TrimSpace(a[f])) {
			bad = append(bad, prefix+"."+f)
		}
	}
	return bad
}

var addressFields = []string{
	"title", "given_name", "family_name", "email", "phone", "street_address", "street_address2",
	"postal_code", "city", "region", "country", "attention", "organization_name",
}

// orderIDs are the random values creating an order may need, drawn through
// the transaction (which may run twice, drawing the same values).
type orderIDs struct {
	OrderID, KlarnaReference, CaptureID string
}

func newOrderIDs(tx *store.Tx) orderIDs {
	ids := tx.IDs()
	return orderIDs{OrderID: ids.UUID(), KlarnaReference: ids.Upper(8), CaptureID: ids.UUID()}
}

// orderSeed is what an order is made from (a Payments authorization or a
// customer token).
type orderSeed struct {
	Purchase        Purchase
	Category        string
	Verdict         verdict
	AutoCapture     bool
	SessionID       string
	CustomerTokenID string
}

// jobFraudDecision ends the fraud review of a PENDING order.
const jobFraudDecision = "klarna.fraud_decision"

// createOrder stores a new Order Management order. With a fraud review it is
// PENDING and a job decides it later; otherwise ACCEPTED (and captured in
// full at once with auto_capture).
func (k *Klarna) createOrder(tx *store.Tx, now time.Time, ids orderIDs, seed orderSeed) (*orderRecord, error) {
	p := seed.Purchase
	pm := k.markets.paymentMethod(p.PurchaseCountry, seed.Category)
	o := &orderRecord{
		Order: Order{
			OrderID: ids.OrderID, Status: StatusAuthorized, FraudStatus: FraudAccepted,
			OrderAmount: p.OrderAmount, OriginalOrderAmount: p.OrderAmount,
			PurchaseCountry: p.PurchaseCountry, PurchaseCurrency: p.PurchaseCurrency, Locale: p.Locale,
			OrderLines: p.OrderLines, MerchantReference1: p.MerchantReference1, MerchantReference2: p.MerchantReference2,
			MerchantData: p.MerchantData, KlarnaReference: ids.KlarnaReference, CreatedAt: now,
			ExpiresAt: now.Add(orderAuthLifetime), BillingAddress: p.BillingAddress, ShippingAddress: p.ShippingAddress,
			Customer: p.Customer,
			InitialPaymentMethod: &InitialPaymentMethod{
				Type: strings.ToUpper(pm.Type), Description: k.markets.categoryName(p.PurchaseCountry, seed.Category),
				NumberOfInstallments: pm.NumberOfInstallments,
			},
		},
		PaymentMethod: pm, AutoCapture: seed.AutoCapture, SessionID: seed.SessionID, CustomerTokenID: seed.CustomerTokenID,
		MerchantURLs: p.MerchantURLs,
	}
	if seed.Verdict.Review != "" {
		o.FraudStatus, o.Review = FraudPending, seed.Verdict.Review
		payload, _ := json.Marshal(fraudJob{OrderID: o.OrderID})
		if err := tx.Schedule(store.Job{ID: "fraud/" + o.OrderID, Kind: jobFraudDecision, At: now.Add(seed.Verdict.ReviewAfter), Payload: payload}); err != nil {
			return nil, err
		}
	} else if o.AutoCapture {
		if _, err := o.capture(now, ids.CaptureID, CaptureRequest{CapturedAmount: o.OrderAmount}); err != nil {
			return nil, err
		}
	}
	if err := tx.Put(colOrders, o.OrderID, o); err != nil {
		return nil, err
	}
	if u := p.MerchantURLs; u != nil && u.Confirmation != "" {
		if err := putRedirect(tx, o.OrderID, fillURL(u.Confirmation, seed.SessionID, o.OrderID)); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// placed is create order's answer for o.
func placed(o *orderRecord, baseURL string) PlacedOrder {
	pm := o.PaymentMethod
	out := PlacedOrder{OrderID: o.OrderID, FraudStatus: o.FraudStatus, AuthorizedPaymentMethod: &pm}
	if o.MerchantURLs != nil && o.MerchantURLs.Confirmation != "" && baseURL != "" {
		out.RedirectURL = baseURL + redirectPath + o.OrderID
	}
	return out
}

type fraudJob struct {
	OrderID string `json:"order_id"`
}

// runFraudDecision ends a fraud review: the order becomes ACCEPTED (and is
// captured if auto_capture was asked) or REJECTED (and cancelled), and the
// merchant's notification URL hears of it.
func (k *Klarna) runFraudDecision(ctx context.Context, j store.Job) error {
	var p fraudJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil // unreadable: nothing to retry
	}
	now := k.now(j.Tenant)
	var captureID string
	return k.update(ctx, j.Tenant, func(tx *store.Tx) error {
		captureID = tx.IDs().UUID() // drawn in the transaction: replay-safe, repeatable per --seed
		var o orderRecord
		if err := tx.Get(colOrders, p.OrderID, &o); err != nil || o.FraudStatus != FraudPending {
			return nil // gone (tenant reset) or already decided
		}
		o.FraudStatus, o.Review = o.Review, ""
		event := "FRAUD_RISK_ACCEPTED"
		if o.FraudStatus == FraudRejected {
			event = "FRAUD_RISK_REJECTED"
			o.Status = StatusCancelled
		} else if o.AutoCapture && o.remaining(now) > 0 {
			if _, err := o.capture(now, captureID, CaptureRequest{CapturedAmount: o.remaining(now)}); err != nil {
				return err
			}
		}
		if err := tx.Put(colOrders, o.OrderID, o); err != nil {
			return err
		}
		if o.MerchantURLs == nil || o.MerchantURLs.Notification == "" {
			return nil
		}
		body, _ := platform.MarshalJSON(map[string]string{"order_id": o.OrderID, "event_type": event})
		_, err := webhook.Enqueue(tx, webhook.Delivery{Event: event, URL: fillURL(o.MerchantURLs.Notification, o.SessionID, o.OrderID), Body: body}, now)
		return err
	})
}

// fillURL replaces Klarna's placeholders in a merchant URL.
func fillURL(u, sessionID, orderID string) string {
	return strings.NewReplacer("{session.id}", sessionID, "{order.id}", orderID).Replace(u)
}

// Klarna's redirect_url sends the customer's browser through Klarna (which
// sets a cookie) on to merchant_urls.confirmation. Here it is an emulator page
// that redirects at once; a browser reaches it without credentials, so the
// id is indexed globally.
const (
	redirectPath    = "/_sandbox/klarna/redirect/"
	colRedirects    = "redirects"
	refKindRedirect = "redirect"
)

type redirectRecord struct {
	URL string `json:"url"`
}

func putRedirect(tx *store.Tx, id, url string) error {
	if err := tx.Put(colRedirects, id, redirectRecord{URL: url}); err != nil {
		return err
	}
	return tx.SetRef(refKindRedirect, id)
}

// RedirectTarget is where the redirect page for id (an order or customer
// token id) sends the browser.
func (k *Klarna) RedirectTarget(ctx context.Context, id string) (string, error) {
	notFound := newError(http.StatusNotFound, "NOT_FOUND", "Unknown redirect")
	tenant, err := k.p.Store.Ref(ctx, provider, refKindRedirect, id)
	if err != nil {
		return "", notFound
	}
	var rec redirectRecord
	err = k.view(ctx, tenant, func(tx *store.Tx) error { return get(tx, colRedirects, id, &rec, notFound) })
	return rec.URL, err
}
