package commercelayer_test

import (
	"context"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer"
	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// codeIDs are the records of coll the index lists under code, and the
// version of the index's keys.
func codeIDs(t *testing.T, sb *sandboxtest.Sandbox, coll, code string) (ids []string, version uint64) {
	t.Helper()
	err := sb.Emulator.Platform().Store.View(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
		var err error
		if version, err = tx.IndexVersion(coll); err != nil {
			return err
		}
		return tx.Lookup(coll, "code\x00"+code+"\x00", false, func(id string, _ []byte) (bool, error) {
			ids = append(ids, id)
			return true, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, version
}

// An order's refresh finds promotions, their rules and coupons through
// indexes. A data file written before those keys existed holds these
// collections indexed by creation sequence only: its records are still
// found (scanned until the collection's next write, which rebuilds the
// index with the keys), and a reset drops the index with the organization.
func TestPromotionIndexesFindOlderRecordsAndGoWithAReset(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	in := integration(t, sb)
	sc.cart() // the organization exists

	// As an older version wrote them: plain records, keyed by sequence.
	ts := "2026-01-01T00:00:00.000Z"
	base := func(id string, seq uint64, extra map[string]any, rels map[string][]jsonapi.Ref) commercelayer.Base {
		return commercelayer.Base{ID: id, Seq: seq, CreatedAt: ts, UpdatedAt: ts, Metadata: map[string]any{}, Extra: extra, Rels: rels}
	}
	err := sb.Emulator.Platform().Store.Update(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
		for coll, r := range map[string]*commercelayer.Record{
			"percentage_discount_promotions": {Base: base("PromOld001", 900001, map[string]any{"name": "Old ten", "percentage": float64(10)},
				map[string][]jsonapi.Ref{"market": {{Type: "markets", ID: marketEU}}})},
			"coupon_codes_promotion_rules": {Base: base("RuleOld001", 900002, nil,
				map[string][]jsonapi.Ref{"promotion": {{Type: "percentage_discount_promotions", ID: "PromOld001"}}})},
			"coupons": {Base: base("CoupOld001", 900003, map[string]any{"code": "OLD10"},
				map[string][]jsonapi.Ref{"promotion_rule": {{Type: "coupon_codes_promotion_rules", ID: "RuleOld001"}}})},
		} {
			if err := tx.Put(coll, r.ID, older{r, r.Seq}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if ids, v := codeIDs(t, sb, "coupons", "OLD10"); len(ids) != 0 || v != 0 {
		t.Fatalf("the older index: %v, version %d", ids, v)
	}
	discounted := func(who *api, code string) {
		t.Helper()
		id := who.cart(tshirt, 2).id() // 58.00
		o := who.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("coupon_code", code), nil))
		if o.cents("discount_amount_cents") != -580 {
			t.Fatalf("with %s: %v", code, o.data()["attributes"])
		}
	}
	discounted(sc, "OLD10") // scanned

	// The next writes rebuild the indexes with the new keys; the older
	// records are then found through them.
	in.must(201, "POST", "/api/coupons", create("coupons", attrs("code", "NEW10"), map[string]any{"promotion_rule": rel("coupon_codes_promotion_rules", "RuleOld001")}))
	us := in.must(201, "POST", "/api/percentage_discount_promotions", create("percentage_discount_promotions",
		attrs("name", "Elsewhere", "percentage", 50, "starts_at", "2020-01-01T00:00:00Z", "expires_at", "2099-01-01T00:00:00Z"), map[string]any{"market": rel("markets", marketUS)}))
	in.must(201, "POST", "/api/coupon_codes_promotion_rules", create("coupon_codes_promotion_rules", nil,
		map[string]any{"promotion": rel("percentage_discount_promotions", us.id())}))
	if ids, v := codeIDs(t, sb, "coupons", "OLD10"); len(ids) != 1 || ids[0] != "CoupOld001" || v < 1 {
		t.Fatalf("the rebuilt index: %v, version %d", ids, v)
	}
	discounted(sc, "OLD10")
	discounted(sc, "NEW10")

	// A reset takes the records and their index.
	if res := sb.Do(t, "POST", "/_sandbox/tenants/"+org+"/reset", nil); res.Status != 200 {
		t.Fatalf("reset: %d %s", res.Status, res.Body)
	}
	sc = salesChannel(t, sb, "market:code:EU")
	id := sc.cart(tshirt, 1).id()
	sc.fails(422, "VALIDATION_ERROR", "PATCH", "/api/orders/"+id, update("orders", id, attrs("coupon_code", "NEW10"), nil))
	if ids, v := codeIDs(t, sb, "coupons", "NEW10"); len(ids) != 0 || v != 0 {
		t.Fatalf("after the reset: %v, version %d", ids, v)
	}
}
