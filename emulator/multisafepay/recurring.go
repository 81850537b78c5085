package multisafepay

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// Recurring payments: an order with a recurring_model and a
// customer.reference that completes leaves a token under that reference;
// later orders pay with recurring_id (or payment_data.token) and no
// customer present. The tokens are listed, read, updated and removed under
// /recurring/{reference}.

const colTokens = "tokens" // token -> Token

// Recurring models.
var recurringModels = setOf("cardOnFile subscription unscheduled")

// tokenizable are the gateways the vendor's Token schema names.
var tokenizable = setOf("AMEX CREDITCARD DIRDEB DIRECTBANK IDEAL MAESTRO MASTERCARD MISTERCASH VISA")

// Token is a stored payment detail of a customer.
type Token struct {
	Token      string    `json:"token"`
	Reference  string    `json:"reference"`
	Code       string    `json:"code"`
	Display    string    `json:"display"`
	Bin        int64     `json:"bin,omitempty"`
	NameHolder string    `json:"name_holder"`
	ExpiryDate int64     `json:"expiry_date,omitempty"` // YYMM
	Last4      int64     `json:"last4,omitempty"`
	Model      string    `json:"model"`
	OrderID    string    `json:"order_id"`
	Created    time.Time `json:"created"`
}

// tokenJSON is a token as the API shows it.
type tokenJSON struct {
	Token      string `json:"token"`
	Code       string `json:"code"`
	Display    string `json:"display"`
	Bin        *int64 `json:"bin"`
	NameHolder string `json:"name_holder"`
	ExpiryDate *int64 `json:"expiry_date"`
	Expired    int    `json:"expired"`
	Last4      *int64 `json:"last4"`
	// The vendor's Token schema names it model, its example recurring_model: both.
	Model          string `json:"model"`
	RecurringModel string `json:"recurring_model"`
}

func (t *Token) view(now time.Time) tokenJSON {
	v := tokenJSON{Token: t.Token, Code: t.Code, Display: t.Display, NameHolder: t.NameHolder, Model: t.Model, RecurringModel: t.Model,
		Bin: null(t.Bin), Last4: null(t.Last4), ExpiryDate: null(t.ExpiryDate)}
	if e := t.ExpiryDate; e != 0 {
		// Valid through the end of the expiry month.
		yy, mm := int(e/100), time.Month(e%100)
		end := time.Date(2000+yy, mm+1, 1, 0, 0, 0, 0, amsterdam)
		if !now.Before(end) {
			v.Expired = 1
		}
	}
	return v
}

func errTokenNotFound() *Error { return newError(http.StatusGone, 1000, "Token not found") }

// recurringRef is the token an order asks to pay with.
func recurringRef(req *orderRequest) string {
	switch {
	case req.RecurringID.String() != "":
		return req.RecurringID.String()
	case req.Recurring != nil && req.Recurring.ID.String() != "":
		return req.Recurring.ID.String()
	case req.PaymentData != nil && req.PaymentData.Token.String() != "":
		return req.PaymentData.Token.String()
	}
	return ""
}

// takeRecurring reads recurring_model and the token an order pays with.
func (o *Order) takeRecurring(req *orderRequest, tok *Token) *Error {
	model := req.RecurringModel.String()
	if model == "" && req.Recurring != nil {
		model = req.Recurring.Model.String()
	}
	if model != "" && !recurringModels[model] {
		return newError(http.StatusBadRequest, 1016, "Invalid data: recurring_model must be cardOnFile, subscription or unscheduled")
	}
	o.RecurringModel = model
	if ref := recurringRef(req); ref != "" {
		if tok == nil || (o.Customer.Reference != "" && tok.Reference != o.Customer.Reference) {
			// UNCONFIRMED: the vendor documents 410 only for the token endpoints.
			return newError(http.StatusBadRequest, 1000, "Token not found")
		}
		o.RecurringID = tok.Token
		o.RecurringFlow = "token"
		if o.Customer.Reference == "" {
			o.Customer.Reference = tok.Reference
		}
		if o.RecurringModel == "" {
			o.RecurringModel = tok.Model
		}
	}
	return nil
}

