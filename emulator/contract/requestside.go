package contract

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/oasdiff/yaml"
)

// methods are the operation keys of a path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// requestSource is the file cut to what validating a request reads, as
// JSON: operations without their responses and callbacks (each gets a
// placeholder response, which kin-openapi's document check requires), and
// components without responses, headers, examples, links, callbacks, or
// schemas no request reaches; top-level extensions go too. kin-openapi then
// builds only what requests use: a third of Commerce Layer's file, in a
// third of the time, with a third of the garbage.
func requestSource(raw []byte) ([]byte, error) {
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber() // numbers go back out as written
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	for k := range doc {
		if strings.HasPrefix(k, "x-") {
			delete(doc, k)
		}
	}
	placeholder := map[string]any{"default": map[string]any{"description": "not read: see Spec.Full"}}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		item, _ := item.(map[string]any)
		for _, m := range methods {
			if op, ok := item[m].(map[string]any); ok {
				op["responses"] = placeholder
				delete(op, "callbacks")
			}
		}
	}
	if comps, ok := doc["components"].(map[string]any); ok {
		schemas, _ := comps["schemas"].(map[string]any)
		for _, k := range []string{"schemas", "responses", "headers", "examples", "links", "callbacks"} {
			delete(comps, k)
		}
		for k := range comps {
			if strings.HasPrefix(k, "x-") {
				delete(comps, k)
			}
		}
		// The schemas the rest reaches, by $ref (or a discriminator's
		// mapping), transitively.
		kept := map[string]any{}
		var walk func(v any)
		walk = func(v any) {
			switch v := v.(type) {
			case map[string]any:
				for _, e := range v {
					walk(e)
				}
			case []any:
				for _, e := range v {
					walk(e)
				}
			case string:
				name, ok := strings.CutPrefix(v, "#/components/schemas/")
				if !ok || kept[name] != nil || schemas[name] == nil {
					return
				}
				kept[name] = schemas[name]
				walk(schemas[name])
			}
		}
		walk(doc)
		if len(kept) > 0 {
			comps["schemas"] = kept
		}
	}
	return json.Marshal(doc)
}
