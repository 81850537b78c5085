package commercelayer

import (
	"sort"
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
// market and currency. Each read seeks an index (promotions by market,
// coupons by code, rules by promotion): the cost follows the promotions of
// the order's market, not every promotion and coupon of the organization.
func (c *call) orderPromotions(o *Order, subtotal int64) ([]Discount, bool, error) {
	// The coupon codes promotion rules the order's coupon code satisfies: a
	// promotion with a rule applies only with an active coupon of that rule
	// whose code is the order's.
	code := deref(o.A.CouponCode)
	satisfied := map[string]bool{}
	if code != "" {
		coupons, err := lookupAt(c, "coupons", recordKeysVersion, "code", code, func(r *Record) bool { return extraString(&r.Base, "code") == code })
		if err != nil {
			return nil, false, err
		}
		for _, cp := range coupons {
			if rule := relID(&cp.Base, "promotion_rule"); rule != "" && activeAt(&cp.Base, c.now) {
				satisfied[rule] = true
			}
		}
	}
	var promos []Promotion
	for _, kind := range promotionKinds {
		ps, err := c.marketPromotions(kind, o)
		if err != nil {
			return nil, false, err
		}
		for _, p := range ps {
			rule := relID(&p.Base, "coupon_codes_promotion_rule")
			if rule == "" {
				rules, err := lookupAt(c, "coupon_codes_promotion_rules", recordKeysVersion, "promotion", p.ID,
					func(r *Record) bool { return relID(&r.Base, "promotion") == p.ID })
				if err != nil {
					return nil, false, err
				}
				if len(rules) > 0 {
					rule = rules[len(rules)-1].ID // the latest, as a map filled in creation order kept
				}
			}
			pr := Promotion{ID: p.ID, Kind: kind, Name: extraString(&p.Base, "name"), Percentage: extraInt(&p.Base, "percentage"),
				FixedCents: extraInt(&p.Base, "fixed_amount_cents")}
			if rule != "" {
				if !satisfied[rule] {
					continue // a coupon rule the order's code (if any) does not meet
				}
				pr.Coupons = []string{code}
			}
			promos = append(promos, pr)
		}
	}
	ds, free := ApplyPromotions(promos, subtotal, code)
	return ds, free, nil
}

// marketPromotions are the active promotions of a kind for the order's
// market and currency (those of no market apply to every market), in
// creation order.
func (c *call) marketPromotions(kind string, o *Order) ([]*Record, error) {
	keep := func(market string) func(*Record) bool {
		return func(p *Record) bool {
			cur := extraString(&p.Base, "currency_code")
			return relID(&p.Base, "market") == market && activeAt(&p.Base, c.now) && (cur == "" || cur == o.A.CurrencyCode)
		}
	}
	ps, err := lookupAt(c, kind, recordKeysVersion, "market", "", keep(""))
	if err != nil || o.MarketID == "" {
		return ps, err
	}
	own, err := lookupAt(c, kind, recordKeysVersion, "market", o.MarketID, keep(o.MarketID))
	if err != nil {
		return nil, err
	}
	ps = append(ps, own...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Seq < ps[j].Seq })
	return ps, nil
}

// couponExists tells whether an active coupon has code.
func (c *call) couponExists(code string) (bool, error) {
	found, err := lookupAt(c, "coupons", recordKeysVersion, "code", code, func(r *Record) bool { return extraString(&r.Base, "code") == code && activeAt(&r.Base, c.now) })
	return len(found) > 0, err
}

// giftCardByCode is the usable gift card with code in currency, or nil.
func (c *call) giftCardByCode(code, currency string) (*Record, error) {
	if code == "" {
		return nil, nil
	}
	found, err := lookupAt(c, "gift_cards", recordKeysVersion, "code", code, func(r *Record) bool {
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
