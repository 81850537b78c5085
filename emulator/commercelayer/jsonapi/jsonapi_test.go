package jsonapi

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

var testReg = NewRegistry(
	&Resource{Type: "skus", Attributes: []string{"code", "name", "weight", "do_not_ship", "created_at"},
		Filters: []string{"id", "code", "name", "weight", "do_not_ship", "created_at", "prices_amount_cents"},
		Sorts:   []string{"code", "name", "weight", "created_at"},
		Rels:    []Rel{{Name: "prices", Type: "prices", Many: true}}},
	&Resource{Type: "prices", Attributes: []string{"amount_cents", "currency_code"},
		Filters: []string{"amount_cents", "currency_code", "sku_code"},
		Sorts:   []string{"amount_cents"},
		Rels:    []Rel{{Name: "sku", Type: "skus"}, {Name: "price_list", Type: "price_lists"}}},
	&Resource{Type: "price_lists", Attributes: []string{"name"}},
	&Resource{Type: "orders", Attributes: []string{"number"},
		Rels: []Rel{{Name: "payment_source"}, {Name: "line_items", Type: "line_items", Many: true}}},
	&Resource{Type: "line_items", Attributes: []string{"quantity"}},
)

func TestParseCondition(t *testing.T) {
	filterable := []string{"id", "name", "code", "customer_email", "market_code", "number", "status"}
	cases := []struct {
		key, value string
		want       Condition
		errCode    string
	}{
		{key: "name_eq", value: "Tee", want: Condition{Fields: []string{"name"}, Predicate: "eq", Values: []string{"Tee"}}},
		{key: "name_not_eq", value: "Tee", want: Condition{Fields: []string{"name"}, Predicate: "not_eq", Values: []string{"Tee"}}},
		{key: "name_or_code_cont", value: "ee", want: Condition{Fields: []string{"name", "code"}, Predicate: "cont", Values: []string{"ee"}}},
		{key: "name_and_code_cont", value: "ee", want: Condition{Fields: []string{"name", "code"}, All: true, Predicate: "cont", Values: []string{"ee"}}},
		{key: "customer_email_start", value: "a", want: Condition{Fields: []string{"customer_email"}, Predicate: "start", Values: []string{"a"}}},
		{key: "market_code_in", value: "EU, US", want: Condition{Fields: []string{"market_code"}, Predicate: "in", Values: []string{"EU", "US"}}},
		{key: "status_not_in", value: "draft,pending", want: Condition{Fields: []string{"status"}, Predicate: "not_in", Values: []string{"draft", "pending"}}},
		{key: "code_not_cont_any", value: "a,b", want: Condition{Fields: []string{"code"}, Predicate: "not_cont_any", Values: []string{"a", "b"}}},
		{key: "number_does_not_match", value: "1%", want: Condition{Fields: []string{"number"}, Predicate: "does_not_match", Values: []string{"1%"}}},
		{key: "name_null", value: "true", want: Condition{Fields: []string{"name"}, Predicate: "null", Values: []string{"true"}}},
		{key: "name_not_null", value: "1", want: Condition{Fields: []string{"name"}, Predicate: "not_null", Values: []string{"1"}}},
		{key: "id_lteq", value: "x", want: Condition{Fields: []string{"id"}, Predicate: "lteq", Values: []string{"x"}}},
		{key: "weight_eq", value: "1", errCode: "FILTER_NOT_ALLOWED"},
		{key: "name_or_weight_eq", value: "1", errCode: "FILTER_NOT_ALLOWED"},
		{key: "name_sounds_like", value: "x", errCode: "INVALID_FILTERS_SYNTAX"},
		{key: "eq", value: "x", errCode: "INVALID_FILTERS_SYNTAX"},
	}
	for _, c := range cases {
		got, err := ParseCondition(c.key, c.value, filterable)
		if c.errCode != "" {
			e, ok := err.(*Error)
			if !ok || e.Code != c.errCode || e.Status != 400 {
				t.Errorf("%s: err = %v, want %s", c.key, err, c.errCode)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.key, err)
			continue
		}
		c.want.Key = c.key
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %+v, want %+v", c.key, got, c.want)
		}
	}
}

