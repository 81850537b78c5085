package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/platform"
)

// MaxBody is the largest admin request body.
const MaxBody = 64 << 10

// DecodeJSON reads r's body into v (unknown fields refused) and answers a
// bad body itself, in the admin error format and in our own words: never Go's
// decoder messages, which name Go types. example shows a good body.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		WriteError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send application/json")
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errTrailing
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errTrailing
		}
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		WriteError(w, http.StatusRequestEntityTooLarge, "too_large", "the body is over 64 KiB")
		return false
	}
	WriteError(w, http.StatusBadRequest, "bad_request", "the body must be JSON like "+example+": "+describeJSONError(err))
	return false
}

var errTrailing = errors.New("trailing data")

// describeJSONError says what is wrong with a body without echoing Go's
// message (which names struct types) or the value itself.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the body ends in the middle of a JSON value"
	case errors.Is(err, errTrailing):
		return "the body has data after its JSON object"
	case errors.As(err, &syn):
		return fmt.Sprintf("the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "the body must be a JSON object"
		}
		return fmt.Sprintf("field %q must be %s, not a JSON %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if len(f) > 80 {
			f = f[:80] + "…"
		}
		return "unknown field " + f
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
