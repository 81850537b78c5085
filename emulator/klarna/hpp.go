package klarna

import (
	"net/url"
	"strings"
	"time"
)

// Klarna's Hosted Payment Page (HPP API v1): a page Klarna hosts for a
// Payments session, so a merchant needs no front end of its own. This file
// holds the plain rules (statuses, placeholders, options, test outcomes);
// hpp_api.go the operations, hpp_page.go the page itself.

// HPP session statuses. COMPLETED, CANCELLED and DISABLED are final; a FAILED,
// BACK or ERROR session can be opened again. TIMEOUT exists only in callbacks.
const (
	HPPWaiting    = "WAITING"
	HPPInProgress = "IN_PROGRESS"
	HPPCompleted  = "COMPLETED"
	HPPFailed     = "FAILED"
	HPPBack       = "BACK"
	HPPCancelled  = "CANCELLED"
	HPPDisabled   = "DISABLED"
	HPPError      = "ERROR"
	HPPTimeout    = "TIMEOUT"
)

// place_order_mode: what the page does once the customer is approved.
const (
	PlaceOrderNone    = "NONE"          // the merchant gets an authorization_token and places the order itself
	PlaceOrderPlace   = "PLACE_ORDER"   // the page places the order (order_id)
	PlaceOrderCapture = "CAPTURE_ORDER" // the page places the order and captures it in full
)

// hppBeforePaymentSession: an HPP session ends one hour before its payment session.
const hppBeforePaymentSession = time.Hour

// HPPMerchantURLs are where the page sends the customer (and status_update,
// where Klarna posts every status change). They may carry {{session_id}},
// {{authorization_token}} and {{order_id}}.
type HPPMerchantURLs struct {
	Success      string `json:"success,omitempty"`
	Cancel       string `json:"cancel,omitempty"`
	Back         string `json:"back,omitempty"`
	Failure      string `json:"failure,omitempty"`
	Error        string `json:"error,omitempty"`
	StatusUpdate string `json:"status_update,omitempty"`
}

// BackgroundImage is one of the page's background pictures.
type BackgroundImage struct {
	URL   string `json:"url,omitempty"`
	Width int64  `json:"width,omitempty"`
}

// HPPOptions change what the page shows and does.
type HPPOptions struct {
	PlaceOrderMode          string            `json:"place_order_mode,omitempty"`
	PaymentMethodCategory   string            `json:"payment_method_category,omitempty"`
	PaymentMethodCategories []string          `json:"payment_method_categories,omitempty"`
	PurchaseType            string            `json:"purchase_type,omitempty"`
	LogoURL                 string            `json:"logo_url,omitempty"`
	PageTitle               string            `json:"page_title,omitempty"`
	BackgroundImages        []BackgroundImage `json:"background_images,omitempty"`
	ShowSubtotalDetail      string            `json:"show_subtotal_detail,omitempty"`
}

// HPPRequest is POST /hpp/v1/sessions.
type HPPRequest struct {
	PaymentSessionURL string           `json:"payment_session_url"`
	MerchantURLs      *HPPMerchantURLs `json:"merchant_urls,omitempty"`
	Options           *HPPOptions      `json:"options,omitempty"`
	ProfileID         string           `json:"profile_id,omitempty"`
}

// DistributionModule is what an in-store device needs to show the page.
type DistributionModule struct {
	Token         string `json:"token"`
	StandaloneURL string `json:"standalone_url"`
	GenerationURL string `json:"generation_url"`
}

// HPPCreated answers POST /hpp/v1/sessions.
type HPPCreated struct {
	SessionID          string              `json:"session_id"`
	SessionURL         string              `json:"session_url"`
	RedirectURL        string              `json:"redirect_url"`
	QRCodeURL          string              `json:"qr_code_url"`
	DistributionURL    string              `json:"distribution_url"`
	DistributionModule *DistributionModule `json:"distribution_module"`
	ExpiresAt          time.Time           `json:"expires_at"`
}

// HPPCustomer is who paid, as far as the page learnt.
type HPPCustomer struct {
	GivenName   string `json:"given_name,omitempty"`
	FamilyName  string `json:"family_name,omitempty"`
	DateOfBirth string `json:"date_of_birth,omitempty"`
	Title       string `json:"title,omitempty"`
}

// HPPSession is an HPP session as GET /hpp/v1/sessions/{id} (and every
// status_update callback) shows it.
type HPPSession struct {
	SessionID          string       `json:"session_id"`
	Status             string       `json:"status"`
	AuthorizationToken string       `json:"authorization_token,omitempty"`
	OrderID            string       `json:"order_id,omitempty"`
	KlarnaReference    string       `json:"klarna_reference,omitempty"`
	Customer           *HPPCustomer `json:"customer,omitempty"`
	ExpiresAt          time.Time    `json:"expires_at"`
	UpdatedAt          time.Time    `json:"updated_at"`
}

