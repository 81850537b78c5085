package commercelayer

import (
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/klarnaapi"
)

// paymentSourceTypes are the payment sources an order may have here.
var paymentSourceTypes = []string{"klarna_payments", "external_payments", "wire_transfers"}

// klarna_payments are Klarna payment sessions: creating one opens a session
// at Klarna with the order's cart, auth_token is what the customer's
// authorization in Klarna's widget returned, and _place turns it into a
// Klarna order.

func (cl *CommerceLayer) klarnaPaymentKind() *kind {
	return &kind{
		res: resource("klarna_payments", attributeNames(KlarnaPayment{}.A, "mismatched_amounts"),
			[]string{"session_id", "mismatched_amounts", "order_id", "order_number"}, nil,
			toOne("order", "orders"), toOne("payment_gateway", "klarna_gateways"),
			toMany("versions", "versions"), toMany("event_stores", "event_stores")),
		newRec: func() model { return &KlarnaPayment{} },
		sales:  []op{opCreate, opRead, opUpdate},
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*KlarnaPayment)
			mismatched := false
			var o Order
			if c.tx.Get("orders", r.OrderID, &o) == nil {
				mismatched = o.T.TotalWithTaxes != r.SessionAmount
			}
			if r.A.PaymentMethods == nil {
				r.A.PaymentMethods = []any{}
			}
			return c.object("klarna_payments", &r.Base, r.A, map[string]any{"mismatched_amounts": mismatched}, links{
				"order":           func() []jsonapi.Ref { return one("orders", r.OrderID) },
				"payment_gateway": func() []jsonapi.Ref { return one("klarna_gateways", r.GatewayID) },
				// Versions and event stores are not kept here: always empty.
				"versions":     func() []jsonapi.Ref { return []jsonapi.Ref{} },
				"event_stores": func() []jsonapi.Ref { return []jsonapi.Ref{} },
			})
		},
		create: func(c *call, in *input) (string, error) { return c.createKlarnaPayment(in) },
		update: func(c *call, id string, in *input) error { return c.updateKlarnaPayment(id, in) },
	}
}

// sourceOrder resolves the order of a new payment source: it must exist, be
// visible to the token, be editable, and pay with a method of sourceType.
func (c *call) sourceOrder(in *input, sourceType string) (*Order, *PaymentMethod, error) {
	id, err := c.requiredRelID(in, "order", "orders")
	if err != nil {
		return nil, nil, err
	}
	o := &Order{}
	if err := c.get("orders", id, o); err != nil {
		return nil, nil, err
	}
	if !c.visible(c.cl.kinds["orders"], o) {
		return nil, nil, relNotFound("order", id)
	}
	if !o.state().Editable() {
		return nil, nil, jsonapi.Validation(jsonapi.RelationshipPointer("order"), "order", "is not editable", "not_editable")
	}
	pm := &PaymentMethod{}
	if o.PaymentMethodID == "" || c.tx.Get("payment_methods", o.PaymentMethodID, pm) != nil {
		return nil, nil, jsonapi.Validation(jsonapi.RelationshipPointer("order"), "payment_method", "can't be blank", "blank")
	}
	if pm.A.PaymentSourceType != sourceType {
		return nil, nil, jsonapi.Validation(jsonapi.RelationshipPointer("order"), "payment_method",
			"does not take "+sourceType+" (it takes "+pm.A.PaymentSourceType+")", "invalid")
	}
	return o, pm, nil
}

func (c *call) createKlarnaPayment(in *input) (string, error) {
	var gw KlarnaGateway
	var purchase klarnaapi.Purchase
	err := c.view(func() error {
		o, pm, err := c.sourceOrder(in, "klarna_payments")
		if err != nil {
			return err
		}
		if err := c.get(pm.Gateway.Type, pm.Gateway.ID, &gw); err != nil {
			return err
		}
		purchase, err = c.klarnaPurchase(o)
		return err
	})
	if err != nil {
		return "", err
	}
	session, err := c.cl.kl.OpenSession(c.r.Context(), gw.APIKey, purchase)
	if err != nil {
		return "", klarnaFailure(err, jsonapi.RelationshipPointer("order"))
	}
	var id string
	err = c.update(func() error {
		o, _, err := c.sourceOrder(in, "klarna_payments")
		if err != nil {
			return err
		}
		kp := &KlarnaPayment{OrderID: o.ID, GatewayID: gw.ID, KlarnaTenant: gw.APIKey, SessionAmount: purchase.OrderAmount}
		if kp.Base, err = c.newBase("klarna_payments"); err != nil {
			return err
		}
		if err := overlay(&kp.Base, &kp.A, in); err != nil {
			return err
		}
		kp.A.SessionID, kp.A.ClientToken = &session.SessionID, &session.ClientToken
		kp.A.PaymentMethods = categories(session.PaymentMethodCategories)
		ref := jsonapi.Ref{Type: "klarna_payments", ID: kp.ID}
		o.PaymentSource = &ref
		c.touch(o)
		id = kp.ID
		if err := c.put("klarna_payments", kp); err != nil {
			return err
		}
		return c.put("orders", o)
	})
	return id, err
}

func categories(cs []klarnaapi.PaymentMethodCategory) []any {
	out := make([]any, 0, len(cs))
	for _, c := range cs {
		out = append(out, toMap(c))
	}
	return out
}

