package jsonapi

import (
	"bytes"
	"encoding/json"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"
)

// goccyDocument is what platform.WriteJSON writes for v.
func goccyDocument(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := gojson.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// sameAsGoccy fails t unless AppendDocument writes d as goccy does (or both
// fail).
func sameAsGoccy(t *testing.T, name string, d *Document) {
	t.Helper()
	want, wantErr := goccyDocument(d)
	prefix := []byte("prefix:")
	got, err := AppendDocument(bytes.Clone(prefix), d)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, goccy's %v", name, err, wantErr)
	}
	if wantErr != nil {
		return
	}
	if !bytes.HasPrefix(got, prefix) {
		t.Fatalf("%s: dst's bytes were not kept: %q", name, got)
	}
	if got = got[len(prefix):]; !bytes.Equal(got, want) {
		t.Fatalf("%s:\n got %s\nwant %s", name, got, want)
	}
	// goccy on the same fields in types without ResourceObject.MarshalJSON
	// (the relationships map made as the Renderer used to make it).
	if plain, err := goccyDocument(mirror(d)); err != nil || !bytes.Equal(plain, want) {
		t.Fatalf("%s: ResourceObject.MarshalJSON changed goccy's bytes (%v):\n got %s\nwant %s", name, err, want, plain)
	}
}

// mirrorObject is ResourceObject's fields, without its MarshalJSON.
type mirrorObject ResourceObject

type mirrorDocument struct {
	Data     any               `json:"data"`
	Included []*mirrorObject   `json:"included,omitempty"`
	Meta     map[string]any    `json:"meta,omitempty"`
	Links    map[string]string `json:"links,omitempty"`
}

func mirror(d *Document) *mirrorDocument {
	if d == nil {
		return nil
	}
	one := func(ro *ResourceObject) *mirrorObject {
		if ro == nil {
			return nil
		}
		c := mirrorObject(*ro)
		if ro.relsPending {
			c.Relationships = ro.buildRels()
		}
		if ro.attrs != nil {
			c.Attributes = ro.attrs.Map()
		}
		return &c
	}
	many := func(ros []*ResourceObject) []*mirrorObject {
		if ros == nil {
			return nil
		}
		out := make([]*mirrorObject, len(ros))
		for i, ro := range ros {
			out[i] = one(ro)
		}
		return out
	}
	m := &mirrorDocument{Data: d.Data, Included: many(d.Included), Meta: d.Meta, Links: d.Links}
	switch v := d.Data.(type) {
	case *ResourceObject:
		m.Data = one(v)
	case []*ResourceObject:
		m.Data = many(v)
	}
	return m
}

var escapeStrings = []string{
	"", "plain", `quote " in`, `back\slash`, "\\\"", "tab\tnew\nline\rcr", "\b\f\x00\x01\x1f", "\x7f del",
	"line\u2028sep\u2029", "<html> & 'apos'", "caf\u00e9", "日本語", "emoji \U0001F600", "\xff\xfe invalid",
	"trunc \xe2\x80", "\xed\xa0\x80 surrogate", "mixed \"<\u2028\x00\xc3\x28>\"", "/slash/", "ok-ascii_~!#$%&'()*+,-./:;=?@[]^`{|}",
}

var floats = []float64{
	0, math.Copysign(0, -1), 1, -1, 1e-7, -1e-7, 1e-6, 9.999999e-7, 1e20, 1e21, -1e21, 123.456, 0.1, 1.0 / 3,
	1 << 53, 1<<53 + 2, 12345678901234567890, 4.9e-324, math.MaxFloat64, 100, 2.5e-8, 1.5e300, 5e-324, 1e-320,
}

