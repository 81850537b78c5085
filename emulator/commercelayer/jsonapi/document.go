package jsonapi

import (
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"

	gojson "github.com/goccy/go-json"
)

// ResourceObject is the wire form of an Object. Its Relationships map is
// nil when the Renderer made it (see relsPending); a decoded one has it.
type ResourceObject struct {
	ID            string                   `json:"id"`
	Type          string                   `json:"type"`
	Links         SelfLink                 `json:"links"`
	Attributes    map[string]any           `json:"attributes"`
	Relationships map[string]*Relationship `json:"relationships,omitempty"`
	Meta          map[string]any           `json:"meta"`

	// res is the object's type, when the Renderer made it: AppendDocument
	// writes its maps in the sorted orders res holds.
	res *Resource
	// attrs, when set, are the attributes instead of Attributes (an Object
	// of res's with its Attrs and no fieldset).
	attrs *Attrs
	// relsPending: the Renderer made this object and left Relationships nil;
	// its relationships are those of res in fields (nil: all), with data
	// from withData, written by AppendDocument straight from those and by
	// MarshalJSON from the map buildRels makes (which an encoder used to
	// get from the Renderer, at two allocations per relationship).
	relsPending bool
	fields      map[string]bool
	withData    map[string][]Ref
}

// Relationship is a relationship object: links always, data when the
// relationship was included (null or [] when empty).
type Relationship struct {
	Links RelLinks        `json:"links"`
	Data  json.RawMessage `json:"data,omitempty"`
}

// SelfLink is a resource object's links (a struct: no map per object).
type SelfLink struct {
	Self string `json:"self"`
}

// RelLinks is a relationship object's links.
type RelLinks struct {
	Related string `json:"related"`
	Self    string `json:"self"`
}

// Document is a top-level document.
type Document struct {
	Data     any               `json:"data"`
	Included []*ResourceObject `json:"included,omitempty"`
	Meta     map[string]any    `json:"meta,omitempty"`
	Links    map[string]string `json:"links,omitempty"`
}

// Renderer renders documents of one request.
type Renderer struct {
	Reg *Registry
	Src Source
	// Base prefixes links, e.g. https://acme.commercelayer.io/api; empty
	// gives relative links (/api/...), as webhook payloads carry.
	Base string
	// Meta is every resource object's meta, e.g. {"mode":"test"}.
	Meta map[string]any
}

func (r *Renderer) selfLink(o *Object) string { return r.Base + "/" + o.Type + "/" + o.ID }

// compound collects included objects and which relationships of which
// object render their data.
type compound struct {
	r        *Renderer
	primary  map[Ref]bool
	included map[Ref]*Object
	order    []Ref
	withData map[Ref]map[string][]Ref
}

func (r *Renderer) newCompound() *compound {
	return &compound{r: r, primary: map[Ref]bool{}, included: map[Ref]*Object{}, withData: map[Ref]map[string][]Ref{}}
}

// walk follows one include path from o.
func (c *compound) walk(o *Object, path []string) error {
	if len(path) == 0 {
		return nil
	}
	refs, err := o.linkage(path[0])
	if err != nil {
		return err
	}
	if refs == nil {
		refs = []Ref{}
	}
	key := o.Ref()
	if c.withData[key] == nil {
		c.withData[key] = map[string][]Ref{}
	}
	c.withData[key][path[0]] = refs
	for _, ref := range refs {
		var next *Object
		if got, ok := c.included[ref]; ok {
			next = got
		} else {
			found, err := c.r.Src.Find(ref)
			if err == ErrNotFound {
				continue
			}
			if err != nil {
				return err
			}
			next = found
			if !c.primary[ref] {
				c.included[ref] = next
				c.order = append(c.order, ref)
			}
		}
		if err := c.walk(next, path[1:]); err != nil {
			return err
		}
	}
	return nil
}

// Object renders one object with the query's sparse fieldsets.
func (r *Renderer) Object(o *Object, q *Query, withData map[string][]Ref) *ResourceObject {
	var fields map[string]bool
	if q != nil {
		fields = q.Fields[o.Type]
	}
	self := r.selfLink(o)
	res := r.Reg.Get(o.Type)
	ro := &ResourceObject{ID: o.ID, Type: o.Type, Links: SelfLink{Self: self}, Attributes: o.Attributes, Meta: r.Meta, res: res}
	switch {
	case fields != nil: // a sparse fieldset: a copy with the fields asked for
		ro.Attributes = make(map[string]any, len(fields))
		for k := range fields {
			if v, ok := o.Attr(k); ok {
				ro.Attributes[k] = v
			}
		}
	case o.Attrs != nil && o.Attrs.res == res:
		ro.attrs = o.Attrs // written from its positions (AppendDocument) or its map (MarshalJSON)
	case o.Attrs != nil:
		ro.Attributes = o.Attrs.Map()
	}
	if ro.Attributes == nil && ro.attrs == nil {
		ro.Attributes = map[string]any{}
	}
	if res != nil && len(res.Rels) > 0 {
		// The relationships are written from the type, the fieldset and the
		// linkage when the document is (see buildRels).
		ro.fields, ro.withData, ro.relsPending = fields, withData, true
	}
	if ro.Meta == nil {
		ro.Meta = map[string]any{}
	}
	return ro
}