// requestedGateway is the gateway an order names: top level, else the
// payment component's payment_data (its gateway, or the one inside its
// base64 payload), else the token's.
func requestedGateway(req *orderRequest, tok *Token) string {
	if id := req.Gateway.String(); id != "" {
		return id
	}
	if pd := req.PaymentData; pd != nil {
		if id := pd.Gateway.String(); id != "" {
			return id
		}
		if raw, err := base64.StdEncoding.DecodeString(pd.Payload.String()); err == nil {
			var p struct {
				Gateway string `json:"gateway"`
			}
			if json.Unmarshal(raw, &p) == nil && p.Gateway != "" {
				return p.Gateway
			}
		}
	}
	if tok != nil {
		return tok.Code
	}
	return ""
}

// lookupToken finds the token an order pays with, nil when it names none or
// an unknown one.
func (m *MultiSafepay) lookupToken(ctx context.Context, tenant string, req *orderRequest) (*Token, error) {
	ref := recurringRef(req)
	if ref == "" {
		return nil, nil
	}
	var t Token
	err := m.p.Store.View(ctx, provider, tenant, func(tx *store.Tx) error { return tx.Get(colTokens, ref, &t) })
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// cardBrand is the scheme of a card number (the token's code).
func cardBrand(number string) string {
	switch {
	case strings.HasPrefix(number, "34"), strings.HasPrefix(number, "37"):
		return "AMEX"
	case strings.HasPrefix(number, "4"):
		return "VISA"
	case strings.HasPrefix(number, "5"), strings.HasPrefix(number, "2"):
		return "MASTERCARD"
	case strings.HasPrefix(number, "6"):
		return "MAESTRO"
	}
	return "CREDITCARD"
}

// tokenize leaves a token for a completed initial recurring order.
func (m *MultiSafepay) tokenize(tx *store.Tx, o *Order, now time.Time) error {
	if o.RecurringModel == "" || o.Customer.Reference == "" || o.RecurringID != "" ||
		o.Status != stCompleted || !tokenizable[o.Gateway] {
		return nil
	}
	t := Token{Reference: o.Customer.Reference, Code: o.Gateway, Model: o.RecurringModel, OrderID: o.OrderID, Created: now}
	name := strings.TrimSpace(o.Customer.FirstName + " " + o.Customer.LastName)
	if h := o.GatewayInfo["card_holder_name"]; h != "" {
		name = h
	}
	if h := o.GatewayInfo["account_holder_name"]; h != "" {
		name = h
	}
	t.NameHolder = name
	switch {
	case o.Gateway == "DIRDEB" || o.Gateway == "IDEAL" || o.Gateway == "DIRECTBANK":
		iban := compact(o.GatewayInfo["account_id"])
		if iban == "" {
			iban = "NL87ABNA0000000001" // what the test page would have been given
		}
		t.Display = maskIBAN(iban)
	default:
		number := compact(o.GatewayInfo["card_number"])
		if len(number) < 12 {
			number = "4111111111111111" // a card entered on the payment page
		}
		if o.Gateway == "CREDITCARD" {
			t.Code = cardBrand(number)
		}
		t.Bin, _ = strconv.ParseInt(number[:6], 10, 64)
		t.Last4, _ = strconv.ParseInt(number[len(number)-4:], 10, 64)
		t.Display = "Card xxxx xxxx xxxx " + number[len(number)-4:]
		t.ExpiryDate, _ = strconv.ParseInt(o.GatewayInfo["card_expiry_date"], 10, 64)
		if t.ExpiryDate < 100 || t.ExpiryDate%100 < 1 || t.ExpiryDate%100 > 12 {
			exp := now.In(amsterdam).AddDate(3, 0, 0)
			t.ExpiryDate = int64(exp.Year()%100*100 + int(exp.Month()))
		}
	}
	for {
		t.Token = tx.IDs().Alnum(11)
		if !tx.Exists(colTokens, t.Token) {
			break
		}
	}
	o.RecurringID = t.Token
	o.RecurringFlow = ""
	return tx.Put(colTokens, t.Token, &t) // a pointer: the index keys are *Token's
}

// refPrefix walks a reference's tokens in creation order (then token); the
// reference is in hex, so that no reference's prefix is another's.
func refPrefix(reference string) string {
	return "ref\x00" + hex.EncodeToString([]byte(reference)) + "\x00"
}

// IndexKeys: a token by its customer reference and creation time, the
// order of GET /recurring/{reference}.
func (t *Token) IndexKeys() []string {
	return []string{refPrefix(t.Reference) + fmt.Sprintf("%016x", uint64(t.Created.UnixNano())^(1<<63))}
}

// customerTokens lists a reference's tokens, oldest first, skipping the
// first offset and stopping after limit (limit < 0: all). The index of
// tokens by reference answers it; tokens stored before the index (an older
// data file, until its next token) are scanned.
func customerTokens(tx *store.Tx, reference string, offset, limit int) ([]Token, error) {
	var out []Token
	err := tx.LookupFrom(colTokens, refPrefix(reference), false, offset, func(_ string, raw []byte) (bool, error) {
		if limit >= 0 && len(out) >= limit {
			return false, nil
		}
		var t Token
		if err := gojson.Unmarshal(raw, &t); err != nil {
			return false, err
		}
		out = append(out, t)
		return true, nil
	})
	if !errors.Is(err, store.ErrNoIndex) {
		return out, err
	}
	out = nil
	err = tx.List(colTokens, func(_ string, raw []byte) error {
		var t Token
		if err := gojson.Unmarshal(raw, &t); err != nil {
			return err
		}
		if t.Reference == reference {
			out = append(out, t)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b Token) int { return a.Created.Compare(b.Created) })
	out = out[min(offset, len(out)):]
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// listTokens is GET /recurring/{reference}: limit (default 10) and offset.
func (m *MultiSafepay) listTokens(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	limit, offset := 10, 0
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		if v := r.URL.Query().Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				writeError(w, newError(http.StatusBadRequest, 1016, "Invalid data: %s", name))
				return
			}
			*dst = n
		}
	}
	var list []Token
	err := m.p.Store.View(r.Context(), provider, tenant, func(tx *store.Tx) error {
		var err error
		list, err = customerTokens(tx, platform.PathVar(r, "reference"), offset, limit)
		return err
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	now := m.p.Clock.Now(tenant)
	out := make([]tokenJSON, 0, len(list))
	for i := range list {
		out = append(out, list[i].view(now))
	}
	ok(w, map[string]any{"tokens": out})
}

// readToken finds a reference's token.
func readToken(tx *store.Tx, reference, token string) (*Token, error) {
	var t Token
	if err := tx.Get(colTokens, token, &t); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errTokenNotFound()
		}
		return nil, err
	}
	if t.Reference != reference {
		return nil, errTokenNotFound()
	}
	return &t, nil
}

