package commercelayer

import (
	"time"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// Promotions, coupons and gift cards are stored data of the model (no kind
// of their own); the order reads them when it refreshes: a percentage or
// fixed amount promotion is a negative line item, a free shipping one zeroes
// the shipping cost, and a gift card pays what it can of the rest. A
// promotion with a coupon codes promotion rule applies only with one of its
// coupons' codes as the order's coupon_code.

var promotionKinds = []string{promoPercentage, promoFixedAmount, promoFreeShipping}

func extraString(b *Base, name string) string {
	s, _ := b.Extra[name].(string)
	return s
}

func extraInt(b *Base, name string) int64 {
	f, _ := b.Extra[name].(float64)
	return int64(f)
}

func relID(b *Base, name string) string {
	if refs := b.Rels[name]; len(refs) == 1 {
		return refs[0].ID
	}
	return ""
}

// activeAt tells whether a record's starts_at/expires_at window holds now.
func activeAt(b *Base, now time.Time) bool {
	if s := extraString(b, "starts_at"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil && now.Before(t) {
			return false
		}
	}
	if s := extraString(b, "expires_at"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil && !now.Before(t) {
			return false
		}
	}
	return extraString(b, "disabled_at") == ""
}

// orderPromotions are the discounts of the active promotions of the order's
// market and currency.
func (c *call) orderPromotions(o *Order, subtotal int64) ([]Discount, bool, error) {
	// Coupon codes by coupon codes promotion rule.
	coupons, err := scan(c, "coupons", func(*Record) bool { return true })
	if err != nil {
		return nil, false, err
	}
	codes := map[string][]string{}
	for _, cp := range coupons {
		if rule := relID(&cp.Base, "promotion_rule"); rule != "" && activeAt(&cp.Base, c.now) {
			codes[rule] = append(codes[rule], extraString(&cp.Base, "code"))
		}
	}
	rules, err := scan(c, "coupon_codes_promotion_rules", func(*Record) bool { return true })
	if err != nil {
		return nil, false, err
	}
	ruleOf := map[string]string{} // promotion id -> rule id
	for _, r := range rules {
		if p := relID(&r.Base, "promotion"); p != "" {
			ruleOf[p] = r.ID
		}
	}
	var promos []Promotion
	for _, kind := range promotionKinds {
		ps, err := scan(c, kind, func(p *Record) bool {
			m, cur := relID(&p.Base, "market"), extraString(&p.Base, "currency_code")
			return activeAt(&p.Base, c.now) && (m == "" || m == o.MarketID) && (cur == "" || cur == o.A.CurrencyCode)
		})
		if err != nil {
			return nil, false, err
		}
		for _, p := range ps {
			rule := relID(&p.Base, "coupon_codes_promotion_rule")
			if rule == "" {
				rule = ruleOf[p.ID]
			}
			pr := Promotion{ID: p.ID, Kind: kind, Name: extraString(&p.Base, "name"), Percentage: extraInt(&p.Base, "percentage"),
				FixedCents: extraInt(&p.Base, "fixed_amount_cents")}
			if rule != "" {
				pr.Coupons = codes[rule]
				if len(pr.Coupons) == 0 {
					continue // a coupon rule with no coupon: nobody qualifies
				}
			}
			promos = append(promos, pr)
		}
	}
	ds, free := ApplyPromotions(promos, subtotal, deref(o.A.CouponCode))
	return ds, free, nil
}

// couponExists tells whether an active coupon has code.
func (c *call) couponExists(code string) (bool, error) {
	found, err := scan(c, "coupons", func(r *Record) bool { return extraString(&r.Base, "code") == code && activeAt(&r.Base, c.now) })
	return len(found) > 0, err
}

// giftCardByCode is the usable gift card with code in currency, or nil.
func (c *call) giftCardByCode(code, currency string) (*Record, error) {
	if code == "" {
		return nil, nil
	}
	found, err := scan(c, "gift_cards", func(r *Record) bool {
		cur := extraString(&r.Base, "currency_code")
		return extraString(&r.Base, "code") == code && (cur == "" || cur == currency) && activeAt(&r.Base, c.now) && giftBalance(r) > 0
	})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return found[0], nil
}

func giftBalance(g *Record) int64 { return extraInt(&g.Base, "balance_cents") }

// setCodes applies coupon_code, gift_card_code and gift_card_or_coupon_code:
// each must name an existing coupon or gift card.
func (c *call) setCodes(o *Order, in *input) error {
	invalid := func(attr string) error {
		return jsonapi.Validation(jsonapi.AttributePointer(attr), attr, "is invalid", "invalid")
	}
	if in.has("gift_card_or_coupon_code") {
		code := deref(in.str("gift_card_or_coupon_code"))
		switch {
		case code == "":
		default:
			g, err := c.giftCardByCode(code, o.A.CurrencyCode)
			if err != nil {
				return err
			}
			if g != nil {
				o.A.GiftCardCode = &code
				break
			}
			ok, err := c.couponExists(code)
			if err != nil {
				return err
			}
			if !ok {
				return invalid("gift_card_or_coupon_code")
			}
			o.A.CouponCode = &code
		}
	}
	if in.has("coupon_code") && deref(o.A.CouponCode) != "" {
		ok, err := c.couponExists(*o.A.CouponCode)
		if err != nil {
			return err
		}
		if !ok {
			return invalid("coupon_code")
		}
	}
	if in.has("gift_card_code") && deref(o.A.GiftCardCode) != "" {
		g, err := c.giftCardByCode(*o.A.GiftCardCode, o.A.CurrencyCode)
		if err != nil {
			return err
		}
		if g == nil {
			return invalid("gift_card_code")
		}
	}
	return nil
}

// redeemGiftCard takes what the order's gift card paid off its balance.
func (c *call) redeemGiftCard(o *Order) error {
	if o.T.GiftCard <= 0 {
		return nil
	}
	g, err := c.giftCardByCode(deref(o.A.GiftCardCode), o.A.CurrencyCode)
	if err != nil || g == nil {
		return err
	}
	g.Extra["balance_cents"] = float64(giftBalance(g) - o.T.GiftCard)
	c.touch(g)
	return c.put("gift_cards", g)
}
