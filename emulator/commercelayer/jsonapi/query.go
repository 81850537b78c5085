package jsonapi

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Paging limits.
const (
	DefaultPageSize = 10
	MaxPageSize     = 25
)

// SortKey is one sort criterion.
type SortKey struct {
	Field string
	Desc  bool
}

// Page is the requested page.
type Page struct {
	Number, Size int
}

// Query is a parsed request query.
type Query struct {
	Include [][]string                 // include=a,b.c as paths
	Fields  map[string]map[string]bool // fields[type]=x,y
	Filters []Condition
	Sort    []SortKey
	Page    Page
}

// ParseQuery parses include, fields, filter[q], sort and page for a request
// on res (list says whether it is a collection, which alone takes filter,
// sort and page). Any other parameter is refused.
func ParseQuery(reg *Registry, res *Resource, v url.Values, list bool) (*Query, error) {
	q := &Query{Fields: map[string]map[string]bool{}, Page: Page{Number: 1, Size: DefaultPageSize}}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val := v.Get(k)
		switch {
		case k == "include":
			inc, err := ParseInclude(reg, res, val)
			if err != nil {
				return nil, err
			}
			q.Include = inc
		case strings.HasPrefix(k, "fields[") && strings.HasSuffix(k, "]"):
			typ := k[len("fields[") : len(k)-1]
			set, err := ParseFields(reg, typ, val)
			if err != nil {
				return nil, err
			}
			q.Fields[typ] = set
		case list && strings.HasPrefix(k, "filter[q][") && strings.HasSuffix(k, "]"):
			c, err := ParseConditionFunc(k[len("filter[q]["):len(k)-1], val, func(f string) bool { return reg.Filterable(res, f, 2) })
			if err != nil {
				return nil, err
			}
			q.Filters = append(q.Filters, c)
		case list && strings.HasPrefix(k, "filter"):
			return nil, filterNotAllowed(k)
		case list && k == "sort":
			s, err := ParseSort(val, res)
			if err != nil {
				return nil, err
			}
			q.Sort = s
		case list && (k == "page[number]" || k == "page[size]"):
			// read together below
		case list && strings.HasPrefix(k, "page["):
			return nil, &Error{Status: 400, Code: "PARAM_NOT_ALLOWED", Title: "Page parameter not allowed",
				Detail: k + " is not an allowed page parameter.", Parameter: k}
		default:
			return nil, paramNotAllowed(k)
		}
	}
	if list {
		p, err := ParsePage(v.Get("page[number]"), v.Get("page[size]"))
		if err != nil {
			return nil, err
		}
		q.Page = p
	}
	return q, nil
}

// ParseInclude parses include=a,b.c: every step must be a relationship of
// the type reached so far (polymorphic relationships end a path).
func ParseInclude(reg *Registry, res *Resource, s string) ([][]string, error) {
	var out [][]string
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		path := strings.Split(item, ".")
		if len(path) > 5 {
			return nil, invalidInclude(item, res.Type)
		}
		// The types reached so far: one, or a polymorphic relationship's.
		cur := []*Resource{res}
		for i, step := range path {
			var next []*Resource
			var rel *Rel
			for _, r := range cur {
				if found := r.Rel(step); found != nil {
					rel = found
					for _, t := range found.targets() {
						if tr := reg.Get(t); tr != nil {
							next = append(next, tr)
						}
					}
				}
			}
			if rel == nil {
				if len(cur) == 0 {
					return nil, invalidInclude(strings.Join(path[i:], "."), res.Type)
				}
				return nil, invalidInclude(step, cur[0].Type)
			}
			cur = next
		}
		out = append(out, path)
	}
	return out, nil
}

// ParseFields parses fields[type]=a,b: attributes or relationships of type.
func ParseFields(reg *Registry, typ, s string) (map[string]bool, error) {
	res := reg.Get(typ)
	if res == nil {
		return nil, invalidResource(typ)
	}
	set := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !res.hasAttribute(f) && res.Rel(f) == nil {
			return nil, invalidField(f, typ)
		}
		set[f] = true
	}
	return set, nil
}

// ParseSort parses sort=-created_at,code.
func ParseSort(s string, res *Resource) ([]SortKey, error) {
	var out []SortKey
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k := SortKey{Field: f}
		if strings.HasPrefix(f, "-") {
			k = SortKey{Field: f[1:], Desc: true}
		}
		if !res.Sortable(k.Field) {
			return nil, invalidSort(k.Field, res.Type)
		}
		out = append(out, k)
	}
	return out, nil
}

// ParsePage reads page[number] (default 1) and page[size] (default 10, at
// most 25).
func ParsePage(number, size string) (Page, error) {
	p := Page{Number: 1, Size: DefaultPageSize}
	if number != "" {
		n, err := strconv.Atoi(strings.TrimSpace(number))
		if err != nil || n < 1 {
			return p, invalidPageValue(number, "number")
		}
		p.Number = n
	}
	if size != "" {
		n, err := strconv.Atoi(strings.TrimSpace(size))
		if err != nil || n < 1 || n > MaxPageSize {
			return p, invalidPageValue(size, "size")
		}
		p.Size = n
	}
	return p, nil
}

// Window is which slice of n records a page shows, and how many pages there are.
func (p Page) Window(n int) (start, end, pageCount int) {
	pageCount = (n + p.Size - 1) / p.Size
	start = (p.Number - 1) * p.Size
	if start > n {
		start = n
	}
	end = min(start+p.Size, n)
	return start, end, pageCount
}

// Links are the absolute pagination links of a list: first and last always,
// prev and next when they exist. self is the request URL.
func (p Page) Links(self *url.URL, pageCount int) map[string]string {
	at := func(n int) string {
		u := *self
		q := u.Query()
		q.Set("page[number]", strconv.Itoa(n))
		q.Set("page[size]", strconv.Itoa(p.Size))
		u.RawQuery = q.Encode()
		return u.String()
	}
	last := max(pageCount, 1)
	links := map[string]string{"first": at(1), "last": at(last)}
	if p.Number > 1 {
		links["prev"] = at(min(p.Number-1, last))
	}
	if p.Number < pageCount {
		links["next"] = at(p.Number + 1)
	}
	return links
}
