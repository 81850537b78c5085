// Command gen makes our catalogue of Commerce Layer's resource model from the
// research facts (one resource a line: actions, fields with flags, triggers,
// relationships, filters) and writes, from that catalogue alone:
//
//   - catalogue.json, embedded by package catalogue;
//   - openapi/commercelayer.yaml: gen/base.yaml (authentication, errors,
//     relationship endpoints) plus every resource type's paths and closed
//     schemas.
//
// Only names, types, flags and lists are taken from the facts; every
// description is ours. Run: go generate ./emulator/commercelayer/catalogue
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/catalogue"
)

// fact is one line of the facts file.
type fact struct {
	Resource      string                  `json:"resource"`
	Actions       []string                `json:"actions"`
	Singleton     bool                    `json:"singleton"`
	Filters       []string                `json:"filters"`
	Fields        map[string]factField    `json:"fields"`
	Relationships map[string]factRelation `json:"relationships"`
	order         []string                // field order as in the file
	relOrder      []string
}

type factField struct {
	Type       string   `json:"type"`
	Creatable  bool     `json:"creatable"`
	Updatable  bool     `json:"updatable"`
	Fetchable  bool     `json:"fetchable"`
	Filterable bool     `json:"filterable"`
	Sortable   bool     `json:"sortable"`
	Required   any      `json:"required"`
	Enum       []string `json:"enum"`
	Prohibited bool     `json:"prohibited_for_sales_channels"`
	Deprecated bool     `json:"deprecated"`
}

type factRelation struct {
	Kind        string   `json:"kind"`
	Class       string   `json:"class"`
	Polymorphic bool     `json:"polymorphic"`
	Types       []string `json:"types"`
	Virtual     bool     `json:"virtual"`
	Creatable   bool     `json:"creatable"`
	Updatable   bool     `json:"updatable"`
	Filterable  bool     `json:"filterable"`
	Required    any      `json:"required"`
}

func main() {
	factsPath := flag.String("facts", "", "commercelayer-resources.jsonl")
	out := flag.String("out", "catalogue.json", "catalogue to write")
	spec := flag.String("openapi", "", "OpenAPI file to write")
	base := flag.String("base", "gen/base.yaml", "hand-written part of the OpenAPI file")
	routes := flag.String("routes", "", "routes.go whose surface table to rewrite")
	flag.Parse()
	facts, err := readFacts(*factsPath)
	if err != nil {
		log.Fatal(err)
	}
	cat := build(facts)
	if err := os.WriteFile(*out, encodeCatalogue(cat), 0o644); err != nil {
		log.Fatal(err)
	}
	if *routes != "" {
		b, err := os.ReadFile(*routes)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*routes, []byte(SurfaceTable(string(b), cat)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if *spec != "" {
		b, err := os.ReadFile(*base)
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*spec, openAPI(string(b), cat), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func readFacts(path string) ([]*fact, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // read only
	var out []*fact
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		fc := &fact{}
		if err := json.Unmarshal(line, fc); err != nil {
			return nil, err
		}
		fc.order = keyOrder(line, "fields")
		fc.relOrder = keyOrder(line, "relationships")
		out = append(out, fc)
	}
	return out, sc.Err()
}

// keyOrder is the order of the keys of the object member name of a JSON line.
func keyOrder(line []byte, name string) []string {
	var top map[string]json.RawMessage
	if json.Unmarshal(line, &top) != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(top[name]))
	var keys []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 {
				keys = append(keys, t)
				// skip the value
				var v json.RawMessage
				if dec.Decode(&v) != nil {
					return keys
				}
			}
		}
	}
}

