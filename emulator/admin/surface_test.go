package admin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/paysandbox/paysandbox/emulator"
	"github.com/paysandbox/paysandbox/emulator/sandboxtest"
)

type adminError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func decodeError(t *testing.T, status int, body []byte) adminError {
	t.Helper()
	var e adminError
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("%d: not an admin error: %s", status, body)
	}
	return e
}

// plainDo sends a request the response checker cannot check (a method no
// operation has) with a plain client, under host ("": the URL's).
func plainDo(t *testing.T, method, url, host string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// Every admin endpoint goes through the surface, which checks the body
// against openapi/sandbox.yaml and answers in the admin error format, the
// message naming the field and showing the operation's example.
func TestBadBodiesAndMethodsAnswerInTheAdminFormat(t *testing.T) {
	sb := sandboxtest.Start(t)
	for _, ep := range []struct {
		path, example, field, unknown string
	}{
		{"/_sandbox/clock/advance", `{"duration":"49h","tenant":"PK_TEST_x"}`, "duration", "durationn"},
		{"/_sandbox/scenarios/slow/arm", `"tenant":"PK_TEST_x"`, "tenant", "tenantt"},
	} {
		for _, c := range []struct {
			name, body, msg string
		}{
			{"malformed", `{"` + ep.field + `":`, "the body ends in the middle of a JSON value"},
			{"wrong type", `{"` + ep.field + `":49}`, `field "` + ep.field + `" must be a string`},
			{"unknown field", `{"` + ep.field + `":"1h","` + ep.unknown + `":"x"}`, `unknown field "` + ep.unknown + `"`},
			{"trailing data", `{"` + ep.field + `":"1h"} {}`, "the body has data after its JSON value"},
		} {
			t.Run(ep.path+" "+c.name, func(t *testing.T) {
				r := sb.Do(t, http.MethodPost, ep.path, c.body)
				e := decodeError(t, r.Status, r.Body)
				if r.Status != http.StatusBadRequest || e.Error.Code != "bad_request" || !strings.Contains(e.Error.Message, c.msg) ||
					!strings.Contains(e.Error.Message, ep.example) {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
			})
		}
		t.Run(ep.path+" wrong method", func(t *testing.T) {
			status, _, body := plainDo(t, http.MethodDelete, sb.URL+ep.path, "")
			if e := decodeError(t, status, body); status != http.StatusMethodNotAllowed || e.Error.Code != "method_not_allowed" ||
				e.Error.Message != "DELETE is not allowed on "+ep.path {
				t.Fatalf("%d %s", status, body)
			}
		})
	}
	if off := sb.Emulator.Platform().Clock.Offset(""); off != 0 || len(sb.Emulator.Scenarios().Armed("")) != 0 {
		t.Fatalf("a refused call changed state (clock %v)", off)
	}
	// A query parameter the file refuses names what it takes.
	r := sb.Do(t, http.MethodGet, "/_sandbox/webhooks?status=lost", nil)
	if e := decodeError(t, r.Status, r.Body); r.Status != 400 || e.Error.Code != "bad_status" || e.Error.Message != "status is pending, delivered or failed" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	// HEAD is GET without the body, as on every surface.
	r = sb.Do(t, http.MethodHead, "/_sandbox/tenants", nil)
	if r.Status != http.StatusOK || len(r.Body) != 0 || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("HEAD: %d %v %q", r.Status, r.Header, r.Body)
	}
}

// The guard answers before anything looks at the method or the body: a
// rebinding page learns nothing from a bad body, and a big one is not read.
func TestTheGuardRunsBeforeTheBody(t *testing.T) {
	sb := sandboxtest.Start(t)
	evil := "evil.example"
	for _, c := range []struct{ name, method, path, body string }{
		{"malformed", "POST", "/_sandbox/clock/advance", `{"duration":`},
		{"wrong type", "POST", "/_sandbox/scenarios/slow/arm", `{"tenant":5}`},
		{"too large", "POST", "/_sandbox/clock/advance", `{"duration":"1h","tenant":"` + strings.Repeat("x", 70<<10) + `"}`},
		{"snapshot", "PUT", "/_sandbox/snapshots/*", `{"kind":`},
	} {
		r := send(t, sb, c.method, c.path, evil, c.body)
		if e := decodeError(t, r.Status, r.Body); r.Status != http.StatusForbidden || e.Error.Code != "forbidden_host" {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	status, _, body := plainDo(t, http.MethodDelete, sb.URL+"/_sandbox/clock/advance", evil)
	if e := decodeError(t, status, body); status != http.StatusForbidden || e.Error.Code != "forbidden_host" {
		t.Errorf("wrong method from a foreign Host: %d %s", status, body)
	}

	tok := sandboxtest.Start(t, sandboxtest.WithConfig(func(c *emulator.Config) { c.AdminToken = "s3cret" }))
	r := tok.Do(t, http.MethodPost, "/_sandbox/clock/advance", `{"duration":49}`)
	if e := decodeError(t, r.Status, r.Body); r.Status != http.StatusUnauthorized || e.Error.Code != "unauthorized" || r.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("no token, bad body: %d %s", r.Status, r.Body)
	}
	if r := tok.Do(t, http.MethodPost, "/_sandbox/clock/advance", `{"duration":49}`, "Authorization", "Bearer s3cret"); r.Status != http.StatusBadRequest {
		t.Errorf("token, bad body: %d %s", r.Status, r.Body)
	}
}

// Every object schema of openapi/sandbox.yaml is closed (additionalProperties
// false, or a schema for a map keyed by data), so the response check of every
// admin answer means something.
func TestSandboxSchemasAreClosed(t *testing.T) {
	set, err := emulator.Specs()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := set.Spec("sandbox").Full()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		ap := s.AdditionalProperties
		if (s.Type.Is("object") || len(s.Properties) > 0) && ap.Schema == nil && (ap.Has == nil || *ap.Has) {
			t.Errorf("open object schema at %s", where)
		}
		for name, p := range s.Properties {
			walk(where+"."+name, p)
		}
		walk(where+"[]", s.Items)
		walk(where+"{}", ap.Schema)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.RequestBody != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(where+" request", mt.Schema)
				}
			}
			for status, resp := range op.Responses.Map() {
				for _, mt := range resp.Value.Content {
					walk(where+" "+status, mt.Schema)
				}
			}
		}
	}
	if len(seen) < 20 {
		t.Fatalf("only %d schemas seen", len(seen))
	}
}
