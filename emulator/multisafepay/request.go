package multisafepay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// text holds any JSON value as text. MultiSafepay's clients send numbers as
// strings ("amount":"10000") and booleans as strings ("manual":"false"); the
// OpenAPI file says which forms a field takes, the domain parses the text.
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*t = ""
	case b[0] == '"' && plainString(b):
		*t = text(b[1 : len(b)-1]) // nothing to unescape: the text is the bytes
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(s)
	default:
		*t = text(b)
	}
	return nil
}

// plainString tells whether the JSON string b needs no unescaping: no
// backslash, no control byte, valid UTF-8 (encoding/json would give the
// bytes between the quotes as they are).
func plainString(b []byte) bool {
	if len(b) < 2 || b[len(b)-1] != '"' {
		return false
	}
	inner := b[1 : len(b)-1]
	for _, c := range inner {
		if c == '\\' || c == '"' || c < 0x20 {
			return false
		}
	}
	return utf8.Valid(inner)
}

func (t text) String() string { return strings.TrimSpace(string(t)) }

// orderRequest is the body of POST /orders.
type orderRequest struct {
	Type           text `json:"type"`
	Gateway        text `json:"gateway"`
	OrderID        text `json:"order_id"`
	Currency       text `json:"currency"`
	Amount         text `json:"amount"`
	Description    text `json:"description"`
	Var1           text `json:"var1"`
	Var2           text `json:"var2"`
	Var3           text `json:"var3"`
	Items          text `json:"items"`
	Manual         text `json:"manual"`
	Capture        text `json:"capture"`
	DaysActive     text `json:"days_active"`
	SecondsActive  text `json:"seconds_active"`
	RecurringID    text `json:"recurring_id"`
	RecurringModel text `json:"recurring_model"`
	Recurring      *struct {
		Model text `json:"model"`
		ID    text `json:"id"`
	} `json:"recurring"`
	PaymentData *struct {
		Gateway text `json:"gateway"`
		Payload text `json:"payload"`
		Token   text `json:"token"`
	} `json:"payment_data"`
	PaymentOptions paymentOptions  `json:"payment_options"`
	Customer       *addressRequest `json:"customer"`
	Delivery       *addressRequest `json:"delivery"`
	GatewayInfo    map[string]text `json:"gateway_info"`
	ShoppingCart   *struct {
		Items []itemRequest `json:"items"`
	} `json:"shopping_cart"`
	CheckoutOptions *struct {
		TaxTables *taxTablesRequest `json:"tax_tables"`
	} `json:"checkout_options"`
	CustomInfo *struct {
		Custom1 text `json:"custom_1"`
		Custom2 text `json:"custom_2"`
		Custom3 text `json:"custom_3"`
	} `json:"custom_info"`
}

type paymentOptions struct {
	NotificationURL    text `json:"notification_url"`
	NotificationMethod text `json:"notification_method"`
	RedirectURL        text `json:"redirect_url"`
	CancelURL          text `json:"cancel_url"`
	CloseWindow        text `json:"close_window"`
}

type addressRequest struct {
	Locale      text `json:"locale"`
	IPAddress   text `json:"ip_address"`
	ForwardedIP text `json:"forwarded_ip"`
	CompanyName text `json:"company_name"`
	FirstName   text `json:"first_name"`
	LastName    text `json:"last_name"`
	Address1    text `json:"address1"`
	Address2    text `json:"address2"`
	HouseNumber text `json:"house_number"`
	ZipCode     text `json:"zip_code"`
	City        text `json:"city"`
	State       text `json:"state"`
	Country     text `json:"country"`
	Phone       text `json:"phone"`
	Email       text `json:"email"`
	Referrer    text `json:"referrer"`
	UserAgent   text `json:"user_agent"`
	Reference   text `json:"reference"`
	Birthday    text `json:"birthday"`
	Gender      text `json:"gender"`
}

type itemRequest struct {
	Name             text `json:"name"`
	Description      text `json:"description"`
	UnitPrice        text `json:"unit_price"`
	Quantity         text `json:"quantity"`
	MerchantItemID   text `json:"merchant_item_id"`
	TaxTableSelector text `json:"tax_table_selector"`
	Currency         text `json:"currency"`
	Image            text `json:"image"`
	ProductURL       text `json:"product_url"`
	Weight           *struct {
		Unit  text `json:"unit"`
		Value text `json:"value"`
	} `json:"weight"`
}

