package commercelayer

import (
	"time"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// Records are stored as JSON, one collection per resource type. Each holds
// its attributes in A (JSON names are Commerce Layer's attribute names, so
// writes overlay them generically) and its relationships as ids beside it.

// Base is what every resource has.
type Base struct {
	ID              string         `json:"id"`
	Seq             uint64         `json:"seq"` // creation order, the default sort
	CreatedAt       string         `json:"created_at"`
	UpdatedAt       string         `json:"updated_at"`
	Reference       *string        `json:"reference"`
	ReferenceOrigin *string        `json:"reference_origin"`
	Metadata        map[string]any `json:"metadata"`
	// Extra holds the attributes of the resource model a client wrote that
	// no behaviour here reads; Rels the relationships likewise. Both are
	// returned as written.
	Extra map[string]any           `json:"extra,omitempty"`
	Rels  map[string][]jsonapi.Ref `json:"rels,omitempty"`
}

// Record is a resource type with no behaviour here: its attributes and
// relationships are all in Base.
type Record struct {
	Base
}

func (b *Base) base() *Base { return b }

// model is any stored resource.
type model interface{ base() *Base }

// timestamp is Commerce Layer's time format: UTC with milliseconds.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func tsPtr(t time.Time) *string { s := timestamp(t); return &s }

// ---- Organization and catalog (seeded from the fixture) -------------------

type Organization struct {
	Base
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type Market struct {
	Base
	A struct {
		Number                     int64   `json:"number"`
		Name                       string  `json:"name"`
		Code                       string  `json:"code"`
		CheckoutURL                *string `json:"checkout_url"`
		ExternalPricesURL          *string `json:"external_prices_url"`
		ExternalOrderValidationURL *string `json:"external_order_validation_url"`
		Private                    bool    `json:"private"`
		DisabledAt                 *string `json:"disabled_at"`
	} `json:"attributes"`
	PriceListID    string           `json:"price_list_id"`
	CountryCode    string           `json:"country_code"`
	LanguageCode   string           `json:"language_code"`
	DefaultTaxRate int64            `json:"default_tax_rate"`
	TaxRates       map[string]int64 `json:"tax_rates"`
}

type PriceList struct {
	Base
	A struct {
		Name         string `json:"name"`
		Code         string `json:"code"`
		CurrencyCode string `json:"currency_code"`
		TaxIncluded  bool   `json:"tax_included"`
	} `json:"attributes"`
}

type Sku struct {
	Base
	A struct {
		Code           string   `json:"code"`
		Name           string   `json:"name"`
		Description    *string  `json:"description"`
		ImageURL       *string  `json:"image_url"`
		PiecesPerPack  *int64   `json:"pieces_per_pack"`
		Weight         *float64 `json:"weight"`
		UnitOfWeight   *string  `json:"unit_of_weight"`
		HsTariffNumber *string  `json:"hs_tariff_number"`
		DoNotShip      bool     `json:"do_not_ship"`
		DoNotTrack     bool     `json:"do_not_track"`
	} `json:"attributes"`
}

type Price struct {
	Base
	A struct {
		CurrencyCode         string `json:"currency_code"`
		SkuCode              string `json:"sku_code"`
		AmountCents          int64  `json:"amount_cents"`
		CompareAtAmountCents int64  `json:"compare_at_amount_cents"`
	} `json:"attributes"`
	PriceListID string `json:"price_list_id"`
	SkuID       string `json:"sku_id"`
}

type ShippingMethod struct {
	Base
	A struct {
		Name                string  `json:"name"`
		Scheme              string  `json:"scheme"`
		CurrencyCode        string  `json:"currency_code"`
		PriceAmountCents    int64   `json:"price_amount_cents"`
		FreeOverAmountCents *int64  `json:"free_over_amount_cents"`
		UseSubtotal         bool    `json:"use_subtotal"`
		DisabledAt          *string `json:"disabled_at"`
	} `json:"attributes"`
	MarketID string `json:"market_id"`
}

type PaymentMethod struct {
	Base
	A struct {
		Name              string  `json:"name"`
		PaymentSourceType string  `json:"payment_source_type"`
		CurrencyCode      string  `json:"currency_code"`
		Moto              bool    `json:"moto"`
		RequireCapture    bool    `json:"require_capture"`
		AutoPlace         bool    `json:"auto_place"`
		AutoCapture       bool    `json:"auto_capture"`
		PriceAmountCents  int64   `json:"price_amount_cents"`
		DisabledAt        *string `json:"disabled_at"`
	} `json:"attributes"`
	MarketID string      `json:"market_id"`
	Gateway  jsonapi.Ref `json:"gateway"`
}

type KlarnaGateway struct {
	Base
	A struct {
		Name          string  `json:"name"`
		ForcePayments bool    `json:"force_payments"`
		DisabledAt    *string `json:"disabled_at"`
	} `json:"attributes"`
	CountryCode string `json:"country_code"` // Klarna's region (EU, US, OC); write-only at Commerce Layer
	APIKey      string `json:"api_key"`
	APISecret   string `json:"api_secret"`
}

// ---- Customers and addresses ----------------------------------------------

type Customer struct {
	Base
	A struct {
		Email            string `json:"email"`
		Status           string `json:"status"`
		HasPassword      bool   `json:"has_password"`
		TotalOrdersCount int64  `json:"total_orders_count"`
	} `json:"attributes"`
	PasswordHash string `json:"password_hash,omitempty"`
}

type AddressAttrs struct {
	Business    bool     `json:"business"`
	FirstName   *string  `json:"first_name"`
	LastName    *string  `json:"last_name"`
	Company     *string  `json:"company"`
	Line1       string   `json:"line_1"`
	Line2       *string  `json:"line_2"`
	City        string   `json:"city"`
	ZipCode     *string  `json:"zip_code"`
	StateCode   *string  `json:"state_code"`
	CountryCode string   `json:"country_code"`
	Phone       string   `json:"phone"`
	Email       *string  `json:"email"`
	Notes       *string  `json:"notes"`
	Lat         *float64 `json:"lat"`
	Lng         *float64 `json:"lng"`
	BillingInfo *string  `json:"billing_info"`
}

type Address struct {
	Base
	A AddressAttrs `json:"attributes"`
}

// ---- Orders ---------------------------------------------------------------

type OrderAttrs struct {
	Number               string         `json:"number"`
	Status               string         `json:"status"`
	PaymentStatus        string         `json:"payment_status"`
	FulfillmentStatus    string         `json:"fulfillment_status"`
	Guest                bool           `json:"guest"`
	CustomerEmail        *string        `json:"customer_email"`
	LanguageCode         *string        `json:"language_code"`
	CurrencyCode         string         `json:"currency_code"`
	TaxIncluded          bool           `json:"tax_included"`
	TaxRate              *float64       `json:"tax_rate"`
	FreightTaxable       bool           `json:"freight_taxable"`
	PaymentMethodTaxable bool           `json:"payment_method_taxable"`
	CountryCode          *string        `json:"country_code"`
	CouponCode           *string        `json:"coupon_code"`
	GiftCardCode         *string        `json:"gift_card_code"`
	CartURL              *string        `json:"cart_url"`
	ReturnURL            *string        `json:"return_url"`
	TermsURL             *string        `json:"terms_url"`
	PrivacyURL           *string        `json:"privacy_url"`
	CheckoutURL          *string        `json:"checkout_url"`
	Token                string         `json:"token"`
	PaymentSourceDetails map[string]any `json:"payment_source_details"`
	PlacedAt             *string        `json:"placed_at"`
	ApprovedAt           *string        `json:"approved_at"`
	CancelledAt          *string        `json:"cancelled_at"`
	PaymentUpdatedAt     *string        `json:"payment_updated_at"`
	FulfillmentUpdatedAt *string        `json:"fulfillment_updated_at"`
	RefreshedAt          *string        `json:"refreshed_at"`
	ArchivedAt           *string        `json:"archived_at"`
}

type Order struct {
	Base
	A                 OrderAttrs   `json:"attributes"`
	T                 Totals       `json:"totals"`
	PlaceTotal        int64        `json:"place_total"`
	MarketID          string       `json:"market_id"`
	CustomerID        string       `json:"customer_id,omitempty"`
	ShippingAddressID string       `json:"shipping_address_id,omitempty"`
	BillingAddressID  string       `json:"billing_address_id,omitempty"`
	PaymentMethodID   string       `json:"payment_method_id,omitempty"`
	PaymentSource     *jsonapi.Ref `json:"payment_source,omitempty"`
	TxCount           int          `json:"tx_count"` // transactions numbered <number>/T/<n>
}

func (o *Order) state() OrderState {
	return OrderState{Status: o.A.Status, Payment: o.A.PaymentStatus, Fulfillment: o.A.FulfillmentStatus}
}

func (o *Order) setState(s OrderState, now time.Time) {
	if s.Payment != o.A.PaymentStatus {
		o.A.PaymentUpdatedAt = tsPtr(now)
	}
	if s.Fulfillment != o.A.FulfillmentStatus {
		o.A.FulfillmentUpdatedAt = tsPtr(now)
	}
	o.A.Status, o.A.PaymentStatus, o.A.FulfillmentStatus = s.Status, s.Payment, s.Fulfillment
}

type LineItem struct {
	Base
	A struct {
		SkuCode         *string  `json:"sku_code"`
		BundleCode      *string  `json:"bundle_code"`
		Quantity        int64    `json:"quantity"`
		CurrencyCode    string   `json:"currency_code"`
		UnitAmountCents int64    `json:"unit_amount_cents"`
		Name            *string  `json:"name"`
		ImageURL        *string  `json:"image_url"`
		ItemType        string   `json:"item_type"`
		TaxRate         *float64 `json:"tax_rate"`
	} `json:"attributes"`
	TotalCents int64  `json:"total_cents"`
	TaxCents   int64  `json:"tax_cents"`
	OrderID    string `json:"order_id"`
	ItemID     string `json:"item_id"`
}

type Shipment struct {
	Base
	A struct {
		Number         string `json:"number"`
		Status         string `json:"status"`
		CurrencyCode   string `json:"currency_code"`
		SkusCount      int64  `json:"skus_count"`
		SelectedRateID any    `json:"selected_rate_id"`
	} `json:"attributes"`
	OrderID          string `json:"order_id"`
	ShippingMethodID string `json:"shipping_method_id,omitempty"`
}

// ---- Payment sources ------------------------------------------------------

type KlarnaPayment struct {
	Base
	A struct {
		SessionID         *string        `json:"session_id"`
		ClientToken       *string        `json:"client_token"`
		PaymentMethods    []any          `json:"payment_methods"`
		AuthToken         *string        `json:"auth_token"`
		PaymentInstrument map[string]any `json:"payment_instrument"`
	} `json:"attributes"`
	OrderID       string `json:"order_id"`
	GatewayID     string `json:"gateway_id"`
	KlarnaTenant  string `json:"klarna_tenant"`
	SessionAmount int64  `json:"session_amount"`
	KlarnaOrderID string `json:"klarna_order_id,omitempty"`
}

type ExternalPayment struct {
	Base
	A struct {
		PaymentSourceToken string         `json:"payment_source_token"`
		Options            map[string]any `json:"options"`
		PaymentInstrument  map[string]any `json:"payment_instrument"`
	} `json:"attributes"`
	OrderID string `json:"order_id"`
}

type WireTransfer struct {
	Base
	A struct {
		PaymentInstrument map[string]any `json:"payment_instrument"`
	} `json:"attributes"`
	OrderID string `json:"order_id"`
}

// ---- Transactions ---------------------------------------------------------

// Transaction is an authorization, capture, void or refund (Type says which).
type Transaction struct {
	Base
	A struct {
		Number               string  `json:"number"`
		Type                 string  `json:"type"`
		PaymentMethodType    string  `json:"payment_method_type"`
		CurrencyCode         string  `json:"currency_code"`
		AmountCents          int64   `json:"amount_cents"`
		Succeeded            bool    `json:"succeeded"`
		Message              *string `json:"message"`
		ErrorCode            *string `json:"error_code"`
		ErrorDetail          *string `json:"error_detail"`
		Token                *string `json:"token"`
		GatewayTransactionID *string `json:"gateway_transaction_id"`
	} `json:"attributes"`
	OrderID       string       `json:"order_id"`
	PaymentSource *jsonapi.Ref `json:"payment_source,omitempty"`
	ReferenceID   string       `json:"reference_id,omitempty"` // the authorization of a capture or void, the capture of a refund
	Captured      int64        `json:"captured"`               // authorizations: captured so far
	Voided        int64        `json:"voided"`                 // authorizations: voided so far
	Refunded      int64        `json:"refunded"`               // captures: refunded so far
}

// ---- Webhooks -------------------------------------------------------------

type Webhook struct {
	Base
	A struct {
		Name             *string  `json:"name"`
		Topic            string   `json:"topic"`
		CallbackURL      string   `json:"callback_url"`
		IncludeResources []string `json:"include_resources"`
		DisabledAt       *string  `json:"disabled_at"`
	} `json:"attributes"`
	SharedSecret string `json:"shared_secret"`
	// ShowSecret is set for the response that creates or regenerates the secret.
	ShowSecret  bool   `json:"-"`
	CircuitFrom string `json:"circuit_from"` // failures before this time do not count
}