// buildRels is the relationships map of an object the Renderer made: every
// relationship of its type in its fieldset, with links, and data when the
// relationship was included.
func (ro *ResourceObject) buildRels() map[string]*Relationship {
	res, self, fields := ro.res, ro.Links.Self, ro.fields
	out := make(map[string]*Relationship, len(res.Rels))
	rels := make([]Relationship, len(res.Rels)) // one allocation for all
	links := relLinks(self, res.Rels)
	for i, rel := range res.Rels {
		if fields != nil && !fields[rel.Name] {
			continue
		}
		rs := &rels[i]
		rs.Links = links[i]
		if refs, ok := ro.withData[rel.Name]; ok {
			rs.Data = Linkage(rel, refs)
		}
		out[rel.Name] = rs
	}
	return out
}

// MarshalJSON encodes ro as its fields say, with the relationships map of
// an object the Renderer made built first: goccy and encoding/json (which
// the tests check AppendDocument against) give the bytes they gave when the
// Renderer built the map itself.
func (ro *ResourceObject) MarshalJSON() ([]byte, error) {
	if ro == nil {
		return []byte("null"), nil
	}
	type fields ResourceObject // the same fields, without this method
	v := (*fields)(ro)
	if ro.relsPending || ro.attrs != nil {
		c := *ro
		if ro.relsPending {
			c.Relationships, c.relsPending = ro.buildRels(), false
		}
		if ro.attrs != nil {
			c.Attributes, c.attrs = ro.attrs.Map(), nil
		}
		v = (*fields)(&c)
	}
	var buf bytes.Buffer
	enc := gojson.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // an encoder that escapes does so again in what it is given
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// relLinks are the links of each relationship of the object at self, cut
// from one string (two concatenations per relationship were a third of a
// document's allocations).
func relLinks(self string, rels []Rel) []RelLinks {
	n := 0
	for _, rel := range rels {
		n += 2*(len(self)+len(rel.Name)) + len("/relationships/") + len("/")
	}
	var b strings.Builder
	b.Grow(n)
	type span struct{ self, related [2]int }
	spans := make([]span, len(rels))
	for i, rel := range rels {
		at := b.Len()
		b.WriteString(self)
		b.WriteString("/relationships/")
		b.WriteString(rel.Name)
		spans[i].self = [2]int{at, b.Len()}
		at = b.Len()
		b.WriteString(self)
		b.WriteString("/")
		b.WriteString(rel.Name)
		spans[i].related = [2]int{at, b.Len()}
	}
	all := b.String()
	out := make([]RelLinks, len(rels))
	for i, sp := range spans {
		out[i] = RelLinks{Self: all[sp.self[0]:sp.self[1]], Related: all[sp.related[0]:sp.related[1]]}
	}
	return out
}

// Linkage is a relationship's data member: an identifier or null for a
// to-one relationship, an array for a to-many one.
func Linkage(rel Rel, refs []Ref) json.RawMessage {
	var v any
	switch {
	case rel.Many:
		if refs == nil {
			refs = []Ref{}
		}
		v = refs
	case len(refs) == 0:
		v = nil
	default:
		v = refs[0]
	}
	b, _ := json.Marshal(v)
	return b
}

func (c *compound) render(q *Query) []*ResourceObject {
	if len(c.order) == 0 {
		return nil
	}
	out := make([]*ResourceObject, 0, len(c.order))
	for _, ref := range c.order {
		out = append(out, c.r.Object(c.included[ref], q, c.withData[ref]))
	}
	return out
}

// One renders a single-resource document.
func (r *Renderer) One(o *Object, q *Query) (*Document, error) {
	c := r.newCompound()
	c.primary[o.Ref()] = true
	if q != nil {
		for _, path := range q.Include {
			if err := c.walk(o, path); err != nil {
				return nil, err
			}
		}
	}
	return &Document{Data: r.Object(o, q, c.withData[o.Ref()]), Included: c.render(q)}, nil
}

// Many renders a page of a collection: objs are already filtered and sorted;
// Many cuts the page, counts, and links pages from self.
func (r *Renderer) Many(objs []*Object, q *Query, self *url.URL) (*Document, error) {
	start, end, _ := q.Page.Window(len(objs))
	return r.ManyOf(objs[start:end], len(objs), q, self)
}

// ManyOf renders page, the q.Page window of a collection of total objects
// (a caller that can read just the window does not build the rest).
func (r *Renderer) ManyOf(page []*Object, total int, q *Query, self *url.URL) (*Document, error) {
	_, _, pageCount := q.Page.Window(total)
	c := r.newCompound()
	for _, o := range page {
		c.primary[o.Ref()] = true
	}
	for _, o := range page {
		for _, path := range q.Include {
			if err := c.walk(o, path); err != nil {
				return nil, err
			}
		}
	}
	data := make([]*ResourceObject, 0, len(page))
	for _, o := range page {
		data = append(data, r.Object(o, q, c.withData[o.Ref()]))
	}
	return &Document{
		Data: data, Included: c.render(q),
		Meta:  map[string]any{"record_count": total, "page_count": pageCount},
		Links: q.Page.Links(self, pageCount),
	}, nil
}

// Select filters, sorts and returns objs for q (Many pages them).
func Select(reg *Registry, src Source, objs []*Object, q *Query) []*Object {
	out := Filter(reg, src, objs, q.Filters)
	Sort(reg, src, out, q.Sort)
	return out
}

// RelationshipDocument is GET .../relationships/<rel>: linkage and links.
func (r *Renderer) RelationshipDocument(o *Object, rel Rel) (map[string]any, error) {
	refs, err := o.linkage(rel.Name)
	if err != nil {
		return nil, err
	}
	self := r.selfLink(o)
	return map[string]any{
		"data":  Linkage(rel, refs),
		"links": RelLinks{Self: self + "/relationships/" + rel.Name, Related: self + "/" + rel.Name},
	}, nil
}

// SortedKeys is a helper for deterministic iteration.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
