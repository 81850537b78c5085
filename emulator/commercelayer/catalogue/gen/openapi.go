package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"sort"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/catalogue"
)

// obj is a JSON object that keeps its keys' order.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	return string(b)
}

func ref(name string) obj { return obj{{"$ref", "#/components/schemas/" + name}} }

// overrides are our own limits on what clients send (not vendor facts): the
// checks the emulator has always made, and a length cap on strings.
var overrides = map[string]obj{
	"line_items.quantity":                    {{"minimum", 1}, {"maximum", 100000}},
	"addresses.country_code":                 {{"pattern", "^[A-Za-z]{2}$"}},
	"orders.language_code":                   {{"pattern", "^[A-Za-z]{2}$"}},
	"orders.customer_email":                  {{"maxLength", 320}},
	"customers.email":                        {{"maxLength", 320}},
	"customers.password":                     {{"minLength", 1}, {"maxLength", 200}},
	"webhooks.include_resources":             {{"maxItems", 20}, {"items", obj{{"type", "string"}, {"maxLength", 200}}}},
	"webhooks.topic":                         {{"maxLength", 100}},
	"webhooks.callback_url":                  {{"maxLength", 2000}},
	"authorizations._capture_amount_cents":   {{"minimum", 1}},
	"captures._refund_amount_cents":          {{"minimum", 1}},
	"orders._authorization_amount_cents":     {{"minimum", 1}},
	"external_payments.payment_source_token": {{"minLength", 1}, {"maxLength", 255}},
}

func typeSchema(t string) obj {
	switch t {
	case catalogue.DateTime:
		return obj{{"type", "string"}, {"format", "date-time"}}
	case catalogue.Boolean:
		return obj{{"type", "boolean"}}
	case catalogue.Integer:
		return obj{{"type", "integer"}}
	case catalogue.Float:
		return obj{{"type", "number"}}
	case catalogue.Object:
		return obj{{"type", "object"}}
	case catalogue.Array:
		return obj{{"type", "array"}, {"items", obj{}}}
	}
	return obj{{"type", "string"}}
}

// responseAttr: every attribute may be null (unset) or dropped by fields[].
func responseAttr(a catalogue.Attr) obj {
	s := typeSchema(a.Type)
	s = append(s, kv{"nullable", true})
	if len(a.Enum) > 0 {
		s = append(s, kv{"enum", a.Enum})
	}
	return s
}

func requestAttr(typ string, a catalogue.Attr, create bool) obj {
	s := typeSchema(a.Type)
	if a.Type == catalogue.DateTime {
		s = obj{{"type", "string"}, {"maxLength", 64}}
	}
	if !strings.HasPrefix(a.Name, "_") && !(create && a.Required == catalogue.Required) {
		s = append(s, kv{"nullable", true})
	}
	if len(a.Enum) > 0 {
		s = append(s, kv{"enum", a.Enum})
	}
	if o, ok := overrides[typ+"."+a.Name]; ok {
		s = merge(s, o)
	} else if a.Type == catalogue.String {
		s = append(s, kv{"maxLength", 10000})
	}
	return s
}

// shared holds the attribute schemas that many fields have in common (a
// nullable string, a date-time, ...): each is written once as a component
// and referenced, because kin-openapi resolves every $ref to one shared
// *Schema while it gives every inline schema its own, and the parsed file is
// most of the emulator's idle memory. A schema with an enum or a pattern
// stays inline: those are the field's own.
type shared map[string]obj // component name -> schema

func (sh shared) ref(s obj) obj {
	name, ok := sharedName(s)
	if !ok {
		return s
	}
	sh[name] = s
	return ref(name)
}

