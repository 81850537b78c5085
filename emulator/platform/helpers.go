package platform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	gojson "github.com/goccy/go-json"
	"github.com/gorilla/mux"
)

// Small helpers every provider's handlers share.

// PathVar is a path parameter, unescaped: the router matches encoded paths,
// so an id may hold a slash as %2F.
func PathVar(r *http.Request, name string) string {
	v := mux.Vars(r)[name]
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// DecodeJSON reads the request body (read once by the chain and already
// checked against the OpenAPI file) into v. present is false for an empty
// body, which leaves v as it is; err is json's, for the provider to answer
// in its own format.
func DecodeJSON(r *http.Request, v any) (present bool, err error) {
	body := bytes.TrimSpace(Body(r))
	if len(body) == 0 {
		return false, nil
	}
	return true, json.Unmarshal(body, v)
}

// DecodeBody is DecodeJSON through goccy/go-json, a few times faster than
// encoding/json into a struct. For a body the contract let through both
// libraries fill v alike (emulator/platform's decode tests); when goccy
// fails, the body is decoded again with encoding/json so that the error is
// encoding/json's (*json.UnmarshalTypeError with its Field), which the
// providers map to their answers.
func DecodeBody(r *http.Request, v any) (present bool, err error) {
	body := bytes.TrimSpace(Body(r))
	if len(body) == 0 {
		return false, nil
	}
	if gojson.Unmarshal(body, v) == nil {
		return true, nil
	}
	return true, json.Unmarshal(body, v)
}

// SkipAction is the error of a ScenarioAction with nothing to act on in this
// request, saying why: the step does not apply (ErrActionSkipped).
func SkipAction(format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, ErrActionSkipped)...)
}