type taxTablesRequest struct {
	Default *struct {
		Rate          text `json:"rate"`
		ShippingTaxed text `json:"shipping_taxed"`
	} `json:"default"`
	Alternate []struct {
		Name       text `json:"name"`
		Standalone text `json:"standalone"`
		Rules      []struct {
			Rate    text `json:"rate"`
			Country text `json:"country"`
		} `json:"rules"`
	} `json:"alternate"`
}

// Address is a customer or delivery address as stored.
type Address struct {
	Locale      string `json:"locale,omitempty"`
	IPAddress   string `json:"ip_address,omitempty"`
	ForwardedIP string `json:"forwarded_ip,omitempty"`
	CompanyName string `json:"company_name,omitempty"`
	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	Address1    string `json:"address1,omitempty"`
	Address2    string `json:"address2,omitempty"`
	HouseNumber string `json:"house_number,omitempty"`
	ZipCode     string `json:"zip_code,omitempty"`
	City        string `json:"city,omitempty"`
	State       string `json:"state,omitempty"`
	Country     string `json:"country,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Email       string `json:"email,omitempty"`
	Referrer    string `json:"referrer,omitempty"`
	UserAgent   string `json:"user_agent,omitempty"`
	Reference   string `json:"reference,omitempty"`
	Birthday    string `json:"birthday,omitempty"`
	Gender      string `json:"gender,omitempty"`
}

func (a *addressRequest) toAddress() Address {
	if a == nil {
		return Address{}
	}
	return Address{
		Locale: a.Locale.String(), IPAddress: a.IPAddress.String(), ForwardedIP: a.ForwardedIP.String(),
		CompanyName: a.CompanyName.String(), FirstName: a.FirstName.String(), LastName: a.LastName.String(),
		Address1: a.Address1.String(), Address2: a.Address2.String(), HouseNumber: a.HouseNumber.String(),
		ZipCode: a.ZipCode.String(), City: a.City.String(), State: a.State.String(),
		Country: strings.ToUpper(a.Country.String()), Phone: a.Phone.String(), Email: a.Email.String(),
		Referrer: a.Referrer.String(), UserAgent: a.UserAgent.String(),
		Reference: a.Reference.String(), Birthday: a.Birthday.String(), Gender: a.Gender.String(),
	}
}

// toCart converts cart lines; allowNegative admits the negative quantities
// of a BNPL refund's checkout_data.
func toCart(items []itemRequest, allowNegative bool) ([]CartItem, *Error) {
	out := make([]CartItem, 0, len(items))
	for i, it := range items {
		qty, good := parseMinor(it.Quantity.String())
		if !good || (!allowNegative && qty < 1) || qty == 0 {
			return nil, errCart(1031, fmt.Sprintf("Incorrect item price: quantity %q of item %d", it.Quantity.String(), i))
		}
		if _, good := parseDecimal(it.UnitPrice.String()); !good {
			return nil, errCart(1031, fmt.Sprintf("Incorrect item price: unit_price %q of item %d", it.UnitPrice.String(), i))
		}
		c := CartItem{
			Name: it.Name.String(), Description: it.Description.String(), UnitPrice: it.UnitPrice.String(),
			Quantity: qty, MerchantItemID: it.MerchantItemID.String(), TaxTableSelector: it.TaxTableSelector.String(),
			Currency: strings.ToUpper(it.Currency.String()), Image: it.Image.String(), ProductURL: it.ProductURL.String(),
		}
		if it.Weight != nil {
			c.Weight = &Weight{Unit: it.Weight.Unit.String(), Value: it.Weight.Value.String()}
		}
		out = append(out, c)
	}
	return out, nil
}

func (t *taxTablesRequest) toTaxTables() *TaxTables {
	if t == nil {
		return nil
	}
	out := &TaxTables{Default: TaxDefault{Rate: "0"}}
	if t.Default != nil {
		out.Default = TaxDefault{Rate: t.Default.Rate.String(), ShippingTaxed: parseBool(t.Default.ShippingTaxed.String())}
		if out.Default.Rate == "" {
			out.Default.Rate = "0"
		}
	}
	for _, a := range t.Alternate {
		tab := TaxTable{Name: a.Name.String(), Standalone: parseBool(a.Standalone.String()), Rules: []TaxRule{}}
		for _, r := range a.Rules {
			tab.Rules = append(tab.Rules, TaxRule{Rate: r.Rate.String(), Country: strings.ToUpper(r.Country.String())})
		}
		out.Alternate = append(out.Alternate, tab)
	}
	return out
}
