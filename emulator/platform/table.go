package platform

import (
	"cmp"
	"slices"
)

// Operation is one endpoint a Surface registered: the OpenAPI file that
// describes it, its method and its path template (gorilla/mux syntax).
type Operation struct {
	Spec, Method, Path string
}

// Operations lists every endpoint registered on the platform's surfaces
// (providers' and the admin API's), sorted: the route table that
// TestRouteTableMatchesTheOpenAPIFiles holds against our OpenAPI files.
func (p *Platform) Operations() []Operation {
	var out []Operation
	for _, s := range p.surfaces {
		for path, methods := range s.routes {
			for method := range methods {
				out = append(out, Operation{Spec: s.c.Spec, Method: method, Path: path})
			}
		}
	}
	slices.SortFunc(out, func(a, b Operation) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Method, b.Method), cmp.Compare(a.Spec, b.Spec))
	})
	return out
}
