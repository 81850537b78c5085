package jsonapi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	gojson "github.com/goccy/go-json"
)

// AppendDocument appends d as JSON to dst: byte for byte what goccy/go-json's
// Encoder with SetEscapeHTML(false) writes for it (platform.WriteJSON's
// encoding), without the trailing newline.
//
// It is written out by hand because that encoder sorts the keys of every
// map it meets on every call, and a Commerce Layer document is mostly maps:
// an order's ~100 attributes and ~40 relationships, for each object. Here
// the sorted names of a type's attributes and relationships are worked out
// once, when the Registry is built, and an object's maps are walked in that
// order. A map with a key outside it (or much smaller than it, as a sparse
// fieldset makes) has its keys sorted as the encoder would. The
// relationships of an object the Renderer made are written from its type,
// self link and linkage, with no map (see ResourceObject.relsPending).
//
// Values of the kinds decoded JSON holds (nil, bool, float64, string,
// map[string]any, []any) and integers are written here; a string that needs
// escaping, and any other value, is handed to goccy on its own, so that its
// bytes are goccy's. An error is goccy's for the value it could not encode
// (a NaN, say): the caller then has the same failure the encoder gives.
func AppendDocument(dst []byte, d *Document) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.b, e.err = dst, nil
	e.document(d)
	out, err := e.b, e.err
	e.b, e.err = nil, nil
	encoders.Put(e)
	return out, err
}

// encoders keeps encoders with their key stacks and goccy encoders.
var encoders = sync.Pool{New: func() any { return new(encoder) }}

type encoder struct {
	b   []byte
	err error
	// keys is the stack of keys being sorted, one run per map being written.
	keys []string
	// fb and enc encode what is left to goccy; made on the first need.
	fb  *bytes.Buffer
	enc *gojson.Encoder
}

func (e *encoder) null() { e.b = append(e.b, "null"...) }

func (e *encoder) document(d *Document) {
	if d == nil {
		e.null()
		return
	}
	e.b = append(e.b, `{"data":`...)
	switch v := d.Data.(type) {
	case nil:
		e.null()
	case *ResourceObject:
		e.resource(v)
	case []*ResourceObject:
		e.resources(v)
	default:
		e.fallback(v)
	}
	if len(d.Included) > 0 {
		e.b = append(e.b, `,"included":`...)
		e.resources(d.Included)
	}
	if len(d.Meta) > 0 {
		e.b = append(e.b, `,"meta":`...)
		e.mapAny(d.Meta, nil)
	}
	if len(d.Links) > 0 {
		e.b = append(e.b, `,"links":`...)
		appendMap(e, d.Links, nil, (*encoder).str)
	}
	e.b = append(e.b, '}')
}

func (e *encoder) resources(ros []*ResourceObject) { appendList(e, ros, (*encoder).resource) }

// appendList writes xs as an array (null when nil), each element with val.
func appendList[V any](e *encoder, xs []V, val func(*encoder, V)) {
	if xs == nil {
		e.null()
		return
	}
	e.b = append(e.b, '[')
	for i, x := range xs {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		val(e, x)
	}
	e.b = append(e.b, ']')
}

func (e *encoder) resource(ro *ResourceObject) {
	if ro == nil {
		e.null()
		return
	}
	var attrOrder, relOrder []orderedName
	plainRels := false
	if ro.res != nil {
		l := ro.res.layout()
		attrOrder, relOrder, plainRels = l.attrOrder, l.relOrder, l.relNamesPlain
	}
	e.b = append(e.b, `{"id":`...)
	e.str(ro.ID)
	e.b = append(e.b, `,"type":`...)
	e.str(ro.Type)
	e.b = append(e.b, `,"links":{"self":`...)
	e.str(ro.Links.Self)
	e.b = append(e.b, `},"attributes":`...)
	if ro.attrs != nil {
		e.attrs(ro.attrs)
	} else {
		e.mapAny(ro.Attributes, attrOrder)
	}
	switch {
	case ro.relsPending && plainRels && plain(ro.Links.Self) == plainASCII:
		e.pendingRels(ro)
	case ro.relsPending:
		e.relationships(ro.buildRels(), relOrder)
	default:
		e.relationships(ro.Relationships, relOrder)
	}
	e.b = append(e.b, `,"meta":`...)
	e.mapAny(ro.Meta, nil)
	e.b = append(e.b, '}')
}

func (e *encoder) relationships(m map[string]*Relationship, order []orderedName) {
	if len(m) > 0 {
		e.b = append(e.b, `,"relationships":`...)
		appendMap(e, m, order, (*encoder).relationship)
	}
}

