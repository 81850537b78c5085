package contract

import (
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/paysandbox/paysandbox/openapi"
)

// Klarna's session id is {type: string}: the read checks no parameter
// through kin-openapi; MultiSafepay's locale (a query parameter) still is.
func TestPlanSkipsOnlyPlainStringPathParameters(t *testing.T) {
	set, err := Load(openapi.FS)
	if err != nil {
		t.Fatal(err)
	}
	read := set.Spec("klarna")
	if _, err := read.Doc(); err != nil {
		t.Fatal(err)
	}
	kr, _ := read.resolve(http.MethodGet, "/payments/v1/sessions/{session_id}").(*knownRoute)
	if kr == nil || len(kr.plan.anyPath) != 1 || kr.plan.anyPath[0] != "session_id" || len(kr.plan.params) != 0 || !kr.plan.none {
		t.Fatalf("read session plan: %+v", kr)
	}
	msp := set.Spec("multisafepay")
	if _, err := msp.Doc(); err != nil {
		t.Fatal(err)
	}
	kr, _ = msp.resolve(http.MethodPost, "/v1/json/orders").(*knownRoute)
	if kr == nil || len(kr.plan.params) == 0 || kr.plan.none {
		t.Fatalf("MultiSafepay create order plan: %+v", kr)
	}
}

// A request body with no readOnly property anywhere is checked without
// VisitAsRequest (the same verdict, less work); one with a readOnly
// property, nested, behind a cycle or through allOf, keeps it, so the
// one-decode check still refuses the property as kin-openapi does.
func TestPlanVisitsAsARequestOnlyWhereReadOnlyMatters(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /plain:
    post:
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Node'}}}
      responses: {"200": {description: ok}}
  /nested:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                node: {$ref: '#/components/schemas/Node'}
                meta: {allOf: [{type: object, properties: {id: {type: string, readOnly: true}}}]}
      responses: {"200": {description: ok}}
components:
  schemas:
    Node:
      type: object
      additionalProperties: false
      properties:
        name: {type: string}
        child: {$ref: '#/components/schemas/Node'}
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(openapi3.NewLoader().Context); err != nil {
		t.Fatal(err)
	}
	plain := doc.Paths.Find("/plain").Post.RequestBody.Value
	nested := doc.Paths.Find("/nested").Post.RequestBody.Value
	if mayBeReadOnly(plain) {
		t.Error("a body of plain, recursive nodes may be read-only")
	}
	if !mayBeReadOnly(nested) {
		t.Error("a body with a readOnly property under allOf is not")
	}
	for _, c := range []struct {
		path string
		body any
		ok   bool
	}{
		{"/plain", map[string]any{"name": "a", "child": map[string]any{"name": "b"}}, true},
		{"/plain", map[string]any{"name": "a", "child": map[string]any{"surprise": 1}}, false},
		{"/nested", map[string]any{"meta": map[string]any{}}, true},
		{"/nested", map[string]any{"meta": map[string]any{"id": "x"}}, false}, // readOnly in a request
	} {
		item := doc.Paths.Find(c.path)
		p := newPlan(&routers.Route{Spec: doc, Path: c.path, PathItem: item, Method: "POST", Operation: item.Post})
		err := p.body.Content.Get("application/json").Schema.Value.VisitJSON(c.body, p.opts...)
		if (err == nil) != c.ok {
			t.Errorf("%s %v: %v, want passing %v", c.path, c.body, err, c.ok)
		}
	}
}