func TestMatchValues(t *testing.T) {
	cases := []struct {
		pred string
		want []string
		got  []any
		ok   bool
	}{
		{"eq", []string{"abc"}, []any{"abc"}, true},
		{"eq", []string{"ABC"}, []any{"abc"}, false},
		{"eq", []string{"3"}, []any{float64(3)}, true},
		{"eq", []string{"true"}, []any{true}, true},
		{"eq", []string{"x"}, nil, false},
		{"not_eq", []string{"abc"}, []any{"abd"}, true},
		{"not_eq", []string{"abc"}, []any{"abc"}, false},
		{"not_eq", []string{"abc"}, nil, false}, // null matches no comparison
		{"in", []string{"a", "b"}, []any{"b"}, true},
		{"in", []string{"a", "b"}, []any{"c"}, false},
		{"not_in", []string{"a", "b"}, []any{"c"}, true},
		{"not_in", []string{"a", "b"}, []any{"a"}, false},
		{"eq_any", []string{"a", "b"}, []any{"a"}, true},
		{"matches", []string{"t%t"}, []any{"TesT"}, true},
		{"matches", []string{"t_t"}, []any{"tot"}, true},
		{"matches", []string{"t_t"}, []any{"toot"}, false},
		{"does_not_match", []string{"t%"}, []any{"abc"}, true},
		{"lt", []string{"10"}, []any{float64(9)}, true},
		{"lt", []string{"10"}, []any{float64(10)}, false},
		{"lteq", []string{"10"}, []any{float64(10)}, true},
		{"gt", []string{"9.5"}, []any{float64(10)}, true},
		{"gteq", []string{"abc"}, []any{float64(10)}, false}, // not a number
		{"gt", []string{"2024-01-01"}, []any{"2024-01-02T00:00:00.000Z"}, true},
		{"lt", []string{"2024-01-01T12:00:00Z"}, []any{"2024-01-01T11:59:59.999Z"}, true},
		{"start", []string{"TSHIRT"}, []any{"tshirtmm"}, true},
		{"not_start", []string{"x"}, []any{"tshirt"}, true},
		{"end", []string{"MM"}, []any{"tshirtmm"}, true},
		{"not_end", []string{"mm"}, []any{"tshirtmm"}, false},
		{"cont", []string{"TSHIRT"}, []any{"a t-shirt"}, false},
		{"cont", []string{"SHIRT"}, []any{"a tshirt"}, true},
		{"not_cont", []string{"x"}, []any{"abc"}, true},
		{"cont_any", []string{"x", "b"}, []any{"abc"}, true},
		{"cont_all", []string{"a", "c"}, []any{"abc"}, true},
		{"cont_all", []string{"a", "z"}, []any{"abc"}, false},
		{"not_cont_any", []string{"x", "y"}, []any{"abc"}, true},
		{"present", []string{"true"}, []any{"x"}, true},
		{"present", []string{"true"}, []any{" "}, false},
		{"present", []string{"false"}, []any{" "}, true},
		{"blank", []string{"1"}, nil, true},
		{"blank", []string{"1"}, []any{""}, true},
		{"null", []string{"true"}, nil, true},
		{"null", []string{"true"}, []any{""}, false},
		{"not_null", []string{"true"}, []any{""}, true},
		{"null", []string{"false"}, []any{"x"}, true},
		{"true", []string{"1"}, []any{true}, true},
		{"true", []string{"1"}, []any{false}, false},
		{"false", []string{"1"}, []any{false}, true},
		{"eq", []string{"b"}, []any{"a", "b"}, true}, // through a to-many relationship: any
		{"not_eq", []string{"b"}, []any{"a", "b"}, false},
	}
	for _, c := range cases {
		if got := matchValues(c.pred, c.want, c.got); got != c.ok {
			t.Errorf("%s %v on %v = %v, want %v", c.pred, c.want, c.got, got, c.ok)
		}
	}
}

func TestConditionMatchOrAnd(t *testing.T) {
	vals := map[string][]any{"name": {"Tee"}, "code": {"TSHIRT"}}
	get := func(f string) []any { return vals[f] }
	or := Condition{Fields: []string{"name", "code"}, Predicate: "cont", Values: []string{"shirt"}}
	if !or.Match(get) {
		t.Error("_or_: one field matching should be enough")
	}
	and := or
	and.All = true
	if and.Match(get) {
		t.Error("_and_: every field must match")
	}
	and.Values = []string{"t"}
	if !and.Match(get) {
		t.Error("_and_: both contain t")
	}
}

