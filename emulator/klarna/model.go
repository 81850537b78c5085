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
	AuthorizeRequest        = klarnaapi.AuthorizeRequest
	AuthorizeError          = klarnaapi.AuthorizeError
	AuthorizeResult         = klarnaapi.AuthorizeResult
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
