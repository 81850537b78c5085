package multisafepay

import (
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestOpenAPISchemasClosed: every object schema of openapi/multisafepay.yaml
// says additionalProperties (false, or a schema for a map keyed by data), so
// the response check of every test means something.
func TestOpenAPISchemasClosed(t *testing.T) {
	raw, err := os.ReadFile("../../openapi/multisafepay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	open := 0
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				walk(c, append(path, "-"))
			}
		case yaml.MappingNode:
			keys := map[string]*yaml.Node{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				keys[n.Content[i].Value] = n.Content[i+1]
			}
			isSchema := (keys["type"] != nil && keys["type"].Value == "object") || (keys["properties"] != nil && keys["properties"].Kind == yaml.MappingNode && keys["in"] == nil)
			// "properties" under a schema is a map of names, not a schema.
			if isSchema && len(path) > 0 && path[len(path)-1] == "properties" && keys["type"] == nil {
				isSchema = false
			}
			if isSchema && keys["additionalProperties"] == nil {
				open++
				t.Errorf("open object schema at %s (line %d)", strings.Join(path, "."), n.Line)
			}
			if ap := keys["additionalProperties"]; ap != nil && ap.Kind == yaml.ScalarNode && ap.Value != "false" {
				t.Errorf("additionalProperties %s at %s (line %d): use false or a schema", ap.Value, strings.Join(path, "."), ap.Line)
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], append(path, n.Content[i].Value))
			}
		}
	}
	walk(&doc, nil)
	if open > 0 {
		t.Logf("%d open object schemas", open)
	}
}
