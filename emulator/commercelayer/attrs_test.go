package commercelayer

import (
	"math"
	"reflect"
	"testing"

	gojson "github.com/goccy/go-json"
)

// mergeAttrs must give what encoding the attributes struct and decoding it
// into the map gives, for every attributes type, empty and filled, onto a
// map that already holds every name (omitempty leaves those).
func TestMergeAttrsIsTheJSONRoundTrip(t *testing.T) {
	types := []any{Organization{}, Market{}.A, PriceList{}.A, Sku{}.A, Price{}.A, ShippingMethod{}.A, PaymentMethod{}.A,
		KlarnaGateway{}.A, Customer{}.A, AddressAttrs{}, OrderAttrs{}, LineItem{}.A, Shipment{}.A, KlarnaPayment{}.A,
		ExternalPayment{}.A, WireTransfer{}.A, Transaction{}.A, Webhook{}.A,
		struct {
			N    int64   `json:"n,omitempty"`
			F    float64 `json:"f"`
			S    string  `json:"s,omitempty"`
			Any  any     `json:"any"`
			L    []string
			M    map[string]any `json:"m,omitempty"`
			skip string
			D    string `json:"-"`
			P    *int64 `json:"p"`
		}{}}
	for _, typ := range types {
		for _, fill := range []bool{false, true} {
			v := reflect.New(reflect.TypeOf(typ)).Elem()
			if fill {
				fillValue(v)
			}
			want, got := prefilled(v.Type()), prefilled(v.Type())
			raw, err := gojson.Marshal(v.Interface())
			if err == nil {
				_ = gojson.Unmarshal(raw, &want)
			}
			mergeAttrs(mapSink(got), v.Interface())
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%T (filled %v):\n got %#v\nwant %#v", typ, fill, got, want)
			}
		}
	}
	// Not encodable: nothing merged, as the round trip merged nothing.
	nan := struct {
		A string  `json:"a"`
		F float64 `json:"f"`
	}{"x", math.NaN()}
	m := map[string]any{"a": "prev"}
	if mergeAttrs(mapSink(m), nan); m["a"] != "prev" || len(m) != 1 {
		t.Errorf("NaN: %v", m)
	}
	// An invalid UTF-8 string comes back as its encoding mends it.
	bad := struct {
		S string `json:"s"`
	}{"a\xffb"}
	want, got := map[string]any{}, map[string]any{}
	raw, _ := gojson.Marshal(bad)
	_ = gojson.Unmarshal(raw, &want)
	if mergeAttrs(mapSink(got), bad); !reflect.DeepEqual(got, want) {
		t.Errorf("invalid UTF-8: %q, want %q", got, want)
	}
}

func prefilled(t reflect.Type) map[string]any {
	m := map[string]any{"created_at": "kept"}
	for i := 0; i < t.NumField(); i++ {
		m[t.Field(i).Name] = "prev"
	}
	for _, f := range attrFieldsOf(t) {
		m[f.name] = "prev"
	}
	return m
}

// fillValue sets every settable field of v to something not empty.
func fillValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(`<é & "q">`)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1 << 54) // past float64's exact integers: both roads round alike
	case reflect.Float64:
		v.SetFloat(0.1)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fillValue(v.Elem())
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fillValue(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		e := reflect.New(v.Type().Elem()).Elem()
		fillValue(e)
		k := reflect.New(v.Type().Key()).Elem()
		fillValue(k)
		v.SetMapIndex(k, e)
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf("v"))
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				fillValue(v.Field(i))
			}
		}
	}
}
