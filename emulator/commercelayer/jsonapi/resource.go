// Package jsonapi is the JSON:API engine every Commerce Layer resource goes
// through. A resource type is described once (Resource: attributes,
// filterable and sortable fields, relationships); the engine parses the query
// (include, fields, filter[q], sort, page), filters, sorts and pages objects,
// and renders documents, compound documents and errors.
//
// The rules (Ransack predicates, sort order, paging) are plain functions so
// they can be tested without HTTP.
package jsonapi

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Rel describes a relationship of a resource type.
type Rel struct {
	Name string
	// Type is the related resource type; empty when polymorphic (the linkage
	// carries the type, e.g. an order's payment_source).
	Type string
	// Types are the allowed types of a polymorphic relationship (empty: any);
	// an include may go on through any of them.
	Types []string
	Many  bool
}

// Resource describes one resource type.
type Resource struct {
	Type string
	// Attributes are every attribute a client may read (fields[] checks them).
	Attributes []string
	// Null are the attributes every object of the type shows, null when
	// not set (NewAttrs).
	Null []string
	// Filters are the names filter[q] accepts: attributes, "id", and paths
	// through relationships such as "market_code" or "order_number".
	Filters []string
	// Sorts are the names sort= accepts.
	Sorts []string
	Rels  []Rel

	attrSet, filterSet, sortSet map[string]bool
	relIndex                    map[string]int
	// layout is how AppendDocument and Attrs lay the type's objects out,
	// worked out on the type's first use (an instance renders a few of the
	// catalogue's types, and the idle memory has no room for all of them).
	layoutOnce sync.Once
	lay        *layout
}

type layout struct {
	// attrOrder and relOrder are the attribute and relationship names,
	// sorted: the order AppendDocument writes an object's maps in.
	attrOrder, relOrder []orderedName
	// relSorted are the indexes in Rels of relOrder's names (the last of a
	// name given twice, as relIndex); relNamesPlain: every name needs no
	// escaping in JSON, so AppendDocument writes links from them.
	relSorted     []int
	relNamesPlain bool
	// attrPos is each attrOrder name's position; nullHas, which positions
	// hold a Null name.
	attrPos map[string]int
	nullHas []bool
}

// layout is r's, worked out once.
func (r *Resource) layout() *layout {
	r.layoutOnce.Do(func() {
		l := &layout{attrOrder: sortedNames(append(slices.Clone(r.Attributes), r.Null...))}
		l.attrPos = make(map[string]int, len(l.attrOrder))
		for i, n := range l.attrOrder {
			l.attrPos[n.name] = i
		}
		l.nullHas = make([]bool, len(l.attrOrder))
		for _, n := range r.Null {
			l.nullHas[l.attrPos[n]] = true
		}
		relNames := make([]string, 0, len(r.Rels))
		for _, rel := range r.Rels {
			relNames = append(relNames, rel.Name)
		}
		l.relOrder = sortedNames(relNames)
		l.relNamesPlain = true
		l.relSorted = make([]int, len(l.relOrder))
		for i, n := range l.relOrder {
			l.relSorted[i] = r.relIndex[n.name]
			l.relNamesPlain = l.relNamesPlain && n.key != ""
		}
		r.lay = l
	})
	return r.lay
}

// Rel returns the named relationship, or nil.
func (r *Resource) Rel(name string) *Rel {
	if r.relIndex != nil {
		if i, ok := r.relIndex[name]; ok {
			return &r.Rels[i]
		}
		return nil
	}
	for i := range r.Rels {
		if r.Rels[i].Name == name {
			return &r.Rels[i]
		}
	}
	return nil
}

func (r *Resource) hasAttribute(name string) bool {
	if r.attrSet != nil {
		return r.attrSet[name]
	}
	return contains(r.Attributes, name)
}

// index builds the lookup sets of a registered resource.
func (r *Resource) index() {
	r.attrSet, r.filterSet, r.sortSet = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, a := range r.Attributes {
		r.attrSet[a] = true
	}
	for _, f := range r.Filters {
		r.filterSet[f] = true
	}
	for _, f := range r.Sorts {
		r.sortSet[f] = true
	}
}

