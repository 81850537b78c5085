package commercelayer

import (
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/paysandbox/paysandbox/emulator/commercelayer/jsonapi"
	"github.com/paysandbox/paysandbox/emulator/contract"
	"github.com/paysandbox/paysandbox/emulator/klarnaapi"
	"github.com/paysandbox/paysandbox/emulator/platform"
)

// Every error of this provider is a *jsonapi.Error (or jsonapi.Errors); this
// file is the one place that renders them: as the Core API's error list
// (status a string) or, on the OAuth endpoints, with a numeric status.

const jsonAPIMediaType = "application/vnd.api+json"

// Errors by name.
var (
	errAccessDenied = &jsonapi.Error{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Title: "Access denied",
		Detail: "You are not authorized to perform this action on the requested resource."}
	errNeedsMarket = &jsonapi.Error{Status: http.StatusUnauthorized, Code: "UNAUTHORIZED", Title: "Access denied",
		Detail: "A sales channel token needs a market in its scope to write."}
	errNotFoundRoute = &jsonapi.Error{Status: http.StatusNotFound, Code: "NOT_FOUND", Title: "Not found",
		Detail: "The requested resource could not be found."}
	errMethodNotAllowed = &jsonapi.Error{Status: http.StatusMethodNotAllowed, Code: "METHOD_NOT_ALLOWED", Title: "Method not allowed",
		Detail: "This method is not allowed on this resource."}
	errInternal = &jsonapi.Error{Status: http.StatusInternalServerError, Code: "INTERNAL_SERVER_ERROR", Title: "Internal server error",
		Detail: "Something went wrong in the emulator; see its log."}
)

func recordNotFound(id string) *jsonapi.Error {
	return &jsonapi.Error{Status: http.StatusNotFound, Code: "RECORD_NOT_FOUND", Title: "Record not found",
		Detail: fmt.Sprintf("The record identified by %s could not be found.", id)}
}

func relNotFound(rel, id string) *jsonapi.Error {
	e := recordNotFound(id)
	e.Pointer = jsonapi.RelationshipPointer(rel)
	return e
}

func invalidDataFormat(detail string) *jsonapi.Error {
	return &jsonapi.Error{Status: http.StatusBadRequest, Code: "INVALID_DATA_FORMAT", Title: "Invalid data format", Detail: detail}
}

func notAcceptable(got string) *jsonapi.Error {
	return &jsonapi.Error{Status: http.StatusNotAcceptable, Code: "NOT_ACCEPTABLE", Title: "Not acceptable",
		Detail: fmt.Sprintf("All requests must use the '%s' Accept without media type parameters. This request specified '%s'.", jsonAPIMediaType, got)}
}

func unsupportedMediaType(got string) *jsonapi.Error {
	return &jsonapi.Error{Status: http.StatusUnsupportedMediaType, Code: "UNSUPPORTED_MEDIA_TYPE", Title: "Unsupported media type",
		Detail: fmt.Sprintf("All requests that create or update must use the '%s' Content-Type. This request specified '%s'.", jsonAPIMediaType, got)}
}

func keyNotInURL(id string) *jsonapi.Error {
	return &jsonapi.Error{Status: http.StatusBadRequest, Code: "KEY_NOT_INCLUDED_IN_URL", Title: "Key is not included in URL",
		Detail: "The URL does not support the key " + id, Pointer: "/data/id"}
}

// klarnaFailure is a Klarna call's error as Commerce Layer reports it: a 422
// on the payment source, Klarna's messages in the detail.
func klarnaFailure(err error, pointer string) error {
	var ke *klarnaapi.Error
	if !errors.As(err, &ke) {
		return err
	}
	field := pointer[strings.LastIndex(pointer, "/")+1:]
	e := jsonapi.Validation(pointer, field, "Klarna: "+strings.Join(ke.Messages, "; "), "gateway_error")
	e.Meta["gateway_code"] = ke.Code
	e.Meta["gateway_status"] = ke.Status
	return e
}

