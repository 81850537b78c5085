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

// Every embedded OpenAPI file parses and passes kin-openapi's validation.
func TestEmbeddedFilesAreValid(t *testing.T) {
	set, err := contract.Load(openapi.FS)
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Wait(); err != nil {
		t.Fatal(err)
	}
	if len(set.Names()) == 0 || set.Spec("sandbox") == nil {
		t.Fatalf("files: %v", set.Names())
	}
}

const testSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: "^[a-z]+$"}}
    post:
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 10}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amount, lines]
              properties:
                amount: {type: integer, minimum: 0}
                lines:
                  type: array
                  items:
                    type: object
                    required: [name]
                    properties:
                      name: {type: string, maxLength: 3}
                      total: {type: integer}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [ok], properties: {ok: {type: boolean}}}
`

func load(t *testing.T) *contract.Set {
	t.Helper()
	set, err := contract.Load(fstest.MapFS{"t.yaml": {Data: []byte(testSpec)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := set.Wait(); err != nil {
		t.Fatal(err)
	}
	return set
}

func TestViolations(t *testing.T) {
	sp := load(t).Spec("t")
	cases := []struct {
		name, method, path, ctype, body string
		kind                            contract.ViolationKind
		in, param                       string
		pointer                         []string
	}{
		{"valid", "POST", "/things/abc", "application/json", `{"amount":1,"lines":[{"name":"a"}]}`, 0, "", "", nil},
		{"nested wrong type", "POST", "/things/abc", "application/json", `{"amount":1,"lines":[{"name":"a"},{"name":"b","total":"x"}]}`, contract.Body, "body", "", []string{"lines", "1", "total"}},
		{"nested too long", "POST", "/things/abc", "application/json", `{"amount":1,"lines":[{"name":"abcd"}]}`, contract.Body, "body", "", []string{"lines", "0", "name"}},
		{"missing top-level", "POST", "/things/abc", "application/json", `{"lines":[]}`, contract.Body, "body", "", []string{"amount"}},
		{"missing nested", "POST", "/things/abc", "application/json", `{"amount":1,"lines":[{}]}`, contract.Body, "body", "", []string{"lines", "0", "name"}},
		{"below minimum", "POST", "/things/abc", "application/json", `{"amount":-1,"lines":[]}`, contract.Body, "body", "", []string{"amount"}},
		{"malformed", "POST", "/things/abc", "application/json", `{"amount":`, contract.Malformed, "body", "", nil},
		{"no body", "POST", "/things/abc", "application/json", ``, contract.MissingBody, "body", "", nil},
		{"wrong media type", "POST", "/things/abc", "text/plain", `hello`, contract.UnsupportedMediaType, "header", "Content-Type", nil},
		{"bad path param", "POST", "/things/ABC", "application/json", `{"amount":1,"lines":[]}`, contract.Parameter, "path", "id", nil},
		{"bad query", "POST", "/things/abc?limit=50", "application/json", `{"amount":1,"lines":[]}`, contract.Parameter, "query", "limit", nil},
		{"no operation", "POST", "/nothing", "application/json", `{}`, contract.NoOperation, "", "", nil},
		{"wrong method", "DELETE", "/things/abc", "", ``, contract.MethodNotAllowed, "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			v := sp.Validate(r, []byte(c.body))
			if c.kind == 0 {
				if v != nil {
					t.Fatalf("unexpected violation: %v", v)
				}
				return
			}
			if v == nil {
				t.Fatal("no violation")
			}
			if v.Kind != c.kind || v.In != c.in || v.Name != c.param || (c.pointer != nil && !reflect.DeepEqual(v.Pointer, c.pointer)) {
				t.Fatalf("got %+v (pointer %q)", v, v.Pointer)
			}
		})
	}
}

func TestCheckResponse(t *testing.T) {
	set := load(t)
	req := httptest.NewRequest("POST", "/things/abc", nil)
	h := http.Header{"Content-Type": {"application/json"}}
	if err := set.CheckResponse(req, 200, h, []byte(`{"ok":true}`)); err != nil {
		t.Fatal(err)
	}
	if err := set.CheckResponse(req, 200, h, []byte(`{"ok":"yes"}`)); err == nil {
		t.Fatal("wrong body type passed")
	}
	if err := set.CheckResponse(req, 404, h, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "status is not supported") {
		t.Fatalf("undocumented status: %v", err)
	}
	if err := set.CheckResponse(httptest.NewRequest("GET", "/elsewhere", nil), 200, h, []byte(`{}`)); err == nil {
		t.Fatal("a path no file describes passed")
	}
}

// ValidateAt, given the caller's own template and variable names, finds the
// same operation as a route search and maps path parameters by position.
func TestValidateAtMatchesValidate(t *testing.T) {
	sp := load(t).Spec("t")
	for _, c := range []struct {
		path, body string
		ok         bool
	}{
		{"/things/abc", `{"amount":1,"lines":[]}`, true},
		{"/things/ABC", `{"amount":1,"lines":[]}`, false},
		{"/things/abc", `{"amount":"x","lines":[]}`, false},
	} {
		r := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		id := strings.TrimPrefix(c.path, "/things/")
		v := sp.ValidateAt(r, "/things/{thing_id}", map[string]string{"thing_id": id}, []byte(c.body))
		w := sp.Validate(r, []byte(c.body))
		if (v == nil) != c.ok || (w == nil) != c.ok {
			t.Fatalf("%s %s: ValidateAt %v, Validate %v", c.path, c.body, v, w)
		}
		if v != nil && (v.Kind != w.Kind || v.Name != w.Name || strings.Join(v.Pointer, "/") != strings.Join(w.Pointer, "/")) {
			t.Fatalf("differ: %+v vs %+v", v, w)
		}
	}
	r := httptest.NewRequest("DELETE", "/things/abc", nil)
	if v := sp.ValidateAt(r, "/things/{id}", map[string]string{"id": "abc"}, nil); v == nil || v.Kind != contract.MethodNotAllowed {
		t.Fatalf("unknown method: %+v", v)
	}
}
