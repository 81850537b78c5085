package commercelayer

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/platform/decodetest"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
)

// records are every stored model: each kind's attributes struct is A.
var records = []func() model{
	func() model { return &Record{} }, func() model { return &Market{} }, func() model { return &PriceList{} },
	func() model { return &Sku{} }, func() model { return &Price{} }, func() model { return &ShippingMethod{} },
	func() model { return &PaymentMethod{} }, func() model { return &KlarnaGateway{} }, func() model { return &Customer{} },
	func() model { return &Address{} }, func() model { return &Order{} }, func() model { return &LineItem{} },
	func() model { return &Shipment{} }, func() model { return &KlarnaPayment{} }, func() model { return &ExternalPayment{} },
	func() model { return &WireTransfer{} }, func() model { return &Transaction{} }, func() model { return &Webhook{} },
}

// Request documents, their attributes and relationships, and stored
// records are decoded with goccy/go-json (unmarshal); overlay's round trip
// through each attributes struct runs on it too. For any body, each of those
// types is filled exactly as encoding/json fills it, one library fails
// where the other does, and overlay leaves record and attributes as it did
// with encoding/json. Seeds run as a test; `go test -fuzz DecodeMatches
// ./emulator/commercelayer` explores.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"data":{"type":"line_items","attributes":{"sku_code":"TSHIRTMMFFFFFF000000LXXX","quantity":1},"relationships":{"order":{"data":{"type":"orders","id":"abcdefghij"}}}}}`,
		`{"data":{"type":"orders","attributes":{"customer_email":"a@example.com","language_code":"it","_place":true,"metadata":{"a":[1,{"b":null}],"n":1e300}}}}`,
		`{"data":{"type":"orders","id":"x","relationships":{"market":null,"line_items":{"data":[{"type":"line_items","id":"a"},{"type":"line_items","id":"b"}]},"x":{"data":null},"y":{}}}}`,
		`{"data":{"type":"addresses","attributes":{"first_name":"J\u00f6rg \ud83d\ude00 \ud800","line_1":"<b>&amp;</b>","zip_code":"00100","lat":41.9,"lng":12.5,"is_business":false}}}`,
		"{\"data\":{\"type\":\"customers\",\"attributes\":{\"email\":\"\xff\xfe\",\"password\":\"s\\\"e\\\\c\"}}}",
		`{"data":{"type":"line_items","attributes":{"quantity":1.0,"unit_amount_cents":"1","tax_rate":0.22,"name":null,"image_url":1}}}`,
		`{"data":{"type":"line_items","attributes":{"quantity":1e400}}}`, `{"data":{"type":"line_items","attributes":{"quantity":-9223372036854775809}}}`,
		`{"data":{"type":"webhooks","attributes":{"topic":"orders.place","callback_url":"http://x/y?a=1\u0026b=2","include_resources":["line_items",null]}}}`,
		`{"data":{"type":"shipments","attributes":{"selected_rate_id":{"a":1},"number":7}}}`,
		`{"Data":{"Type":"orders","ID":"x","ATTRIBUTES":{"Reference":"r"}}}`, `{"data":{"type":"orders","type":"skus","attributes":{"a":1,"a":2}}}`,
		`{"data":{"type":"orders","attributes":[]}}`, `{"data":{"type":"orders","relationships":[]}}`, `{"data":[{"type":"orders"}]}`,
		`{"data":{"type":1}}`, `{"data":null}`, `{"type":"orders","id":"x"}`, `[{"type":"orders","id":"x"}]`, `{"type":["x"]}`,
		`{"id":"abc","seq":1000001,"created_at":"2026-01-01T00:00:00.000Z","metadata":{},"extra":{"x":[1]},"rels":{"a":[{"type":"t","id":"i"}]},"attributes":{"quantity":2}}`,
		`[]`, `"x"`, `1`, `true`, `null`, `{`, `{"a":1}x`, `{"a":1} {"b":2}`, ``, ` {"data":{"type":"orders"}} `,
	} {
		f.Add([]byte(s))
	}
	for _, mk := range records { // stored records, as the store writes them
		m := mk()
		*m.base() = Base{ID: "abcdefghij", Seq: 1_000_001, CreatedAt: "2026-01-01T00:00:00.000Z", UpdatedAt: "2026-01-01T00:00:00.000Z",
			Metadata: map[string]any{"k": "v"}, Extra: map[string]any{"x": 1.5}, Rels: map[string][]jsonapi.Ref{"r": {{Type: "t", ID: "i"}}}}
		raw, err := gojson.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	types := []func() any{
		func() any { return new(inputDoc) }, func() any { return new([]jsonapi.Ref) }, func() any { return new(jsonapi.Ref) },
		func() any { return new(bool) }, func() any { return new(*string) }, func() any { return new(*int64) },
		func() any { return new(any) }, func() any { return new(map[string]any) }, func() any { return new(map[string]json.RawMessage) },
	}
	for _, mk := range records {
		types = append(types, func() any { return mk() })
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		decodetest.LikeEncodingJSON(t, body, unmarshal, types...)
		// A refresh reads lines from their digests: what it reads is the line's.
		var full LineItem
		if json.Unmarshal(body, &full) == nil {
			got, ok := readLineCore(appendLineCore(nil, &full))
			if want := projected(&full); !ok || !reflect.DeepEqual(got, want) {
				t.Fatalf("digest of %q:\n%#v\nwant %#v", body, got, want)
			}
		}
		// overlay, with the body's attributes (its data's, else the body
		// itself as the attributes object) written onto a record stored
		// as the body says (when it is one) and onto each attributes
		// struct, every attribute allowed.
		attrs := map[string]json.RawMessage{}
		var doc inputDoc
		if json.Unmarshal(body, &doc) == nil && doc.Data.Attributes != nil {
			attrs = doc.Data.Attributes
		} else if json.Unmarshal(body, &attrs) != nil {
			return
		}
		var allowed []string
		for name := range attrs {
			allowed = append(allowed, name)
		}
		for _, mk := range records {
			for _, typ := range []string{"orders", "line_items", "addresses", "skus"} {
				std, fast := mk(), mk()
				_ = json.Unmarshal(body, std)
				_ = json.Unmarshal(body, fast)
				in := &input{Type: typ, Attrs: attrs}
				errStd := overlayWith(stdJSON, std.base(), attrsOf(std), in, allowed...)
				errFast := overlayWith(fastJSON, fast.base(), attrsOf(fast), in, allowed...)
				if (errStd == nil) != (errFast == nil) {
					t.Fatalf("overlay %T %q: encoding/json %v, goccy %v", std, body, errStd, errFast)
				}
				if errStd == nil && !reflect.DeepEqual(std, fast) {
					t.Fatalf("overlay %T %q:\nencoding/json %#v\ngoccy         %#v", std, body, std, fast)
				}
			}
		}
		std, fast := map[string]any{"a": 1.0, "b": []any{"x"}}, map[string]any{"a": 1.0, "b": []any{"x"}}
		errStd := overlayWith(stdJSON, &Base{}, &std, &input{Type: "skus", Attrs: attrs}, allowed...)
		errFast := overlayWith(fastJSON, &Base{}, &fast, &input{Type: "skus", Attrs: attrs}, allowed...)
		if (errStd == nil) != (errFast == nil) || (errStd == nil && !reflect.DeepEqual(std, fast)) {
			t.Fatalf("overlay map %q: encoding/json %v %#v, goccy %v %#v", body, errStd, std, errFast, fast)
		}
	})
}

