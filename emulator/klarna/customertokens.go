package klarna

import (
	"context"
	"strings"
	"time"

	"github.com/paysandbox/paysandbox/emulator/store"
)

// Customer tokens: made from an authorization of a *tokenize session
// (Payments), then read, charged and cancelled through Customer Token v1.
// Tokens never expire; they end when cancelled.

// Customer token statuses.
const (
	TokenActive    = "ACTIVE"
	TokenCancelled = "CANCELLED"
	TokenSuspended = "SUSPENDED"
)

// TokenCard describes a card behind a token.
type TokenCard struct {
	Brand        string `json:"brand"`
	ExpiryDate   string `json:"expiry_date"`
	MaskedNumber string `json:"masked_number"`
}

// TokenDirectDebit describes a bank account behind a token.
type TokenDirectDebit struct {
	MaskedNumber string `json:"masked_number"`
}

// CustomerToken is a token as GET /customer-token/v1/tokens/{id} returns it.
type CustomerToken struct {
	Status            string            `json:"status"`
	PaymentMethodType string            `json:"payment_method_type"`
	Card              *TokenCard        `json:"card,omitempty"`
	DirectDebit       *TokenDirectDebit `json:"direct_debit,omitempty"`
}

type customerTokenRecord struct {
	CustomerToken
	TokenID                string    `json:"token_id"`
	PurchaseCountry        string    `json:"purchase_country"`
	PurchaseCurrency       string    `json:"purchase_currency"`
	Locale                 string    `json:"locale"`
	Description            string    `json:"description"`
	IntendedUse            string    `json:"intended_use"`
	BillingAddress         *Address  `json:"billing_address,omitempty"`
	Customer               *Customer `json:"customer,omitempty"`
	Category               string    `json:"payment_method_category"`
	PaymentMethodReference string    `json:"payment_method_reference"`
	SessionID              string    `json:"session_id"`
	CreatedAt              time.Time `json:"created_at"`
}

// CustomerTokenRequest is POST /payments/v1/authorizations/{token}/customer-token.
type CustomerTokenRequest struct {
	PurchaseCountry  string    `json:"purchase_country"`
	PurchaseCurrency string    `json:"purchase_currency"`
	Locale           string    `json:"locale"`
	Description      string    `json:"description"`
	IntendedUse      string    `json:"intended_use"`
	BillingAddress   *Address  `json:"billing_address,omitempty"`
	Customer         *Customer `json:"customer,omitempty"`
}

// TokenCustomer is the customer part of a created token.
type TokenCustomer struct {
	DateOfBirth string `json:"date_of_birth,omitempty"`
	Gender      string `json:"gender,omitempty"`
}

// CreatedCustomerToken answers create customer token.
type CreatedCustomerToken struct {
	TokenID                string         `json:"token_id"`
	RedirectURL            string         `json:"redirect_url,omitempty"`
	BillingAddress         *Address       `json:"billing_address,omitempty"`
	Customer               *TokenCustomer `json:"customer,omitempty"`
	PaymentMethodReference string         `json:"payment_method_reference"`
}

// CreateCustomerToken turns an authorization of a session with a *tokenize
// intent into a customer token.
func (k *Klarna) CreateCustomerToken(ctx context.Context, tenant, authToken string, in CustomerTokenRequest, baseURL string) (CreatedCustomerToken, error) {
	if bad := k.markets.checkMarket(in.PurchaseCountry, in.PurchaseCurrency, in.Locale); len(bad) > 0 {
		return CreatedCustomerToken{}, badValue(bad...)
	}
	if d := strings.TrimSpace(in.Description); d == "" || len(in.Description) > 255 {
		return CreatedCustomerToken{}, badValue("description")
	}
	if !strings.EqualFold(in.IntendedUse, "SUBSCRIPTION") {
		return CreatedCustomerToken{}, badValue("intended_use")
	}
	now := k.now(tenant)
	var tokenID, ref, last4 string
	var out CreatedCustomerToken
	err := k.update(ctx, tenant, func(tx *store.Tx) error {
		tokenID, ref, last4 = tx.IDs().UUID(), tx.IDs().UUID(), tx.IDs().Digits(4) // drawn in the transaction: replay-safe, repeatable per --seed
		var a authorization
		var s sessionRecord
		if err := useAuthorization(tx, authToken, "customer tokens", now, &a, &s); err != nil {
			return err
		}
		var bad []string
		if !strings.EqualFold(in.PurchaseCountry, a.Authorized.PurchaseCountry) {
			bad = append(bad, "purchase_country")
		}
		if !strings.EqualFold(in.PurchaseCurrency, a.Authorized.PurchaseCurrency) {
			bad = append(bad, "purchase_currency")
		}
		bad = append(bad, addressDiff("billing_address", a.Authorized.BillingAddress, in.BillingAddress)...)
		if len(bad) > 0 {
			return notMatching(bad)
		}
		t := customerTokenRecord{
			CustomerToken: CustomerToken{Status: TokenActive, PaymentMethodType: k.markets.tokenType(a.Category)},
			TokenID:       tokenID, PurchaseCountry: in.PurchaseCountry, PurchaseCurrency: in.PurchaseCurrency,
			Locale: in.Locale, Description: in.Description, IntendedUse: strings.ToUpper(in.IntendedUse),
			BillingAddress: a.Authorized.BillingAddress, Customer: firstSet(in.Customer, a.Authorized.Customer),
			Category: a.Category, PaymentMethodReference: ref, SessionID: s.SessionID, CreatedAt: now,
		}
		switch t.PaymentMethodType {
		case "CARD":
			t.Card = &TokenCard{Brand: "VISA", ExpiryDate: now.AddDate(3, 0, 0).Format("01/06"), MaskedNumber: "************" + last4}
		case "DIRECT_DEBIT":
			t.DirectDebit = &TokenDirectDebit{MaskedNumber: "************" + last4}
		}
		if err := tx.Put(colTokens, tokenID, t); err != nil {
			return err
		}
		a.CustomerTokenID = tokenID
		if err := tx.Put(colAuthorizations, authToken, a); err != nil {
			return err
		}
		if s.Intent == IntentTokenize && s.Status != SessionComplete {
			s.Status, s.CompletedBy = SessionComplete, authToken
			if err := tx.Put(colSessions, s.SessionID, s); err != nil {
				return err
			}
		}
		out = CreatedCustomerToken{TokenID: tokenID, BillingAddress: t.BillingAddress, PaymentMethodReference: ref}
		if c := t.Customer; c != nil && (c.DateOfBirth != "" || c.Gender != "") {
			out.Customer = &TokenCustomer{DateOfBirth: c.DateOfBirth, Gender: c.Gender}
		}
		if u := s.MerchantURLs; u != nil && u.Confirmation != "" {
			out.RedirectURL = baseURL + redirectPath + tokenID
			return putRedirect(tx, tokenID, fillURL(u.Confirmation, s.SessionID, ""))
		}
		return nil
	})
	return out, err
}