func TestParseSort(t *testing.T) {
	res := testReg.Get("skus")
	got, err := ParseSort("-created_at, code", res)
	if err != nil || !reflect.DeepEqual(got, []SortKey{{"created_at", true}, {"code", false}}) {
		t.Fatalf("got %v %v", got, err)
	}
	if _, err := ParseSort("-price", res); err == nil || err.(*Error).Code != "INVALID_SORT_CRITERIA" {
		t.Fatalf("unknown sort field: %v", err)
	}
}

func TestParsePageAndWindow(t *testing.T) {
	cases := []struct {
		number, size string
		want         Page
		err          bool
	}{
		{"", "", Page{1, 10}, false},
		{"2", "25", Page{2, 25}, false},
		{"0", "", Page{}, true},
		{"x", "", Page{}, true},
		{"", "26", Page{}, true},
		{"", "0", Page{}, true},
	}
	for _, c := range cases {
		got, err := ParsePage(c.number, c.size)
		if c.err {
			if e, ok := err.(*Error); !ok || e.Code != "INVALID_PAGE_VALUE" {
				t.Errorf("%q/%q: err %v", c.number, c.size, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q/%q: got %v %v", c.number, c.size, got, err)
		}
	}
	windows := []struct {
		p                   Page
		n                   int
		start, end, pageCnt int
	}{
		{Page{1, 10}, 0, 0, 0, 0},
		{Page{1, 10}, 7, 0, 7, 1},
		{Page{2, 10}, 25, 10, 20, 3},
		{Page{3, 10}, 25, 20, 25, 3},
		{Page{9, 10}, 25, 25, 25, 3},
	}
	for _, w := range windows {
		s, e, pc := w.p.Window(w.n)
		if s != w.start || e != w.end || pc != w.pageCnt {
			t.Errorf("%v of %d: got %d,%d,%d", w.p, w.n, s, e, pc)
		}
	}
}

func TestPageLinks(t *testing.T) {
	self, _ := url.Parse("http://x.test/api/skus?sort=code&page[number]=2")
	links := Page{2, 10}.Links(self, 3)
	for k, want := range map[string]string{"first": "1", "prev": "1", "next": "3", "last": "3"} {
		u, err := url.Parse(links[k])
		if err != nil || u.Query().Get("page[number]") != want || u.Query().Get("sort") != "code" || u.Host != "x.test" {
			t.Errorf("%s = %s", k, links[k])
		}
	}
	links = Page{1, 10}.Links(self, 1)
	if _, ok := links["prev"]; ok {
		t.Error("no prev on page 1")
	}
	if _, ok := links["next"]; ok {
		t.Error("no next on the last page")
	}
}

func TestParseQuery(t *testing.T) {
	res := testReg.Get("skus")
	v := url.Values{"include": {"prices.price_list"}, "fields[skus]": {"code,prices"}, "filter[q][code_eq]": {"A"}, "sort": {"-code"}, "page[size]": {"5"}}
	q, err := ParseQuery(testReg, res, v, true)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(q.Include, [][]string{{"prices", "price_list"}}) || !q.Fields["skus"]["prices"] || len(q.Filters) != 1 || q.Page.Size != 5 {
		t.Fatalf("%+v", q)
	}
	bad := []struct {
		v    url.Values
		code string
		list bool
	}{
		{url.Values{"include": {"market"}}, "INVALID_INCLUDE", true},
		{url.Values{"include": {"prices.market"}}, "INVALID_INCLUDE", true},
		{url.Values{"fields[skus]": {"colour"}}, "INVALID_FIELD", true},
		{url.Values{"fields[widgets]": {"a"}}, "INVALID_RESOURCE", true},
		{url.Values{"filter[code]": {"a"}}, "FILTER_NOT_ALLOWED", true},
		{url.Values{"page[offset]": {"1"}}, "PARAM_NOT_ALLOWED", true},
		{url.Values{"foo": {"1"}}, "PARAM_NOT_ALLOWED", true},
		{url.Values{"sort": {"code"}}, "PARAM_NOT_ALLOWED", false}, // single resources take no sort
	}
	for _, b := range bad {
		_, err := ParseQuery(testReg, res, b.v, b.list)
		if e, ok := err.(*Error); !ok || e.Code != b.code || e.Status != 400 {
			t.Errorf("%v: err %v, want %s", b.v, err, b.code)
		}
	}
	// A polymorphic relationship may be included but not walked through.
	if _, err := ParseInclude(testReg, testReg.Get("orders"), "payment_source"); err != nil {
		t.Error(err)
	}
	if _, err := ParseInclude(testReg, testReg.Get("orders"), "payment_source.order"); err == nil {
		t.Error("walking through a polymorphic relationship should be refused")
	}
}

// memSource is an in-memory Source.
type memSource map[Ref]*Object

func (m memSource) Find(ref Ref) (*Object, error) {
	if o, ok := m[ref]; ok {
		return o, nil
	}
	return nil, ErrNotFound
}

func fixtureObjects() (memSource, []*Object) {
	src := memSource{}
	add := func(o *Object) *Object { src[o.Ref()] = o; return o }
	pl := add(&Object{Type: "price_lists", ID: "pl1", Attributes: map[string]any{"name": "EUR"}})
	links := func(m map[string][]Ref) func(string) ([]Ref, error) {
		return func(rel string) ([]Ref, error) { return m[rel], nil }
	}
	p1 := add(&Object{Type: "prices", ID: "p1", Attributes: map[string]any{"amount_cents": float64(1000), "currency_code": "EUR"},
		Link: links(map[string][]Ref{"sku": {{"skus", "s1"}}, "price_list": {pl.Ref()}})})
	p2 := add(&Object{Type: "prices", ID: "p2", Attributes: map[string]any{"amount_cents": float64(3000), "currency_code": "EUR"},
		Link: links(map[string][]Ref{"sku": {{"skus", "s2"}}, "price_list": {pl.Ref()}})})
	s1 := add(&Object{Type: "skus", ID: "s1", Attributes: map[string]any{"code": "TSHIRT", "name": "Tee", "weight": nil, "do_not_ship": false, "created_at": "2024-01-01T00:00:00.000Z"},
		Link: links(map[string][]Ref{"prices": {p1.Ref()}})})
	s2 := add(&Object{Type: "skus", ID: "s2", Attributes: map[string]any{"code": "MUG", "name": "Mug", "weight": float64(300), "do_not_ship": false, "created_at": "2024-01-02T00:00:00.000Z"},
		Link: links(map[string][]Ref{"prices": {p2.Ref()}})})
	s3 := add(&Object{Type: "skus", ID: "s3", Attributes: map[string]any{"code": "EBOOK", "name": "E-book", "weight": float64(0), "do_not_ship": true, "created_at": "2024-01-03T00:00:00.000Z"},
		Link: links(map[string][]Ref{"prices": nil})})
	return src, []*Object{s1, s2, s3}
}

func ids(objs []*Object) string {
	var out []string
	for _, o := range objs {
		out = append(out, o.ID)
	}
	return strings.Join(out, ",")
}

func TestSelectFilterThroughRelationshipAndSort(t *testing.T) {
	src, skus := fixtureObjects()
	cases := []struct {
		query string
		want  string
	}{
		{"", "s1,s2,s3"},
		{"filter[q][prices_amount_cents_gt]=2000", "s2"},
		{"filter[q][prices_amount_cents_lt]=2000", "s1"},
		{"filter[q][code_or_name_cont]=u", "s2"},
		{"filter[q][do_not_ship_true]=1", "s3"},
		{"filter[q][weight_null]=1", "s1"},
		{"filter[q][weight_gteq]=0&sort=-weight", "s2,s3"},
		{"sort=weight", "s3,s2,s1"},  // nulls last ascending
		{"sort=-weight", "s1,s2,s3"}, // nulls first descending
		{"sort=-created_at", "s3,s2,s1"},
		{"filter[q][id_in]=s3,s1&sort=code", "s3,s1"},
		{"filter[q][created_at_gt]=2024-01-01T12:00:00Z", "s2,s3"},
	}
	for _, c := range cases {
		v, _ := url.ParseQuery(c.query)
		q, err := ParseQuery(testReg, testReg.Get("skus"), v, true)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		got := Select(testReg, src, append([]*Object(nil), skus...), q)
		if ids(got) != c.want {
			t.Errorf("%s: got %s, want %s", c.query, ids(got), c.want)
		}
	}
}

func TestRenderIncludeFieldsAndPages(t *testing.T) {
	src, skus := fixtureObjects()
	r := &Renderer{Reg: testReg, Src: src, Base: "https://acme.test/api", Meta: map[string]any{"mode": "test"}}
	v, _ := url.ParseQuery("include=prices.price_list&fields[skus]=code,prices&fields[prices]=amount_cents,price_list&page[size]=2")
	q, err := ParseQuery(testReg, testReg.Get("skus"), v, true)
	if err != nil {
		t.Fatal(err)
	}
	self, _ := url.Parse("https://acme.test/api/skus?" + v.Encode())
	doc, err := r.Many(skus, q, self)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(doc)
	var got struct {
		Data []struct {
			ID            string
			Attributes    map[string]any
			Relationships map[string]struct {
				Links map[string]string
				Data  json.RawMessage
			}
			Links map[string]string
			Meta  map[string]any
		}
		Included []struct {
			Type, ID      string
			Attributes    map[string]any
			Relationships map[string]struct{ Data json.RawMessage }
		}
		Meta  map[string]float64
		Links map[string]string
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != 2 || got.Meta["record_count"] != 3 || got.Meta["page_count"] != 2 || got.Links["next"] == "" {
		t.Fatalf("page: %s", raw)
	}
	d := got.Data[0]
	if len(d.Attributes) != 1 || d.Attributes["code"] != "TSHIRT" || d.Links["self"] != "https://acme.test/api/skus/s1" || d.Meta["mode"] != "test" {
		t.Fatalf("sparse fields or links: %s", raw)
	}
	if string(d.Relationships["prices"].Data) != `[{"type":"prices","id":"p1"}]` ||
		d.Relationships["prices"].Links["related"] != "https://acme.test/api/skus/s1/prices" {
		t.Fatalf("relationship: %s", raw)
	}
	// Included: p1, the price list once (reached twice), p2.
	var inc []string
	for _, o := range got.Included {
		inc = append(inc, o.Type+"/"+o.ID)
		if o.Type == "prices" {
			if _, ok := o.Attributes["currency_code"]; ok {
				t.Errorf("fields[prices] not applied: %v", o.Attributes)
			}
			if _, ok := o.Relationships["sku"]; ok {
				t.Errorf("fields[prices] should drop the sku relationship")
			}
			if len(o.Relationships["price_list"].Data) == 0 {
				t.Errorf("nested include should give price_list data")
			}
		}
	}
	if strings.Join(inc, ",") != "prices/p1,price_lists/pl1,prices/p2" {
		t.Errorf("included = %v", inc)
	}

	// A to-one relationship included but empty renders null; a to-many one [].
	one, err := r.One(skus[2], &Query{Include: [][]string{{"prices"}}})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(one)
	if !strings.Contains(string(raw), `"data":[]`) || strings.Contains(string(raw), `"included"`) {
		t.Errorf("empty to-many: %s", raw)
	}
	rel, _ := r.RelationshipDocument(src[Ref{"prices", "p1"}], Rel{Name: "sku", Type: "skus"})
	raw, _ = json.Marshal(rel)
	if string(raw) != `{"data":{"type":"skus","id":"s1"},"links":{"related":"https://acme.test/api/prices/p1/sku","self":"https://acme.test/api/prices/p1/relationships/sku"}}` {
		t.Errorf("relationship document: %s", raw)
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		s, p string
		ok   bool
	}{
		{"abc", "abc", true}, {"abc", "a%", true}, {"abc", "%c", true}, {"abc", "%b%", true},
		{"abc", "a_c", true}, {"abc", "a_", false}, {"", "%", true}, {"abc", "%d%", false},
	}
	for _, c := range cases {
		if like(c.s, c.p) != c.ok {
			t.Errorf("like(%q,%q) != %v", c.s, c.p, c.ok)
		}
	}
}

func TestErrorsDocument(t *testing.T) {
	status, doc := Errors{Validation(AttributePointer("quantity"), "quantity", "must be greater than 0", "greater_than")}.Document()
	raw, _ := json.Marshal(doc)
	if status != 422 || string(raw) != `{"errors":[{"title":"must be greater than 0","detail":"quantity - must be greater than 0","code":"VALIDATION_ERROR","status":"422","source":{"pointer":"/data/attributes/quantity"},"meta":{"error":"greater_than"}}]}` {
		t.Errorf("%d %s", status, raw)
	}
}
