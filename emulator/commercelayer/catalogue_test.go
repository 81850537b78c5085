package commercelayer_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/catalogue"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

// placedKlarnaOrder takes a cart through Klarna to placed, and returns the
// order's id and its Klarna payment's.
func placedKlarnaOrder(t *testing.T, sb *sandboxtest.Sandbox, sc *api, email string) (string, string) {
	t.Helper()
	id := sc.cart(tshirt, 1).id()
	sc.checkoutReady(id, email, italianAddress(email), klarnaEU)
	kp := sc.must(201, "POST", "/api/klarna_payments", create("klarna_payments", nil, map[string]any{"order": rel("orders", id)}))
	token := klarnaAuthorize(t, sb, kp.str("client_token"))
	sc.must(200, "PATCH", "/api/klarna_payments/"+kp.id(), update("klarna_payments", kp.id(), attrs("auth_token", token), nil))
	sc.must(200, "PATCH", "/api/orders/"+id, update("orders", id, attrs("_place", true), nil))
	return id, kp.id()
}

// walkValue is a value a client could write to an attribute.
func walkValue(a catalogue.Attr) any {
	if len(a.Enum) > 0 {
		return a.Enum[0]
	}
	switch {
	case strings.HasSuffix(a.Name, "email"):
		return "walk@example.com"
	case a.Name == "country_code":
		return "IT"
	case a.Name == "language_code":
		return "it"
	case a.Name == "currency_code":
		return "EUR"
	case strings.HasSuffix(a.Name, "_url"):
		return "https://example.com/walk"
	case a.Name == "topic":
		return "orders.place"
	}
	switch a.Type {
	case catalogue.Boolean:
		return true
	case catalogue.Integer:
		return 2
	case catalogue.Float:
		return 1.5
	case catalogue.DateTime:
		return "2030-01-01T00:00:00.000Z"
	case catalogue.Object:
		return map[string]any{"walk": "yes"}
	case catalogue.Array:
		return []any{"walk"}
	}
	return "walk-" + a.Name
}

