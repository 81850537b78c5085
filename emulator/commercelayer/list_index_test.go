package commercelayer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"testing"

	"github.com/paysandbox/paysandbox/emulator/commercelayer"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// listBoth asks path with the list indexes and again with every list
// scanned, and fails unless both answers (status, data in order, included,
// meta and links) are the same and the index was (or was not) used as
// indexed says. It returns the answer.
func listBoth(t *testing.T, a *api, path string, indexed bool) doc {
	t.Helper()
	before := commercelayer.IndexedLists()
	res := a.do("GET", path, nil)
	used := commercelayer.IndexedLists() > before
	commercelayer.ScanLists(true)
	scanned := a.do("GET", path, nil)
	commercelayer.ScanLists(false)
	if res.Status != 200 || scanned.Status != 200 {
		t.Fatalf("%s: %d (scan %d)\n%.400s", path, res.Status, scanned.Status, res.Body)
	}
	got, want := res.JSON(t), scanned.JSON(t)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: the index's answer differs from the scan's\nindex: %.1500s\nscan:  %.1500s", path, res.Body, scanned.Body)
	}
	if used != indexed {
		t.Errorf("%s: index used %v, want %v", path, used, indexed)
	}
	return doc(got)
}

// seedOrders stores copies of the order id straight into the store, as the
// API writes them (indexed), each changed by edit: many share a created_at,
// and their created_at runs against their creation order.
func seedOrders(t *testing.T, sb *sandboxtest.Sandbox, id string, n int, edit func(o *commercelayer.Order, i int)) {
	t.Helper()
	err := sb.Emulator.Platform().Store.Update(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
		for i := 0; i < n; i++ {
			var o commercelayer.Order
			if err := tx.Get("orders", id, &o); err != nil {
				return err
			}
			o.ID = fmt.Sprintf("SeedOrd%03d", i)
			o.Seq = uint64(2_000_000 + i)
			o.A.Number = fmt.Sprint(90000 + i)
			edit(&o, i)
			if err := tx.Put("orders", o.ID, &o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func advance(t *testing.T, sb *sandboxtest.Sandbox, d string) {
	t.Helper()
	if r := sb.Do(t, "POST", "/_sandbox/clock/advance", map[string]any{"duration": d, "tenant": org}); r.Status != 200 {
		t.Fatalf("advance: %d %s", r.Status, r.Body)
	}
}

var statuses = []string{"draft", "pending", "placed", "approved", "cancelled"}

// Lists sorted by created_at or updated_at, or filtered by an indexed
// equality, give exactly the scan's answer (order, ties, counts, pages,
// links) through creates, ties, updates, deletes and a tenant reset; the
// lists no index answers are scanned and give the same answer too.
func TestListIndexesAnswerAsTheScan(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	var api []string
	for i := 0; i < 4; i++ {
		api = append(api, sc.cart(tshirt, 1).id())
		if i%2 == 1 {
			advance(t, sb, "1h")
			sc = salesChannel(t, sb, "market:code:EU") // a fresh token at the new time
		} else {
			// Two carts made in the same millisecond would tie on
			// created_at, and ties go in the order of their random ids.
			advance(t, sb, "1s")
		}
	}
	in := integration(t, sb)
	seedOrders(t, sb, api[0], 23, func(o *commercelayer.Order, i int) {
		o.A.Status = statuses[i%len(statuses)]
		o.CreatedAt = fmt.Sprintf("2020-01-0%dT00:00:00.000Z", 1+i%3) // ties, and older than the API's orders
		o.UpdatedAt = fmt.Sprintf("2021-01-01T00:00:%02d.000Z", 59-i%7)
		if i%4 == 0 {
			email := "same@example.com"
			o.A.CustomerEmail = &email
		}
		if i >= 20 {
			o.Seq = 2_000_019 // the same sequence: the id breaks the tie
		}
	})
	queries := func() {
		t.Helper()
		for _, sort := range []string{"created_at", "-created_at", "updated_at", "-updated_at", "id", "-id"} {
			for _, page := range []string{"", "&page[size]=5", "&page[size]=5&page[number]=3", "&page[size]=7&page[number]=4", "&page[size]=25&page[number]=9"} {
				listBoth(t, in, "/api/orders?sort="+sort+page, true)
			}
		}
		for _, f := range []string{"status_eq]=placed", "status_eq]=draft", "status_eq]=nothing", "customer_email_eq]=same@example.com",
			"number_eq]=90003", "payment_status_eq]=unpaid", "fulfillment_status_eq]=unfulfilled", "reference_eq]=REF-1"} {
			listBoth(t, in, "/api/orders?filter[q]["+f, true)
			listBoth(t, in, "/api/orders?filter[q]["+f+"&page[size]=2&page[number]=2", true)
		}
		for _, f := range []string{"status_eq]=placed", "customer_email_eq]=same@example.com"} {
			listBoth(t, in, "/api/orders?filter[q]["+f+"&sort=-created_at&page[size]=3", true)
			listBoth(t, in, "/api/orders?filter[q]["+f+"&sort=created_at&page[size]=3&page[number]=2", true)
		}
		listBoth(t, in, "/api/orders?sort=-created_at&include=line_items&page[size]=4", true)
		listBoth(t, in, "/api/orders?sort=-updated_at&fields[orders]=number,status", true)
		// What no index answers is scanned, with the same answer.
		for _, q := range []string{"sort=-created_at,number", "sort=number", "filter[q][status_eq]=placed&sort=-updated_at",
			"filter[q][number_eq]=90003&sort=-created_at", "filter[q][status_in]=placed,draft", "filter[q][created_at_eq]=2020-01-01T00:00:00.000Z",
			"filter[q][status_eq]=placed&filter[q][customer_email_eq]=same@example.com", "filter[q][status_or_number_eq]=placed",
			"filter[q][market_code_eq]=EU&sort=-created_at"} {
			listBoth(t, in, "/api/orders?"+q, false)
		}
		listBoth(t, in, "/api/skus?filter[q][code_eq]="+tshirt, true)
		listBoth(t, sc, "/api/skus?filter[q][code_eq]="+tshirt, true) // a sales channel sees every SKU
		listBoth(t, sc, "/api/skus?sort=-updated_at&page[size]=3", true)
		listBoth(t, in, "/api/skus?sort=-created_at&page[size]=2", true)
		listBoth(t, in, "/api/skus?sort=-id&page[size]=2&page[number]=2", true)
		listBoth(t, in, "/api/orders?filter[q][status_eq]=placed&sort=id", false)
		listBoth(t, in, "/api/customers?filter[q][email_eq]=jane@example.com", true)
		listBoth(t, in, "/api/customers?filter[q][status_eq]=prospect&sort=-created_at", true)
		listBoth(t, in, "/api/line_items?sort=-created_at&page[size]=3", false) // not a sorted type
	}
	queries()

	// The counts and the order, not just their agreement.
	d := listBoth(t, in, "/api/orders?filter[q][status_eq]=placed&sort=-created_at&page[size]=2", true)
	if d.meta("record_count") != float64(5) || d.meta("page_count") != float64(3) || len(d.list()) != 2 {
		t.Fatalf("placed: %v %v", d["meta"], ids(d))
	}
	d = listBoth(t, in, "/api/orders?sort=-created_at&page[size]=25", true)
	if got := ids(d); got[0] != api[3] || got[1] != api[2] || d.meta("record_count") != float64(27) {
		t.Fatalf("newest first: %v, %v", got, d["meta"])
	}

	// Updates move updated_at, a status, an email; deletes go.
	advance(t, sb, "1h")
	in, sc = integration(t, sb), salesChannel(t, sb, "market:code:EU")
	in.must(200, "PATCH", "/api/orders/"+api[1], update("orders", api[1], attrs("reference", "REF-1", "customer_email", "same@example.com"), nil))
	advance(t, sb, "1s") // two PATCHes in one millisecond tie, and ties are in id order
	in.must(200, "PATCH", "/api/orders/SeedOrd004", update("orders", "SeedOrd004", attrs("reference", "REF-1"), nil))
	in.must(204, "DELETE", "/api/orders/"+api[2], nil)
	in.must(204, "DELETE", "/api/orders/SeedOrd000", nil)
	jane := sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "jane@example.com", "password", "secret"), nil))
	sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "john@example.com"), nil))
	queries()
	d = listBoth(t, in, "/api/orders?sort=-updated_at&page[size]=2", true)
	if got := ids(d); got[0] != "SeedOrd004" || got[1] != api[1] {
		t.Fatalf("last updated first: %v", got)
	}
	d = listBoth(t, in, "/api/orders?filter[q][reference_eq]=REF-1", true)
	if got := ids(d); len(got) != 2 || got[0] != api[1] || got[1] != "SeedOrd004" || d.meta("record_count") != float64(2) {
		t.Fatalf("by reference: %v %v", got, d["meta"])
	}
	d = listBoth(t, in, "/api/orders?filter[q][customer_email_eq]=same@example.com", true)
	if d.meta("record_count") != float64(6) { // 6 seeded (one deleted) and api[1]
		t.Fatalf("by email: %v", d["meta"])
	}
	d = listBoth(t, in, "/api/customers?filter[q][email_eq]=jane@example.com", true)
	if got := ids(d); len(got) != 1 || got[0] != jane.id() {
		t.Fatalf("jane: %v", got)
	}

	// A reset empties the lists and their counts.
	if res := sb.Do(t, "POST", "/_sandbox/tenants/"+org+"/reset", nil); res.Status != 200 {
		t.Fatalf("reset: %d %s", res.Status, res.Body)
	}
	in = integration(t, sb)
	sc = salesChannel(t, sb, "market:code:EU")
	d = listBoth(t, in, "/api/orders?filter[q][status_eq]=placed", true)
	if d.meta("record_count") != float64(0) || len(d.list()) != 0 {
		t.Fatalf("after the reset: %v", d["meta"])
	}
	fresh := sc.cart().id()
	d = listBoth(t, in, "/api/orders?sort=-created_at", true)
	if got := ids(d); len(got) != 1 || got[0] != fresh || d.meta("record_count") != float64(1) {
		t.Fatalf("after the reset: %v %v", got, d["meta"])
	}
	listBoth(t, in, "/api/orders?filter[q][status_eq]=draft&sort=created_at", true)
}

