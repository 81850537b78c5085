package klarna

import "github.com/paysandbox/paysandbox/emulator/klarnaapi"

// The shapes Klarna's APIs share live in emulator/klarnaapi, so a caller
// server to server (Commerce Layer) needs only them; here they keep their
// short names.
type (
	Address                 = klarnaapi.Address
	Customer                = klarnaapi.Customer
	MerchantURLs            = klarnaapi.MerchantURLs
	Attachment              = klarnaapi.Attachment
	ProductIdentifiers      = klarnaapi.ProductIdentifiers
	Subscription            = klarnaapi.Subscription
	OrderLine               = klarnaapi.OrderLine
	Purchase                = klarnaapi.Purchase
	AssetURLs               = klarnaapi.AssetURLs
	PaymentMethodCategory   = klarnaapi.PaymentMethodCategory
	AuthorizedPaymentMethod = klarnaapi.AuthorizedPaymentMethod
	Session                 = klarnaapi.Session
	CreatedSession          = klarnaapi.CreatedSession
	OrderRequest            = klarnaapi.OrderRequest
	PlacedOrder             = klarnaapi.PlacedOrder
	ShippingInfo            = klarnaapi.ShippingInfo
	Capture                 = klarnaapi.Capture
	Refund                  = klarnaapi.Refund
	CaptureRequest          = klarnaapi.CaptureRequest
	RefundRequest           = klarnaapi.RefundRequest
	Error                   = klarnaapi.Error
)

// Session intents.
const (
	IntentBuy                   = klarnaapi.IntentBuy
	IntentTokenize              = klarnaapi.IntentTokenize
	IntentBuyAndTokenize        = klarnaapi.IntentBuyAndTokenize
	IntentBuyAndDefaultTokenize = klarnaapi.IntentBuyAndDefaultTokenize
)

// Session statuses.
const (
	SessionIncomplete = klarnaapi.SessionIncomplete
	SessionComplete   = klarnaapi.SessionComplete
)

// allowsOrder and allowsToken say what an authorization of a session with this
// intent may be turned into.
func allowsOrder(intent string) bool { return intent != IntentTokenize }
func allowsToken(intent string) bool { return intent != IntentBuy }

// AuthorizeRequest is what the customer would have entered in Klarna's widget.
type AuthorizeRequest struct {
	PaymentMethodCategory string    `json:"payment_method_category,omitempty"`
	BillingAddress        *Address  `json:"billing_address,omitempty"`
	ShippingAddress       *Address  `json:"shipping_address,omitempty"`
	Customer              *Customer `json:"customer,omitempty"`
}

// AuthorizeError is the error object of the JS SDK's authorize() answer.
// Code and Message are the emulator's own additions for failures that are
// not about a field (bad client token, expired or completed session).
type AuthorizeError struct {
	InvalidFields []string `json:"invalid_fields"`
	Code          string   `json:"code,omitempty"`
	Message       string   `json:"message,omitempty"`
}

// AuthorizeResult has the shape of the JS SDK's authorize() callback argument.
type AuthorizeResult struct {
	Approved           bool            `json:"approved"`
	ShowForm           bool            `json:"show_form"`
	AuthorizationToken string          `json:"authorization_token,omitempty"`
	FinalizeRequired   *bool           `json:"finalize_required,omitempty"`
	Error              *AuthorizeError `json:"error,omitempty"`
}