// Filterable tells whether filter[q] may name field on r: a filterable
// name, or a path through a relationship to a filterable name of the
// related type ("market_code", "line_items_sku_code"), at most depth deep.
func (g *Registry) Filterable(r *Resource, field string, depth int) bool {
	if r == nil {
		return false
	}
	if r.filterSet != nil && r.filterSet[field] || r.filterSet == nil && contains(r.Filters, field) {
		return true
	}
	if depth <= 0 {
		return false
	}
	for _, rel := range r.Rels {
		rest, ok := strings.CutPrefix(field, rel.Name+"_")
		if !ok {
			continue
		}
		if rest == "id" {
			return true
		}
		for _, t := range rel.targets() {
			if g.Filterable(g.Get(t), rest, depth-1) {
				return true
			}
		}
	}
	return false
}

// Sortable tells whether sort= may name field on r.
func (r *Resource) Sortable(field string) bool {
	if r.sortSet != nil {
		return r.sortSet[field]
	}
	return contains(r.Sorts, field)
}

// targets are the types a relationship may hold.
func (rel *Rel) targets() []string {
	if rel.Type != "" {
		return []string{rel.Type}
	}
	return rel.Types
}

// Registry is every resource type of an API.
type Registry struct {
	byType map[string]*Resource
}

// NewRegistry indexes resources by type.
func NewRegistry(rs ...*Resource) *Registry {
	g := &Registry{byType: map[string]*Resource{}}
	for _, r := range rs {
		g.byType[r.Type] = r
		r.index()
		r.relIndex = map[string]int{}
		for i, rel := range r.Rels {
			r.relIndex[rel.Name] = i
		}
	}
	return g
}

// orderedName is a name of a type's attributes or relationships, in the
// order its maps are written, with the JSON of its key (`"name":`) made
// once when the name needs no escaping ("" when it does: the encoder then
// quotes it as any other string).
type orderedName struct{ name, key string }

// sortedNames are names sorted, without repeats.
func sortedNames(names []string) []orderedName {
	sorted := slices.Compact(slices.Sorted(slices.Values(names)))
	return namesInOrder(sorted)
}

// namesInOrder are names in the order given.
func namesInOrder(names []string) []orderedName {
	out := make([]orderedName, len(names))
	for i, n := range names {
		out[i].name = n
		if plain(n) == plainASCII {
			out[i].key = `"` + n + `":`
		}
	}
	return out
}

// Get returns the resource type, or nil.
func (g *Registry) Get(typ string) *Resource { return g.byType[typ] }

// Types lists the registered types, sorted.
func (g *Registry) Types() []string {
	out := make([]string, 0, len(g.byType))
	for t := range g.byType {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Ref identifies a resource object (a resource identifier object).
type Ref struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// Object is one resource instance as the engine sees it.
type Object struct {
	Type, ID   string
	Attributes map[string]any
	// Attrs, when set, hold the attributes instead of Attributes.
	Attrs *Attrs
	// Link returns the linkage of a relationship (zero or one Ref for a
	// to-one relationship). Nil means no relationship has data.
	Link func(rel string) ([]Ref, error)
}

// Ref is the object's identifier.
func (o *Object) Ref() Ref { return Ref{Type: o.Type, ID: o.ID} }

// Attr is the attribute name; ok false when the object does not have it.
func (o *Object) Attr(name string) (v any, ok bool) {
	if o.Attrs != nil {
		return o.Attrs.Get(name)
	}
	v, ok = o.Attributes[name]
	return v, ok
}

func (o *Object) linkage(rel string) ([]Ref, error) {
	if o.Link == nil {
		return nil, nil
	}
	return o.Link(rel)
}

// ErrNotFound is what a Source returns for a missing object.
var ErrNotFound = errors.New("jsonapi: not found")

// Source loads objects for includes and for filters through relationships.
type Source interface {
	Find(ref Ref) (*Object, error)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