// TestCheckoutTypesFollowTheModel walks the catalogue over every checkout
// resource type: full objects carry every fetchable attribute, every
// relationship can be included, every updatable attribute is accepted,
// stored and returned, and every action of the model is routed.
func TestCheckoutTypesFollowTheModel(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	in := integration(t, sb)
	cat := catalogue.Load()

	// Records of every checkout type: a placed, captured, partly refunded
	// order; a placed and voided one; a draft; a webhook.
	placed, kpID := placedKlarnaOrder(t, sb, sc, "walk@example.com")
	in.must(200, "PATCH", "/api/orders/"+placed, update("orders", placed, attrs("_capture", true), nil))
	caps := in.must(200, "GET", "/api/captures?filter[q][order_id_eq]="+placed, nil)
	capID := caps.list()[0].(map[string]any)["id"].(string)
	in.must(200, "PATCH", "/api/captures/"+capID, update("captures", capID, attrs("_refund", true, "_refund_amount_cents", 100), nil))
	voided, _ := placedKlarnaOrder(t, sb, sc, "void@example.com")
	in.must(200, "PATCH", "/api/orders/"+voided, update("orders", voided, attrs("_cancel", true), nil))
	draft := sc.cart(mug, 1).id()
	hook := in.must(201, "POST", "/api/webhooks", create("webhooks", attrs("topic", "orders.place", "callback_url", "https://example.com/hook"), nil)).id()

	first := func(typ, query string) string {
		d := in.must(200, "GET", "/api/"+typ+query, nil)
		if len(d.list()) == 0 {
			t.Fatalf("no %s to walk", typ)
		}
		return d.list()[0].(map[string]any)["id"].(string)
	}
	// Nested includes, through polymorphic relationships too, and sparse fields.
	order := in.must(200, "GET", "/api/orders/"+placed+"?include=line_items.item,shipments.shipping_method.market,payment_source.payment_gateway,"+
		"transactions.order,customer.orders&fields[orders]=number,line_items&fields[skus]=code", nil)
	kinds := map[string]bool{}
	for _, inc := range order["included"].([]any) {
		kinds[inc.(map[string]any)["type"].(string)] = true
	}
	for _, want := range []string{"line_items", "skus", "shipments", "shipping_methods", "markets", "klarna_payments", "klarna_gateways", "authorizations", "customers"} {
		if !kinds[want] {
			t.Errorf("nested include lacks %s: %v", want, kinds)
		}
	}
	if a := order.data()["attributes"].(map[string]any); len(a) != 1 || a["number"] == nil {
		t.Errorf("sparse fields: %v", a)
	}
	ids := map[string]string{
		"orders": placed, "line_items": first("line_items", "?filter[q][order_id_eq]="+draft),
		"addresses": first("addresses", ""), "customers": first("customers", ""), "skus": first("skus", ""),
		"prices": first("prices", ""), "markets": first("markets", ""), "shipments": first("shipments", "?filter[q][order_id_eq]="+placed),
		"shipping_methods": first("shipping_methods", ""), "payment_methods": first("payment_methods", ""),
		"klarna_payments": kpID, "authorizations": first("authorizations", "?filter[q][order_id_eq]="+placed),
		"captures": capID, "refunds": first("refunds", ""), "voids": first("voids", ""), "webhooks": hook,
		"transactions": first("transactions", ""),
	}
	// Updates go to records that may still change.
	updatable := map[string]string{"orders": draft}

	var missing, refusedIncludes, refusedUpdates, notReturned, unrouted, refusedQueries []string
	types := make([]string, 0, len(ids))
	for typ := range ids {
		types = append(types, typ)
	}
	sort.Strings(types)
	for _, typ := range types {
		id := ids[typ]
		res := cat.Get(typ)
		d := in.must(200, "GET", "/api/"+typ+"/"+id, nil)
		got := d.data()["attributes"].(map[string]any)
		for _, a := range res.Attrs {
			if _, ok := got[a.Name]; a.Fetch && !ok {
				missing = append(missing, typ+"."+a.Name)
			}
		}
		rels, _ := d.data()["relationships"].(map[string]any)
		for _, rel := range res.Rels {
			if _, ok := rels[rel.Name]; !ok {
				missing = append(missing, typ+"/"+rel.Name)
			}
			if r := in.do("GET", "/api/"+typ+"/"+id+"?include="+rel.Name, nil); r.Status != 200 {
				refusedIncludes = append(refusedIncludes, fmt.Sprintf("%s?include=%s: %d", typ, rel.Name, r.Status))
			}
		}
		// Sorts and filters of the model answer on every list.
		if res.Has("list") {
			for _, a := range res.Attrs {
				if a.Sort {
					if r := in.do("GET", "/api/"+typ+"?sort=-"+a.Name, nil); r.Status != 200 {
						refusedQueries = append(refusedQueries, fmt.Sprintf("%s?sort=-%s: %d", typ, a.Name, r.Status))
					}
				}
			}
			for _, f := range res.Filters {
				if r := in.do("GET", "/api/"+typ+"?filter[q]["+f+"_present]=true", nil); r.Status != 200 {
					refusedQueries = append(refusedQueries, fmt.Sprintf("%s?filter[q][%s_present]: %d %s", typ, f, r.Status, r.Body))
				}
			}
		}
		target := id
		if u, ok := updatable[typ]; ok {
			target = u
		}
		for _, a := range res.Attrs {
			if !a.Update || !res.Has("update") {
				continue
			}
			v := walkValue(a)
			if typ == "webhooks" && a.Name == "include_resources" {
				v = []any{"line_items"}
			}
			r := in.do("PATCH", "/api/"+typ+"/"+target, update(typ, target, attrs(a.Name, v), nil))
			if r.Status == 400 || r.Status == 404 || r.Status == 405 {
				refusedUpdates = append(refusedUpdates, fmt.Sprintf("%s.%s: %d %s", typ, a.Name, r.Status, r.Body))
				continue
			}
			// A line item's SKU or bundle is fixed once it is in the cart.
			fixed := typ == "line_items" && (a.Name == "sku_code" || a.Name == "bundle_code")
			if r.Status == 200 && a.Fetch && !fixed && (a.Type == catalogue.String || a.Type == catalogue.Boolean || a.Type == catalogue.Integer) {
				back := doc(r.JSON(t)).attr(a.Name)
				if fmt.Sprint(back) != fmt.Sprint(v) {
					notReturned = append(notReturned, fmt.Sprintf("%s.%s: sent %v, got %v", typ, a.Name, v, back))
				}
			}
		}
		// Every action of the model is routed (the answer may be a 422).
		for _, act := range res.Actions {
			var r *sandboxtest.Response
			switch act {
			case "list":
				r = in.do("GET", "/api/"+typ, nil)
			case "retrieve":
				r = in.do("GET", "/api/"+typ+"/"+id, nil)
			case "create":
				r = in.do("POST", "/api/"+typ, create(typ, nil, nil))
			case "update":
				r = in.do("PATCH", "/api/"+typ+"/"+id, update(typ, id, nil, nil))
			case "delete":
				r = in.do("DELETE", "/api/"+typ+"/nosuchrecord", nil)
				if r.Status == 404 && contains(string(r.Body), "RECORD_NOT_FOUND") {
					continue
				}
			}
			if r.Status == http.StatusNotFound || r.Status == http.StatusMethodNotAllowed {
				unrouted = append(unrouted, fmt.Sprintf("%s %s: %d %s", act, typ, r.Status, r.Body))
			}
		}
	}
	for name, list := range map[string][]string{"missing attributes or relationships": missing, "refused includes": refusedIncludes,
		"refused updates": refusedUpdates, "updates not returned": notReturned, "actions answering 404/405": unrouted, "refused sorts and filters": refusedQueries} {
		if len(list) > 0 {
			t.Errorf("%s (%d):\n  %s", name, len(list), strings.Join(list, "\n  "))
		}
	}
}