// getToken is GET /recurring/{reference}/token/{token}.
func (m *MultiSafepay) getToken(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var t *Token
	err := m.p.Store.View(r.Context(), provider, tenant, func(tx *store.Tx) error {
		var err error
		t, err = readToken(tx, platform.PathVar(r, "reference"), platform.PathVar(r, "token"))
		return err
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, t.view(m.p.Clock.Now(tenant)))
}

// deleteToken is DELETE /recurring/{reference}/remove/{token}.
func (m *MultiSafepay) deleteToken(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	err := m.p.Store.Update(r.Context(), provider, tenant, func(tx *store.Tx) error {
		t, err := readToken(tx, platform.PathVar(r, "reference"), platform.PathVar(r, "token"))
		if err != nil {
			return err
		}
		return tx.Delete(colTokens, t.Token)
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, map[string]bool{"removed": true})
}

// updateToken is PATCH /recurring/{reference}/update/{token} {expiry_date: YYMM}.
func (m *MultiSafepay) updateToken(w http.ResponseWriter, r *http.Request) {
	tenant := platform.Tenant(r.Context())
	var req struct {
		ExpiryDate text `json:"expiry_date"`
	}
	if err := decode(r, &req); err != nil {
		writeError(w, err)
		return
	}
	exp, err := strconv.ParseInt(req.ExpiryDate.String(), 10, 64)
	if err != nil || exp < 100 || exp > 9912 || exp%100 < 1 || exp%100 > 12 {
		writeError(w, newError(http.StatusBadRequest, 1016, "Invalid data: expiry_date must be YYMM"))
		return
	}
	err = m.p.Store.Update(r.Context(), provider, tenant, func(tx *store.Tx) error {
		t, err := readToken(tx, platform.PathVar(r, "reference"), platform.PathVar(r, "token"))
		if err != nil {
			return err
		}
		if t.Code == "DIRDEB" || t.Code == "IDEAL" || t.Code == "DIRECTBANK" {
			return newError(http.StatusGone, 1000, "Token not updated")
		}
		t.ExpiryDate = exp
		return tx.Put(colTokens, t.Token, t)
	})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	ok(w, map[string]bool{"updated": true})
}
