package commercelayer

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
	"github.com/paysandbox/paysandbox/emulator/store"
)

// call is one Core API request: who asks (the token's claims), for which
// organization, at what virtual time, and the transaction in use.
type call struct {
	cl       *CommerceLayer
	r        *http.Request
	tok      *Claims
	org      string // slug, the tenant
	orgID    string
	now      time.Time
	base     string // link prefix: https://host/api, or /api in webhook payloads
	tx       *store.Tx
	events   []event
	circuits map[string]circuit // webhook id -> circuit, read before the transaction
	revealed string             // the webhook whose shared secret this response shows
	placing  string             // the order this call placed asynchronously (place_async)
	saved    []savedRecord      // what the last run of the last update put (see put)
	// viewed holds the records a read transaction (view) decoded in a
	// lookup, by collection and id: nothing changes under a view, so an
	// include of a record a relationship's lookup just decoded (an order's
	// line items) takes it instead of decoding it again. Nil outside a view.
	viewed  map[recordKey]model
	viewing bool
	// circuitsRead: circuits were read for the next update (checkWrite
	// reads them in the view of its checks: one read transaction fewer).
	circuitsRead bool
}

type recordKey struct{ coll, id string }

type savedRecord struct {
	coll, id string
	m        model
}

func (cl *CommerceLayer) newCall(r *http.Request) (*call, error) {
	tok, _ := platform.PrincipalOf(r.Context()).(*Claims) // verified by authenticate
	if tok == nil {
		var err error
		if tok, err = cl.auth.claimsOf(bearer(r)); err != nil {
			return nil, errInvalidToken
		}
	}
	org := platform.Tenant(r.Context())
	return &call{
		cl: cl, r: r, tok: tok, org: org, orgID: cl.world.orgID(org), now: cl.p.Clock.Now(org),
		base: platform.BaseURL(r) + "/api",
	}, nil
}

// view runs fn in a read transaction.
func (c *call) view(fn func() error) error {
	return c.cl.p.Store.View(c.r.Context(), provider, c.org, func(tx *store.Tx) error {
		c.tx, c.viewing = tx, true
		defer func() { c.tx, c.viewing, c.viewed = nil, false, nil }()
		return fn()
	})
}

// noteViewed keeps a record a view decoded (see call.viewed).
func (c *call) noteViewed(coll, id string, m model) {
	if !c.viewing {
		return
	}
	if c.viewed == nil {
		c.viewed = map[recordKey]model{}
	}
	c.viewed[recordKey{coll, id}] = m
}

// update runs fn in a write transaction and sends the webhooks its events
// call for, in the same transaction. fn may run twice: ids and random values
// are drawn through the transaction (store.Tx.IDs), so a rerun draws the
// same values again and the same --seed gives the same ids however
// organizations' requests interleave.
func (c *call) update(fn func() error) error {
	if c.circuitsRead {
		c.circuitsRead = false // read with the write's checks (checkWrite), just before
	} else {
		circuits, err := c.cl.circuits(c.r.Context(), c.org)
		if err != nil {
			return err
		}
		c.circuits = circuits
	}
	return c.cl.p.Store.Update(c.r.Context(), provider, c.org, func(tx *store.Tx) error {
		c.tx, c.events, c.saved = tx, nil, c.saved[:0]
		defer func() { c.tx = nil }()
		if err := fn(); err != nil {
			return err
		}
		return c.flushEvents()
	})
}

// newID is a new resource id: 10 letters, like Commerce Layer's. The first
// four count the collection's records (seq in base 52, in byte order, from
// a start the organization and collection pick) and the other six are
// random, so a collection's records, and its index's entries by id, are
// stored in the order they are made: a create appends to the last pages of
// the data file instead of dirtying and syncing random ones
// (docs/benchmarks.md, "Commerce Layer ids in creation order").
func (c *call) newID(coll string, seq uint64) string {
	b := []byte(c.tx.IDs().Alnum(10))
	for i, ch := range b {
		if ch >= '0' && ch <= '9' {
			b[i] = 'a' + (ch - '0') // letters only
		}
	}
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	const span = 52 * 52 * 52 * 52
	start := uint64(14695981039346656037) // FNV-1a
	for _, ch := range []byte(c.org + "/" + coll) {
		start = (start ^ uint64(ch)) * 1099511628211
	}
	n := (start%(span/2) + seq) % span // millions of creates before it wraps
	for i := 3; i >= 0; i-- {
		b[i] = letters[n%52]
		n /= 52
	}
	return string(b)
}

