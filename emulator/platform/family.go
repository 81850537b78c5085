package platform

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// A Family is the paths of one shape that differ in one literal segment, the
// member: Commerce Layer's /api/orders/{id}, /api/skus/{id} and some 130
// more. gorilla/mux gives each registered path a compiled regexp and tries
// them in order; a family is one route that finds the member with a map
// lookup and matches the rest of the path segment by segment, so a hundred
// members cost the memory and the time of one.
//
// Each member's path is still registered as itself (Operations, the contract
// check by its template, the scenario interceptor, 405 and HEAD): only how
// the router finds it changes, and it finds the same paths with the same
// variables as a route per path at the family's place would. A family's
// route has no gorilla template (mux.CurrentRoute's GetPathTemplate fails):
// the chain carries the template itself, and providers never ask the route
// (the admin renderer does, for its examples: admin paths stay routes).
type Family struct {
	s       *Surface
	prefix  string // the shape up to the member: "/api/"
	suffix  string // the shape after the member: "/{id}"
	tail    []segment
	nvars   int
	members map[string]http.Handler // member segment -> its path's dispatch
}

// segment is a segment of the shape after the member: a literal, or a
// variable (gorilla's default pattern: one non-empty segment).
type segment struct{ literal, variable string }

// maxFamilyVars bounds the variables after the member (they are collected
// in an array before the match is certain).
const maxFamilyVars = 4

// Family starts a family of paths shaped like shape, whose one segment "*"
// stands for the member: "/api/*" or "/api/*/{id}". Segments before the
// member are literal; after it, literal or a variable "{name}" (no custom
// pattern). The family's route takes its place in the router's order here,
// as its members' own routes would have. The router matches encoded paths
// (emulator/routes.go: UseEncodedPath), and so does a family.
func (s *Surface) Family(shape string) *Family {
	i := strings.Index(shape, "/*")
	if !strings.HasPrefix(shape, "/") || i < 0 || strings.ContainsAny(shape[:i], "{}*") {
		panic("platform: bad family shape " + shape) // a wiring bug, found at start
	}
	f := &Family{s: s, prefix: shape[:i+1], suffix: shape[i+2:], members: map[string]http.Handler{}}
	if f.suffix != "" && f.suffix[0] != '/' {
		panic("platform: the member of " + shape + " is not a whole segment")
	}
	for _, seg := range strings.Split(f.suffix, "/")[1:] {
		name, isVar := strings.CutPrefix(seg, "{")
		switch {
		case isVar && strings.HasSuffix(name, "}") && !strings.ContainsAny(name[:len(name)-1], "{}:*"):
			f.tail = append(f.tail, segment{variable: name[:len(name)-1]})
			f.nvars++
		case seg != "" && !strings.ContainsAny(seg, "{}*"):
			f.tail = append(f.tail, segment{literal: seg})
		default:
			panic("platform: bad segment " + seg + " in family shape " + shape)
		}
	}
	if f.nvars > maxFamilyVars {
		panic("platform: too many variables in family shape " + shape)
	}
	g, _ := s.p.group(s.r, f.prefix)
	g.NewRoute().MatcherFunc(f.match)
	return f
}

// Handle registers h for method at path, a member of the family: the shape
// with its "*" replaced by the member ("/api/orders/{id}"), written out so
// that the routes read as the paths they serve.
func (f *Family) Handle(method, path string, h http.HandlerFunc) {
	member, _, _ := strings.Cut(strings.TrimPrefix(path, f.prefix), "/")
	if member == "" || strings.ContainsAny(member, "{}*") || path != f.prefix+member+f.suffix {
		panic("platform: " + path + " is not a path of the family " + f.prefix + "*" + f.suffix)
	}
	f.s.handle(method, path, h, func(d http.Handler) { f.members[member] = d })
}

// match is the family's gorilla matcher: it finds the member's dispatch and
// sets the route's variables, as a subrouter does for its routes.
func (f *Family) match(r *http.Request, m *mux.RouteMatch) bool {
	path := r.URL.EscapedPath() // what gorilla matches with UseEncodedPath
	if !strings.HasPrefix(path, f.prefix) {
		return false
	}
	rest := path[len(f.prefix):]
	member := rest
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		member, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	h := f.members[member]
	if h == nil {
		return false
	}
	var vals [maxFamilyVars]string
	n := 0
	for _, seg := range f.tail {
		if rest == "" || rest[0] != '/' {
			return false
		}
		v := rest[1:]
		rest = ""
		if i := strings.IndexByte(v, '/'); i >= 0 {
			v, rest = v[:i], v[i:]
		}
		switch {
		case seg.variable == "" && v != seg.literal:
			return false
		case seg.variable != "" && v == "":
			return false
		case seg.variable != "":
			vals[n] = v
			n++
		}
	}
	if rest != "" {
		return false
	}
	m.Handler = h
	if n > 0 {
		if m.Vars == nil {
			m.Vars = make(map[string]string, n)
		}
		n = 0
		for _, seg := range f.tail {
			if seg.variable != "" {
				m.Vars[seg.variable] = vals[n]
				n++
			}
		}
	}
	return true
}
