package commercelayer_test

import (
	"net/url"
	"strings"
	"testing"
)

func ids(d doc) []string {
	var out []string
	for _, r := range d.list() {
		out = append(out, r.(map[string]any)["id"].(string))
	}
	return out
}

func codes(d doc) []string {
	var out []string
	for _, r := range d.list() {
		out = append(out, r.(map[string]any)["attributes"].(map[string]any)["code"].(string))
	}
	return out
}

func TestListFilterSortAndPages(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	cases := []struct {
		query string
		want  string
	}{
		{"sort=code", "EBOOKXXX000000FFFFFF,HOODIEMM999999FFFFFFLXXX,MUGXXXXX000000FFFFFF,TSHIRTMM000000FFFFFFLXXX,TSHIRTMMFFFFFF000000LXXX"},
		{"sort=-code&page[size]=2", "TSHIRTMMFFFFFF000000LXXX,TSHIRTMM000000FFFFFFLXXX"},
		{"sort=-code&page[size]=2&page[number]=3", "EBOOKXXX000000FFFFFF"},
		{"filter[q][code_start]=tshirt&sort=code", "TSHIRTMM000000FFFFFFLXXX,TSHIRTMMFFFFFF000000LXXX"},
		{"filter[q][name_or_code_cont]=hood", "HOODIEMM999999FFFFFFLXXX"},
		{"filter[q][code_in]=MUGXXXXX000000FFFFFF,EBOOKXXX000000FFFFFF&sort=-code", "MUGXXXXX000000FFFFFF,EBOOKXXX000000FFFFFF"},
		{"filter[q][do_not_ship_true]=1", "EBOOKXXX000000FFFFFF"},
		{"filter[q][prices_amount_cents_gteq]=6900", "HOODIEMM999999FFFFFFLXXX"},                                                 // through a relationship
		{"filter[q][weight_lt]=300&filter[q][weight_not_null]=1&sort=code", "TSHIRTMM000000FFFFFFLXXX,TSHIRTMMFFFFFF000000LXXX"}, // conditions AND
		{"filter[q][name_matches]=%25mug", "MUGXXXXX000000FFFFFF"},
		{"filter[q][code_eq]=nothing", ""},
	}
	for _, c := range cases {
		d := sc.must(200, "GET", "/api/skus?"+c.query, nil)
		if got := strings.Join(codes(d), ","); got != c.want {
			t.Errorf("%s: %s, want %s", c.query, got, c.want)
		}
	}
	// Page meta and absolute links.
	d := sc.must(200, "GET", "/api/skus?sort=code&page[size]=2&page[number]=2", nil)
	if d.meta("record_count") != float64(5) || d.meta("page_count") != float64(3) {
		t.Errorf("meta: %v", d["meta"])
	}
	links := d["links"].(map[string]any)
	for name, want := range map[string]string{"first": "1", "prev": "1", "next": "3", "last": "3"} {
		u, err := url.Parse(links[name].(string))
		if err != nil || !strings.HasPrefix(links[name].(string), sb.URL+"/api/skus?") || u.Query().Get("page[number]") != want ||
			u.Query().Get("page[size]") != "2" || u.Query().Get("sort") != "code" {
			t.Errorf("links.%s = %v", name, links[name])
		}
	}
	// Filter through a relationship on prices: the EU price list's prices.
	d = sc.must(200, "GET", "/api/prices?filter[q][price_list_code_eq]=EUR&filter[q][sku_code_start]=TSHIRT", nil)
	if len(d.list()) != 2 {
		t.Errorf("prices: %v", ids(d))
	}
	d = sc.must(200, "GET", "/api/shipping_methods?filter[q][market_code_eq]=US&sort=-price_amount_cents", nil)
	if got := ids(d); strings.Join(got, ",") != "ShipUSExpr,ShipUSStnd" {
		t.Errorf("shipping methods: %v", got)
	}
}