// TestEveryTypeIsServed: all 135 types of the model answer at their paths
// (lists, an unknown id, singletons), each answer checked against its
// closed schema.
func TestEveryTypeIsServed(t *testing.T) {
	sb := start(t)
	in := integration(t, sb)
	cat := catalogue.Load()
	if n := len(cat.Resources); n != 135 {
		t.Fatalf("%d types in the catalogue", n)
	}
	for _, r := range cat.Resources {
		switch {
		case r.Singleton:
			in.must(200, "GET", "/api/"+r.Name, nil)
			continue
		case r.Has("list"):
			d := in.must(200, "GET", "/api/"+r.Type+"?page[size]=1", nil)
			if _, ok := d["meta"].(map[string]any)["record_count"]; !ok {
				t.Errorf("%s: no record_count", r.Type)
			}
		}
		if r.Has("retrieve") {
			in.fails(404, "RECORD_NOT_FOUND", "GET", "/api/"+r.Type+"/nosuchrecord", nil)
		}
		// An empty create is made (defaults) or refused for what the model requires; never a 5xx.
		if r.Has("create") {
			res := in.do("POST", "/api/"+r.Type, create(r.Type, nil, nil))
			switch {
			case res.Status == 201:
				id := doc(res.JSON(t)).id()
				if r.Has("update") {
					in.must(200, "PATCH", "/api/"+r.Type+"/"+id, update(r.Type, id, attrs("reference", "walk"), nil))
				}
				if r.Has("delete") && r.Type != "orders" {
					if d := in.do("DELETE", "/api/"+r.Type+"/"+id, nil); d.Status != 204 && d.Status != 422 {
						t.Errorf("DELETE %s: %d %s", r.Type, d.Status, d.Body)
					}
				}
			case res.Status == 422:
			default:
				t.Errorf("POST %s with nothing: %d %.300s", r.Type, res.Status, res.Body)
			}
		}
	}
}