// plural is the JSON:API type of a singular resource name.
func plural(s string) string {
	switch {
	case strings.HasSuffix(s, "s") || strings.HasSuffix(s, "x") || strings.HasSuffix(s, "ch") || strings.HasSuffix(s, "sh"):
		return s + "es"
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(s[len(s)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

var upper = regexp.MustCompile(`([a-z0-9])([A-Z])`)

func snake(class string) string { return strings.ToLower(upper.ReplaceAllString(class, "${1}_${2}")) }

func camel(s string) string {
	var b strings.Builder
	for _, p := range strings.Split(s, "_") {
		if p != "" {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

// requirement turns the facts' required rule into ours.
func requirement(v any) string {
	s, ok := v.(string)
	if !ok {
		if b, ok := v.(bool); ok && b {
			return catalogue.Required
		}
		return catalogue.Optional
	}
	switch {
	case s == "required":
		return catalogue.Required
	case strings.HasPrefix(s, "required"):
		return catalogue.Conditional
	}
	return catalogue.Optional
}

var defaultRule = regexp.MustCompile(`default is '([^']*)'`)

// defaultValue is the default a rule states, typed, when it is a plain value.
func defaultValue(v any, typ string) any {
	s, _ := v.(string)
	m := defaultRule.FindStringSubmatch(s)
	if m == nil {
		return nil
	}
	switch typ {
	case catalogue.Boolean:
		if m[1] == "true" || m[1] == "false" {
			return m[1] == "true"
		}
	case catalogue.Integer:
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			return n
		}
	case catalogue.String:
		return m[1]
	}
	return nil
}

func build(facts []*fact) *catalogue.Catalogue {
	known := map[string]bool{}
	for _, f := range facts {
		known[f.Resource] = true
	}
	cat := &catalogue.Catalogue{Version: "7.9.16"}
	for _, f := range facts {
		r := &catalogue.Resource{Type: plural(f.Resource), Name: f.Resource, Actions: f.Actions, Singleton: f.Singleton,
			Attrs: []catalogue.Attr{}, Rels: []catalogue.Rel{}, Filters: f.Filters}
		for _, name := range f.order {
			ff := f.Fields[name]
			if name == "id" {
				continue // the resource object's id, not an attribute
			}
			a := catalogue.Attr{Name: name, Type: ff.Type, Create: ff.Creatable, Update: ff.Updatable, Fetch: ff.Fetchable,
				Filter: ff.Filterable, Sort: ff.Sortable, Required: requirement(ff.Required), Enum: ff.Enum,
				NoSalesChannel: ff.Prohibited, Default: defaultValue(ff.Required, ff.Type), Deprecated: ff.Deprecated}
			if strings.HasPrefix(name, "_") {
				a.Required, a.Default = "", nil
				r.Triggers = append(r.Triggers, a)
				continue
			}
			r.Attrs = append(r.Attrs, a)
		}
		for _, name := range f.relOrder {
			fr := f.Relationships[name]
			rel := catalogue.Rel{Name: name, Many: fr.Kind == "has_many", Create: fr.Creatable, Update: fr.Updatable,
				Filter: fr.Filterable, Required: requirement(fr.Required), Virtual: fr.Virtual}
			if t := snake(fr.Class); known[t] {
				rel.Type = plural(t)
			} else {
				rel.Types = fr.Types
			}
			r.Rels = append(r.Rels, rel)
		}
		cat.Resources = append(cat.Resources, r)
	}
	sort.Slice(cat.Resources, func(i, j int) bool { return cat.Resources[i].Type < cat.Resources[j].Type })
	return cat
}

// encodeCatalogue writes one resource a line, so diffs stay readable.
func encodeCatalogue(c *catalogue.Catalogue) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"version\":%q,\"resources\":[\n", c.Version)
	for i, r := range c.Resources {
		line, err := json.Marshal(r)
		if err != nil {
			log.Fatal(err)
		}
		b.Write(line)
		if i < len(c.Resources)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// SurfaceTable rewrites the comment lines between the @@SURFACE@@ markers
// of routes.go with one line per resource type and its actions.
func SurfaceTable(src string, c *catalogue.Catalogue) string {
	start := strings.Index(src, "@@SURFACE@@\n")
	end := strings.Index(src, "@@END SURFACE@@")
	if start < 0 || end < start {
		log.Fatal("routes.go: no @@SURFACE@@ markers")
	}
	lineStart := strings.LastIndex(src[:end], "\n") + 1
	indent := src[lineStart:end] // "\t// "
	var b strings.Builder
	for _, r := range c.Resources {
		path := "/api/" + r.Type
		if r.Singleton {
			path = "/api/" + r.Name
		}
		fmt.Fprintf(&b, "%s%-42s %s\n", indent, path, strings.Join(r.Actions, " "))
	}
	return src[:start+len("@@SURFACE@@\n")] + b.String() + src[lineStart:]
}
