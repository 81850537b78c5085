package jsonapi

import (
	"sort"
	"strings"
)

// Values returns what field holds on obj: an attribute, the id, or a path
// through a relationship ("market_code" is the code of the market; through a
// to-many relationship, every related object's value).
func Values(reg *Registry, src Source, obj *Object, field string) []any {
	if field == "id" {
		return []any{obj.ID}
	}
	if v, ok := obj.Attr(field); ok {
		if p, isPtr := v.(*string); isPtr { // reference, reference_origin: kept as pointers
			if p == nil {
				return nil
			}
			v = *p
		}
		if v == nil {
			return nil
		}
		return []any{v}
	}
	res := reg.Get(obj.Type)
	if res == nil {
		return nil
	}
	// Longest relationship name first: "payment_source_..." before "payment_...".
	rels := append([]Rel(nil), res.Rels...)
	sort.SliceStable(rels, func(i, j int) bool { return len(rels[i].Name) > len(rels[j].Name) })
	for _, rel := range rels {
		rest, ok := strings.CutPrefix(field, rel.Name+"_")
		if !ok {
			continue
		}
		refs, err := obj.linkage(rel.Name)
		if err != nil {
			return nil
		}
		var out []any
		for _, ref := range refs {
			if rest == "id" {
				out = append(out, ref.ID)
				continue
			}
			if src == nil {
				continue
			}
			related, err := src.Find(ref)
			if err != nil {
				continue
			}
			out = append(out, Values(reg, src, related, rest)...)
		}
		return out
	}
	return nil
}

// Filter keeps the objects that pass every condition.
func Filter(reg *Registry, src Source, objs []*Object, conds []Condition) []*Object {
	if len(conds) == 0 {
		return objs
	}
	out := objs[:0:0]
	for _, o := range objs {
		ok := true
		for _, c := range conds {
			if !c.Match(func(f string) []any { return Values(reg, src, o, f) }) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, o)
		}
	}
	return out
}

// Sort orders objects by keys, stably (the caller passes them in creation
// order, the default). Nulls sort last ascending and first descending, as in
// PostgreSQL.
func Sort(reg *Registry, src Source, objs []*Object, keys []SortKey) {
	if len(keys) == 0 {
		return
	}
	sort.SliceStable(objs, func(i, j int) bool {
		for _, k := range keys {
			c := CompareValues(first(Values(reg, src, objs[i], k.Field)), first(Values(reg, src, objs[j], k.Field)))
			if c == 0 {
				continue
			}
			if k.Desc {
				return c > 0
			}
			return c < 0
		}
		return false
	})
}

func first(vs []any) any {
	if len(vs) == 0 {
		return nil
	}
	return vs[0]
}

// CompareValues orders two attribute values: nil after everything, numbers
// as numbers, times as times, booleans false first, strings as strings.
func CompareValues(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if fa, ok := toFloat(a); ok {
		if fb, ok := toFloat(b); ok {
			return cmpFloat(fa, fb)
		}
	}
	if ba, ok := a.(bool); ok {
		if bb, ok := b.(bool); ok {
			switch {
			case ba == bb:
				return 0
			case !ba:
				return -1
			}
			return 1
		}
	}
	sa, sb := toString(a), toString(b)
	if ta, ok := parseTime(sa); ok {
		if tb, ok := parseTime(sb); ok {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(sa, sb)
}