// sharedName names a schema by its keywords, e.g. Attr.string.nullable.maxLength10000;
// ok is false for a schema that stays inline.
func sharedName(s obj) (string, bool) {
	parts := []string{"Attr"}
	for _, e := range s {
		switch v := e.v.(type) {
		case string:
			if e.k == "type" {
				parts = append(parts, v)
			} else if e.k == "format" {
				parts = append(parts, v)
			} else {
				return "", false
			}
		case bool:
			if !v || e.k != "nullable" {
				return "", false
			}
			parts = append(parts, e.k)
		case int:
			if e.k != "maxLength" && e.k != "minLength" && e.k != "minimum" && e.k != "maximum" {
				return "", false
			}
			parts = append(parts, fmt.Sprintf("%s%d", e.k, v))
		case obj:
			if e.k != "items" || len(v) != 0 {
				return "", false
			}
			parts = append(parts, "anyItems")
		default:
			return "", false
		}
	}
	return strings.Join(parts, "."), true
}

func openAPI(base string, cat *catalogue.Catalogue) []byte {
	var paths, schemas strings.Builder
	sh := shared{}
	for _, r := range cat.Resources {
		writePaths(&paths, r)
		writeSchemas(&schemas, r, sh)
	}
	names := make([]string, 0, len(sh))
	for n := range sh {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&schemas, "    %s: %s\n", n, js(sh[n]))
	}
	// Included resources: closed resource objects of any type. (Their
	// attributes are checked where they are primary data; a per-type check
	// here would make every document reach all 135 schemas, which costs
	// kin-openapi's start-up validation seconds.)
	var types []string
	for _, r := range cat.Resources {
		types = append(types, r.Type)
	}
	fmt.Fprintf(&schemas, "    Included:\n      type: array\n      items:\n        type: object\n        additionalProperties: false\n        required: [id, type, links, attributes, meta]\n        properties:\n")
	fmt.Fprintf(&schemas, "          id: {type: string, minLength: 1}\n          type: %s\n", js(obj{{"type", "string"}, {"enum", types}}))
	fmt.Fprintf(&schemas, "          links: %s\n          meta: %s\n          attributes: {type: object}\n", js(ref("SelfLinks")), js(ref("ResourceMeta")))
	fmt.Fprintf(&schemas, "          relationships: {type: object, additionalProperties: {anyOf: [%s, %s]}}\n", js(ref("ToOne")), js(ref("ToMany")))
	// Any resource object, by its type.
	schemas.WriteString("    Resource:\n      oneOf:\n")
	for _, r := range cat.Resources {
		fmt.Fprintf(&schemas, "        - %s\n", js(ref(camel(r.Name))))
	}
	schemas.WriteString("      discriminator:\n        propertyName: type\n        mapping:\n")
	for _, r := range cat.Resources {
		fmt.Fprintf(&schemas, "          %s: \"#/components/schemas/%s\"\n", r.Type, camel(r.Name))
	}
	out := strings.Replace(base, "  # @@PATHS@@\n", paths.String(), 1)
	out = strings.Replace(out, "# @@SCHEMAS@@\n", schemas.String(), 1)
	return []byte(out)
}

func content(schema string) string {
	return js(obj{{"application/vnd.api+json", obj{{"schema", ref(schema)}}}})
}