func TestAppendDocumentValues(t *testing.T) {
	attrs := map[string]any{
		"nil": nil, "t": true, "f": false, "s": "str", "n": 42.0, "int": 7, "int64": int64(-9), "int32": int32(3),
		"uint": uint(5), "uint64": uint64(1 << 63), "float32": float32(0.1), "nested": map[string]any{"b": 1.0, "a": []any{"x", nil, 2.5, map[string]any{}}},
		"empty_map": map[string]any{}, "empty_list": []any{}, "nil_list": []any(nil), "nil_map": map[string]any(nil),
		"strings": []string{"a", `"`}, "time": time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		"raw": json.RawMessage(`{"a": 1}`), "number": json.Number("12.50"), "struct": struct {
			A string `json:"a"`
		}{"<&>"}, "ptr": new(int), "nil_string": (*string)(nil), "string_ptr": ptr("x\"y"), "nil_float": (*float64)(nil),
		"float_ptr": ptr(1e-9), "nan_ptr_nil": (*float64)(nil), "nil_bool": (*bool)(nil), "bool_ptr": ptr(true), "nil_int64": (*int64)(nil), "int64_ptr": ptr(int64(-5)),
	}
	for i, s := range escapeStrings {
		attrs["esc"+strings.Repeat("_", i)] = s
	}
	for i, f := range floats {
		attrs["float"+strings.Repeat("_", i)] = f
		attrs["neg_float"+strings.Repeat("_", i)] = -f
	}
	sameAsGoccy(t, "values", &Document{Data: &ResourceObject{ID: "x", Type: "skus", Attributes: attrs, Meta: map[string]any{"mode": "test"}}})
	for _, s := range escapeStrings {
		ro := &ResourceObject{ID: s, Type: s, Links: SelfLink{Self: s}, Attributes: map[string]any{s: s}, Meta: map[string]any{s: s},
			Relationships: map[string]*Relationship{s: {Links: RelLinks{Related: s, Self: s}}}}
		sameAsGoccy(t, "string "+s, &Document{Data: ro, Meta: map[string]any{s: s}, Links: map[string]string{s: s}})
	}
	for _, f := range floats {
		sameAsGoccy(t, "float", &Document{Data: nil, Meta: map[string]any{"f": f, "g": -f}})
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		sameAsGoccy(t, "not a number", &Document{Meta: map[string]any{"f": f}})
		if _, err := AppendDocument(nil, &Document{Meta: map[string]any{"f": f}}); err == nil {
			t.Errorf("%v encoded without an error", f)
		}
	}
}

func TestAppendDocumentShapes(t *testing.T) {
	ro := func() *ResourceObject {
		return &ResourceObject{ID: "a", Type: "skus", Links: SelfLink{Self: "/skus/a"}, Attributes: map[string]any{}, Meta: map[string]any{}}
	}
	withRels := ro()
	withRels.Relationships = map[string]*Relationship{
		"none":   {Links: RelLinks{Related: "/r", Self: "/s"}},
		"null":   {Links: RelLinks{Related: "/r", Self: "/s"}, Data: json.RawMessage("null")},
		"empty":  {Links: RelLinks{Related: "/r", Self: "/s"}, Data: json.RawMessage("[]")},
		"one":    {Data: Linkage(Rel{Name: "one"}, []Ref{{Type: "t", ID: "<1>"}})},
		"many":   {Data: Linkage(Rel{Name: "many", Many: true}, []Ref{{Type: "t", ID: "1"}, {Type: "t", ID: "é"}})},
		"spaced": {Data: json.RawMessage(`{ "type" : "t",` + "\n" + `"id": "1" }`)},
		"nilrel": nil,
	}
	nilMaps := ro()
	nilMaps.Attributes, nilMaps.Meta = nil, nil
	emptyRels := ro()
	emptyRels.Relationships = map[string]*Relationship{}
	docs := map[string]*Document{
		"nil data":          {},
		"nil object":        {Data: (*ResourceObject)(nil)},
		"nil list":          {Data: []*ResourceObject(nil)},
		"empty list":        {Data: []*ResourceObject{}},
		"list with nil":     {Data: []*ResourceObject{nil, ro()}},
		"other data":        {Data: map[string]any{"z": 1, "a": ro()}},
		"value object":      {Data: *ro()},
		"relationships":     {Data: withRels, Included: []*ResourceObject{withRels, nil}},
		"nil maps":          {Data: nilMaps},
		"empty rels":        {Data: emptyRels},
		"empty included":    {Data: ro(), Included: []*ResourceObject{}, Meta: map[string]any{}, Links: map[string]string{}},
		"collection":        {Data: []*ResourceObject{ro(), ro()}, Meta: map[string]any{"record_count": 12, "page_count": 2}, Links: map[string]string{"first": "/a?page[number]=1", "next": "/a?x=<&>"}},
		"nil document meta": {Data: ro(), Meta: nil},
	}
	for name, d := range docs {
		sameAsGoccy(t, name, d)
	}
	sameAsGoccy(t, "nil document", nil)
}

