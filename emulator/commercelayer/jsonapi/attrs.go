package jsonapi

import (
	"maps"
	"slices"
)

// Attrs are an object's attributes held by position in its type's sorted
// attribute names (the order AppendDocument writes them in), with any name
// outside those in a map. An order has some 130 attributes and a document
// several objects: setting one is an index here where a map hashes and
// places it, and writing them is a walk with no lookups.
type Attrs struct {
	res  *Resource
	lay  *layout
	vals []any
	has  []bool // the positions set (a type's Null names from the start)
	more map[string]any
}

// NewAttrs are empty attributes of r, its Null names set to null.
func (r *Resource) NewAttrs() *Attrs {
	l := r.layout()
	n := len(l.attrOrder)
	a := &Attrs{res: r, lay: l, vals: make([]any, n), has: make([]bool, n)}
	copy(a.has, l.nullHas)
	return a
}

// Set sets name to v.
func (a *Attrs) Set(name string, v any) {
	if i, ok := a.lay.attrPos[name]; ok {
		a.vals[i], a.has[i] = v, true
		return
	}
	if a.more == nil {
		a.more = map[string]any{}
	}
	a.more[name] = v
}

// Pos is name's position among the type's names (SetAt), -1 when it is
// not one of them.
func (r *Resource) Pos(name string) int {
	if i, ok := r.layout().attrPos[name]; ok {
		return i
	}
	return -1
}

// SetAt sets the name at position i (Pos) to v; a negative i sets nothing.
func (a *Attrs) SetAt(i int, v any) {
	if i >= 0 {
		a.vals[i], a.has[i] = v, true
	}
}

// Resource is the type a holds the attributes of.
func (a *Attrs) Resource() *Resource { return a.res }

// Get is name's value; ok false when it is not set.
func (a *Attrs) Get(name string) (v any, ok bool) {
	if i, found := a.lay.attrPos[name]; found {
		return a.vals[i], a.has[i]
	}
	v, ok = a.more[name]
	return v, ok
}

// Map is the attributes as a map (for encoders other than AppendDocument).
func (a *Attrs) Map() map[string]any {
	m := make(map[string]any, len(a.vals)+len(a.more))
	for i, on := range a.lay.attrOrder {
		if a.has[i] {
			m[on.name] = a.vals[i]
		}
	}
	maps.Copy(m, a.more)
	return m
}

// moreKeys are the names outside the type's, sorted.
func (a *Attrs) moreKeys() []string {
	if len(a.more) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(a.more))
}