// toErrors turns any error into the list to render.
func toErrors(log *slog.Logger, r *http.Request, err error) jsonapi.Errors {
	var es jsonapi.Errors
	var e *jsonapi.Error
	switch {
	case errors.As(err, &es):
		return es
	case errors.As(err, &e):
		return jsonapi.Errors{e}
	}
	log.Error("commercelayer: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	return jsonapi.Errors{errInternal}
}

// apiRenderer renders Core API errors.
type apiRenderer struct{ log *slog.Logger }

func (a apiRenderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	if platform.ClientGone(w, r, err) {
		return
	}
	scenarioRateLimited(w, err) // scenarios.go
	err = fromScenario(err)
	status, doc := toErrors(a.log, r, err).Document()
	w.Header().Set("Content-Type", jsonAPIMediaType)
	platform.WriteJSON(w, status, doc)
}

func (a apiRenderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	a.RenderError(w, r, violationError(v))
}

// violationError is how Commerce Layer answers a request that breaks
// openapi/commercelayer.yaml.
func violationError(v *contract.Violation) error {
	switch v.Kind {
	case contract.Malformed:
		return invalidDataFormat("The request body is not valid JSON.")
	case contract.TooLarge:
		return invalidDataFormat("The request body is too large.")
	case contract.MissingBody:
		return &jsonapi.Error{Status: http.StatusBadRequest, Code: "PARAM_MISSING", Title: "Missing Parameter",
			Detail: "The required parameter, data, is missing.", Pointer: "/data"}
	case contract.UnsupportedMediaType:
		return unsupportedMediaType("")
	case contract.NoOperation:
		return errNotFoundRoute
	case contract.MethodNotAllowed:
		return errMethodNotAllowed
	case contract.Parameter:
		return &jsonapi.Error{Status: http.StatusBadRequest, Code: "INVALID_FIELD_VALUE", Title: "Invalid field value",
			Detail: fmt.Sprintf("%s: %s", v.Name, v.Reason), Parameter: v.Name}
	case contract.Body:
		return bodyViolation(v)
	}
	return errInternal
}

// bodyViolation: an unknown attribute is PARAM_NOT_ALLOWED (400); anything
// else a 422 VALIDATION_ERROR pointing at the field.
func bodyViolation(v *contract.Violation) error {
	if len(v.Pointer) == 0 {
		return invalidDataFormat("The request body is not a JSON:API document: " + v.Reason)
	}
	pointer := "/" + strings.Join(v.Pointer, "/")
	field := v.Pointer[len(v.Pointer)-1]
	if i := strings.Index(v.Reason, `property "`); i >= 0 && strings.Contains(v.Reason, "is unsupported") {
		name := v.Reason[i+len(`property "`):]
		name = name[:strings.Index(name, `"`)]
		return &jsonapi.Error{Status: http.StatusBadRequest, Code: "PARAM_NOT_ALLOWED", Title: "Param not allowed",
			Detail: name + " is not allowed.", Pointer: pointer + "/" + name}
	}
	msg, key := v.Reason, "invalid"
	switch {
	case strings.Contains(v.Reason, "missing") || strings.Contains(v.Reason, "required"):
		msg, key = "can't be blank", "blank"
	case strings.Contains(v.Reason, "must be an integer") || strings.Contains(v.Reason, "must be a number"):
		msg, key = "is not a number", "not_a_number"
	}
	return jsonapi.Validation(pointer, field, msg, key)
}

// oauthRenderer renders the OAuth endpoints' errors, status as a number.
type oauthRenderer struct{ log *slog.Logger }

type oauthErrorObject struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Status int    `json:"status"`
}

func (o oauthRenderer) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	if platform.ClientGone(w, r, err) {
		return
	}
	scenarioRateLimited(w, err) // scenarios.go
	err = fromScenario(err)
	es := toErrors(o.log, r, err)
	out := struct {
		Errors []oauthErrorObject `json:"errors"`
	}{}
	for _, e := range es {
		out.Errors = append(out.Errors, oauthErrorObject{Title: e.Title, Detail: e.Detail, Code: e.Code, Status: e.Status})
	}
	platform.WriteJSON(w, es[0].Status, out)
}

func (o oauthRenderer) RenderViolation(w http.ResponseWriter, r *http.Request, v *contract.Violation) {
	switch v.Kind {
	case contract.NoOperation:
		o.RenderError(w, r, oauthError(http.StatusNotFound, "not_found", "The requested resource could not be found."))
	case contract.MethodNotAllowed:
		o.RenderError(w, r, oauthError(http.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed here."))
	default:
		o.RenderError(w, r, oauthInvalidRequest)
	}
}

// negotiate enforces the JSON:API media type: Accept must allow it (406
// otherwise) and bodies must be sent as it (415 otherwise).
func negotiate(render apiRenderer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if accept := r.Header.Get("Accept"); accept != "" && !acceptsJSONAPI(accept) {
				render.RenderError(w, r, notAcceptable(accept))
				return
			}
			if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
				ct := r.Header.Get("Content-Type")
				if mt, params, err := mime.ParseMediaType(ct); err != nil || mt != jsonAPIMediaType || len(params) > 0 {
					render.RenderError(w, r, unsupportedMediaType(ct))
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// acceptsJSONAPI: some media range admits application/vnd.api+json without
// parameters.
func acceptsJSONAPI(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		delete(params, "q")
		switch mt {
		case jsonAPIMediaType:
			if len(params) == 0 {
				return true
			}
		case "*/*", "application/*":
			return true
		}
	}
	return false
}