// encReg is a registry with a wide type, as Commerce Layer's orders are.
var encReg = func() *Registry {
	var attrs []string
	for i := range 120 {
		attrs = append(attrs, "attr_"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strings.Repeat("y", i/26))
	}
	attrs = append(attrs, "attr_xa") // a duplicate name
	var rels []Rel
	for i := range 40 {
		rels = append(rels, Rel{Name: "rel_" + string(rune('z'-i%26)) + strings.Repeat("q", i/26), Type: "wides", Many: i%2 == 0})
	}
	rels = append(rels, Rel{Name: "rel_x", Type: "wides"}) // a name given twice (to-many first): the last counts
	return NewRegistry(&Resource{Type: "wides", Attributes: attrs, Rels: rels})
}()

type mapSource map[Ref]*Object

func (s mapSource) Find(ref Ref) (*Object, error) {
	if o, ok := s[ref]; ok {
		return o, nil
	}
	return nil, ErrNotFound
}

func wideObject(id string, attrs []string) *Object {
	m := map[string]any{}
	for i, a := range attrs {
		switch i % 4 {
		case 0:
			m[a] = nil
		case 1:
			m[a] = float64(i) * 1.25
		case 2:
			m[a] = "value " + a
		case 3:
			m[a] = i%3 == 0
		}
	}
	return &Object{Type: "wides", ID: id, Attributes: m, Link: func(rel string) ([]Ref, error) {
		if strings.Count(rel, "q") == 0 {
			return []Ref{{Type: "wides", ID: "b"}, {Type: "wides", ID: id + "-b"}}, nil
		}
		return nil, nil
	}}
}

