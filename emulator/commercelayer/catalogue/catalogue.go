// Package catalogue is Commerce Layer's resource model as data: every
// resource type with its actions, attributes (and their flags), triggers,
// relationships and filters. catalogue.json is generated from the research
// facts by ./gen (go generate), which also writes openapi/commercelayer.yaml
// from the same data; nothing here is hand-edited.
package catalogue

import (
	_ "embed"
	"encoding/json"
	"sort"
)

//go:generate go run ./gen -facts ../../../../shared/research/facts/commercelayer-resources.jsonl -out catalogue.json -openapi ../../../openapi/commercelayer.yaml -base gen/base.yaml -routes ../routes.go

//go:embed catalogue.json
var raw []byte

// Attribute types.
const (
	String   = "string"
	DateTime = "datetime"
	Boolean  = "boolean"
	Integer  = "integer"
	Float    = "float"
	Object   = "object"
	Array    = "array"
)

// Requirement of an attribute or relationship on create.
const (
	Optional    = ""
	Required    = "required"
	Conditional = "conditional" // required under conditions the behaviour code states
)

// Attr is an attribute or a trigger (a name starting with "_").
type Attr struct {
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	Create         bool     `json:"create,omitempty"`
	Update         bool     `json:"update,omitempty"`
	Fetch          bool     `json:"fetch,omitempty"`
	Filter         bool     `json:"filter,omitempty"`
	Sort           bool     `json:"sort,omitempty"`
	Required       string   `json:"required,omitempty"`
	Enum           []string `json:"enum,omitempty"`
	NoSalesChannel bool     `json:"no_sales_channel,omitempty"`
	Default        any      `json:"default,omitempty"`
	Deprecated     bool     `json:"deprecated,omitempty"`
}

// Rel is a relationship.
type Rel struct {
	Name string `json:"name"`
	Many bool   `json:"many,omitempty"`
	// Type is the related resource type; empty when polymorphic, where Types
	// lists the allowed types (empty: any).
	Type     string   `json:"type,omitempty"`
	Types    []string `json:"types,omitempty"`
	Create   bool     `json:"create,omitempty"`
	Update   bool     `json:"update,omitempty"`
	Filter   bool     `json:"filter,omitempty"`
	Required string   `json:"required,omitempty"`
	Virtual  bool     `json:"virtual,omitempty"` // computed by the API
}

// Resource is one resource type.
type Resource struct {
	Type      string   `json:"type"` // plural, the JSON:API type and the path
	Name      string   `json:"name"` // singular
	Actions   []string `json:"actions"`
	Singleton bool     `json:"singleton,omitempty"`
	Attrs     []Attr   `json:"attributes"`
	Triggers  []Attr   `json:"triggers,omitempty"`
	Rels      []Rel    `json:"relationships"`
	Filters   []string `json:"filters"`
}

// Has tells whether the type takes action (list, retrieve, create, update, delete).
func (r *Resource) Has(action string) bool {
	for _, a := range r.Actions {
		if a == action {
			return true
		}
	}
	return false
}

// Attr returns the named attribute or trigger, or nil.
func (r *Resource) Attr(name string) *Attr {
	for i := range r.Attrs {
		if r.Attrs[i].Name == name {
			return &r.Attrs[i]
		}
	}
	for i := range r.Triggers {
		if r.Triggers[i].Name == name {
			return &r.Triggers[i]
		}
	}
	return nil
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

// Catalogue is the whole model.
type Catalogue struct {
	Version   string      `json:"version"`
	Resources []*Resource `json:"resources"`
	byType    map[string]*Resource
}

var loaded = func() *Catalogue {
	c := &Catalogue{}
	if err := json.Unmarshal(raw, c); err != nil {
		panic("catalogue: catalogue.json: " + err.Error()) // generated file; a build bug
	}
	c.index()
	return c
}()

func (c *Catalogue) index() {
	c.byType = map[string]*Resource{}
	for _, r := range c.Resources {
		c.byType[r.Type] = r
	}
	sort.Slice(c.Resources, func(i, j int) bool { return c.Resources[i].Type < c.Resources[j].Type })
}

// Load returns the embedded catalogue (shared, read-only).
func Load() *Catalogue { return loaded }

// Get returns a resource type, or nil.
func (c *Catalogue) Get(typ string) *Resource { return c.byType[typ] }

// Parse reads a catalogue (the generator's output).
func Parse(b []byte) (*Catalogue, error) {
	c := &Catalogue{}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, err
	}
	c.index()
	return c, nil
}