func TestIncludeAndSparseFields(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	d := sc.must(200, "GET", "/api/skus/SkuTshirtB?include=prices.price_list&fields[skus]=code,prices&fields[prices]=formatted_amount,price_list", nil)
	attrs := d.data()["attributes"].(map[string]any)
	if len(attrs) != 1 || attrs["code"] != tshirt {
		t.Errorf("fields[skus]: %v", attrs)
	}
	prices := d.data()["relationships"].(map[string]any)["prices"].(map[string]any)["data"].([]any)
	if len(prices) != 2 {
		t.Fatalf("prices linkage: %v", prices)
	}
	included := d["included"].([]any)
	types := map[string]int{}
	for _, r := range included {
		m := r.(map[string]any)
		types[m["type"].(string)]++
		if m["type"] == "prices" {
			a := m["attributes"].(map[string]any)
			if len(a) != 1 || (a["formatted_amount"] != "€29,00" && a["formatted_amount"] != "$32.00") {
				t.Errorf("fields[prices]: %v", a)
			}
			if m["relationships"].(map[string]any)["price_list"].(map[string]any)["data"] == nil {
				t.Errorf("nested include data missing: %v", m)
			}
		}
	}
	if types["prices"] != 2 || types["price_lists"] != 2 {
		t.Errorf("included: %v", types)
	}
	// Relationship endpoints.
	rel := sc.must(200, "GET", "/api/skus/SkuTshirtB/relationships/prices", nil)
	if len(rel.list()) != 2 || rel["links"].(map[string]any)["related"] != sb.URL+"/api/skus/SkuTshirtB/prices" {
		t.Errorf("relationship document: %v", rel)
	}
	related := sc.must(200, "GET", "/api/skus/SkuTshirtB/prices?filter[q][currency_code_eq]=USD", nil)
	if len(related.list()) != 1 || related.meta("record_count") != float64(1) {
		t.Errorf("related list: %v", related)
	}
	one := sc.must(200, "GET", "/api/prices/PrTshirtBE/sku", nil)
	if one.id() != "SkuTshirtB" {
		t.Errorf("related one: %v", one)
	}
}

func TestQueryErrors(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	cases := []struct {
		query string
		code  string
	}{
		{"include=market", "INVALID_INCLUDE"},
		{"fields[skus]=colour", "INVALID_FIELD"},
		{"fields[widgets]=a", "INVALID_RESOURCE"},
		{"sort=price", "INVALID_SORT_CRITERIA"},
		{"filter[q][colour_eq]=red", "FILTER_NOT_ALLOWED"},
		{"filter[q][code_sounds_like]=x", "INVALID_FILTERS_SYNTAX"},
		{"page[size]=26", "INVALID_PAGE_VALUE"},
		{"page[number]=0", "INVALID_PAGE_VALUE"},
		{"foo=bar", "PARAM_NOT_ALLOWED"},
	}
	for _, c := range cases {
		e := sc.fails(400, c.code, "GET", "/api/skus?"+c.query, nil)
		if e["title"] == "" || e["detail"] == "" {
			t.Errorf("%s: %v", c.query, e)
		}
	}
	sc.fails(404, "RECORD_NOT_FOUND", "GET", "/api/skus/nope", nil)
	sc.fails(404, "NOT_FOUND", "GET", "/api/skus/SkuTshirtB/colours", nil)
}

// A list in the default order is read through the creation-order index one
// page at a time; a filter that keeps everything takes the path that
// selects from every record. Both must give the same pages and counts.
func TestDefaultOrderPagesMatchTheFullSelection(t *testing.T) {
	sb := start(t)
	sc := salesChannel(t, sb, "market:code:EU")
	in := integration(t, sb)
	for i := 0; i < 4; i++ {
		sc.cart()
	}
	deleted := sc.cart().data()["id"].(string)
	in.must(204, "DELETE", "/api/orders/"+deleted, nil)
	for _, c := range []struct{ path, all string }{
		{"/api/skus", "filter[q][code_not_null]=1"},
		{"/api/orders", "filter[q][created_at_gteq]=2000-01-01T00:00:00Z"},
	} {
		for page := 1; page <= 4; page++ {
			q := "page[size]=2&page[number]=" + string(rune('0'+page))
			fast := in.must(200, "GET", c.path+"?"+q, nil)
			full := in.must(200, "GET", c.path+"?"+q+"&"+c.all, nil)
			if strings.Join(ids(fast), ",") != strings.Join(ids(full), ",") ||
				fast.meta("record_count") != full.meta("record_count") || fast.meta("page_count") != full.meta("page_count") {
				t.Errorf("%s page %d: %v %v, want %v %v", c.path, page, ids(fast), fast["meta"], ids(full), full["meta"])
			}
			if strings.Contains(strings.Join(ids(fast), ","), deleted) {
				t.Errorf("%s page %d lists the deleted order", c.path, page)
			}
		}
	}
	if d := in.must(200, "GET", "/api/orders?page[size]=25", nil); d.meta("record_count") != float64(4) {
		t.Errorf("orders: %v", d["meta"])
	}
	// order_id_eq starts from the order's lines (an index); order_id_in
	// from every line: the same answer.
	a := sc.cart(tshirt, 1, "MUGXXXXX000000FFFFFF", 2).id()
	sc.cart(tshirt, 3)
	for _, q := range []string{"", "&sort=-quantity", "&filter[q][quantity_gt]=1"} {
		eq := in.must(200, "GET", "/api/line_items?filter[q][order_id_eq]="+a+q, nil)
		any := in.must(200, "GET", "/api/line_items?filter[q][order_id_in]="+a+q, nil)
		if got, want := strings.Join(ids(eq), ","), strings.Join(ids(any), ","); got != want || got == "" || eq.meta("record_count") != any.meta("record_count") {
			t.Errorf("line items of %s%s: %s, want %s", a, q, got, want)
		}
	}
}
