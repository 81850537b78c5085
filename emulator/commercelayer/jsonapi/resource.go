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
	"sort"
)

// Rel describes a relationship of a resource type.
type Rel struct {
	Name string
	// Type is the related resource type; empty when polymorphic (the linkage
	// carries the type, e.g. an order's payment_source).
	Type string
	Many bool
}

// Resource describes one resource type.
type Resource struct {
	Type string
	// Attributes are every attribute a client may read (fields[] checks them).
	Attributes []string
	// Filters are the names filter[q] accepts: attributes, "id", and paths
	// through relationships such as "market_code" or "order_number".
	Filters []string
	// Sorts are the names sort= accepts.
	Sorts []string
	Rels  []Rel
}

// Rel returns the named relationship, or nil.
func (r *Resource) Rel(name string) *Rel {
	for i := range r.Rels {
		if r.Rels[i].Name == name {
			return &r.Rels[i]
		}
	}
	return nil
}

func (r *Resource) hasAttribute(name string) bool { return contains(r.Attributes, name) }

// Registry is every resource type of an API.
type Registry struct {
	byType map[string]*Resource
}

// NewRegistry indexes resources by type.
func NewRegistry(rs ...*Resource) *Registry {
	g := &Registry{byType: map[string]*Resource{}}
	for _, r := range rs {
		g.byType[r.Type] = r
	}
	return g
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
	// Link returns the linkage of a relationship (zero or one Ref for a
	// to-one relationship). Nil means no relationship has data.
	Link func(rel string) ([]Ref, error)
}

// Ref is the object's identifier.
func (o *Object) Ref() Ref { return Ref{Type: o.Type, ID: o.ID} }

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