// HPPDistribution is POST /hpp/v1/sessions/{id}/distribution.
type HPPDistribution struct {
	Method             string `json:"method"`
	ContactInformation struct {
		Email        string `json:"email,omitempty"`
		Phone        string `json:"phone,omitempty"`
		PhoneCountry string `json:"phone_country,omitempty"`
		AccessID     string `json:"access_id,omitempty"`
	} `json:"contact_information"`
	Template string `json:"template,omitempty"`
}

// hppRecord is a stored HPP session.
type hppRecord struct {
	HPPSession
	PaymentSessionID string          `json:"payment_session_id"`
	MerchantURLs     HPPMerchantURLs `json:"merchant_urls"`
	Options          HPPOptions      `json:"options"`
	ProfileID        string          `json:"profile_id,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
	// Categories the page offers (Payments identifiers); empty: all the
	// payment session has.
	Categories []string `json:"categories,omitempty"`
	TimedOut   bool     `json:"timed_out,omitempty"`
}

// hppFinal tells statuses after which the page can no longer be used.
func hppFinal(status string) bool {
	return status == HPPCompleted || status == HPPCancelled || status == HPPDisabled
}

// hppExpired tells whether the session is past its end at now.
func (h *hppRecord) expired(now time.Time) bool { return !now.Before(h.ExpiresAt) }

// hppExpiry is when an HPP session for a payment session ending at
// paymentSessionEnd ends.
func hppExpiry(paymentSessionEnd time.Time) time.Time {
	return paymentSessionEnd.Add(-hppBeforePaymentSession)
}

// paymentSessionID reads the session id out of payment_session_url
// (…/payments/v1/sessions/{id}; any host, since merchants build it from
// whatever base URL they use). Checkout orders are not emulated.
func paymentSessionID(raw string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	const marker = "/payments/v1/sessions/"
	i := strings.LastIndex(u.Path, marker)
	if i < 0 {
		return "", false
	}
	id := strings.Trim(u.Path[i+len(marker):], "/")
	if id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// hppCategories turns the options' category choice (Klarna writes them in
// upper case here) into Payments identifiers, checking each is offered.
// It returns the field that is wrong, if one is.
func hppCategories(o HPPOptions, offered []PaymentMethodCategory) (ids []string, badField string) {
	switch {
	case o.PaymentMethodCategory != "" && len(o.PaymentMethodCategories) > 0:
		return nil, "options.payment_method_categories" // one or the other, not both
	case o.PaymentMethodCategory != "":
		id := strings.ToLower(o.PaymentMethodCategory)
		if !offers(offered, id) {
			return nil, "options.payment_method_category"
		}
		return []string{id}, ""
	}
	for _, c := range o.PaymentMethodCategories {
		id := strings.ToLower(c)
		if !offers(offered, id) {
			return nil, "options.payment_method_categories"
		}
		ids = append(ids, id)
	}
	return ids, ""
}

// fillHPPURL replaces the HPP placeholders in a merchant URL. Values are
// query-escaped: they land in query strings.
func fillHPPURL(u, sessionID, authToken, orderID string) string {
	return strings.NewReplacer(
		"{{session_id}}", url.QueryEscape(sessionID),
		"{{authorization_token}}", url.QueryEscape(authToken),
		"{{order_id}}", url.QueryEscape(orderID),
	).Replace(u)
}

// The outcomes a customer (or a test) picks on the page and in the JS SDK's
// approval step. Each is carried to the authorization as playground test
// data in the billing e-mail, so the authorization endpoint decides as it
// always does.
const (
	OutcomeTestData = "test_data" // the e-mail as entered decides
	OutcomeApprove  = "approve"
	OutcomeDeny     = "deny"
	OutcomePending  = "pending" // approved; the order waits 5 minutes for fraud review (US, GB)
	OutcomeError    = "error"   // HPP only: the page fails (status ERROR)
)

// pendingReviewTag is the playground tag the "pending" outcome adds.
const pendingReviewTag = "pend-accept-05"

// emailForOutcome rewrites a billing e-mail so that the playground test data
// in it gives outcome: approve strips deciding tags, deny adds +denied,
// pending adds +pend-accept-05. test_data leaves it alone.
func emailForOutcome(email, outcome string) string {
	if outcome == OutcomeTestData || outcome == "" {
		return email
	}
	local, domain, ok := strings.Cut(strings.TrimSpace(email), "@")
	if !ok {
		return email
	}
	parts := strings.Split(local, "+")
	kept := parts[:1]
	for _, tag := range parts[1:] {
		t := strings.ToLower(tag)
		if t != "denied" && !pendRE.MatchString(t) {
			kept = append(kept, tag)
		}
	}
	switch outcome {
	case OutcomeDeny:
		kept = append(kept, "denied")
	case OutcomePending:
		kept = append(kept, pendingReviewTag)
	}
	return strings.Join(kept, "+") + "@" + domain
}