// attrsOf is a pointer to m's attributes struct (its field A), nil if none.
func attrsOf(m model) any {
	v := reflect.ValueOf(m).Elem()
	if a := v.FieldByName("A"); a.IsValid() {
		return a.Addr().Interface()
	}
	return nil
}

// projected is what a refresh reads of l (its digest's fields).
func projected(l *LineItem) *LineItem {
	p := &LineItem{TotalCents: l.TotalCents, TaxCents: l.TaxCents, OrderID: l.OrderID, ItemID: l.ItemID}
	p.ID, p.Seq, p.UpdatedAt = l.ID, l.Seq, l.UpdatedAt
	p.A.Quantity, p.A.UnitAmountCents, p.A.Name, p.A.ItemType, p.A.TaxRate = l.A.Quantity, l.A.UnitAmountCents, l.A.Name, l.A.ItemType, l.A.TaxRate
	return p
}

// jsonFields names what marshalling a value writes: for every attributes
// struct (empty, and with every field set), and for shapes the field table
// leaves to marshalling (a zero struct under omitempty, which the
// marshaller still writes; two fields of one name, which it drops).
func TestJSONFieldsAreWhatMarshallingWrites(t *testing.T) {
	type inner struct{ X int }
	type odd struct {
		At    inner `json:"at,omitempty"`
		Shown int   `json:"shown,omitempty"`
	}
	// Two fields of one name (made at run time: vet refuses the tags in source).
	clash := reflect.StructOf([]reflect.StructField{
		{Name: "A", Type: reflect.TypeFor[string](), Tag: `json:"name"`},
		{Name: "B", Type: reflect.TypeFor[string](), Tag: `json:"name"`},
	})
	values := []any{&odd{}, &odd{Shown: 1}, reflect.New(clash).Interface()}
	for _, mk := range records {
		a := reflect.ValueOf(mk()).Elem().FieldByName("A")
		if !a.IsValid() {
			continue
		}
		empty := reflect.New(a.Type())
		full := reflect.New(a.Type())
		for i := range full.Elem().NumField() {
			if f := full.Elem().Field(i); f.CanSet() {
				fill(f)
			}
		}
		values = append(values, empty.Interface(), full.Interface())
	}
	for _, v := range values {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var written map[string]json.RawMessage
		if err := json.Unmarshal(raw, &written); err != nil {
			t.Fatal(err)
		}
		has := jsonFields(stdJSON, v)
		names := []string{"at", "name", "shown", "nope"}
		for name := range written {
			names = append(names, name)
		}
		for _, typ := range []reflect.Type{reflect.TypeOf(v).Elem()} {
			for i := range typ.NumField() {
				names = append(names, typ.Field(i).Name, strings.Split(typ.Field(i).Tag.Get("json"), ",")[0])
			}
		}
		for _, name := range names {
			if _, want := written[name]; has(name) != want {
				t.Errorf("%T %s: jsonFields says %v, marshalling %v", v, name, has(name), want)
			}
		}
	}
}

// fill sets v to a value that is not its zero.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem())
		v.Set(p)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	}
}