// updateKlarnaPayment: auth_token must be the authorization of this
// session at Klarna; _update pushes the order's current cart to the session
// (and drops an auth_token given for the old cart).
func (c *call) updateKlarnaPayment(id string, in *input) error {
	var kp KlarnaPayment
	var purchase klarnaapi.Purchase
	err := c.view(func() error {
		if err := c.get("klarna_payments", id, &kp); err != nil {
			return err
		}
		var o Order
		if err := c.get("orders", kp.OrderID, &o); err != nil {
			return err
		}
		if (in.has("auth_token") || in.flag("_update")) && !o.state().Editable() {
			return jsonapi.Validation(jsonapi.RelationshipPointer("order"), "order", "is not editable", "not_editable")
		}
		if in.flag("_update") {
			var err error
			purchase, err = c.klarnaPurchase(&o)
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	if tok := in.str("auth_token"); tok != nil && *tok != "" {
		s, err := c.cl.kl.ReadSession(c.r.Context(), kp.KlarnaTenant, deref(kp.A.SessionID))
		if err != nil {
			return klarnaFailure(err, jsonapi.AttributePointer("auth_token"))
		}
		if s.AuthorizationToken != *tok {
			return jsonapi.Validation(jsonapi.AttributePointer("auth_token"), "auth_token", "is not an authorization of this Klarna session", "invalid")
		}
	}
	if in.flag("_update") {
		if err := c.cl.kl.UpdateSessionCart(c.r.Context(), kp.KlarnaTenant, deref(kp.A.SessionID), purchase); err != nil {
			return klarnaFailure(err, jsonapi.AttributePointer("_update"))
		}
	}
	return c.update(func() error {
		r := &KlarnaPayment{}
		if err := c.get("klarna_payments", id, r); err != nil {
			return err
		}
		if err := overlay(&r.Base, &r.A, in, "auth_token"); err != nil {
			return err
		}
		if in.flag("_update") {
			r.SessionAmount = purchase.OrderAmount
			if !in.has("auth_token") {
				r.A.AuthToken = nil
			}
		}
		c.touch(r)
		return c.put("klarna_payments", r)
	})
}

// klarnaPurchase is the order as Klarna sees it: the country of the billing
// (else shipping) address or the market's, the order's language, every
// line item (SKUs, shipping, payment method costs) with its tax, and the
// addresses. Without taxes included (US), each line carries no tax and the
// tax is one sales_tax line, as Klarna wants it there.
func (c *call) klarnaPurchase(o *Order) (klarnaapi.Purchase, error) {
	var market Market
	if err := c.get("markets", o.MarketID, &market); err != nil {
		return klarnaapi.Purchase{}, err
	}
	billing, shipping := c.klarnaAddress(o, o.BillingAddressID), c.klarnaAddress(o, o.ShippingAddressID)
	country := market.CountryCode
	for _, a := range []*klarnaapi.Address{billing, shipping} {
		if a != nil && a.Country != "" {
			country = a.Country
			break
		}
	}
	lang := strings.ToLower(deref(o.A.LanguageCode))
	if lang == "" {
		lang = "en"
	}
	p := klarnaapi.Purchase{
		PurchaseCountry: country, PurchaseCurrency: o.A.CurrencyCode, Locale: lang + "-" + strings.ToUpper(country),
		OrderAmount: o.T.TotalWithTaxes, OrderTaxAmount: o.T.TotalTax, BillingAddress: billing, ShippingAddress: shipping,
		MerchantReference1: o.A.Number, OrderLines: []klarnaapi.OrderLine{},
	}
	lines, err := c.lineItems(o.ID)
	if err != nil {
		return p, err
	}
	rateBP := int64(0)
	if o.A.TaxRate != nil {
		rateBP = int64(*o.A.TaxRate*10000 + 0.5)
	}
	for _, l := range lines {
		kl := klarnaapi.OrderLine{Name: deref(l.A.Name), Quantity: l.A.Quantity, UnitPrice: l.A.UnitAmountCents, TotalAmount: l.TotalCents,
			ImageURL: deref(l.A.ImageURL), Reference: l.ID}
		if kl.Name == "" {
			kl.Name = l.A.ItemType
		}
		switch l.A.ItemType {
		case itemSkus:
			kl.Type, kl.Reference = "physical", deref(l.A.SkuCode)
			var s Sku
			if c.tx.Get("skus", l.ItemID, &s) == nil && s.A.DoNotShip {
				kl.Type = "digital"
			}
		case itemShipments:
			kl.Type = "shipping_fee"
		case itemGiftCards:
			kl.Type = "gift_card"
		default:
			kl.Type = "surcharge"
			if l.TotalCents < 0 {
				kl.Type = "discount" // a promotion
			}
		}
		if o.A.TaxIncluded && l.TaxCents > 0 {
			kl.TaxRate, kl.TotalTaxAmount = rateBP, l.TaxCents
		}
		p.OrderLines = append(p.OrderLines, kl)
	}
	if !o.A.TaxIncluded && o.T.TotalTax > 0 {
		p.OrderLines = append(p.OrderLines, klarnaapi.OrderLine{Type: "sales_tax", Name: "Sales tax", Quantity: 1,
			UnitPrice: o.T.TotalTax, TotalAmount: o.T.TotalTax})
	}
	return p, nil
}

// klarnaAddress maps one of the order's addresses to Klarna's shape.
func (c *call) klarnaAddress(o *Order, id string) *klarnaapi.Address {
	var a Address
	if id == "" || c.tx.Get("addresses", id, &a) != nil {
		return nil
	}
	email := deref(a.A.Email)
	if email == "" {
		email = deref(o.A.CustomerEmail)
	}
	return &klarnaapi.Address{GivenName: deref(a.A.FirstName), FamilyName: deref(a.A.LastName), Email: email, Phone: a.A.Phone,
		StreetAddress: a.A.Line1, StreetAddress2: deref(a.A.Line2), PostalCode: deref(a.A.ZipCode), City: a.A.City,
		Region: deref(a.A.StateCode), Country: a.A.CountryCode, OrganizationName: deref(a.A.Company)}
}
