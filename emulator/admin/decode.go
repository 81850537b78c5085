package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// MaxBody is the largest admin request body.
const MaxBody = 64 << 10

// Decode reads the request body, which the surface has already checked
// against openapi/sandbox.yaml (shape, types, unknown fields), into v. What
// the file cannot say (data after the JSON value, a number too large for its
// field) is answered here like any other bad body, and Decode reports false.
func Decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if _, err := platform.DecodeJSON(r, v); err != nil {
		badBody(w, r, describeJSONError(err))
		return false
	}
	return true
}

// jsonBody reads a body sent without a Content-Type, or as a JSON variant
// ("application/x+json"), as JSON: the admin API always took those, and the
// contract then checks what the handler reads.
func jsonBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			ct := r.Header.Get("Content-Type")
			if mt, _, _ := mime.ParseMediaType(ct); ct == "" || (mt != "application/json" && strings.HasSuffix(mt, "+json")) {
				r.Header.Set("Content-Type", "application/json")
			}
		}
		next.ServeHTTP(w, r)
	})
}

// describeJSONError says what is wrong with a body without echoing Go's
// message (which names struct types) or the value itself.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input":
		return "the body ends in the middle of a JSON value"
	case errors.As(err, &syn) && strings.Contains(syn.Error(), "after top-level value"):
		return "the body has data after its JSON value"
	case errors.As(err, &syn):
		return fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "the body must be a JSON object"
		}
		if kind := jsonKind(typ.Type.Kind().String()); kind != "a number" || !strings.HasPrefix(typ.Value, "number") {
			return fmt.Sprintf("field %q must be %s, not a JSON %s", typ.Field, kind, typ.Value)
		}
		return fmt.Sprintf("field %q must be a whole number that fits in 64 bits", typ.Field)
	}
	return "the body is not a JSON object of the expected shape"
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "ptr":
		return "a value of the documented type"
	}
	return "a number"
}

// WriteError answers in the admin API's error format.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	platform.WriteJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

type rendererKey struct{}

// rendererOf is the renderer of the admin surface r came through.
func rendererOf(ctx context.Context) *renderer {
	rd, _ := ctx.Value(rendererKey{}).(*renderer)
	return rd
}