// newHex is n random hex digits (tokens, secrets).
func (c *call) newHex(n int) string { return c.tx.IDs().Hex(n) }

// newBase starts a record.
func (c *call) newBase(coll string) (Base, error) {
	seq, err := c.tx.NextSequence(coll)
	if err != nil {
		return Base{}, err
	}
	ts := timestamp(c.now)
	return Base{ID: c.newID(coll, seq), Seq: seq + 1_000_000, CreatedAt: ts, UpdatedAt: ts, Metadata: map[string]any{}}, nil
}

// touch marks a record updated.
func (c *call) touch(m model) { m.base().UpdatedAt = timestamp(c.now) }

// get loads coll/id into m; missing is RECORD_NOT_FOUND.
func (c *call) get(coll, id string, m model) error {
	err := c.tx.Get(coll, id, m)
	if errors.Is(err, store.ErrNotFound) {
		return recordNotFound(id)
	}
	return err
}

// exists tells whether coll/id exists.
func (c *call) exists(coll, id string) bool { return id != "" && c.tx.Exists(coll, id) }

// put stores m in coll.
func (c *call) put(coll string, m model) error {
	id := m.base().ID
	if err := c.tx.Put(coll, id, storedAs(coll, m)); err != nil {
		return err
	}
	for i, s := range c.saved {
		if s.coll == coll && s.id == id {
			c.saved[i].m = m
			return nil
		}
	}
	c.saved = append(c.saved, savedRecord{coll, id, m})
	return nil
}

// del deletes coll/id.
func (c *call) del(coll, id string) error {
	c.forget(coll, id)
	return c.tx.Delete(coll, id)
}

func (c *call) forget(coll, id string) {
	c.saved = slices.DeleteFunc(c.saved, func(s savedRecord) bool { return s.coll == coll && s.id == id })
}

// savedAs is the record of k's that the call's last write put under id,
// as it was put (the response to a create or an update shows it without
// reading and decoding it again); ok false when the write did not put it
// as k's type.
func (c *call) savedAs(k *kind, id string) (m model, ok bool) {
	want := reflect.TypeOf(k.newRec())
	for _, s := range c.saved {
		if s.id == id && reflect.TypeOf(s.m) == want && in_(s.coll, k.collections()) {
			return s.m, true
		}
	}
	return nil, false
}

// scan lists coll's records that keep accepts, in creation order.
func scan[T any, PT interface {
	*T
	model
}](c *call, coll string, keep func(PT) bool) ([]PT, error) {
	var out []PT
	err := c.tx.List(coll, func(_ string, raw []byte) error {
		var v T
		if err := gojson.Unmarshal(raw, &v); err != nil { // goccy: several times faster on records
			return err
		}
		p := PT(&v)
		if keep == nil || keep(p) {
			out = append(out, p)
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].base().Seq < out[j].base().Seq })
	return out, err
}

// refs turns records into resource identifiers.
func refs[PT model](typ string, ms []PT) []jsonapi.Ref {
	out := make([]jsonapi.Ref, 0, len(ms))
	for _, m := range ms {
		out = append(out, jsonapi.Ref{Type: typ, ID: m.base().ID})
	}
	return out
}

func one(typ, id string) []jsonapi.Ref {
	if id == "" {
		return nil
	}
	return []jsonapi.Ref{{Type: typ, ID: id}}
}

// links is a relationship table for an Object.
type links map[string]func() []jsonapi.Ref