// pendingRels writes the relationships of an object the Renderer made as
// buildRels and relationship would, from its type's sorted names: its
// links are its self link and the names, which need no escaping.
func (e *encoder) pendingRels(ro *ResourceObject) {
	res, self, n := ro.res, ro.Links.Self, 0
	for _, i := range res.layout().relSorted {
		rel := &res.Rels[i]
		if ro.fields != nil && !ro.fields[rel.Name] {
			continue
		}
		if n == 0 {
			e.b = append(e.b, `,"relationships":{"`...)
		} else {
			e.b = append(e.b, `,"`...)
		}
		n++
		e.b = append(e.b, rel.Name...)
		e.b = append(e.b, `":{"links":{"related":"`...)
		e.b = append(e.b, self...)
		e.b = append(e.b, '/')
		e.b = append(e.b, rel.Name...)
		e.b = append(e.b, `","self":"`...)
		e.b = append(e.b, self...)
		e.b = append(e.b, "/relationships/"...)
		e.b = append(e.b, rel.Name...)
		e.b = append(e.b, `"}`...)
		if refs, ok := ro.withData[rel.Name]; ok {
			e.b = append(e.b, `,"data":`...)
			e.linkage(rel, refs)
		}
		e.b = append(e.b, '}')
	}
	if n > 0 {
		e.b = append(e.b, '}')
	}
}

// linkage writes Linkage(rel, refs): encoding/json's bytes, which are the
// types and ids as they are when they are printable ASCII without '"',
// '\\' and the '<', '>' and '&' it escapes; other linkage is Linkage's.
func (e *encoder) linkage(rel *Rel, refs []Ref) {
	for _, r := range refs {
		if !linkSafe(r.Type) || !linkSafe(r.ID) {
			e.raw(Linkage(*rel, refs))
			return
		}
		if !rel.Many {
			break // only the first is written
		}
	}
	switch {
	case rel.Many:
		if refs == nil {
			refs = []Ref{} // Linkage's [] for none
		}
		appendList(e, refs, (*encoder).ref)
	case len(refs) == 0:
		e.null()
	default:
		e.ref(refs[0])
	}
}

func (e *encoder) ref(r Ref) {
	e.b = append(e.b, `{"type":"`...)
	e.b = append(e.b, r.Type...)
	e.b = append(e.b, `","id":"`...)
	e.b = append(e.b, r.ID...)
	e.b = append(e.b, `"}`...)
}

func linkSafe(s string) bool {
	return plain(s) == plainASCII && !strings.ContainsAny(s, "<>&")
}

func (e *encoder) relationship(rs *Relationship) {
	if rs == nil {
		e.null()
		return
	}
	e.b = append(e.b, `{"links":{"related":`...)
	e.str(rs.Links.Related)
	e.b = append(e.b, `,"self":`...)
	e.str(rs.Links.Self)
	e.b = append(e.b, '}')
	if len(rs.Data) > 0 {
		e.b = append(e.b, `,"data":`...)
		e.raw(rs.Data)
	}
	e.b = append(e.b, '}')
}

// raw is a relationship's data. Linkage makes it with encoding/json, whose
// output is valid and compact; goccy compacts a RawMessage, which leaves
// such bytes as they are when none is a space or outside printable ASCII.
// Anything else (whitespace, a byte of UTF-8) goes through goccy.
func (e *encoder) raw(m json.RawMessage) {
	for _, c := range m {
		if c <= ' ' || c >= 0x7f {
			e.fallback(m)
			return
		}
	}
	e.b = append(e.b, m...)
}

// attrs writes a's names in their sorted order: the type's from their
// positions, merged with the others', sorted here.
func (e *encoder) attrs(a *Attrs) {
	more := a.moreKeys()
	e.b = append(e.b, '{')
	n, j := 0, 0
	pair := func(key, name string, v any) {
		if n > 0 {
			e.b = append(e.b, ',')
		}
		n++
		if key != "" {
			e.b = append(e.b, key...)
		} else {
			e.str(name)
			e.b = append(e.b, ':')
		}
		e.value(v)
	}
	for i, on := range a.lay.attrOrder {
		if !a.has[i] {
			continue
		}
		for ; j < len(more) && more[j] < on.name; j++ {
			pair("", more[j], a.more[more[j]])
		}
		pair(on.key, on.name, a.vals[i])
	}
	for ; j < len(more); j++ {
		pair("", more[j], a.more[more[j]])
	}
	e.b = append(e.b, '}')
}

func (e *encoder) mapAny(m map[string]any, order []orderedName) {
	if m == nil {
		e.null()
		return
	}
	appendMap(e, m, order, (*encoder).value)
}

// appendMap writes m with its keys sorted: in order's sequence when order
// (sorted) holds every key of m, else sorted here.
func appendMap[V any](e *encoder, m map[string]V, order []orderedName, val func(*encoder, V)) {
	e.b = append(e.b, '{')
	// Walking order costs a lookup per name; a map much smaller than order
	// (a sparse fieldset) is cheaper to sort.
	if len(order) > 0 && len(m) <= len(order) && len(m)*8 >= len(order) {
		start, n := len(e.b), 0
		for _, k := range order {
			v, ok := m[k.name]
			if !ok {
				continue
			}
			if n > 0 {
				e.b = append(e.b, ',')
			}
			if k.key != "" {
				e.b = append(e.b, k.key...)
			} else {
				e.str(k.name)
				e.b = append(e.b, ':')
			}
			val(e, v)
			if n++; n == len(m) {
				break
			}
		}
		if n == len(m) {
			e.b = append(e.b, '}')
			return
		}
		e.b = e.b[:start] // a key outside order: start again, sorting
	}
	base := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	keys := e.keys[base:]
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.str(k)
		e.b = append(e.b, ':')
		val(e, m[k]) // may push and pop keys above base+len(keys)
	}
	clear(e.keys[base:])
	e.keys = e.keys[:base]
	e.b = append(e.b, '}')
}

