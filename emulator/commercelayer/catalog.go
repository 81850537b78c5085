package commercelayer

import (
	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// The catalog comes from the fixture and is read-only here: markets, price
// lists, SKUs, prices, shipping methods, payment methods, Klarna gateways.

func (cl *CommerceLayer) marketKind() *kind {
	return &kind{
		res: resource("markets", attributeNames(Market{}.A),
			[]string{"number", "name", "code", "private", "disabled_at", "price_list_id", "price_list_name", "price_list_code"},
			[]string{"number", "name", "code", "disabled_at"},
			toOne("price_list", "price_lists")),
		newRec: func() model { return &Market{} },
		sales:  readOnly,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*Market)
			return c.object("markets", &r.Base, r.A, nil, links{"price_list": func() []jsonapi.Ref { return one("price_lists", r.PriceListID) }})
		},
	}
}

func (cl *CommerceLayer) priceListKind() *kind {
	return &kind{
		res: resource("price_lists", attributeNames(PriceList{}.A),
			[]string{"name", "code", "currency_code", "tax_included"}, []string{"name", "code", "currency_code"},
			toMany("prices", "prices")),
		newRec: func() model { return &PriceList{} },
		sales:  readOnly,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*PriceList)
			return c.object("price_lists", &r.Base, r.A, nil, links{"prices": func() []jsonapi.Ref {
				ps, _ := scan(c, "prices", func(p *Price) bool { return p.PriceListID == r.ID })
				return refs("prices", ps)
			}})
		},
	}
}

func (cl *CommerceLayer) skuKind() *kind {
	return &kind{
		res: resource("skus", attributeNames(Sku{}.A),
			[]string{"code", "name", "description", "do_not_ship", "do_not_track", "weight", "prices_currency_code", "prices_amount_cents"},
			[]string{"code", "name", "weight"},
			toMany("prices", "prices")),
		newRec: func() model { return &Sku{} },
		sales:  readOnly,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*Sku)
			return c.object("skus", &r.Base, r.A, nil, links{"prices": func() []jsonapi.Ref {
				ps, _ := lookup(c, "prices", "sku", r.ID, func(p *Price) bool { return p.SkuID == r.ID })
				return refs("prices", ps)
			}})
		},
	}
}

func (cl *CommerceLayer) priceKind() *kind {
	return &kind{
		res: resource("prices", attributeNames(Price{}.A, amountNames("amount", "compare_at_amount")...),
			[]string{"currency_code", "sku_code", "amount_cents", "compare_at_amount_cents", "price_list_id", "price_list_code", "price_list_name", "sku_id", "sku_name"},
			[]string{"currency_code", "sku_code", "amount_cents", "compare_at_amount_cents"},
			toOne("price_list", "price_lists"), toOne("sku", "skus")),
		newRec: func() model { return &Price{} },
		sales:  readOnly,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*Price)
			extra := map[string]any{}
			putAmount(extra, "amount", r.A.AmountCents, r.A.CurrencyCode)
			putAmount(extra, "compare_at_amount", r.A.CompareAtAmountCents, r.A.CurrencyCode)
			return c.object("prices", &r.Base, r.A, extra, links{
				"price_list": func() []jsonapi.Ref { return one("price_lists", r.PriceListID) },
				"sku":        func() []jsonapi.Ref { return one("skus", r.SkuID) },
			})
		},
	}
}

func (cl *CommerceLayer) shippingMethodKind() *kind {
	return &kind{
		res: resource("shipping_methods", attributeNames(ShippingMethod{}.A, amountNames("price_amount", "free_over_amount", "price_amount_for_shipment")...),
			[]string{"name", "scheme", "currency_code", "price_amount_cents", "disabled_at", "market_id", "market_code", "market_name"},
			[]string{"name", "currency_code", "price_amount_cents"},
			toOne("market", "markets")),
		newRec: func() model { return &ShippingMethod{} },
		sales:  readOnly,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*ShippingMethod)
			extra := map[string]any{}
			putAmount(extra, "price_amount", r.A.PriceAmountCents, r.A.CurrencyCode)
			putAmount(extra, "price_amount_for_shipment", r.A.PriceAmountCents, r.A.CurrencyCode)
			if r.A.FreeOverAmountCents != nil {
				putAmount(extra, "free_over_amount", *r.A.FreeOverAmountCents, r.A.CurrencyCode)
			} else {
				extra["free_over_amount_float"], extra["formatted_free_over_amount"] = nil, nil
			}
			return c.object("shipping_methods", &r.Base, r.A, extra, links{"market": func() []jsonapi.Ref { return one("markets", r.MarketID) }})
		},
	}
}

func (cl *CommerceLayer) paymentMethodKind() *kind {
	return &kind{
		res: resource("payment_methods", attributeNames(PaymentMethod{}.A, amountNames("price_amount")...),
			[]string{"name", "payment_source_type", "currency_code", "moto", "disabled_at", "market_id", "market_code", "market_name"},
			[]string{"name", "payment_source_type", "currency_code", "price_amount_cents"},
			toOne("market", "markets"), jsonapi.Rel{Name: "payment_gateway"}),
		newRec: func() model { return &PaymentMethod{} },
		sales:  readOnly,
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*PaymentMethod)
			extra := map[string]any{}
			putAmount(extra, "price_amount", r.A.PriceAmountCents, r.A.CurrencyCode)
			return c.object("payment_methods", &r.Base, r.A, extra, links{
				"market":          func() []jsonapi.Ref { return one("markets", r.MarketID) },
				"payment_gateway": func() []jsonapi.Ref { return one(r.Gateway.Type, r.Gateway.ID) },
			})
		},
	}
}

func (cl *CommerceLayer) klarnaGatewayKind() *kind {
	return &kind{
		res: resource("klarna_gateways", attributeNames(KlarnaGateway{}.A),
			[]string{"name", "country_code", "disabled_at"}, []string{"name"},
			toMany("payment_methods", "payment_methods"), toMany("klarna_payments", "klarna_payments")),
		newRec: func() model { return &KlarnaGateway{} },
		object: func(c *call, m model) *jsonapi.Object {
			r := m.(*KlarnaGateway)
			// api_key and api_secret are write-only at Commerce Layer.
			return c.object("klarna_gateways", &r.Base, r.A, nil, links{
				"payment_methods": func() []jsonapi.Ref {
					ps, _ := scan(c, "payment_methods", func(p *PaymentMethod) bool { return p.Gateway.ID == r.ID })
					return refs("payment_methods", ps)
				},
				"klarna_payments": func() []jsonapi.Ref {
					ps, _ := scan(c, "klarna_payments", func(p *KlarnaPayment) bool { return p.GatewayID == r.ID })
					return refs("klarna_payments", ps)
				},
			})
		},
	}
}