// A customer's token lists only its own orders, whatever the sort or
// filter; the other customers' records never come through an index.
func TestListIndexesKeepACustomersOrdersItsOwn(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	in := integration(t, sb)
	jane := sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "jane@example.com", "password", "secret"), nil))
	sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "john@example.com", "password", "secret"), nil))
	tok := tokenFor(t, sb, map[string]any{"grant_type": "password", "client_id": salesChannelID, "username": "jane@example.com",
		"password": "secret", "scope": "market:code:EU"})
	janeAPI := &api{t: t, sb: sb, token: tok["access_token"].(string)}
	own := map[string]bool{}
	for i := 0; i < 3; i++ {
		own[janeAPI.cart(tshirt, 1).id()] = true
	}
	other := sc.cart(tshirt, 1).id()
	seedOrders(t, sb, other, 10, func(o *commercelayer.Order, i int) { o.CustomerID = "NotJane" })
	email := url.QueryEscape("jane@example.com")
	for _, q := range []string{"sort=-created_at", "sort=created_at", "sort=-updated_at", "filter[q][status_eq]=draft",
		"filter[q][status_eq]=draft&sort=-created_at", "filter[q][customer_email_eq]=" + email, "filter[q][number_eq]=90001"} {
		d := listBoth(t, janeAPI, "/api/orders?"+q, false)
		for _, id := range ids(d) {
			if !own[id] {
				t.Fatalf("%s: jane sees %s", q, id)
			}
		}
		if q[:4] == "sort" && d.meta("record_count") != float64(len(own)) {
			t.Fatalf("%s: %v", q, d["meta"])
		}
	}
	// Her token sees herself among the customers, no one else.
	for _, q := range []string{"filter[q][email_eq]=john@example.com", "sort=-created_at", "filter[q][status_eq]=prospect"} {
		d := listBoth(t, janeAPI, "/api/customers?"+q, false)
		for _, id := range ids(d) {
			if id != jane.id() {
				t.Fatalf("%s: jane sees customer %s", q, id)
			}
		}
	}
	// The integration sees them all, through the index.
	if d := listBoth(t, in, "/api/orders?sort=-created_at&page[size]=25", true); d.meta("record_count") != float64(14) {
		t.Fatalf("all orders: %v", d["meta"])
	}
}

