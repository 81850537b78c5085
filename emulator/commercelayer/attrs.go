package commercelayer

import (
	"encoding"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// mergeAttrs sets m's entries from an attributes struct as its JSON form
// decoded into a map would (numbers as float64, a nil pointer as nil, fields
// left out by omitempty untouched), without encoding and decoding it: that
// round trip was most of the work of building a resource object. A value
// it does not know the JSON form of goes through the round trip alone; a
// struct type it cannot read field by field, whole.
func mergeAttrs(m attrSink, attrs any) {
	v := reflect.ValueOf(attrs)
	fs := attrFieldsOf(v.Type())
	if fs == nil {
		if raw, err := gojson.Marshal(attrs); err == nil {
			var all map[string]any
			if gojson.Unmarshal(raw, &all) == nil {
				for k, x := range all {
					m.Set(k, x)
				}
			}
		}
		return
	}
	var buf [64]struct {
		name string
		v    any
	}
	out := buf[:0]
	for _, f := range fs {
		fv := v.Field(f.index)
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		var val any
		var ok bool
		if f.plain {
			val, ok = jsonValue(fv)
		} else {
			val, ok = roundTrip(fv)
		}
		if !ok {
			return // not encodable (NaN, say): the round trip merged nothing either
		}
		out = append(out, struct {
			name string
			v    any
		}{f.name, val})
	}
	for _, e := range out {
		m.Set(e.name, e.v)
	}
}

// isEmptyValue is what omitempty leaves out (encoding/json's rule).
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// jsonValue is v (of a plain field: see attrField) as encoding it and
// decoding into an any gives; ok false when it cannot be encoded.
func jsonValue(v reflect.Value) (any, bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil, true
		}
		return jsonValue(v.Elem())
	case reflect.String:
		if s := v.String(); utf8.ValidString(s) {
			return s, true
		}
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int64, reflect.Int32:
		return float64(v.Int()), true
	case reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, false
		}
		return f, true
	case reflect.Interface:
		if v.IsNil() {
			return nil, true
		}
		switch x := v.Elem().Interface().(type) {
		case string:
			if utf8.ValidString(x) {
				return x, true
			}
		case bool:
			return x, true
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, false
			}
			return x, true
		}
	}
	return roundTrip(v) // an invalid string, an interface holding more
}

// roundTrip is v encoded and decoded into an any.
func roundTrip(v reflect.Value) (any, bool) {
	raw, err := gojson.Marshal(v.Interface())
	if err != nil {
		return nil, false
	}
	var out any
	if err := gojson.Unmarshal(raw, &out); err != nil {
		return nil, false
	}
	return out, true
}

func simpleKind(k reflect.Kind) bool {
	switch k {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Int32, reflect.Float64:
		return true
	}
	return false
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// special: a type with its own JSON form.
func special(t reflect.Type) bool {
	return t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler)
}

type attrField struct {
	name      string
	index     int
	omitEmpty bool
	// plain: a string, bool, int or float64 of no JSON form of its own, a
	// pointer to one, or an interface (jsonValue reads these); others go
	// through roundTrip.
	plain bool
}

func plainType(t reflect.Type) bool {
	if t.Kind() == reflect.Interface {
		return t.NumMethod() == 0
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return simpleKind(t.Kind()) && !special(t)
}

var attrFieldCache sync.Map // reflect.Type -> []attrField (nil: round trip)

// attrFieldsOf lists a struct type's JSON fields; nil when the type needs
// the round trip (embedded fields, the string option, its own JSON form,
// two fields of one name). mergeAttrs writes them; jsonFields reads which
// a value holds.
func attrFieldsOf(t reflect.Type) []attrField {
	if c, ok := attrFieldCache.Load(t); ok {
		return c.([]attrField)
	}
	var fs []attrField
	ok := t.Kind() == reflect.Struct && !special(t)
	for i := 0; ok && i < t.NumField(); i++ {
		sf := t.Field(i)
		if sf.Anonymous {
			ok = false
			break
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		if strings.Contains(","+opts+",", ",string,") || !validTagName(name) ||
			slices.ContainsFunc(fs, func(f attrField) bool { return f.name == name }) { // a clash: the marshaller's rules
			ok = false
			break
		}
		fs = append(fs, attrField{name: name, index: i, omitEmpty: strings.Contains(","+opts+",", ",omitempty,"), plain: plainType(sf.Type)})
	}
	if !ok {
		fs = nil
	}
	attrFieldCache.Store(t, fs)
	return fs
}

// validTagName: a name encoding/json takes as written (ours are
// snake_case attribute names).
func validTagName(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