func writePaths(b *strings.Builder, r *catalogue.Resource) {
	name := camel(r.Name)
	human := strings.ReplaceAll(r.Type, "_", " ")
	if r.Singleton {
		fmt.Fprintf(b, "  /api/%s:\n    get:\n      tags: [resources]\n      operationId: get%s\n      summary: The token's %s\n", r.Name, name, strings.ReplaceAll(r.Name, "_", " "))
		fmt.Fprintf(b, "      parameters: *showParams\n      responses:\n        <<: *showResponses\n        \"200\": {description: The resource., content: %s}\n", content(name+".Document"))
		return
	}
	if r.Has("list") || r.Has("create") {
		fmt.Fprintf(b, "  /api/%s:\n", r.Type)
		if r.Has("list") {
			fmt.Fprintf(b, "    get:\n      tags: [resources]\n      operationId: list%s\n      summary: A page of %s\n", camel(r.Type), human)
			fmt.Fprintf(b, "      parameters: *listParams\n      responses:\n        <<: *listResponses\n        \"200\": {description: A page., content: %s}\n", content(name+".List"))
		}
		if r.Has("create") {
			fmt.Fprintf(b, "    post:\n      tags: [resources]\n      operationId: create%s\n      summary: Create one of the %s\n", name, human)
			fmt.Fprintf(b, "      parameters: *showParams\n      requestBody: {required: true, content: %s}\n", content(name+".Create"))
			fmt.Fprintf(b, "      responses:\n        <<: *createResponses\n        \"201\": {description: Created., content: %s}\n", content(name+".Document"))
		}
	}
	if r.Has("retrieve") || r.Has("update") || r.Has("delete") {
		fmt.Fprintf(b, "  /api/%s/{id}:\n    parameters: [$ref: \"#/components/parameters/id\"]\n", r.Type)
		if r.Has("retrieve") {
			fmt.Fprintf(b, "    get:\n      tags: [resources]\n      operationId: get%s\n      summary: One of the %s\n", name, human)
			fmt.Fprintf(b, "      parameters: *showParams\n      responses:\n        <<: *showResponses\n        \"200\": {description: The resource., content: %s}\n", content(name+".Document"))
		}
		if r.Has("update") {
			fmt.Fprintf(b, "    patch:\n      tags: [resources]\n      operationId: update%s\n      summary: Change attributes, relationships or fire triggers of one of the %s\n", name, human)
			fmt.Fprintf(b, "      parameters: *showParams\n      requestBody: {required: true, content: %s}\n", content(name+".Update"))
			fmt.Fprintf(b, "      responses:\n        <<: *updateResponses\n        \"200\": {description: Updated., content: %s}\n", content(name+".Document"))
		}
		if r.Has("delete") {
			fmt.Fprintf(b, "    delete: {tags: [resources], operationId: delete%s, summary: Delete one of the %s, responses: *deleteResponses}\n", name, human)
		}
	}
}

func writeSchemas(b *strings.Builder, r *catalogue.Resource, sh shared) {
	name := camel(r.Name)
	// The resource object.
	fmt.Fprintf(b, "    %s:\n      type: object\n      additionalProperties: false\n      required: [id, type, links, attributes, meta]\n      properties:\n", name)
	fmt.Fprintf(b, "        id: {type: string, minLength: 1}\n        type: %s\n", js(obj{{"type", "string"}, {"enum", []string{r.Type}}}))
	fmt.Fprintf(b, "        links: %s\n        meta: %s\n", js(ref("SelfLinks")), js(ref("ResourceMeta")))
	b.WriteString("        attributes:\n          type: object\n          additionalProperties: false\n          properties:\n")
	for _, a := range r.Attrs {
		if a.Fetch {
			fmt.Fprintf(b, "            %s: %s\n", a.Name, js(sh.ref(responseAttr(a))))
		}
	}
	if len(r.Rels) > 0 {
		b.WriteString("        relationships:\n          type: object\n          additionalProperties: false\n          properties:\n")
		for _, rel := range r.Rels {
			s := "ToOne"
			if rel.Many {
				s = "ToMany"
			}
			fmt.Fprintf(b, "            %s: %s\n", rel.Name, js(ref(s)))
		}
	}
	// Documents.
	fmt.Fprintf(b, "    %s.Document:\n      type: object\n      additionalProperties: false\n      required: [data]\n      properties:\n", name)
	fmt.Fprintf(b, "        data: %s\n        included: %s\n", js(ref(name)), js(ref("Included")))
	if r.Has("list") {
		fmt.Fprintf(b, "    %s.List:\n      type: object\n      additionalProperties: false\n      required: [data, meta, links]\n      properties:\n", name)
		fmt.Fprintf(b, "        data: {type: array, items: %s}\n        included: %s\n", js(ref(name)), js(ref("Included")))
		fmt.Fprintf(b, "        meta: %s\n        links: %s\n", js(ref("ListMeta")), js(ref("ListLinks")))
	}
	if r.Has("create") {
		writeRequest(b, r, true, sh)
	}
	if r.Has("update") {
		writeRequest(b, r, false, sh)
	}
}

