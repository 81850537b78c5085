package contract_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/openapi"
)

// A spec nobody warmed is parsed by its first request, which is validated
// like every later one: the request side keeps what a request needs (a
// body schema reached through a $ref, parameters) while it drops responses.
func TestFirstRequestParsesTheSpec(t *testing.T) {
	const spec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      parameters:
        - $ref: "#/components/parameters/limit"
      requestBody:
        required: true
        content:
          application/json: {schema: {$ref: "#/components/schemas/Thing"}}
      responses:
        "201":
          description: created
          content:
            application/json: {schema: {$ref: "#/components/schemas/Created"}}
components:
  parameters:
    limit: {name: limit, in: query, schema: {type: integer, maximum: 10}}
  schemas:
    Count: {type: integer, minimum: 1}
    Thing:
      type: object
      additionalProperties: false
      required: [count]
      properties:
        count: {$ref: "#/components/schemas/Count"}
        other: {$ref: "#/components/schemas/Count"}
    Created:
      type: object
      required: [thing]
      properties:
        thing: {$ref: "#/components/schemas/Thing"}
`
	for _, c := range []struct {
		name, target, body string
		kind               contract.ViolationKind
		pointer            []string
	}{
		{"valid", "/things", `{"count":2,"other":3}`, 0, nil},
		{"shared schema, first field", "/things", `{"count":0}`, contract.Body, []string{"count"}},
		{"shared schema, second field", "/things", `{"count":1,"other":0}`, contract.Body, []string{"other"}},
		{"closed", "/things", `{"count":1,"extra":1}`, contract.Body, nil},
		{"parameter by $ref", "/things?limit=11", `{"count":1}`, contract.Parameter, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			set, err := contract.Load(fstest.MapFS{"t.yaml": {Data: []byte(spec)}})
			if err != nil {
				t.Fatal(err)
			}
			sp := set.Spec("t")
			if sp.Parsed() {
				t.Fatal("parsed before any use")
			}
			r := httptest.NewRequest("POST", c.target, strings.NewReader(c.body))
			r.Header.Set("Content-Type", "application/json")
			v := sp.Validate(r, []byte(c.body))
			if !sp.Parsed() {
				t.Fatal("the first request did not parse the spec")
			}
			switch {
			case c.kind == 0 && v != nil:
				t.Fatalf("unexpected violation: %v", v)
			case c.kind != 0 && (v == nil || v.Kind != c.kind):
				t.Fatalf("got %v, want a %v violation", v, c.kind)
			case c.pointer != nil && !reflect.DeepEqual(v.Pointer, c.pointer):
				t.Fatalf("pointer %q, want %q", v.Pointer, c.pointer)
			}
			// What the request side dropped, the whole file still has.
			doc, _ := sp.Doc()
			if op := doc.Paths.Find("/things").Post; op.Responses != nil || doc.Components.Schemas["Created"] != nil {
				t.Fatal("the request side keeps responses or the schemas only they reach")
			}
			full, err := sp.Full()
			if err != nil {
				t.Fatal(err)
			}
			if full.Paths.Find("/things").Post.Responses.Status(201) == nil || full.Components.Schemas["Created"] == nil {
				t.Fatal("the whole file lost its responses")
			}
			h := http.Header{"Content-Type": {"application/json"}}
			if err := set.CheckResponse(httptest.NewRequest("POST", "/things", nil), 201, h, []byte(`{"thing":{"count":0}}`)); err == nil {
				t.Fatal("the response checker passed a response that breaks the schema")
			}
		})
	}
}

// Commerce Layer's generated file shares its attribute schemas through
// $ref; a first request, with nothing warmed, is held to them.
func TestCommerceLayerFirstRequest(t *testing.T) {
	set, err := contract.Load(openapi.FS)
	if err != nil {
		t.Fatal(err)
	}
	sp := set.Spec("commercelayer")
	for _, c := range []struct {
		body    string
		pointer []string
	}{
		{`{"data":{"type":"line_items","attributes":{"quantity":1,"name":"x"},"relationships":{"order":{"data":{"type":"orders","id":"o1"}}}}}`, nil},
		{`{"data":{"type":"line_items","attributes":{"quantity":0},"relationships":{"order":{"data":{"type":"orders","id":"o1"}}}}}`, []string{"data", "attributes", "quantity"}},
		{`{"data":{"type":"line_items","attributes":{"quantity":1,"name":7},"relationships":{"order":{"data":{"type":"orders","id":"o1"}}}}}`, []string{"data", "attributes", "name"}},
		{`{"data":{"type":"line_items","attributes":{"quantity":1,"name":"` + strings.Repeat("n", 10001) + `"},"relationships":{"order":{"data":{"type":"orders","id":"o1"}}}}}`, []string{"data", "attributes", "name"}},
	} {
		r := httptest.NewRequest("POST", "/api/line_items", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/vnd.api+json")
		r.Header.Set("Authorization", "Bearer x")
		v := sp.ValidateAt(r, "/api/line_items", nil, []byte(c.body))
		switch {
		case c.pointer == nil && v != nil:
			t.Errorf("%.60s: unexpected violation %v", c.body, v)
		case c.pointer != nil && (v == nil || v.Kind != contract.Body || !reflect.DeepEqual(v.Pointer, c.pointer)):
			t.Errorf("%.60s: got %v, want a body violation at %q", c.body, v, c.pointer)
		}
	}
}

// The emulator parses only the request side of each file; the whole file,
// responses included, still passes kin-openapi's validation.
func TestEmbeddedFilesAreValidWhole(t *testing.T) {
	set, err := contract.Load(openapi.FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range set.Names() {
		if _, err := set.Spec(name).Full(); err != nil {
			t.Error(err)
		}
	}
}