// ReadCustomerToken returns a token (GET /customer-token/v1/tokens/{id}).
func (k *Klarna) ReadCustomerToken(ctx context.Context, tenant, tokenID string) (CustomerToken, error) {
	var t customerTokenRecord
	err := k.view(ctx, tenant, func(tx *store.Tx) error { return get(tx, colTokens, tokenID, &t, errCustomerTokenLookup) })
	return t.CustomerToken, err
}

// TokenOrderRequest is POST /customer-token/v1/tokens/{id}/order.
type TokenOrderRequest struct {
	PurchaseCurrency   string        `json:"purchase_currency"`
	Locale             string        `json:"locale,omitempty"`
	OrderAmount        int64         `json:"order_amount"`
	OrderTaxAmount     int64         `json:"order_tax_amount"`
	OrderLines         []OrderLine   `json:"order_lines"`
	AutoCapture        bool          `json:"auto_capture,omitempty"`
	MerchantReference1 string        `json:"merchant_reference1,omitempty"`
	MerchantReference2 string        `json:"merchant_reference2,omitempty"`
	MerchantData       string        `json:"merchant_data,omitempty"`
	MerchantURLs       *MerchantURLs `json:"merchant_urls,omitempty"`
	ShippingAddress    *Address      `json:"shipping_address,omitempty"`
	Attachment         *Attachment   `json:"attachment,omitempty"`
}

// TokenOrder charges a customer token: a new Order Management order in the
// token's market. It honours an idempotency key set with WithIdempotencyKey.
func (k *Klarna) TokenOrder(ctx context.Context, tenant, tokenID string, in TokenOrderRequest, baseURL string) (PlacedOrder, error) {
	now := k.now(tenant)
	var ids orderIDs
	return once(k, ctx, tenant, "token-order", now, func(tx *store.Tx) (PlacedOrder, error) {
		ids = newOrderIDs(tx) // drawn in the transaction: replay-safe, repeatable per --seed
		var t customerTokenRecord
		if err := get(tx, colTokens, tokenID, &t, errTokenNotFound); err != nil {
			return PlacedOrder{}, err
		}
		switch t.Status {
		case TokenCancelled:
			return PlacedOrder{}, errTokenCanceled
		case TokenSuspended:
			return PlacedOrder{}, errTokenSuspended
		}
		p := Purchase{
			PurchaseCountry: t.PurchaseCountry, PurchaseCurrency: in.PurchaseCurrency, Locale: firstSet(in.Locale, t.Locale),
			OrderAmount: in.OrderAmount, OrderTaxAmount: in.OrderTaxAmount, OrderLines: in.OrderLines,
			BillingAddress: t.BillingAddress, ShippingAddress: firstSet(in.ShippingAddress, t.BillingAddress), Customer: t.Customer,
			MerchantReference1: in.MerchantReference1, MerchantReference2: in.MerchantReference2, MerchantData: in.MerchantData,
			MerchantURLs: in.MerchantURLs, Attachment: in.Attachment,
		}
		if err := k.markets.checkPurchase(&p); err != nil {
			return PlacedOrder{}, err
		}
		o, err := k.createOrder(tx, now, ids, orderSeed{Purchase: p, Category: t.Category, AutoCapture: in.AutoCapture, CustomerTokenID: tokenID})
		if err != nil {
			return PlacedOrder{}, err
		}
		return placed(o, baseURL), nil
	})
}

// CancelCustomerToken ends a token (PATCH .../status {"status":"CANCELLED"}).
// Cancelling a cancelled token is accepted again.
func (k *Klarna) CancelCustomerToken(ctx context.Context, tenant, tokenID string) error {
	return k.update(ctx, tenant, func(tx *store.Tx) error {
		var t customerTokenRecord
		if err := get(tx, colTokens, tokenID, &t, errTokenNotFound); err != nil {
			return err
		}
		t.Status = TokenCancelled
		return tx.Put(colTokens, tokenID, t)
	})
}
