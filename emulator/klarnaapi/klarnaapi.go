// Package klarnaapi holds the shapes of Klarna's APIs (Payments, Order
// Management) that other packages exchange with the Klarna emulator: a caller
// server to server, such as Commerce Layer's Klarna gateway, compiles
// against these types and its own narrow interface, not against the Klarna
// emulator (its pages, SDK and handlers). Amounts are int64 minor units; JSON
// names are Klarna's.
package klarnaapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Address is a billing or shipping address.
type Address struct {
	Title            string `json:"title,omitempty"`
	GivenName        string `json:"given_name,omitempty"`
	FamilyName       string `json:"family_name,omitempty"`
	Email            string `json:"email,omitempty"`
	Phone            string `json:"phone,omitempty"`
	StreetAddress    string `json:"street_address,omitempty"`
	StreetAddress2   string `json:"street_address2,omitempty"`
	PostalCode       string `json:"postal_code,omitempty"`
	City             string `json:"city,omitempty"`
	Region           string `json:"region,omitempty"`
	Country          string `json:"country,omitempty"`
	Attention        string `json:"attention,omitempty"`
	OrganizationName string `json:"organization_name,omitempty"`
}

// Customer is the person or organization paying.
type Customer struct {
	DateOfBirth                  string `json:"date_of_birth,omitempty"`
	Gender                       string `json:"gender,omitempty"`
	Title                        string `json:"title,omitempty"`
	Type                         string `json:"type,omitempty"`
	NationalIdentificationNumber string `json:"national_identification_number,omitempty"`
	LastFourSSN                  string `json:"last_four_ssn,omitempty"`
	OrganizationEntityType       string `json:"organization_entity_type,omitempty"`
	OrganizationRegistrationID   string `json:"organization_registration_id,omitempty"`
	VatID                        string `json:"vat_id,omitempty"`
}

// MerchantURLs are where Klarna sends the customer and its callbacks.
type MerchantURLs struct {
	Confirmation  string `json:"confirmation,omitempty"`
	Notification  string `json:"notification,omitempty"`
	Push          string `json:"push,omitempty"`
	Authorization string `json:"authorization,omitempty"`
}

// Attachment is extra merchant data.
type Attachment struct {
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
}

// ProductIdentifiers describe an order line's product.
type ProductIdentifiers struct {
	Brand                  string `json:"brand,omitempty"`
	CategoryPath           string `json:"category_path,omitempty"`
	GlobalTradeItemNumber  string `json:"global_trade_item_number,omitempty"`
	ManufacturerPartNumber string `json:"manufacturer_part_number,omitempty"`
	Color                  string `json:"color,omitempty"`
	Size                   string `json:"size,omitempty"`
}

// Subscription marks a recurring order line.
type Subscription struct {
	Name          string `json:"name"`
	Interval      string `json:"interval"`
	IntervalCount int64  `json:"interval_count"`
}

// OrderLine is one line of a cart, order, capture or refund.
type OrderLine struct {
	Type                string              `json:"type,omitempty"`
	Reference           string              `json:"reference,omitempty"`
	Name                string              `json:"name"`
	Quantity            int64               `json:"quantity"`
	QuantityUnit        string              `json:"quantity_unit,omitempty"`
	UnitPrice           int64               `json:"unit_price"`
	TaxRate             int64               `json:"tax_rate"`
	TotalAmount         int64               `json:"total_amount"`
	TotalDiscountAmount int64               `json:"total_discount_amount"`
	TotalTaxAmount      int64               `json:"total_tax_amount"`
	MerchantData        string              `json:"merchant_data,omitempty"`
	ProductURL          string              `json:"product_url,omitempty"`
	ImageURL            string              `json:"image_url,omitempty"`
	ProductIdentifiers  *ProductIdentifiers `json:"product_identifiers,omitempty"`
	Subscription        *Subscription       `json:"subscription,omitempty"`
}

// Purchase is the cart and customer data a payment session (and a create-order
// request) carries.
type Purchase struct {
	AcquiringChannel       string          `json:"acquiring_channel,omitempty"`
	Intent                 string          `json:"intent,omitempty"`
	PurchaseCountry        string          `json:"purchase_country"`
	PurchaseCurrency       string          `json:"purchase_currency"`
	Locale                 string          `json:"locale,omitempty"`
	OrderAmount            int64           `json:"order_amount"`
	OrderTaxAmount         int64           `json:"order_tax_amount"`
	OrderLines             []OrderLine     `json:"order_lines"`
	BillingAddress         *Address        `json:"billing_address,omitempty"`
	ShippingAddress        *Address        `json:"shipping_address,omitempty"`
	Customer               *Customer       `json:"customer,omitempty"`
	MerchantReference1     string          `json:"merchant_reference1,omitempty"`
	MerchantReference2     string          `json:"merchant_reference2,omitempty"`
	MerchantData           string          `json:"merchant_data,omitempty"`
	MerchantURLs           *MerchantURLs   `json:"merchant_urls,omitempty"`
	Attachment             *Attachment     `json:"attachment,omitempty"`
	CustomPaymentMethodIDs []string        `json:"custom_payment_method_ids,omitempty"`
	Design                 string          `json:"design,omitempty"`
	Options                json.RawMessage `json:"options,omitempty"`
}