// Records written before the list keys existed still list right: a
// collection with no index, or an index of the older keys, is scanned until
// its next write rebuilds the index, and then answers from it.
func TestListIndexesOnAnOlderDataFile(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	in := integration(t, sb)
	first := sc.cart(tshirt, 1).id()
	seedOrders(t, sb, first, 12, func(o *commercelayer.Order, i int) { o.A.Status = statuses[i%len(statuses)] })
	st := sb.Emulator.Platform().Store
	// Orders as a version without indexes left them: no index at all.
	// Customers as the first indexed version did: by sequence only.
	err := st.Update(context.Background(), "commercelayer", org, func(tx *store.Tx) error {
		if err := tx.Put("orders", "zzplain", map[string]any{"id": "zzplain"}); err != nil { // not Indexed: drops the index
			return err
		}
		if err := tx.Delete("orders", "zzplain"); err != nil {
			return err
		}
		for i := 0; i < 6; i++ {
			var c commercelayer.Customer
			c.ID, c.Seq = fmt.Sprintf("OldCust%02d", i), uint64(1_000_100+i)
			c.CreatedAt = fmt.Sprintf("2025-01-0%dT00:00:00.000Z", 1+i%2)
			c.UpdatedAt, c.Metadata = c.CreatedAt, map[string]any{}
			c.A.Email, c.A.Status = fmt.Sprintf("old%d@example.com", i%3), "prospect"
			raw, err := json.Marshal(&c)
			if err != nil {
				return err
			}
			if err := tx.Put("customers", c.ID, older{json.RawMessage(raw), c.Seq}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(indexed bool) {
		t.Helper()
		d := listBoth(t, in, "/api/orders?filter[q][status_eq]=placed&sort=-created_at", indexed)
		if d.meta("record_count") != float64(2) {
			t.Fatalf("placed: %v", d["meta"])
		}
		listBoth(t, in, "/api/orders?sort=-updated_at&page[size]=5&page[number]=2", indexed)
		d = listBoth(t, in, "/api/customers?filter[q][email_eq]=old1@example.com", indexed)
		if got := ids(d); len(got) != 2 || got[0] != "OldCust01" || got[1] != "OldCust04" {
			t.Fatalf("old customers: %v", got)
		}
		listBoth(t, in, "/api/customers?sort=-created_at", indexed)
	}
	check(false)
	// One write to each rebuilds its index with the new keys.
	sc.cart()
	sc.must(201, "POST", "/api/customers", create("customers", attrs("email", "new@example.com"), nil))
	check(true)
}