// object builds an engine object from a record: every fetchable attribute
// of the resource model (null when unset), what the client wrote that no
// behaviour reads (Base.Extra), the attributes struct, the common
// attributes and extras (computed attributes); relationships from the
// table, else as the client set them (Base.Rels).
func (c *call) object(typ string, b *Base, attrs any, extra map[string]any, ls links) *jsonapi.Object {
	res := c.cl.registry().Get(typ)
	if res == nil { // every kind is registered; a type outside them shows what it was given
		res = &jsonapi.Resource{Type: typ}
	}
	a := res.NewAttrs() // the blank attributes (the model's, null), by position
	obj := &jsonapi.Object{Type: typ, ID: b.ID, Attrs: a}
	for k, v := range b.Extra {
		a.Set(k, v)
	}
	if attrs != nil {
		mergeAttrs(a, attrs)
	}
	a.Set("created_at", b.CreatedAt)
	a.Set("updated_at", b.UpdatedAt)
	a.Set("reference", b.Reference)
	a.Set("reference_origin", b.ReferenceOrigin)
	if b.Metadata == nil {
		b.Metadata = map[string]any{}
	}
	a.Set("metadata", b.Metadata)
	for k, v := range extra {
		a.Set(k, v)
	}
	obj.Link = func(rel string) ([]jsonapi.Ref, error) {
		if f := ls[rel]; f != nil {
			if refs := f(); len(refs) > 0 || b.Rels[rel] == nil {
				return refs, nil
			}
		}
		return b.Rels[rel], nil
	}
	return obj
}

// attrSink is where attributes are set: an object's Attrs, or a map.
type attrSink interface{ Set(name string, v any) }

type mapSink map[string]any

func (m mapSink) Set(name string, v any) { m[name] = v }

// toMap is a struct's JSON form as a map (numbers as float64).
func toMap(v any) map[string]any {
	out := map[string]any{}
	if v == nil {
		return out
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return out
	}
	_ = json.Unmarshal(raw, &out) // what Marshal just wrote decodes
	return out
}

// Find is the engine's Source: any resource by type and id that the
// token may read (includes, related resources and filters through
// relationships show nothing else).
func (c *call) Find(ref jsonapi.Ref) (*jsonapi.Object, error) { return c.find(ref, true) }

// systemSource finds any resource, whoever asks: for webhook payloads,
// which do not depend on the request that fired them.
type systemSource struct{ c *call }

func (s systemSource) Find(ref jsonapi.Ref) (*jsonapi.Object, error) { return s.c.find(ref, false) }

func (c *call) find(ref jsonapi.Ref, asToken bool) (*jsonapi.Object, error) {
	k := c.cl.kinds[ref.Type]
	if k == nil || c.tx == nil {
		return nil, jsonapi.ErrNotFound
	}
	if asToken && c.tok != nil && c.may(k, opRead) != nil {
		return nil, jsonapi.ErrNotFound
	}
	m := k.newRec()
	var err error
	for _, coll := range k.collections() {
		if v, ok := c.viewed[recordKey{coll, ref.ID}]; ok && reflect.TypeOf(v) == reflect.TypeOf(m) {
			m, err = v, nil
		} else {
			err = c.tx.Get(coll, ref.ID, m)
		}
		if err == nil {
			if asToken && c.tok != nil && !c.visible(k, m) {
				return nil, jsonapi.ErrNotFound
			}
			return k.object(c, m), nil
		}
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, jsonapi.ErrNotFound
	}
	return nil, err
}

// renderer renders documents of this call.
func (c *call) renderer() *jsonapi.Renderer {
	return &jsonapi.Renderer{Reg: c.cl.registry(), Src: c, Base: c.base, Meta: map[string]any{"mode": "test", "organization_id": c.orgID}}
}

// ---- Request bodies -------------------------------------------------------

// input is a JSON:API request document's data.
type input struct {
	Type  string
	ID    string
	Attrs map[string]json.RawMessage
	Rels  map[string]relInput
}

// relInput is a relationship's data in a request: null, one identifier or many.
type relInput struct {
	Refs []jsonapi.Ref
	Null bool
	Many bool
}

// inputDoc is a JSON:API request document as decoded.
type inputDoc struct {
	Data struct {
		Type          string                     `json:"type"`
		ID            string                     `json:"id"`
		Attributes    map[string]json.RawMessage `json:"attributes"`
		Relationships map[string]struct {
			Data json.RawMessage `json:"data"`
		} `json:"relationships"`
	} `json:"data"`
}

