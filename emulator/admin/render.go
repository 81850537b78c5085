package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gorilla/mux"

	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// renderer answers what an admin surface refuses in the admin API's error
// format and in our words: never a Go decoder's or the validator's message
// about Go types. A bad body's message shows the operation's example from
// openapi/sandbox.yaml, so the caller sees a good body.
type renderer struct {
	spec    *contract.Spec
	maxBody int64
}

var _ platform.Renderer = (*renderer)(nil)

// carry puts the renderer in the request, for Decode's late body errors.
func (rd *renderer) carry(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), rendererKey{}, rd)))
	})
}

func (rd *renderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	switch v.Kind {
	case contract.MethodNotAllowed:
		methodNotAllowed(w, r)
	case contract.NoOperation:
		notFound(w, r)
	case contract.TooLarge:
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "the body is over "+size(rd.maxBody))
	case contract.UnsupportedMediaType:
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
	case contract.Parameter:
		writeError(w, http.StatusBadRequest, "bad_"+v.Name, rd.parameterProblem(r, v))
	case contract.Unavailable:
		writeError(w, http.StatusInternalServerError, "internal", "the admin API's OpenAPI file did not load")
	case contract.MissingBody:
		badBody(w, r, "the body is empty")
	case contract.Malformed:
		badBody(w, r, malformed(platform.Body(r), v))
	default:
		badBody(w, r, schemaProblem(v))
	}
}

// RenderError answers an error no admin endpoint expects.
func (rd *renderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	writeError(w, http.StatusInternalServerError, "internal", "the admin API failed")
}

// badBody answers 400 bad_request: why, after an example of a good body.
func badBody(w http.ResponseWriter, r *http.Request, why string) {
	msg := "the body must be JSON: " + why
	if ex := rendererOf(r.Context()).example(r); ex != "" {
		msg = "the body must be JSON like " + ex + ": " + why
	}
	writeError(w, http.StatusBadRequest, "bad_request", msg)
}

// operation is the sandbox.yaml operation r was routed to (nil if none).
func (rd *renderer) operation(r *http.Request) *openapi3.Operation {
	route := mux.CurrentRoute(r)
	if rd == nil || route == nil {
		return nil
	}
	tpl, err := route.GetPathTemplate()
	doc, derr := rd.spec.Doc()
	if err != nil || derr != nil {
		return nil
	}
	item := doc.Paths.Find(tpl)
	if item == nil {
		return nil
	}
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	return item.GetOperation(method)
}

// example is the JSON example of the operation's request body, compact.
func (rd *renderer) example(r *http.Request) string {
	op := rd.operation(r)
	if op == nil || op.RequestBody == nil || op.RequestBody.Value == nil {
		return ""
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Example == nil {
		return ""
	}
	b, err := json.Marshal(mt.Example)
	if err != nil {
		return ""
	}
	return string(b)
}

// parameterProblem is the parameter's description in sandbox.yaml (which
// says what it takes), or the validator's reason.
func (rd *renderer) parameterProblem(r *http.Request, v *contract.Violation) string {
	if op := rd.operation(r); op != nil {
		if p := op.Parameters.GetByInAndName(v.In, v.Name); p != nil && p.Description != "" {
			return p.Description
		}
	}
	return fmt.Sprintf("%s parameter %s: %s", v.In, v.Name, v.Reason)
}

// malformed says why a body is not JSON the surface could read.
func malformed(body []byte, v *contract.Violation) string {
	if strings.HasPrefix(v.Reason, "the ") {
		return v.Reason // the platform's own words (nesting, size of the JSON)
	}
	var raw json.RawMessage // validates the whole body without building it
	if err := json.Unmarshal(body, &raw); err != nil {
		return describeJSONError(err)
	}
	return "the body is not valid JSON"
}

// schemaProblem puts a schema violation in our words: the field and what it
// must be.
func schemaProblem(v *contract.Violation) string {
	field := strings.Join(v.Pointer, ".")
	reason := v.Reason
	if name, ok := quotedIn(reason, "property ", " is unsupported"); ok {
		return "unknown field " + quoteShort(join(field, name))
	}
	if name, ok := quotedIn(reason, "property ", " is missing"); ok {
		if !strings.HasSuffix(field, name) {
			field = join(field, name)
		}
		return field + " is required"
	}
	if field == "" {
		if reason == "value must be an object" {
			return "the body must be a JSON object"
		}
		return "the body " + strings.TrimPrefix(reason, "value ")
	}
	if rest, ok := strings.CutPrefix(reason, "value "); ok {
		return fmt.Sprintf("field %s %s", quoteShort(field), rest)
	}
	return fmt.Sprintf("field %s: %s", quoteShort(field), reason)
}

// quotedIn reads the quoted name in prefix"name"suffix.
func quotedIn(s, prefix, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	q, ok := strings.CutSuffix(rest, suffix)
	if !ok || len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' {
		return "", false
	}
	var name string
	if json.Unmarshal([]byte(q), &name) != nil {
		return "", false
	}
	return name, true
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// size is n bytes in KiB or MiB.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