// Session intents.
const (
	IntentBuy                   = "buy"
	IntentTokenize              = "tokenize"
	IntentBuyAndTokenize        = "buy_and_tokenize"
	IntentBuyAndDefaultTokenize = "buy_and_default_tokenize"
)

// Session statuses.
const (
	SessionIncomplete = "incomplete"
	SessionComplete   = "complete"
)

// AssetURLs are a payment method category's badges.
type AssetURLs struct {
	Descriptive string `json:"descriptive"`
	Standard    string `json:"standard"`
}

// PaymentMethodCategory is one group of Klarna payment methods a session offers.
type PaymentMethodCategory struct {
	Identifier string    `json:"identifier"`
	Name       string    `json:"name"`
	AssetURLs  AssetURLs `json:"asset_urls"`
}

// AuthorizedPaymentMethod is what the customer chose, reported on create order.
type AuthorizedPaymentMethod struct {
	Type                 string `json:"type" yaml:"type"`
	NumberOfDays         int64  `json:"number_of_days,omitempty" yaml:"number_of_days"`
	NumberOfInstallments int64  `json:"number_of_installments,omitempty" yaml:"number_of_installments"`
}

// Session is a payment session as Payments' read call returns it.
type Session struct {
	SessionID string `json:"session_id"`
	Purchase
	Status                  string                  `json:"status"`
	ExpiresAt               time.Time               `json:"expires_at"`
	ClientToken             string                  `json:"client_token"`
	AuthorizationToken      string                  `json:"authorization_token,omitempty"`
	PaymentMethodCategories []PaymentMethodCategory `json:"payment_method_categories"`
}

// CreatedSession answers create session.
type CreatedSession struct {
	SessionID               string                  `json:"session_id"`
	ClientToken             string                  `json:"client_token"`
	PaymentMethodCategories []PaymentMethodCategory `json:"payment_method_categories"`
}

// OrderRequest is a create-order body (Payments) and what the Go API takes.
type OrderRequest struct {
	Purchase
	AutoCapture bool `json:"auto_capture,omitempty"`
}

// PlacedOrder answers create order (Payments and Customer Token).
type PlacedOrder struct {
	OrderID                 string                   `json:"order_id"`
	RedirectURL             string                   `json:"redirect_url,omitempty"`
	FraudStatus             string                   `json:"fraud_status"`
	AuthorizedPaymentMethod *AuthorizedPaymentMethod `json:"authorized_payment_method,omitempty"`
}

// ShippingInfo is a shipment's tracking data.
type ShippingInfo struct {
	ShippingCompany       string `json:"shipping_company,omitempty"`
	ShippingMethod        string `json:"shipping_method,omitempty"`
	TrackingNumber        string `json:"tracking_number,omitempty"`
	TrackingURI           string `json:"tracking_uri,omitempty"`
	ReturnShippingCompany string `json:"return_shipping_company,omitempty"`
	ReturnTrackingNumber  string `json:"return_tracking_number,omitempty"`
	ReturnTrackingURI     string `json:"return_tracking_uri,omitempty"`
}

// Capture is one capture of an order.
type Capture struct {
	CaptureID       string         `json:"capture_id"`
	KlarnaReference string         `json:"klarna_reference"`
	CapturedAmount  int64          `json:"captured_amount"`
	CapturedAt      time.Time      `json:"captured_at"`
	Description     string         `json:"description,omitempty"`
	Reference       string         `json:"reference,omitempty"`
	OrderLines      []OrderLine    `json:"order_lines"`
	RefundedAmount  int64          `json:"refunded_amount"`
	BillingAddress  *Address       `json:"billing_address,omitempty"`
	ShippingAddress *Address       `json:"shipping_address,omitempty"`
	ShippingInfo    []ShippingInfo `json:"shipping_info"`
}

// Refund is one refund of an order.
type Refund struct {
	RefundID       string      `json:"refund_id"`
	RefundedAmount int64       `json:"refunded_amount"`
	RefundedAt     time.Time   `json:"refunded_at"`
	Description    string      `json:"description,omitempty"`
	Reference      string      `json:"reference,omitempty"`
	OrderLines     []OrderLine `json:"order_lines"`
	CreditInvoice  bool        `json:"credit_invoice"`
}

// CaptureRequest is POST /captures.
type CaptureRequest struct {
	CapturedAmount int64          `json:"captured_amount"`
	Description    string         `json:"description,omitempty"`
	Reference      string         `json:"reference,omitempty"`
	OrderLines     []OrderLine    `json:"order_lines,omitempty"`
	ShippingInfo   []ShippingInfo `json:"shipping_info,omitempty"`
	ShippingDelay  int64          `json:"shipping_delay,omitempty"`
}

// RefundRequest is POST /refunds.
type RefundRequest struct {
	RefundedAmount int64       `json:"refunded_amount"`
	Description    string      `json:"description,omitempty"`
	Reference      string      `json:"reference,omitempty"`
	OrderLines     []OrderLine `json:"order_lines,omitempty"`
}

// Error is every Klarna API error: Payments, Customer Token and Order
// Management share one body, {correlation_id, error_code, error_messages}.
type Error struct {
	Status   int
	Code     string
	Messages []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("klarna %d %s: %s", e.Status, e.Code, strings.Join(e.Messages, "; "))
}
