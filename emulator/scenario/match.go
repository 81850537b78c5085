package scenario

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Matching is plain functions over a request's parts, table-tested.

// pathPattern matches a URL path segment by segment: a literal matches
// itself, {name} and * match one segment, and a final ** matches the rest
// (zero or more segments).
type pathPattern struct {
	raw  string
	segs []string
}

func compilePath(s string) (pathPattern, error) {
	if !strings.HasPrefix(s, "/") {
		return pathPattern{}, fmt.Errorf("path %q must start with /", s)
	}
	segs := strings.Split(s[1:], "/")
	for i, seg := range segs {
		switch {
		case seg == "**" && i != len(segs)-1:
			return pathPattern{}, fmt.Errorf("path %q: ** only at the end", s)
		case strings.HasPrefix(seg, "{") != strings.HasSuffix(seg, "}"):
			return pathPattern{}, fmt.Errorf("path %q: a variable is {name}", s)
		case strings.HasPrefix(seg, "{"):
			segs[i] = "*"
		}
	}
	return pathPattern{raw: s, segs: segs}, nil
}

func (p pathPattern) match(urlPath string) bool {
	if !strings.HasPrefix(urlPath, "/") {
		return false
	}
	got := strings.Split(urlPath[1:], "/")
	for i, seg := range p.segs {
		if seg == "**" {
			return true
		}
		if i >= len(got) {
			return false
		}
		if seg == "*" {
			if got[i] == "" {
				return false
			}
			continue
		}
		if seg != got[i] {
			return false
		}
	}
	return len(got) == len(p.segs)
}

// bodyPath reads a field path: dotted (order_lines.0.quantity) or a JSON
// pointer (/order_lines/0/quantity).
func bodyPath(s string) ([]string, error) {
	if s == "" {
		return nil, fmt.Errorf("a body field path is empty")
	}
	if strings.HasPrefix(s, "/") {
		parts := strings.Split(s[1:], "/")
		for i, p := range parts {
			parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
		}
		return parts, nil
	}
	parts := strings.Split(s, ".")
	if slices.Contains(parts, "") {
		return nil, fmt.Errorf("body field path %q has an empty part", s)
	}
	return parts, nil
}

// lookup finds the value at path in a decoded JSON document.
func lookup(doc any, path []string) (any, bool) {
	cur := doc
	for _, p := range path {
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[p]
			if !ok {
				return nil, false
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// jsonText is how a JSON value compares with a condition's text.
func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// test checks a value (present tells whether it exists at all).
func (c *Cond) test(v string, present bool) bool {
	switch c.Op {
	case "present":
		return present
	case "absent":
		return !present
	case "not":
		return !c.Not.test(v, present)
	}
	if !present {
		return false
	}
	switch c.Op {
	case "equals":
		return v == c.S
	case "glob":
		ok, _ := path.Match(c.S, v)
		return ok
	case "regex":
		return c.Re.MatchString(v)
	case "in":
		return slices.Contains(c.List, v)
	case "gt", "gte", "lt", "lte":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false
		}
		switch c.Op {
		case "gt":
			return f > c.N
		case "gte":
			return f >= c.N
		case "lt":
			return f < c.N
		}
		return f <= c.N
	}
	return false
}

// globMatch is a glob with * and ? where * also crosses "/" (tenants and
// events are names, not paths).
func globMatch(pattern, s string) bool {
	if pattern == "" || pattern == "*" {
		return true
	}
	ok, _ := path.Match(strings.ReplaceAll(pattern, "/", "\x00"), strings.ReplaceAll(s, "/", "\x00"))
	return ok
}

// reqView is what matching reads of a request; the body is decoded at most
// once, and only when a body condition asks.
type reqView struct {
	method, path, tenant string
	header               http.Header
	query                url.Values
	rawQuery             string
	body                 []byte
	decoded              bool
	doc                  any
	docOK                bool
}

func (r *reqView) json() (any, bool) {
	if !r.decoded {
		r.decoded = true
		r.docOK = json.Unmarshal(r.body, &r.doc) == nil
	}
	return r.doc, r.docOK
}

func (r *reqView) queryValues() url.Values {
	if r.query == nil {
		r.query, _ = url.ParseQuery(r.rawQuery)
	}
	return r.query
}

// matchRequest reports whether m selects the request.
func matchRequest(m *Match, r *reqView) bool {
	if len(m.Methods) > 0 && !slices.Contains(m.Methods, r.method) {
		return false
	}
	if len(m.Paths) > 0 && !slices.ContainsFunc(m.Paths, func(p pathPattern) bool { return p.match(r.path) }) {
		return false
	}
	if m.Tenant != "" && !globMatch(m.Tenant, r.tenant) {
		return false
	}
	for name, c := range m.Header {
		vs, ok := r.header[name]
		v := ""
		if ok && len(vs) > 0 {
			v = vs[0]
		}
		if !c.test(v, ok) {
			return false
		}
	}
	if len(m.Query) > 0 {
		q := r.queryValues()
		for name, c := range m.Query {
			vs, ok := q[name]
			v := ""
			if ok && len(vs) > 0 {
				v = vs[0]
			}
			if !c.test(v, ok) {
				return false
			}
		}
	}
	if len(m.Body) > 0 {
		doc, ok := r.json()
		for _, bc := range m.Body {
			var v any
			found := false
			if ok {
				v, found = lookup(doc, bc.Path)
			}
			if !bc.Cond.test(jsonText(v), found) {
				return false
			}
		}
	}
	return true
}

// matchAny: no match rules select everything.
func matchAny(ms []Match, r *reqView) bool {
	if len(ms) == 0 {
		return true
	}
	for i := range ms {
		if matchRequest(&ms[i], r) {
			return true
		}
	}
	return false
}

// matchDelivery selects a webhook delivery by tenant and event.
func matchDelivery(ms []Match, tenant, event string) bool {
	if len(ms) == 0 {
		return true
	}
	for _, m := range ms {
		if (m.Tenant == "" || globMatch(m.Tenant, tenant)) && (m.Event == "" || globMatch(m.Event, event)) {
			return true
		}
	}
	return false
}