// unmarshal is json.Unmarshal through goccy/go-json, several times faster:
// for the types decoded here (request documents, their attributes, stored
// records) both libraries fill v alike and fail alike
// (FuzzDecodeMatchesEncodingJSON); when goccy fails, encoding/json decodes
// again, so the error is encoding/json's.
func unmarshal(raw []byte, v any) error {
	if gojson.Unmarshal(raw, v) == nil {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// decodeInput reads the request document (already checked against the
// OpenAPI file) and checks type and id against the URL.
func decodeInput(r *http.Request, typ, id string) (*input, error) {
	var doc inputDoc
	if err := unmarshal(platform.Body(r), &doc); err != nil {
		return nil, invalidDataFormat("The request body is not valid JSON.")
	}
	in := &input{Type: doc.Data.Type, ID: doc.Data.ID, Attrs: doc.Data.Attributes, Rels: map[string]relInput{}}
	if in.Attrs == nil {
		in.Attrs = map[string]json.RawMessage{}
	}
	if in.Type != typ {
		return nil, &jsonapi.Error{Status: http.StatusConflict, Code: "TYPE_MISMATCH", Title: "Type Mismatch",
			Detail: in.Type + " is not a valid type for this operation.", Pointer: "/data/type"}
	}
	if id != "" && in.ID != id {
		return nil, keyNotInURL(in.ID)
	}
	for name, rel := range doc.Data.Relationships {
		raw := strings.TrimSpace(string(rel.Data))
		switch {
		case raw == "" || raw == "null":
			in.Rels[name] = relInput{Null: true}
		case strings.HasPrefix(raw, "["):
			var rs []jsonapi.Ref
			if err := unmarshal(rel.Data, &rs); err != nil {
				return nil, invalidDataFormat("relationships." + name + ".data is not a list of resource identifiers.")
			}
			in.Rels[name] = relInput{Refs: rs, Many: true}
		default:
			var ref jsonapi.Ref
			if err := unmarshal(rel.Data, &ref); err != nil {
				return nil, invalidDataFormat("relationships." + name + ".data is not a resource identifier.")
			}
			in.Rels[name] = relInput{Refs: []jsonapi.Ref{ref}}
		}
	}
	return in, nil
}

func (in *input) has(name string) bool { _, ok := in.Attrs[name]; return ok }

// flag is a boolean trigger: present and true.
func (in *input) flag(name string) bool {
	raw, ok := in.Attrs[name]
	var b bool
	return ok && unmarshal(raw, &b) == nil && b
}

// str is a string attribute (nil when absent or null).
func (in *input) str(name string) *string { return in.strWith(fastJSON, name) }

func (in *input) strWith(js codec, name string) *string {
	var s *string
	if raw, ok := in.Attrs[name]; ok {
		_ = js.unmarshal(raw, &s) // the contract let only a string or null through
	}
	return s
}

// int is an integer attribute.
func (in *input) int(name string) (int64, bool) {
	raw, ok := in.Attrs[name]
	if !ok {
		return 0, false
	}
	var n *int64
	if unmarshal(raw, &n) != nil || n == nil {
		return 0, false
	}
	return *n, true
}

// overlay writes the allowed attributes of in onto dst (a pointer to an
// attributes struct or map; nil for a record with no behaviour) and the
// common ones onto b. Any other attribute of the resource model the client
// sent (the OpenAPI file has checked it is writable) that dst has no field
// for is kept in b.Extra; relationships go to b.Rels.
func overlay(b *Base, dst any, in *input, allowed ...string) error {
	return overlayWith(fastJSON, b, dst, in, allowed...)
}

// codec is a JSON library: overlay's is goccy (fastJSON); its tests hold it
// to encoding/json's (stdJSON).
type codec struct {
	marshal   func(any) ([]byte, error)
	unmarshal func([]byte, any) error
}

var (
	fastJSON = codec{gojson.Marshal, unmarshal}
	stdJSON  = codec{json.Marshal, json.Unmarshal}
)

func overlayWith(js codec, b *Base, dst any, in *input, allowed ...string) error {
	var typed func(string) bool // dst's fields, by JSON name: asked only of attributes not allowed
	if dst != nil {
		typed = jsonFields(js, dst)
		// One object of just the allowed attributes sent, decoded onto dst
		// as it is: what it leaves out keeps its value.
		var obj []byte
		for _, name := range allowed {
			v, ok := in.Attrs[name]
			if !ok {
				continue
			}
			if obj == nil {
				obj = append(obj, '{')
			} else {
				obj = append(obj, ',')
			}
			key, err := js.marshal(name)
			if err != nil {
				return err
			}
			obj = append(append(append(obj, key...), ':'), v...)
		}
		if obj != nil {
			if err := js.unmarshal(append(obj, '}'), dst); err != nil {
				return jsonapi.Validation("/data/attributes", "attributes", "is invalid", "invalid")
			}
		}
	}
	for name, ptr := range map[string]**string{"reference": &b.Reference, "reference_origin": &b.ReferenceOrigin} {
		if in.has(name) {
			*ptr = in.strWith(js, name)
		}
	}
	if raw, ok := in.Attrs["metadata"]; ok {
		var md map[string]any
		if js.unmarshal(raw, &md) == nil {
			if md == nil {
				md = map[string]any{}
			}
			b.Metadata = md
		}
	}
	res := clModel.Get(in.Type)
	if res == nil {
		return nil
	}
	for name, raw := range in.Attrs {
		if (typed != nil && typed(name)) || strings.HasPrefix(name, "_") || in_(name, writableCommon) || in_(name, allowed) {
			continue
		}
		if a := res.Attr(name); a == nil || !a.Fetch {
			continue // write-only (a password, a key): behaviour reads it or nobody does
		}
		var v any
		if err := js.unmarshal(raw, &v); err != nil {
			return jsonapi.Validation(jsonapi.AttributePointer(name), name, "is invalid", "invalid")
		}
		if b.Extra == nil {
			b.Extra = map[string]any{}
		}
		b.Extra[name] = v
	}
	for name, rel := range in.Rels {
		r := res.Rel(name)
		if r == nil || r.Virtual || handledRels[in.Type][name] {
			continue // the kind keeps it in a field of its own
		}
		if b.Rels == nil {
			b.Rels = map[string][]jsonapi.Ref{}
		}
		if rel.Null {
			delete(b.Rels, name)
			continue
		}
		b.Rels[name] = rel.Refs
	}
	return nil
}

// jsonFields tells which JSON names dst (a pointer to a struct or a map)
// holds, as marshalling it would write them: a struct's fields (from its
// type, once; an omitempty one only when set), a map's keys, anything else
// by marshalling it. overlay asks it only about names it did not write.
func jsonFields(js codec, dst any) func(string) bool {
	v := reflect.ValueOf(dst)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		switch e := v.Elem(); e.Kind() {
		case reflect.Map:
			if e.Type().Key().Kind() == reflect.String {
				return func(name string) bool { return e.MapIndex(reflect.ValueOf(name).Convert(e.Type().Key())).IsValid() }
			}
		case reflect.Struct:
			if fs := attrFieldsOf(e.Type()); fs != nil {
				return func(name string) bool {
					for _, f := range fs {
						if f.name == name {
							return !f.omitEmpty || !isEmptyValue(e.Field(f.index))
						}
					}
					return false
				}
			}
		}
	}
	fields := map[string]json.RawMessage{}
	if raw, err := js.marshal(dst); err == nil {
		_ = js.unmarshal(raw, &fields)
	}
	return func(name string) bool { _, ok := fields[name]; return ok }
}

// relID resolves a to-one relationship of in: whether it was sent, and the
// id (empty when set to null). The record must exist in coll and the type
// must be one of types.
func (c *call) relID(in *input, name string, types ...string) (string, bool, error) {
	rel, ok := in.Rels[name]
	if !ok {
		return "", false, nil
	}
	if rel.Null || len(rel.Refs) == 0 {
		return "", true, nil
	}
	ref := rel.Refs[0]
	if !in_(ref.Type, types) {
		return "", true, jsonapi.Validation(jsonapi.RelationshipPointer(name), name, "is invalid", "invalid")
	}
	if !c.exists(ref.Type, ref.ID) {
		return "", true, relNotFound(name, ref.ID)
	}
	return ref.ID, true, nil
}

// requiredRelID is relID for a relationship a create cannot do without: not
// sent, or set to null, is 422 "can't be blank" at its pointer.
func (c *call) requiredRelID(in *input, name string, types ...string) (string, error) {
	id, _, err := c.relID(in, name, types...)
	if err == nil && id == "" {
		err = jsonapi.Validation(jsonapi.RelationshipPointer(name), name, "can't be blank", "blank")
	}
	return id, err
}

func in_(s string, set []string) bool {
	for _, v := range set {
		if v == s {
			return true
		}
	}
	return false
}