func TestAppendDocumentCachedOrder(t *testing.T) {
	res := encReg.Get("wides")
	order := res.layout().attrOrder
	for i := 1; i < len(order); i++ {
		if order[i-1].name >= order[i].name {
			t.Fatalf("attrOrder not sorted and unique at %d: %q %q", i, order[i-1].name, order[i].name)
		}
	}
	a, b := wideObject("a", res.Attributes), wideObject("b", res.Attributes[:60])
	r := &Renderer{Reg: encReg, Src: mapSource{a.Ref(): a, b.Ref(): b}, Base: "https://x.example/api", Meta: map[string]any{"mode": "test", "organization_id": "o"}}
	render := func(o *Object, query string) *Document {
		t.Helper()
		v, _ := url.ParseQuery(query)
		q, err := ParseQuery(encReg, res, v, false)
		if err != nil {
			t.Fatal(err)
		}
		d, err := r.One(o, q)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	full := render(a, "include=rel_z,rel_y,rel_zq")
	if full.Data.(*ResourceObject).res != res || len(full.Included) != 1 {
		t.Fatalf("the renderer did not give its objects their type, or included %d", len(full.Included))
	}
	sameAsGoccy(t, "full", full)
	sameAsGoccy(t, "partial attributes", render(b, "include=rel_z"))
	sameAsGoccy(t, "sparse", render(a, "fields[wides]=attr_a,attr_xb,rel_z&include=rel_z"))
	sameAsGoccy(t, "sparse, half", render(a, "fields[wides]="+strings.Join(res.Attributes[:30], ",")+",rel_y,rel_x"))
	sameAsGoccy(t, "sparse, none known", render(a, "fields[wides]=rel_zq"))
	sameAsGoccy(t, "sparse, no relationship", render(a, "fields[wides]=attr_a&include=rel_z"))
	for _, base := range []string{`https://x.example/"quoted"`, "https://x.example/\u00e4pi", "https://x.example/<&>"} {
		r.Base = base
		sameAsGoccy(t, "base "+base, render(a, "include=rel_z,rel_x"))
	}
	r.Base = "https://x.example/api"
	for _, id := range []string{"<&>", `q"uote`, "\u00e9", "a\u2028b"} {
		o := wideObject(id, res.Attributes[:10])
		sameAsGoccy(t, "linkage "+id, render(o, "include=rel_z,rel_y,rel_x"))
	}

	// Keys outside the cached order: a key sorting first, last, between two
	// names, and one with the same count as the order (one name missing).
	for _, extra := range []string{"", "~last", "attr_", "attr_xa0", "z", `needs "escaping"`} {
		d := render(a, "include=rel_z")
		ro := d.Data.(*ResourceObject)
		ro.Attributes = clone(ro.Attributes)
		ro.Attributes[extra] = "extra"
		sameAsGoccy(t, "extra attribute "+extra, d)
		delete(ro.Attributes, res.Attributes[5])
		sameAsGoccy(t, "extra attribute, same count "+extra, d)
		ro.Relationships, ro.relsPending = ro.buildRels(), false
		ro.Relationships["rel_"+extra] = &Relationship{Data: json.RawMessage("null")}
		sameAsGoccy(t, "extra relationship "+extra, d)
	}
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestAppendDocumentAllocs: a document of registered types is written
// without sorting (nothing allocated but a small map's keys).
func TestAppendDocumentAllocs(t *testing.T) {
	res := encReg.Get("wides")
	a := wideObject("a", res.Attributes)
	r := &Renderer{Reg: encReg, Src: mapSource{a.Ref(): a}, Meta: map[string]any{}}
	d, err := r.One(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 0, 64<<10)
	if n := testing.AllocsPerRun(100, func() { _, _ = AppendDocument(buf[:0], d) }); n > 1 {
		t.Errorf("AppendDocument allocated %v times a document of a registered type", n)
	}
}

// FuzzAppendDocument: for any strings and numbers in any place, the bytes
// are goccy's.
func FuzzAppendDocument(f *testing.F) {
	for _, s := range escapeStrings {
		f.Add(s, "k", 1.5, int64(3))
	}
	for _, x := range floats {
		f.Add("v", "attr_xa", x, int64(-1))
	}
	f.Fuzz(func(t *testing.T, s, key string, x float64, n int64) {
		res := encReg.Get("wides")
		o := wideObject(s, res.Attributes[:len(res.Attributes)/2])
		o.Attributes[key] = s
		o.Attributes["attr_b"] = x
		o.Attributes["attr_c"] = map[string]any{key: []any{s, x, n, float64(n)}, s: x}
		src := mapSource{o.Ref(): o, {Type: "wides", ID: "b"}: wideObject("b", nil)}
		r := &Renderer{Reg: encReg, Src: src, Base: s, Meta: map[string]any{"mode": s, key: x}}
		q := &Query{Include: [][]string{{"rel_z"}}}
		d, err := r.One(o, q)
		if err != nil {
			t.Fatal(err)
		}
		d.Meta = map[string]any{"record_count": n, key: s}
		d.Links = map[string]string{key: s, "self": s}
		sameAsGoccy(t, "fuzz", d)
	})
}

func ptr[T any](v T) *T { return &v }

// TestPlain: plain classifies every byte value in every place of a word as
// a byte-by-byte reading does.
func TestPlain(t *testing.T) {
	want := func(s string) int {
		out := plainASCII
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c < ' ' || c == '"' || c == '\\':
				return notPlain
			case c >= 0x80:
				out = plainUTF8
			}
		}
		return out
	}
	for _, fill := range []byte{'a', ' ', '!', '#', '[', ']', 0x7f, '~', 0x80, 0xff} {
		for n := 0; n <= 19; n++ {
			for at := 0; at < n; at++ {
				for c := 0; c < 256; c++ {
					b := bytes.Repeat([]byte{fill}, n)
					b[at] = byte(c)
					if got, w := plain(string(b)), want(string(b)); got != w {
						t.Fatalf("plain(%q) = %d, want %d", b, got, w)
					}
				}
			}
		}
	}
}