func writeRequest(b *strings.Builder, r *catalogue.Resource, create bool, sh shared) {
	name, suffix := camel(r.Name), "Update"
	if create {
		suffix = "Create"
	}
	writable := func(create, update bool) bool {
		return (create && suffix == "Create") || (update && suffix == "Update")
	}
	var attrs obj
	var required, relRequired []string
	for _, list := range [][]catalogue.Attr{r.Attrs, r.Triggers} {
		for _, a := range list {
			if !writable(a.Create, a.Update) {
				continue
			}
			attrs = append(attrs, kv{a.Name, sh.ref(requestAttr(r.Type, a, create))})
			if create && a.Required == catalogue.Required {
				required = append(required, a.Name)
			}
		}
	}
	var rels obj
	for _, rel := range r.Rels {
		if !writable(rel.Create, rel.Update) {
			continue
		}
		s := "RelOne"
		if rel.Many {
			s = "RelMany"
		}
		rels = append(rels, kv{rel.Name, ref(s)})
		if create && rel.Required == catalogue.Required {
			relRequired = append(relRequired, rel.Name)
		}
	}
	dataRequired := []string{"type"}
	if !create {
		dataRequired = append(dataRequired, "id")
	}
	if len(required) > 0 {
		dataRequired = append(dataRequired, "attributes")
	}
	if len(relRequired) > 0 {
		dataRequired = append(dataRequired, "relationships")
	}
	fmt.Fprintf(b, "    %s.%s:\n      type: object\n      additionalProperties: false\n      required: [data]\n      properties:\n", name, suffix)
	fmt.Fprintf(b, "        data:\n          type: object\n          additionalProperties: false\n          required: %s\n          properties:\n", js(dataRequired))
	fmt.Fprintf(b, "            type: %s\n", js(obj{{"type", "string"}, {"enum", []string{r.Type}}}))
	if !create {
		b.WriteString("            id: {type: string, minLength: 1, maxLength: 64}\n")
	}
	as := obj{{"type", "object"}, {"additionalProperties", false}}
	if len(required) > 0 {
		as = append(as, kv{"required", required})
	}
	as = append(as, kv{"properties", attrs})
	b.WriteString("            attributes:\n")
	writeNested(b, as, "              ")
	rs := obj{{"type", "object"}, {"additionalProperties", false}}
	if len(relRequired) > 0 {
		rs = append(rs, kv{"required", relRequired})
	}
	if rels == nil {
		rels = obj{}
	}
	rs = append(rs, kv{"properties", rels})
	b.WriteString("            relationships:\n")
	writeNested(b, rs, "              ")
}

// writeNested writes an object's members one a line, "properties" expanded.
func writeNested(b *strings.Builder, o obj, indent string) {
	for _, e := range o {
		if p, ok := e.v.(obj); ok && e.k == "properties" {
			if len(p) == 0 {
				fmt.Fprintf(b, "%sproperties: {}\n", indent)
				continue
			}
			fmt.Fprintf(b, "%sproperties:\n", indent)
			for _, m := range p {
				fmt.Fprintf(b, "%s  %s: %s\n", indent, m.k, js(m.v))
			}
			continue
		}
		fmt.Fprintf(b, "%s%s: %s\n", indent, e.k, js(e.v))
	}
}

// merge sets o's members on s, replacing those s has.
func merge(s, o obj) obj {
	for _, e := range o {
		replaced := false
		for i := range s {
			if s[i].k == e.k {
				s[i].v, replaced = e.v, true
			}
		}
		if !replaced {
			s = append(s, e)
		}
	}
	return s
}