func (e *encoder) value(v any) {
	switch x := v.(type) {
	case nil:
		e.null()
	case string:
		e.str(x)
	case bool:
		e.b = strconv.AppendBool(e.b, x)
	case float64:
		e.float(x, v)
	case int:
		e.b = strconv.AppendInt(e.b, int64(x), 10)
	case int64:
		e.b = strconv.AppendInt(e.b, x, 10)
	case int32:
		e.b = strconv.AppendInt(e.b, int64(x), 10)
	case uint:
		e.b = strconv.AppendUint(e.b, uint64(x), 10)
	case uint64:
		e.b = strconv.AppendUint(e.b, x, 10)
	case *string: // nil in attribute maps
		if x == nil {
			e.null()
		} else {
			e.str(*x)
		}
	case *float64:
		if x == nil {
			e.null()
		} else {
			e.float(*x, *x)
		}
	case *bool:
		if x == nil {
			e.null()
		} else {
			e.b = strconv.AppendBool(e.b, *x)
		}
	case *int64:
		if x == nil {
			e.null()
		} else {
			e.b = strconv.AppendInt(e.b, *x, 10)
		}
	case map[string]any:
		e.mapAny(x, nil)
	case []any:
		appendList(e, x, (*encoder).value)
	default:
		e.fallback(v)
	}
}

// float writes f as encoding/json does (and goccy after it): the shortest
// decimal that reads back as f, with an exponent below 1e-6 and from 1e21,
// written e-7 rather than e-07. NaN and the infinities go to goccy, which
// refuses them.
func (e *encoder) float(f float64, v any) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		e.fallback(v)
		return
	}
	fmt := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		fmt = 'e'
	}
	e.b = strconv.AppendFloat(e.b, f, fmt, -1, 64)
	if fmt == 'e' {
		// clean up e-09 to e-9
		n := len(e.b)
		if n >= 4 && e.b[n-4] == 'e' && e.b[n-3] == '-' && e.b[n-2] == '0' {
			e.b[n-2] = e.b[n-1]
			e.b = e.b[:n-1]
		}
	}
}

// str writes s quoted when it needs no escaping: no control character,
// '"' or '\\', and, if not ASCII, valid UTF-8 without U+2028 and U+2029
// (which encoding/json, and goccy after it, escape even without HTML
// escaping). goccy writes the rest, so its escapes are its own.
func (e *encoder) str(s string) {
	switch plain(s) {
	case plainASCII:
	case plainUTF8:
		if !utf8.ValidString(s) || strings.Contains(s, "\u2028") || strings.Contains(s, "\u2029") {
			e.fallback(s)
			return
		}
	default:
		e.fallback(s)
		return
	}
	e.b = append(e.b, '"')
	e.b = append(e.b, s...)
	e.b = append(e.b, '"')
}

const (
	plainASCII = iota // no byte to escape, all ASCII
	plainUTF8         // no ASCII byte to escape, some bytes from 0x80
	notPlain          // a control character, '"' or '\\'
)

// plain classifies s's bytes, eight at a time: a word's bytes below 0x20,
// equal to '"' or '\\', or from 0x80 set their top bits in mask (a borrow
// can set a later one too, but never hide the first), and only a word
// with one is looked at byte by byte.
func plain(s string) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	out := plainASCII
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		mask := w | (w - lsb*0x20) | ((w ^ lsb*'"') - lsb) | ((w ^ lsb*'\\') - lsb)
		if mask&msb == 0 {
			continue
		}
		for _, c := range b[i : i+8] {
			switch {
			case c < ' ' || c == '"' || c == '\\':
				return notPlain
			case c >= utf8.RuneSelf:
				out = plainUTF8
			}
		}
	}
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case c < ' ' || c == '"' || c == '\\':
			return notPlain
		case c >= utf8.RuneSelf:
			out = plainUTF8
		}
	}
	return out
}

// fallback appends goccy's encoding of v, as platform.WriteJSON makes it.
func (e *encoder) fallback(v any) {
	if e.enc == nil {
		e.fb = new(bytes.Buffer)
		e.enc = gojson.NewEncoder(e.fb)
		e.enc.SetEscapeHTML(false)
	}
	e.fb.Reset()
	if err := e.enc.Encode(v); err != nil {
		if e.err == nil {
			e.err = err
		}
		e.null() // keeps the bytes well formed; the caller sees the error
		return
	}
	e.b = append(e.b, bytes.TrimSuffix(e.fb.Bytes(), []byte("\n"))...)
	if e.fb.Cap() > 64<<10 { // a large value once: not kept in the pool
		e.fb, e.enc = nil, nil
	}
}