// Names whose keys need escaping or goccy's care are quoted as any string,
// not written from the key cached for a plain name.
func TestAppendDocumentQuotesNamesThatNeedIt(t *testing.T) {
	names := []string{"plain", `with_"quote"`, "with_\u00e4", "with_\u2028", "with_<&>", `back\slash`}
	reg := NewRegistry(&Resource{Type: "t", Attributes: names})
	for _, n := range reg.Get("t").layout().attrOrder {
		if (n.key != "") != (n.name == "plain" || n.name == "with_<&>") {
			t.Fatalf("%q: cached key %q", n.name, n.key)
		}
	}
	m := map[string]any{}
	for i, n := range names {
		m[n] = float64(i)
	}
	d, err := (&Renderer{Reg: reg, Meta: map[string]any{}}).One(&Object{Type: "t", ID: "1", Attributes: m}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameAsGoccy(t, "names that need escaping", d)
}

// TestAppendDocumentWalksCachedOrder: the maps of a registered type are
// written in the type's cached order (here, on purpose, not the sorted one).
func TestAppendDocumentWalksCachedOrder(t *testing.T) {
	reg := NewRegistry(&Resource{Type: "t", Attributes: []string{"a", "b", "c"}, Rels: []Rel{{Name: "x"}, {Name: "y"}}})
	res := reg.Get("t")
	l := res.layout()
	l.attrOrder, l.relOrder, l.relSorted = namesInOrder([]string{"c", "a", "b"}), namesInOrder([]string{"y", "x"}), []int{1, 0}
	o := &Object{Type: "t", ID: "1", Attributes: map[string]any{"a": 1.0, "b": 2.0, "c": 3.0}}
	d, err := (&Renderer{Reg: reg, Meta: map[string]any{}}).One(o, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AppendDocument(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data":{"id":"1","type":"t","links":{"self":"/t/1"},"attributes":{"c":3,"a":1,"b":2},"relationships":{` +
		`"y":{"links":{"related":"/t/1/y","self":"/t/1/relationships/y"}},"x":{"links":{"related":"/t/1/x","self":"/t/1/relationships/x"}}},"meta":{}}}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// An object's Attrs render as the map of the same attributes does, in
// AppendDocument and through MarshalJSON, whole or in a sparse fieldset,
// with names outside the type's merged into their sorted places and the
// type's Null names null when not set.
func TestAttrsRenderAsTheirMap(t *testing.T) {
	reg := NewRegistry(&Resource{Type: "t", Attributes: []string{"b", "d", "f", `q"uote`}, Null: []string{"d", "h"}, Rels: []Rel{{Name: "r", Type: "t"}}})
	res := reg.Get("t")
	sets := []struct {
		name string
		v    any
	}{{"b", 1.5}, {"a", "before"}, {"c", nil}, {"f", map[string]any{"x": []any{1.0, "y"}}}, {"e", true}, {`q"uote`, "q"}, {"zz", "after"}, {"b", 2.5}}
	a := res.NewAttrs()
	m := map[string]any{"d": nil, "h": nil}
	for _, s := range sets {
		a.Set(s.name, s.v)
		m[s.name] = s.v
	}
	if v, ok := a.Get("h"); !ok || v != nil {
		t.Fatalf("a Null name: %v %v", v, ok)
	}
	if _, ok := a.Get("g"); ok {
		t.Fatal("a name never set is there")
	}
	r := &Renderer{Reg: reg, Meta: map[string]any{}}
	for _, query := range []string{"", "fields[t]=b,d,r", "fields[t]=f"} {
		v, _ := url.ParseQuery(query)
		q, err := ParseQuery(reg, res, v, false)
		if err != nil {
			t.Fatal(err)
		}
		withAttrs, err := r.One(&Object{Type: "t", ID: "1", Attrs: a}, q)
		if err != nil {
			t.Fatal(err)
		}
		withMap, err := r.One(&Object{Type: "t", ID: "1", Attributes: m}, q)
		if err != nil {
			t.Fatal(err)
		}
		sameAsGoccy(t, "attrs "+query, withAttrs)
		got, _ := AppendDocument(nil, withAttrs)
		want, _ := AppendDocument(nil, withMap)
		if string(got) != string(want) {
			t.Fatalf("%q: attrs give\n%s\nthe map\n%s", query, got, want)
		}
	}
}
